"""How a run fails: every error becomes one :class:`StageFailed` naming the stage, cell and cause,
``run.json`` says ``failed`` with that reason, and no half-written file is left looking whole.

A failing cell, a cell over its time limit, a kernel that died, a full disk, an input file
changed during the run, or the run being stopped all end the same way: the executed notebook
is kept when it is whole (a truncated one is deleted), a half-written report is removed, and the
manifest records what happened. Nothing is added to the cycle register (that happens only
when a run finishes).
"""

from __future__ import annotations

import contextlib
import errno
import json
from pathlib import Path

from cslib.cycle import artefacts


class StageFailed(Exception):
    """A run stopped in ``stage`` (or ``report``); the executed notebook is kept at ``notebook``."""

    def __init__(
        self, stage: str, cell: int | None, ename: str, evalue: str, notebook: Path | None
    ):
        self.stage, self.cell, self.ename, self.evalue, self.notebook = (
            stage,
            cell,
            ename,
            evalue,
            notebook,
        )
        where = f"cell {cell}" if cell is not None else "kernel" if notebook else "run"
        kept = f"\n  executed notebook kept at {notebook}" if notebook else ""
        super().__init__(f"the {stage} stage failed in {where}: {ename}: {evalue}{kept}")

    #: the CLI's exit code, whatever the cell raised: something has run (2 is for input
    #: refused before any kernel starts)
    exit_code = 1


class RunStopped(KeyboardInterrupt):
    """The run's process was told to stop (SIGTERM, or the batch that started it ended)."""


def as_failure(exc: BaseException, stage: str, notebook: Path, *, timeout: int) -> StageFailed:
    """Any error raised while ``stage`` ran (its notebook at ``notebook``) as the failure to report."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    kept = notebook if _readable(notebook) else None
    if isinstance(exc, StageFailed):
        return exc
    if isinstance(exc, PapermillExecutionError):
        return StageFailed(stage, exc.exec_count, exc.ename, first_line(exc.evalue), kept)
    if isinstance(exc, CellTimeoutError):
        return StageFailed(
            stage,
            _running_cell(kept),
            "CellTimeout",
            f"a cell ran longer than its {timeout} s limit and was stopped "
            "(raise it with --timeout, or cell_timeout in a review file)",
            kept,
        )
    if isinstance(exc, DeadKernelError):
        return StageFailed(
            stage,
            _running_cell(kept),
            "KernelDied",
            "the notebook's kernel died (out of memory?)",
            kept,
        )
    return StageFailed(stage, None, *describe(exc), kept)


def describe(exc: BaseException) -> tuple[str, str]:
    """``(ename, evalue)`` of an error in plain words: a full disk or a folder that cannot be written."""
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            return "DiskFull", f"no space left on the disk{where}: free some space and run again"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return "NotWritable", f"cannot write{where}: {exc.strerror}"
        return type(exc).__name__, f"{exc.strerror or exc}{where}"
    if isinstance(exc, RunStopped | KeyboardInterrupt):
        return "Stopped", str(exc) or "the run was stopped before it finished"
    return type(exc).__name__, first_line(str(exc))


def settle(run_dir: Path, manifest: dict, failure: StageFailed) -> None:
    """Record a failed run: partial files removed first (that frees space on a full disk), then
    ``run.json`` marked ``failed`` with the reason. Best effort: never raises."""
    with contextlib.suppress(OSError):
        for partial in artefacts.partial_files(artefacts.report_path(run_dir)):
            partial.unlink()
        for notebook in run_dir.glob("*.ipynb"):
            if not _readable(notebook):
                notebook.unlink()
    manifest.update(
        status="failed",
        failed={
            "stage": failure.stage,
            "cell": failure.cell,
            "ename": failure.ename,
            "evalue": failure.evalue,
        },
    )
    with contextlib.suppress(OSError):
        artefacts.write_manifest(run_dir, manifest)


def first_line(text: str) -> str:
    return next((ln for ln in str(text).splitlines() if ln.strip()), str(text))


def _readable(notebook: Path) -> bool:
    """Is the notebook there and whole (not cut short by a full disk or a killed process)?"""
    try:
        json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def _running_cell(notebook: Path | None) -> int | None:
    """The execution count of the cell that was running when the stage stopped (the last one started)."""
    if notebook is None:
        return None
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    counts = [c.get("execution_count") for c in cells if c.get("cell_type") == "code"]
    return max((n for n in counts if n is not None), default=None)


__all__ = [
    "RunStopped",
    "StageFailed",
    "as_failure",
    "describe",
    "first_line",
    "settle",
]
