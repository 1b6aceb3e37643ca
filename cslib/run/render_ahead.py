"""The report rendered during the run: after each stage, a thread of the run's own process
(which only waits while the kernel works) renders that stage's executed notebook, and the report
then assembles the pages (:func:`cslib.run.report.build_report` with ``rendered``).

Examples
--------
>>> with rendering_ahead(False) as rendered:
...     rendered("plan", Path("1-plan.ipynb"))
>>> rendered.bodies
{}
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path


class RenderedAhead:
    """Each stage's executed notebook rendered for the report on a thread of this process while
    the kernel runs the next stage (this process only waits for the kernel meanwhile): the
    report then assembles the pages (``bodies``: stage → future of ``render_notebook``)."""

    def __init__(self, pool) -> None:
        self.pool = pool
        self.bodies: dict[str, Future] = {}

    def __call__(self, stage: str, notebook: Path) -> None:
        if self.pool is not None:
            self.bodies[stage] = self.pool.submit(_render, notebook, stage)


def _render(notebook: Path, stage: str):
    from cslib.run.report import render_notebook

    return render_notebook(notebook, anchor=stage)


@contextlib.contextmanager
def rendering_ahead(report: bool) -> Iterator[RenderedAhead]:
    """A :class:`RenderedAhead` for the run's stages; nothing is rendered without a report."""
    if not report:
        yield RenderedAhead(None)
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cslib-report")
    try:
        yield RenderedAhead(pool)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
