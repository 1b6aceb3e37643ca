"""What a batch plans and what comes back: the task of each run, its outcome and the batch's result.

A task and an outcome cross process boundaries — a run's own Python process
reads its task as JSON on stdin and prints its outcome as JSON on stdout; a Dask
cluster pickles both — so they are dataclasses of plain values with
``to_json``/``from_json``. A task also reads like the record it travels as
(``task["name"]``).

Examples
--------
>>> task = RunTask(name="billing-2026-08", teams=["Billing"], review=["2026-08-01", "2026-08-31"],
...     cycle="cycles/billing-2026-08.yaml", out="reports", run_id="review/billing-2026-08",
...     run_dir="reports/cycle/review/billing-2026-08", stages=["check"],
...     parameters={"teams": "Billing"}, notebooks="notebooks", cell_timeout=900,
...     timeout=3600.0, retries=2, fingerprint="f00d", fingerprint_detail={})
>>> RunTask.from_json(task.to_json()) == task, task["teams"]
(True, ['Billing'])
>>> outcome = task.outcome("failed", stage="check", cell=5, ename="ZeroDivisionError",
...     evalue="division by zero")
>>> outcome.status is Status.FAILED, outcome.ok, outcome.error
(True, False, 'check stage, cell 5: ZeroDivisionError: division by zero')
>>> RunOutcome.from_json(outcome.to_json()) == outcome
True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path


class Status(StrEnum):
    """How a run ended; ``ok`` and ``unchanged`` (skipped: its inputs did not change) are successes."""

    OK = "ok"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"

    @property
    def succeeded(self) -> bool:
        return self in (Status.OK, Status.UNCHANGED)


#: the order of the statuses in the index: failures first
STATUS_ORDER = {
    Status.FAILED: 0,
    Status.TIMEOUT: 1,
    Status.ERROR: 2,
    Status.OK: 3,
    Status.UNCHANGED: 4,
}


@dataclass
class RunOutcome:
    """What happened to one run. ``status`` is ok, unchanged, failed, error or timeout."""

    name: str
    status: Status
    run_dir: str
    teams: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    report: str | None = None
    stage: str | None = None
    cell: int | None = None
    ename: str | None = None
    evalue: str | None = None
    notebook: str | None = None
    seconds: float | None = None
    detail: str | None = None

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def ok(self) -> bool:
        return self.status.succeeded

    @property
    def error(self) -> str:
        """One line: where and what (empty for a successful run)."""
        if self.ok:
            return ""
        where = f"{self.stage} stage" if self.stage else "before the notebooks"
        if self.cell is not None:
            where += f", cell {self.cell}"
        return f"{where}: {self.ename}: {self.evalue}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> RunOutcome:
        return cls(**json.loads(text))


@dataclass
class RunTask:
    """Everything one run of a batch needs, resolved: its derived cycle file, folders, limits and fingerprint.

    ``review`` is the review window (ISO start and end); ``fingerprint`` hashes
    ``fingerprint_detail``, the inputs that decide whether an earlier run is still current.
    """

    name: str
    teams: list[str]
    review: list[str]
    cycle: str
    out: str
    run_id: str
    run_dir: str
    stages: list[str]
    parameters: dict[str, object]
    notebooks: str
    cell_timeout: int
    timeout: float
    retries: int
    fingerprint: str
    fingerprint_detail: dict
    #: a new kernel for each stage instead of one for the run (the results are the same)
    fresh_kernels: bool = False
    #: the tables' inputs as the batch checked them (:func:`~cslib.run.inputs.table_hashes`)
    checked: dict = field(default_factory=dict)

    def __getitem__(self, key: str):
        """``task["name"]`` is ``task.name``: the task reads like its JSON record."""
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def outcome(self, status: Status | str, **details) -> RunOutcome:
        """The outcome of this run with ``status`` and ``details`` (stage, cell, error, seconds …)."""
        return RunOutcome(
            self.name, Status(status), self.run_dir, teams=self.teams, review=self.review, **details
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RunTask:
        return cls(**json.loads(text))


@dataclass
class Batch:
    """A planned batch: where it goes and the task of every run."""

    name: str
    dir: Path
    review_path: Path
    cycle_path: Path
    title: str
    tasks: list[RunTask]
    workers: int


@dataclass
class BatchResult:
    """A finished batch: its folder, index page and one outcome per run (in review-file order)."""

    dir: Path
    index: Path
    outcomes: list[RunOutcome]

    @property
    def failed(self) -> list[RunOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def summary(self):
        """One row per run: ``name``, ``status``, ``teams``, ``review``, ``seconds``, ``error``, ``report``."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "name": o.name,
                    "status": o.status.value,
                    "teams": ",".join(o.teams),
                    "review": "…".join(o.review),
                    "seconds": o.seconds,
                    "error": o.error,
                    "report": o.report,
                }
                for o in self.outcomes
            ]
        )


__all__ = ["STATUS_ORDER", "Batch", "BatchResult", "RunOutcome", "RunTask", "Status"]
