"""Batch reviews: many runs of one cycle (teams × months, or any list) in parallel, with an index.

A review file (``review.yaml``) names a cycle template and the runs. For each run
a derived cycle file is written into the batch folder (the review window set to
the run's month, data paths made absolute — nothing is written next to the
template or its data) and the PDCA notebooks run with the run's ``teams``.

Layout of a batch (``<out>/<cycle>/<batch>/``)::

    index.html            one row per run: status, headline KPIs, verdicts, report links
    batch.json            the outcome of every run
    cycles/<run>.yaml     derived cycle files
    <run>/                run folders (run.json, notebooks, artefacts, report.html,
                          fingerprint.json)

Each run executes in a process of its own (its own kernels), at most ``workers``
at a time on this machine, or as tasks on a Dask distributed cluster
(``scheduler=``). A failed run is recorded with its stage, cell and error; the
others carry on. A run whose inputs — data file hashes, derived cycle file,
parameters, stages, notebooks and package versions — are
unchanged and whose report exists is skipped unless ``force=True`` (after
editing the cslib code of an editable install — same version number — force a rerun).

Examples
--------
>>> review = parse_review({"cycle": "cycle.yaml", "grid": {"teams": ["Billing", "Orders"], "months": ["2026-08"]}})
>>> [run.name for run in expand_runs(review)]
['billing-2026-08', 'orders-2026-08']
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cslib._yamlfile import problems_of, read_yaml
from cslib.cycle.artefacts import slug
from cslib.cycle.model import Window
from cslib.errors import ConfigError, CslibError, Problem
from cslib.run.notebooks import NEEDS, NOTEBOOKS, STAGES, notebooks_dir
from cslib.run.runner import file_hash, versions

#: how a finished child process hands its outcome back (the last line of its stdout)
MARKER = "@@cslib-batch-outcome@@ "
#: statuses of a run; the first two count as success
OK, UNCHANGED, FAILED, ERROR, TIMEOUT = "ok", "unchanged", "failed", "error", "timeout"
STATUS_ORDER = {FAILED: 0, TIMEOUT: 1, ERROR: 2, OK: 3, UNCHANGED: 4}
RESERVED = ("cycle", "run_dir", "teams")

Scalar = str | int | float | bool
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
RunName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _months_as_text(v):
    """``2026-08`` stays text in YAML; a full date or a number is a mistake worth naming."""
    if isinstance(v, dt.date | int | float):
        raise ValueError(f"{v} is not a month: write months as YYYY-MM, e.g. 2026-08")
    return v


class Grid(_Model):
    """Every combination of ``teams`` × ``months`` (either may be left out)."""

    teams: list[str | list[str]] = Field(
        default_factory=list, description="a team, or a list of teams reviewed together"
    )
    months: list[Month] = Field(default_factory=list, description="review months, YYYY-MM")

    @field_validator("months", mode="before")
    @classmethod
    def _months(cls, v):
        return [_months_as_text(m) for m in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _something(self):
        if not self.teams and not self.months:
            raise ValueError("the grid needs teams, months or both")
        return self


class RunSpec(_Model):
    """One run listed by hand."""

    name: RunName | None = None
    teams: list[str] | str = Field(default_factory=list)
    month: Month | None = None
    review: Window | None = None
    parameters: dict[str, Scalar] = Field(default_factory=dict)
    notebooks: str | None = None

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, v):
        return _months_as_text(v)

    @model_validator(mode="after")
    def _one_window(self):
        if self.month and self.review:
            raise ValueError("give either month or review, not both")
        return self


class Review(_Model):
    """A batch review: a cycle template and its runs."""

    name: RunName | None = Field(
        None, description="batch folder name (default: the review file's name)"
    )
    cycle: str = Field(description="the cycle template, relative to the review file")
    out: str | None = Field(
        None,
        description="reports folder, relative to the review file (default: ./reports; --out wins)",
    )
    workers: int | None = Field(
        None, ge=1, le=256, description="runs at a time on this machine (default: 2 × cores)"
    )
    stages: list[Literal["plan", "do", "check", "act"]] = Field(
        default_factory=lambda: list(STAGES)
    )
    timeout: float = Field(3600, gt=0, description="seconds a whole run may take")
    cell_timeout: int = Field(900, gt=0, description="seconds a notebook cell may take")
    retries: int = Field(
        2, ge=0, le=10, description="retries of a stage whose kernel failed to start"
    )
    notebooks: str | None = Field(
        None, description="folder of your own PDCA notebooks, relative to the review file"
    )
    parameters: dict[str, Scalar] = Field(
        default_factory=dict, description="extra notebook parameters for every run"
    )
    grid: Grid | None = None
    runs: list[RunSpec] = Field(default_factory=list)

    @field_validator("stages")
    @classmethod
    def _stages(cls, v):
        if not v:
            raise ValueError(f"list at least one stage of {', '.join(STAGES)}")
        order = [s for s in STAGES if s in v]
        if list(v) != order or len(set(v)) != len(v):
            raise ValueError(f"stages must be listed once each in PDCA order: {', '.join(order)}")
        for stage, needed in NEEDS.items():
            if stage in v and needed not in v:
                raise ValueError(
                    f"the {stage} stage needs the {needed} stage in the same run: add {needed}"
                )
        return v

    @model_validator(mode="after")
    def _some_runs(self):
        if self.grid is None and not self.runs:
            raise ValueError("no runs: add a grid (teams × months) or a list of runs")
        return self


@dataclass(frozen=True)
class RunPlan:
    """One run of a batch, before it is resolved against the cycle."""

    name: str
    teams: tuple[str, ...] = ()
    window: tuple[dt.date, dt.date] | None = None
    parameters: dict[str, Scalar] = field(default_factory=dict)
    notebooks: str | None = None
    key: str = ""  # where in the review file it comes from


@dataclass
class RunOutcome:
    """What happened to one run. ``status`` is ok, unchanged, failed, error or timeout."""

    name: str
    status: str
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

    @property
    def ok(self) -> bool:
        return self.status in (OK, UNCHANGED)

    @property
    def error(self) -> str:
        """One line: where and what (empty for a successful run)."""
        if self.ok:
            return ""
        where = f"{self.stage} stage" if self.stage else "before the notebooks"
        if self.cell is not None:
            where += f", cell {self.cell}"
        return f"{where}: {self.ename}: {self.evalue}"


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
                    "status": o.status,
                    "teams": ",".join(o.teams),
                    "review": "…".join(o.review),
                    "seconds": o.seconds,
                    "error": o.error,
                    "report": o.report,
                }
                for o in self.outcomes
            ]
        )


# --------------------------------------------------------------------------- review file


def _review_error(kind: str, key: str, error: dict) -> tuple[str, str] | None:
    """Error kinds of the review file's own fields (months, folder-safe names)."""
    if kind == "string_pattern_mismatch" and "month" in key:
        return f"not a month: {error.get('input')!r}", "write months as YYYY-MM, e.g. 2026-08"
    if kind == "string_pattern_mismatch":
        return (
            f"not a folder-safe name: {error.get('input')!r}",
            "use letters, digits, '.', '_' and '-' (up to 80)",
        )
    return None


def parse_review(raw: Any, *, source: str = "review file") -> Review:
    """Validate a review given as a mapping (the parsed YAML); errors name their key path."""
    if not isinstance(raw, dict):
        raise ConfigError(
            Problem(
                "the review file must be a mapping of keys (cycle:, grid: or runs:, …)", file=source
            )
        )
    try:
        return Review.model_validate(raw)
    except ValidationError as err:
        problems = problems_of(
            err, source, what="review file", readme="Batch runs", extra=_review_error
        )
        raise ConfigError(problems, where=source) from None


def load_review(path: str | Path) -> Review:
    """Read and validate a review file.

    Raises
    ------
    ConfigError
        Naming the key path of every problem and how to fix it.
    """
    path = Path(path)
    raw = read_yaml(
        path, what="review file", fix="give the path of a review.yaml (see data/sample/review.yaml)"
    )
    return parse_review(raw, source=str(path))


def _month_window(month: str) -> tuple[dt.date, dt.date]:
    year, mon = map(int, month.split("-"))
    return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _team_list(teams: str | list[str]) -> tuple[str, ...]:
    items = teams.split(",") if isinstance(teams, str) else teams
    return tuple(t.strip() for t in items if t.strip())


def expand_runs(review: Review) -> list[RunPlan]:
    """The runs of a review in file order: the grid's combinations, then the listed runs.

    Run names default to the teams' and the month's slugs (``billing-2026-08``).
    """
    runs: list[RunPlan] = []
    if review.grid is not None:
        teams = review.grid.teams or [None]
        months = review.grid.months or [None]
        for i, team in enumerate(teams):
            for j, month in enumerate(months):
                group = _team_list(team) if team is not None else ()
                name = "-".join([*(slug(t) for t in group), *([month] if month else [])])
                keys = [
                    f"grid.teams[{i}]" if team is not None else "",
                    f"grid.months[{j}]" if month else "",
                ]
                runs.append(
                    RunPlan(
                        name,
                        group,
                        _month_window(month) if month else None,
                        key=" × ".join(k for k in keys if k),
                    )
                )
    for i, spec in enumerate(review.runs):
        group = _team_list(spec.teams)
        window = (
            _month_window(spec.month)
            if spec.month
            else (spec.review.start, spec.review.end)
            if spec.review
            else None
        )
        name = (
            spec.name
            or "-".join([*(slug(t) for t in group), *([spec.month] if spec.month else [])])
            or f"run-{i + 1}"
        )
        runs.append(
            RunPlan(name, group, window, dict(spec.parameters), spec.notebooks, key=f"runs[{i}]")
        )
    return runs


# --------------------------------------------------------------------------- planning


@dataclass
class Batch:
    """A planned batch: where it goes and the task of every run."""

    name: str
    dir: Path
    review_path: Path
    cycle_path: Path
    title: str
    tasks: list[dict]
    workers: int


def default_workers() -> int:
    """Two runs per core: a run spends much of its time waiting for kernels."""
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
    return 2 * cores


def _absolute(value: str, base: Path) -> str:
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def _derive(
    raw: dict, base: Path, window: tuple[dt.date, dt.date] | None
) -> tuple[dict, list[str]]:
    """The template's raw YAML with data paths made absolute and the review window set."""
    raw = json.loads(json.dumps(raw, default=str))  # a deep copy with dates as ISO text
    notes = []
    for table, src in (raw.get("data") or {}).items():
        if isinstance(src, str):
            raw["data"][table] = _absolute(src, base)
            continue
        if isinstance(src, dict):
            if isinstance(src.get("path"), str):
                src["path"] = _absolute(src["path"], base)
            if (
                isinstance(src.get("mapping"), str)
                and (base / src["mapping"]).expanduser().exists()
            ):
                src["mapping"] = _absolute(src["mapping"], base)
            if isinstance(src.get("join"), dict):
                src["join"] = {
                    k: _absolute(v, base) if isinstance(v, str) else v
                    for k, v in src["join"].items()
                }
    if window is not None:
        start, end = window
        raw.setdefault("periods", {})["review"] = {
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        notes.append(f"review window set to {start}…{end}")
        for obj in raw.get("objectives") or []:
            deadline = obj.get("deadline") if isinstance(obj, dict) else None
            if deadline and str(deadline) < start.isoformat():
                obj["deadline"] = end.isoformat()
                notes.append(
                    f"objective {obj.get('id')}: deadline {deadline} moved to {end} (it fell before this review)"
                )
    return raw, notes


def plan_batch(
    review_path: str | Path,
    *,
    out: str | Path | None = None,
    stages: list[str] | None = None,
    workers: int | None = None,
) -> Batch:
    """Check a review file against its cycle and data; write the derived cycle files; return the tasks.

    Everything a user can get wrong is found here, before any kernel starts, and
    raised as one :class:`ConfigError` naming the review file's key paths.
    """
    from cslib.cycle.model import parse_cycle, validate_cycle

    review_path = Path(review_path).resolve()
    review = load_review(review_path)
    if stages is not None:
        review = parse_review(
            {**review.model_dump(exclude_unset=True, mode="json"), "stages": list(stages)},
            source=str(review_path),
        )
    base = review_path.parent
    source = str(review_path)
    template = (
        (base / review.cycle).resolve()
        if not Path(review.cycle).is_absolute()
        else Path(review.cycle)
    )
    if not template.is_file():
        raise ConfigError(
            Problem(
                f"the cycle template {review.cycle} was not found",
                file=f"{source}: cycle",
                fix="give the cycle file's path relative to the review file",
            )
        )
    cycle, problems = validate_cycle(template)
    if problems:
        raise ConfigError(
            problems,
            where=f"the cycle template {template} and its tables",
        )
    raw = yaml.safe_load(template.read_text(encoding="utf-8"))
    runs = expand_runs(review)
    problems = []

    names: dict[str, str] = {}
    for run in runs:
        if run.name.lower() in ("cycles", "index.html", "batch.json"):
            problems.append(
                Problem(
                    f"the run name '{run.name}' is taken by the batch folder's own files",
                    file=f"{source}: {run.key}",
                    fix="choose another name (runs[].name)",
                )
            )
        if run.name in names:
            problems.append(
                Problem(
                    f"two runs are both named '{run.name}' (also {names[run.name]})",
                    file=f"{source}: {run.key}",
                    fix="give the runs distinct names (runs[].name), or remove the duplicate",
                )
            )
        names.setdefault(run.name, run.key)

    # teams: one scan of the tickets for the team names
    wanted = {t for run in runs for t in run.teams}
    if wanted:
        from cslib.cycle.workbook import Workbook

        known = {
            str(t)
            for t in Workbook(cycle, cycle.base_dir, "plan").kpis(
                kpis=["volume"], freq="all", by="team"
            )["team"]
        }
        for run in runs:
            missing = [t for t in run.teams if t not in known]
            if missing:
                problems.append(
                    Problem(
                        f"no tickets for team {', '.join(missing)}",
                        file=f"{source}: {run.key}",
                        values=tuple(missing),
                        fix=f"the data has the teams: {', '.join(sorted(known))}",
                    )
                )

    # review windows: after the baseline, not before the change
    for run in runs:
        if run.window is None:
            continue
        start, end = run.window
        if start <= cycle.periods.baseline.end:
            problems.append(
                Problem(
                    f"the review window {start}…{end} starts before the baseline ends ({cycle.periods.baseline.end})",
                    file=f"{source}: {run.key}",
                    fix="review months after the baseline",
                )
            )
        elif end < cycle.change.date:
            problems.append(
                Problem(
                    f"the review window {start}…{end} ends before the change ({cycle.change.date})",
                    file=f"{source}: {run.key}",
                    fix="review months from the change's month on",
                )
            )

    # notebooks (the review's, or a run's own) and their parameters
    notebook_dirs: dict[str | None, Path] = {}
    for key, folder in [
        ("notebooks", None),
        *((f"{run.key}.notebooks", run.notebooks) for run in runs if run.notebooks),
    ]:
        chosen = folder or review.notebooks
        path = (base / chosen).resolve() if chosen else notebooks_dir()
        lacking = [NOTEBOOKS[s] for s in review.stages if not (path / NOTEBOOKS[s]).is_file()]
        if lacking:
            problems.append(
                Problem(
                    f"the notebooks folder {path} lacks {', '.join(lacking)}",
                    file=f"{source}: {key}",
                    fix="point it at a folder with the PDCA notebooks (relative to the review file)",
                )
            )
        notebook_dirs[folder] = path
    import papermill

    declared = {
        folder: set(papermill.inspect_notebook(str(path / NOTEBOOKS[review.stages[0]])))
        for folder, path in notebook_dirs.items()
        if (path / NOTEBOOKS[review.stages[0]]).is_file()
    }
    for key, params, folder in [
        ("parameters", review.parameters, None),
        *((f"{run.key}.parameters", run.parameters, run.notebooks) for run in runs),
    ]:
        if folder not in declared:
            continue
        names_ok = declared[folder]
        bad = [k for k in params if k not in names_ok or k in RESERVED]
        if bad:
            problems.append(
                Problem(
                    f"unknown notebook parameter {', '.join(bad)}",
                    file=f"{source}: {key}",
                    fix=f"the notebooks take: {', '.join(sorted(names_ok - set(RESERVED)))} (cycle and run_dir are set by the batch, teams by the runs' teams)",
                )
            )
    if problems:
        raise ConfigError(problems, where=source)

    name = review.name or slug(review_path.stem)
    out_dir = (
        Path(out) if out is not None else (base / review.out) if review.out else Path("reports")
    )
    out_dir = out_dir.resolve()
    batch_dir = out_dir / slug(cycle.title) / name
    (batch_dir / "cycles").mkdir(parents=True, exist_ok=True)

    shared = {
        "inputs": {table: file_hash(cycle.path(table)) for table in cycle.data},
        "versions": versions(),
    }
    notebook_hashes = {
        folder: {s: file_hash(path / NOTEBOOKS[s]) for s in review.stages}
        for folder, path in notebook_dirs.items()
    }
    tasks = []
    for run in runs:
        derived, notes = _derive(raw, template.parent, run.window)
        header = (
            f"# Derived by `cslib batch` from {template} for the run '{run.name}' of {review_path.name}.\n# Regenerated on every batch: edit the template or the review file instead.\n"
            + "".join(f"# {n}\n" for n in notes)
        )
        text = header + yaml.safe_dump(derived, sort_keys=False, allow_unicode=True, width=120)
        cycle_file = batch_dir / "cycles" / f"{run.name}.yaml"
        try:
            parse_cycle(
                yaml.safe_load(text), source=f"{source}: {run.key}", base_dir=cycle_file.parent
            )
        except ConfigError as exc:
            problems += exc.problems
            continue
        if not cycle_file.exists() or cycle_file.read_text(encoding="utf-8") != text:
            cycle_file.write_text(text, encoding="utf-8")
        folder = run.notebooks if run.notebooks else None
        parameters = {
            **review.parameters,
            **run.parameters,
            **({"teams": ",".join(run.teams)} if run.teams else {}),
        }
        run_id = f"{name}/{run.name}"
        detail = {
            "cycle": hashlib.sha256(text.encode()).hexdigest(),
            **shared,
            "parameters": parameters,
            "stages": list(review.stages),
            "notebooks": notebook_hashes[folder],
        }
        tasks.append(
            {
                "name": run.name,
                "teams": list(run.teams),
                "review": [d.isoformat() for d in run.window]
                if run.window
                else [cycle.periods.review.start.isoformat(), cycle.periods.review.end.isoformat()],
                "cycle": str(cycle_file),
                "out": str(out_dir),
                "run_id": run_id,
                "run_dir": str(batch_dir / run.name),
                "stages": list(review.stages),
                "parameters": parameters,
                "notebooks": str(notebook_dirs[folder]),
                "cell_timeout": review.cell_timeout,
                "timeout": review.timeout,
                "retries": review.retries,
                "fingerprint": hashlib.sha256(
                    json.dumps(detail, sort_keys=True, default=str).encode()
                ).hexdigest(),
                "fingerprint_detail": detail,
            }
        )
    if problems:
        raise ConfigError(problems, where=source)
    return Batch(
        name,
        batch_dir,
        review_path,
        template,
        cycle.title,
        tasks,
        workers or review.workers or default_workers(),
    )


# --------------------------------------------------------------------------- one run


def is_current(task: dict) -> bool:
    """Did an earlier batch already run this task with the same inputs, successfully, with a report?"""
    run_dir = Path(task["run_dir"])
    try:
        stored = json.loads((run_dir / "fingerprint.json").read_text(encoding="utf-8"))
        manifest = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        stored.get("fingerprint") == task["fingerprint"]
        and manifest.get("status") == "ok"
        and (run_dir / "report.html").is_file()
    )


def _outcome(task: dict, status: str, **extra) -> dict:
    return asdict(
        RunOutcome(
            task["name"],
            status,
            task["run_dir"],
            teams=task["teams"],
            review=task["review"],
            **extra,
        )
    )


def _run_here(task: dict) -> dict:
    """Run one task in this process (the child process of :func:`execute_run`)."""
    from cslib.run.runner import StageFailed, run_cycle

    run_dir = Path(task["run_dir"])
    if run_dir.exists():
        shutil.rmtree(run_dir)
    started = time.perf_counter()
    try:
        result = run_cycle(
            task["cycle"],
            out=task["out"],
            stages=task["stages"],
            parameters=task["parameters"],
            run_id=task["run_id"],
            notebooks=Path(task["notebooks"]),
            timeout=task["cell_timeout"],
            retries=task["retries"],
        )
    except StageFailed as exc:
        return _outcome(
            task,
            FAILED,
            stage=exc.stage,
            cell=exc.cell,
            ename=exc.ename,
            evalue=exc.evalue,
            notebook=str(exc.notebook),
            seconds=time.perf_counter() - started,
        )
    except CslibError as exc:
        return _outcome(
            task,
            ERROR,
            ename=type(exc).__name__,
            evalue=str(exc),
            seconds=time.perf_counter() - started,
        )
    except (
        Exception
    ) as exc:  # one run's crash must not take the batch down: recorded with its traceback
        return _outcome(
            task,
            ERROR,
            stage=_running_stage(task),
            ename=type(exc).__name__,
            evalue=str(exc).strip().splitlines()[0] if str(exc).strip() else "",
            detail=traceback.format_exc(limit=-8),
            seconds=time.perf_counter() - started,
        )
    (result.run_dir / "fingerprint.json").write_text(
        json.dumps(
            {"fingerprint": task["fingerprint"], **task["fingerprint_detail"]},
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    return _outcome(
        task,
        OK,
        report=str(result.report) if result.report else None,
        seconds=time.perf_counter() - started,
    )


def _running_stage(task: dict) -> str | None:
    """The stage a run was in, from its manifest: the first stage without a timing."""
    try:
        manifest = json.loads((Path(task["run_dir"]) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    done = manifest.get("timings", {})
    return next((s for s in task["stages"] if s not in done), "report")


_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill a run's process and everything it started (its kernels)."""
    try:
        import psutil

        children = psutil.Process(proc.pid).children(recursive=True)
    except Exception:  # psutil missing or the process already gone
        children = []
    for child in children:
        with contextlib.suppress(Exception):
            child.kill()
    with contextlib.suppress(OSError):
        proc.kill()


def execute_run(task: dict) -> dict:
    """Run one task in a fresh Python process with a hard time limit; return its outcome (a dict).

    The process runs the notebooks (each stage its own kernel); when it overruns
    ``task["timeout"]`` it is killed with its kernels and the run is recorded as a
    timeout. This is the function a Dask cluster executes, so it must stay importable
    and take and return plain data.
    """
    started = time.perf_counter()
    # parallelism comes from the runs: one BLAS thread per run (and its kernels) unless the user chose
    env = os.environ | {
        k: os.environ.get(k, "1")
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cslib.run.batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
    )
    with _LIVE_LOCK:
        _LIVE.add(proc)
    try:
        stdout, stderr = proc.communicate(json.dumps(task), timeout=task["timeout"])
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        stdout, stderr = proc.communicate()
        timed_out = True
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)
    seconds = time.perf_counter() - started
    if timed_out:
        stage = _running_stage(task)
        evalue = f"the run took longer than its {task['timeout']:g} s and was stopped"
        _mark_manifest(task, stage, evalue)
        return _outcome(task, TIMEOUT, stage=stage, ename="Timeout", evalue=evalue, seconds=seconds)
    line = next((ln for ln in reversed(stdout.splitlines()) if ln.startswith(MARKER)), None)
    if line is None:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        return _outcome(
            task,
            ERROR,
            stage=_running_stage(task),
            ename="RunCrashed",
            evalue=f"the run's process ended with exit code {proc.returncode} and no outcome",
            detail=tail,
            seconds=seconds,
        )
    outcome = json.loads(line[len(MARKER) :])
    outcome["seconds"] = seconds
    return outcome


def _mark_manifest(task: dict, stage: str | None, evalue: str) -> None:
    path = Path(task["run_dir"]) / "run.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    manifest.update(
        status="timeout",
        failed={"stage": stage, "cell": None, "ename": "Timeout", "evalue": evalue},
    )
    path.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")


def _kill_live() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE)
    for proc in live:
        _kill_tree(proc)


# --------------------------------------------------------------------------- the batch


def run_batch(
    review_path: str | Path,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    stages: list[str] | None = None,
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
        Address of a Dask distributed scheduler (``tcp://host:8786``): the runs go
        to its workers instead (they must see the same files and have cslib installed).
    force : bool
        Rerun runs whose inputs are unchanged.
    stages : list of str, optional
        Override the file's stages.
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
    total = len(batch.tasks)
    started = dt.datetime.now()
    outcomes: dict[str, RunOutcome] = {}
    notify = on_run or (lambda *_: None)
    notify(None, 0, total)

    def collect(outcome: dict) -> None:
        outcomes[outcome["name"]] = RunOutcome(**outcome)
        notify(outcomes[outcome["name"]], len(outcomes), total)

    pending = []
    for task in batch.tasks:
        if not force and is_current(task):
            manifest = json.loads((Path(task["run_dir"]) / "run.json").read_text(encoding="utf-8"))
            collect(
                _outcome(
                    task,
                    UNCHANGED,
                    report=str(Path(task["run_dir"]) / "report.html"),
                    seconds=sum(manifest.get("timings", {}).values()),
                )
            )
        else:
            pending.append(task)
    if pending and scheduler:
        _run_dask(pending, scheduler, collect)
    elif pending:
        _run_local(pending, min(batch.workers, len(pending)), collect)
    ordered = [outcomes[t["name"]] for t in batch.tasks]
    (batch.dir / "batch.json").write_text(
        json.dumps(
            {
                "review": str(batch.review_path),
                "cycle": str(batch.cycle_path),
                "title": batch.title,
                "started": started.isoformat(timespec="seconds"),
                "finished": dt.datetime.now().isoformat(timespec="seconds"),
                "workers": None if scheduler else batch.workers,
                "scheduler": scheduler,
                "runs": [asdict(o) for o in ordered],
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    index = write_index(batch, ordered)
    return BatchResult(batch.dir, index, ordered)


def _run_local(tasks: list[dict], workers: int, collect: Callable[[dict], None]) -> None:
    """At most ``workers`` run processes at a time on this machine."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cslib-run")
    futures = {pool.submit(execute_run, task): task for task in tasks}
    try:
        for future in as_completed(futures):
            task = futures[future]
            try:
                collect(future.result())
            except Exception as exc:  # the supervisor itself failed (e.g. could not start Python)
                collect(_outcome(task, ERROR, ename=type(exc).__name__, evalue=str(exc)))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _kill_live()
        raise
    pool.shutdown()


def _run_dask(tasks: list[dict], address: str, collect: Callable[[dict], None]) -> None:
    """The same tasks as Dask futures on a distributed cluster."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise CslibError(
            Problem(
                "--scheduler needs dask.distributed, which is not installed",
                fix='pip install "cslib[dask]" (or dask[distributed]), or leave out --scheduler to run on this machine',
            )
        ) from None
    try:
        client = Client(address, timeout=20, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CslibError(
            Problem(
                f"cannot reach the Dask scheduler at {address}: {exc}",
                fix="check the address (tcp://host:8786) and that the scheduler is running",
            )
        ) from None
    with client:
        token = hashlib.sha256(f"{time.time()}{os.getpid()}".encode()).hexdigest()[:8]
        futures = client.map(
            execute_run, tasks, key=[f"cslib-run-{t['name']}-{token}" for t in tasks], pure=False
        )
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for future in dask_completed(futures, loop=client.loop):
            task = by_key[future.key]
            try:
                collect(future.result())
            except Exception as exc:  # the worker died or could not run the task
                collect(
                    _outcome(
                        task,
                        ERROR,
                        ename=type(exc).__name__,
                        evalue=str(exc) or "the Dask task failed",
                    )
                )


# --------------------------------------------------------------------------- index.html


def _fmt(value) -> str:
    if value is None:
        return "–"
    try:
        import math

        if math.isnan(value):
            return "–"
    except TypeError:
        return str(value)
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def _rel(path: str | None, base: Path) -> str | None:
    if not path:
        return None
    return quote(os.path.relpath(path, base).replace(os.sep, "/"))


def _index_rows(batch: Batch, outcomes: list[RunOutcome]) -> tuple[list[dict], list[dict]]:
    """Rows of the index (display text and sort keys) and its objective columns."""
    import pandas as pd

    objectives: dict[str, dict] = {}
    rows = []
    for position, o in enumerate(outcomes):
        run_dir = Path(o.run_dir)
        verdicts = None
        if o.ok and (run_dir / "artefacts" / "check" / "verdicts.parquet").is_file():
            verdicts = pd.read_parquet(run_dir / "artefacts" / "check" / "verdicts.parquet")
        cells, counts = {}, {}
        for v in [] if verdicts is None else verdicts.to_dict("records"):
            oid = str(v.get("objective"))
            objectives.setdefault(
                oid,
                {
                    "id": oid,
                    "label": f"{oid} {v.get('measure') or v.get('kpi') or ''}".strip(),
                    "unit": v.get("unit") or "",
                },
            )
            verdict = str(v.get("verdict") or "")
            counts[verdict] = counts.get(verdict, 0) + 1
            change = v.get("change")
            change_text = (
                "" if change is None or pd.isna(change) else f" ({change:+.0%})".replace("-", "−")
            )
            target = " · target met" if v.get("target_met") is True else ""
            cells[oid] = {
                "value": f"{_fmt(v.get('actual'))} {v.get('unit') or ''}".strip(),
                "verdict": f"{verdict}{change_text}{target}",
                "class": slug(verdict),
                "key": None if change is None or pd.isna(change) else float(change),
            }
        verdict_text = ", ".join(
            f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])
        )
        rows.append(
            {
                "position": position,
                "name": o.name,
                "teams": ", ".join(o.teams) or "all",
                "review": "…".join(o.review),
                "status": o.status,
                "error_short": (o.error.splitlines()[0][:200] if o.error else ""),
                "stage": o.stage,
                "cell": o.cell,
                "ename": o.ename,
                "evalue": o.evalue,
                "report": _rel(o.report, batch.dir) if o.report else None,
                "notebook": _rel(o.notebook, batch.dir) if o.notebook else None,
                "seconds": o.seconds,
                "seconds_text": "–" if o.seconds is None else f"{o.seconds:,.0f} s",
                "verdicts": verdict_text or "–",
                "objectives": cells,
                "keys": {
                    "run": o.name.lower(),
                    "teams": (", ".join(o.teams) or "all").lower(),
                    "review": "…".join(o.review),
                    "status": STATUS_ORDER.get(o.status, 9),
                    "verdicts": (counts.get("improved", 0), -counts.get("worsened", 0))
                    if counts
                    else None,
                    "seconds": o.seconds,
                    **{f"o-{oid}": c["key"] for oid, c in cells.items()},
                },
            }
        )
    return rows, list(objectives.values())


def _sorted(rows: list[dict], key: str, descending: bool) -> list[dict]:
    present = [r for r in rows if r["keys"].get(key) is not None]
    absent = [r for r in rows if r["keys"].get(key) is None]
    return (
        sorted(present, key=lambda r: (r["keys"][key], r["position"]), reverse=descending) + absent
    )


def write_index(batch: Batch, outcomes: list[RunOutcome]) -> Path:
    """``index.html`` of a batch: one row per run, sortable by every column without scripts.

    Each sort order is a pre-rendered copy of the table; a column header links to
    the copy sorted by it (CSS ``:target`` shows that copy), and clicking it again
    reverses the order. Self-contained: inline style only, no scripts, no external URLs.
    """
    import jinja2

    from cslib.run.report import CSS

    rows, objectives = _index_rows(batch, outcomes)
    columns = [
        {"key": "run", "label": "Run"},
        {"key": "teams", "label": "Teams"},
        {"key": "review", "label": "Review"},
        {"key": "status", "label": "Status"},
        {"key": "verdicts", "label": "Verdicts"},
    ]
    columns += [
        {"key": f"o-{o['id']}", "label": o["label"], "objective": o["id"]} for o in objectives
    ]
    columns += [{"key": "seconds", "label": "Time"}]
    for i, col in enumerate(columns):
        col["id"] = f"c{i}"
    views = [
        {
            "id": "in-file-order",
            "rows": rows,
            "sorted_by": None,
            "descending": False,
            "default": True,
        }
    ]
    for col in columns:
        for descending in (False, True):
            views.append(
                {
                    "id": f"by-{col['id']}-{'desc' if descending else 'asc'}",
                    "rows": _sorted(rows, col["key"], descending),
                    "sorted_by": col["id"],
                    "descending": descending,
                    "default": False,
                }
            )
    # the default view comes last so that `:target ~ .default` can hide it
    views = views[1:] + views[:1]
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    html = env.get_template("index.html.j2").render(
        title=f"{batch.title} — {batch.name}",
        subtitle=f"{len(outcomes)} runs of {batch.review_path.name} · "
        + ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: STATUS_ORDER.get(kv[0], 9))
        )
        + f" · {dt.datetime.now():%Y-%m-%d %H:%M}",
        css=CSS,
        columns=columns,
        views=views,
        failures=[r for r in rows if r["status"] not in (OK, UNCHANGED)],
    )
    path = batch.dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def _child_main() -> int:
    """``python -m cslib.run.batch``: run the task on stdin, print its outcome on the last line."""
    task = json.loads(sys.stdin.read())
    outcome = _run_here(task)
    sys.stdout.write("\n" + MARKER + json.dumps(outcome, default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())


__all__ = [
    "BatchResult",
    "Review",
    "RunOutcome",
    "execute_run",
    "expand_runs",
    "load_review",
    "parse_review",
    "plan_batch",
    "run_batch",
    "write_index",
]
