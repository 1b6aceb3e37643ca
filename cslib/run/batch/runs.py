"""Running a planned batch: unchanged runs skipped, the others on the workers, then the batch's records.

``batch.json`` (``schema_version`` 1; see :mod:`cslib.cycle.artefacts`) holds
the review, cycle, times, workers or scheduler, and the outcome of every run in
review-file order; ``index.html`` shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from cslib.cycle import artefacts
from cslib.run.batch import workers as pool
from cslib.run.batch.index import write_index
from cslib.run.batch.panel import build_panel
from cslib.run.batch.results import Batch, BatchResult, RunOutcome, RunTask, Status
from cslib.run.batch.tasks import is_current, plan_batch


def run_batch(
    review_path: str | Path,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    stages: list[str] | None = None,
    panel: bool = True,
    fresh_kernels: bool = False,
    on_run: Callable[[RunOutcome | None, int, int], None] | None = None,
) -> BatchResult:
    """Run every run of a review file, in parallel, and write ``index.html``.

    Parameters
    ----------
    review_path : path
        The review file.
    out : path, optional
        Reports folder (default: the file's ``out``, else ``./reports``).
    workers : int, optional
        Runs at a time on this machine (default: the file's ``workers``, else 2 × cores).
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``; default: the
        ``DASK_SCHEDULER_ADDRESS`` environment variable): the runs go to its workers
        instead (they must see the same files and have cslib installed).
    force : bool
        Rerun runs whose inputs are unchanged.
    stages : list of str, optional
        Override the file's stages.
    panel : bool
        Compute the team × period KPI panel once for the runs that need it (one team each)
        and let them read it instead of scanning the tickets again (:mod:`cslib.run.batch.panel`);
        False: every run scans the tickets itself.
    fresh_kernels : bool
        Start a kernel for each stage of a run instead of one kernel per run.
    on_run : callable, optional
        Progress: called with ``(None, 0, total)`` once the batch is planned, then
        with ``(outcome, done, total)`` as each run finishes (unchanged runs first).

    Returns
    -------
    BatchResult

    Raises
    ------
    ConfigError
        For problems in the review file, the cycle template or its data (nothing runs).
    """
    batch = plan_batch(review_path, out=out, stages=stages, workers=workers)
    # an index of an earlier batch would link reports that the reruns are about to replace
    artefacts.index_path(batch.dir).unlink(missing_ok=True)
    scheduler = pool.scheduler_address(scheduler)
    total = len(batch.tasks)
    started = dt.datetime.now()
    outcomes: dict[str, RunOutcome] = {}
    notify = on_run or (lambda *_: None)
    notify(None, 0, total)

    def collect(outcome: RunOutcome) -> None:
        outcomes[outcome.name] = outcome
        notify(outcome, len(outcomes), total)

    pending = []
    for task in batch.tasks:
        if not force and is_current(task):
            collect(_unchanged(task))
        else:
            pending.append(replace(task, fresh_kernels=fresh_kernels))
    folder = build_panel(batch) if panel and pending else None
    for task in pending:
        if folder is not None and len(task.teams) == 1:
            task.parameters = {**task.parameters, "panel": str(folder)}
    if pending and scheduler:
        pool.run_dask(pending, scheduler, collect)
    elif pending:
        pool.run_local(pending, min(batch.workers, len(pending)), collect)
    ordered = [outcomes[t.name] for t in batch.tasks]
    _write_record(batch, ordered, started, scheduler)
    index = write_index(batch, ordered)
    return BatchResult(batch.dir, index, ordered)


def _unchanged(task: RunTask) -> RunOutcome:
    """The outcome of a run skipped as current: its report and the time it took then."""
    manifest = artefacts.read_manifest(task.run_dir)
    return task.outcome(
        Status.UNCHANGED,
        report=str(artefacts.report_path(task.run_dir)),
        seconds=sum(manifest.get("timings", {}).values()),
    )


def _write_record(
    batch: Batch, outcomes: list[RunOutcome], started: dt.datetime, scheduler: str | None
) -> None:
    """``batch.json``: where the batch came from, when and how it ran, and every run's outcome."""
    artefacts.write_batch_manifest(
        batch.dir,
        {
            "review": str(batch.review_path),
            "cycle": str(batch.cycle_path),
            "title": batch.title,
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now().isoformat(timespec="seconds"),
            "workers": None if scheduler else batch.workers,
            "scheduler": scheduler,
            "runs": [asdict(o) for o in outcomes],
        },
    )


__all__ = ["run_batch"]
