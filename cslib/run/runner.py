"""Run a cycle: execute the PDCA notebooks with papermill into a reproducible run folder.

``reports/<cycle>/<run-id>/`` receives the executed notebooks, the stages'
artefacts, ``run.json`` (parameters, input file hashes, package versions,
timings, status) and the HTML report. Parameters and the cycle's data are
checked before any kernel starts; a failing cell stops the run with the stage,
cell and error named, and the executed notebook is kept for inspection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import platform
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from cslib.cycle import artefacts, register
from cslib.cycle.workbook import CHECKED_INPUTS
from cslib.data import privacy
from cslib.data.database import SNAPSHOT_DIR
from cslib.data.files import UNZIP_DIR
from cslib.errors import CslibError, ParameterError, Problem
from cslib.run import inputs, preflight
from cslib.run._log import run_log
from cslib.run.failures import StageFailed, as_failure, describe, settle
from cslib.run.inputs import file_hash
from cslib.run.kernels import keeping_engine
from cslib.run.notebooks import NEEDS, NOTEBOOKS, STAGES, notebooks_dir
from cslib.run.one_kernel import StageKernels, early_kernel, stage_kernels
from cslib.run.render_ahead import rendering_ahead

if TYPE_CHECKING:
    from cslib.cycle.model import Cycle

PACKAGES = (
    "cslib",
    "pandas",
    "numpy",
    "duckdb",
    "pyarrow",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "ipykernel",
)
log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run produced."""

    run_dir: Path
    status: str = "running"
    stages: list[dict] = field(default_factory=list)
    report: Path | None = None

    def summary(self):
        import pandas as pd

        return pd.DataFrame(self.stages)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def parse_parameters(pairs: Sequence[str]) -> dict[str, str]:
    """``["teams=Billing"]`` → ``{"teams": "Billing"}``, with a clear error for malformed pairs."""
    out = {}
    bad = [p for p in pairs if "=" not in p or not p.split("=", 1)[0].strip()]
    if bad:
        raise ParameterError(
            Problem(
                "parameters must be KEY=VALUE",
                values=tuple(bad),
                fix="write e.g. -p teams=Billing,Orders",
            )
        )
    for p in pairs:
        key, value = p.split("=", 1)
        out[key.strip()] = value
    return out


def prepare(
    cycle_path: str | Path,
    *,
    stages: Sequence[str] = STAGES,
    parameters: Mapping[str, object] | None = None,
    notebooks: Path | None = None,
    checked: Mapping[str, Mapping[str, str]] | None = None,
):
    """Everything checked before a kernel starts: stages, parameters, the cycle and its data
    (tables whose inputs hash as in ``checked`` were checked already).

    Returns the parsed cycle and the notebooks folder; raises :class:`CslibError`.
    """
    unknown = [s for s in stages if s not in STAGES]
    if unknown or not stages:
        raise ParameterError(
            Problem(
                f"unknown stage {', '.join(unknown) or '(none given)'}",
                fix=f"choose from {','.join(STAGES)}",
            )
        )
    order = [s for s in STAGES if s in stages]
    if list(stages) != order:
        raise ParameterError(
            Problem(
                f"stages must run in order: {','.join(order)}",
                values=tuple(stages),
                fix="list them in PDCA order",
            )
        )
    notebooks = notebooks or notebooks_dir()
    problem = preflight.unknown_parameters(
        parameters or {},
        preflight.declared_parameters(notebooks, "plan"),
        reserved=("cycle", "run_dir"),
        set_by="cycle and run_dir are set by the runner",
    )
    if problem:
        raise ParameterError(problem)
    cycle = preflight.checked_cycle(cycle_path, checked=checked)
    teams = [t.strip() for t in str((parameters or {}).get("teams", "")).split(",") if t.strip()]
    if teams:
        problem = preflight.unknown_teams(teams, preflight.known_teams(cycle), column="teams")
        if problem:
            raise ParameterError(problem)
    preflight.check_evidence(cycle, cycle_path)
    return cycle, notebooks


def run_cycle(
    cycle_path: str | Path,
    *,
    out: str | Path = "reports",
    stages: Sequence[str] = STAGES,
    parameters: Mapping[str, object] | None = None,
    run_id: str | None = None,
    notebooks: Path | None = None,
    timeout: int = 900,
    report: bool = True,
    on_stage: Callable[[str, str], None] | None = None,
    retries: int = 0,
    fresh_kernels: bool = False,
    checked: Mapping[str, Mapping[str, str]] | None = None,
) -> RunResult:
    """Execute the stages of one cycle and render its report.

    Parameters
    ----------
    cycle_path : path
        The cycle file.
    out : path
        Reports folder; the run goes to ``out/<cycle>/<run-id>/``.
    stages : list of str
        Stages to run, in PDCA order (``act`` needs ``check`` in the same run).
    parameters : mapping
        Extra notebook parameters (e.g. ``{"teams": "Billing"}``).
    run_id : str, optional
        Name of the run folder (default: time stamp and a random suffix).
    notebooks : path, optional
        Folder of the PDCA notebooks.
    timeout : int
        Seconds a cell may run.
    report : bool
        Render the HTML report after the stages.
    on_stage : callable, optional
        Called with (stage, "start" | "done") for progress display.
    retries : int
        How many times to retry a stage whose kernel failed to start (a known
        flake under parallel load); failing cells are never retried.
    fresh_kernels : bool
        Start a kernel for each stage instead of running them all in one kernel, cleaned
        between the notebooks (:mod:`cslib.run.one_kernel`); the results are the same.
    checked : mapping, optional
        The tables' inputs (:func:`~cslib.run.inputs.table_hashes`) when they were last checked
        without problems, as a batch checks them once for all its runs: unchanged, they are
        not checked again.

    Returns
    -------
    RunResult

    Raises
    ------
    CslibError
        Before any kernel starts, for problems in the input (exit code 2).
    StageFailed
        When a cell fails (exit code 1, whatever it raised).
    """
    cycle_path = Path(cycle_path).resolve()
    parameters = dict(parameters or {})
    stages = list(stages)
    _refuse_missing_needs(stages)
    notebooks = notebooks or notebooks_dir()
    with _unzip_once(), _snapshots_once(), early_kernel(notebooks, fresh=fresh_kernels):
        cycle, notebooks = prepare(
            cycle_path, stages=stages, parameters=parameters, notebooks=notebooks, checked=checked
        )
        run_id = run_id or dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        manifest = _manifest(run_id, cycle_path, cycle, parameters, stages, notebooks)
        manifest["fresh_kernels"] = fresh_kernels
        run_dir = artefacts.run_folder(out, cycle.title, run_id).resolve()
        result = RunResult(_new_run_folder(run_dir, manifest))
        _keep_snapshots(run_dir)
        log.info("running %s (%s) into %s", cycle.title, ", ".join(stages), run_dir)
        kernel_env = {**privacy.worker_environment(cycle.privacy.key), CHECKED_INPUTS: "1"}
        with _kernel_environment(kernel_env), run_log(run_dir):
            _execute(
                result,
                manifest,
                notebooks,
                parameters={"cycle": str(cycle_path), "run_dir": str(run_dir), **parameters},
                timeout=timeout,
                retries=retries,
                report=report,
                on_stage=on_stage,
            )
    return result


def _execute(
    result: RunResult,
    manifest: dict,
    notebooks: Path,
    *,
    parameters: dict,
    timeout: int,
    retries: int,
    report: bool,
    on_stage,
) -> None:
    """The stages in order, then the report; any failure is recorded (:mod:`cslib.run.failures`)."""
    stage = manifest["stages"][0]
    fresh = manifest["fresh_kernels"]
    try:
        with (
            stage_kernels(fresh=fresh, cwd=notebooks, retries=retries) as kernels,
            rendering_ahead(report) as rendered,
        ):
            for stage in manifest["stages"]:
                _check_inputs(manifest, stage)
                if on_stage:
                    on_stage(stage, "start")
                _run_stage(
                    stage,
                    notebooks,
                    result,
                    manifest,
                    parameters=parameters,
                    timeout=timeout,
                    kernels=kernels,
                )
                rendered(stage, artefacts.notebook_path(result.run_dir, NOTEBOOKS[stage]))
                if on_stage:
                    on_stage(stage, "done")
            kernels.release()  # the kernel stops while the report renders
            stage = "report"
            _check_inputs(manifest, stage)
            _finish(result, manifest, report=report, rendered=rendered.bodies)
    except BaseException as exc:
        notebook = artefacts.notebook_path(result.run_dir, NOTEBOOKS.get(stage, "report.ipynb"))
        failure = as_failure(exc, stage, notebook, timeout=timeout)
        settle(result.run_dir, manifest, failure)
        result.status = "failed"
        if failure is exc or isinstance(exc, Exception):
            raise failure from None
        raise  # KeyboardInterrupt, RunStopped: recorded, and the process goes on stopping


@contextlib.contextmanager
def _unzip_once():
    """A zipped input is unpacked once for the whole run: its checks and every stage's kernel."""
    folder = tempfile.mkdtemp(prefix="cslib-unzip-")
    try:
        with _kernel_environment({UNZIP_DIR: folder}):
            yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _snapshots_once():
    """A database table is read once for the whole run, before any kernel starts: its checks
    and every stage read the same snapshot (:func:`cslib.data.database.fetch`)."""
    folder = tempfile.mkdtemp(prefix="cslib-snapshots-")
    try:
        with _kernel_environment({SNAPSHOT_DIR: folder}):
            yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _keep_snapshots(run_dir: Path) -> None:
    """The snapshots move into the run folder (``snapshots/``, as ``run.json`` records them),
    where the stages read them."""
    folder = Path(os.environ[SNAPSHOT_DIR])
    if any(folder.glob("*.parquet")):
        shutil.move(folder, run_dir / inputs.SNAPSHOTS)
        os.environ[SNAPSHOT_DIR] = str(run_dir / inputs.SNAPSHOTS)


def _new_run_folder(run_dir: Path, manifest: dict) -> Path:
    """Create the run folder with its first ``run.json``; a folder that cannot be written is an
    input problem (``--out``), reported before any kernel starts."""
    try:
        run_dir.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise _unwritable(run_dir, exc) from None
    try:
        artefacts.write_manifest(run_dir, manifest)
    except OSError as exc:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise _unwritable(run_dir, exc) from None
    return run_dir


def _unwritable(run_dir: Path, exc: OSError) -> CslibError:
    exists = isinstance(exc, FileExistsError) and exc.filename == str(run_dir)
    return CslibError(
        Problem(
            "the run folder already exists" if exists else describe(exc)[1],
            file=str(run_dir),
            fix="give another run id" if exists else "choose a folder you can write with --out",
        ),
        title="the run folder cannot be written",
    )


def _check_inputs(manifest: dict, stage: str) -> None:
    """Stop the run when an input file changed since the run started (one run, one dataset)."""
    changed = inputs.changed_inputs(manifest["inputs"])
    if changed:
        raise StageFailed(
            stage,
            None,
            "InputsChanged",
            f"{', '.join(changed)} changed or disappeared after the run started "
            f"({', '.join(manifest['inputs'][c]['path'] for c in changed)}); the run stopped so "
            "that its results do not mix two versions of the data: run it again",
            None,
        )


def _finish(
    result: RunResult, manifest: dict, *, report: bool, rendered: Mapping | None = None
) -> None:
    """The report, then the register (only finished runs are recorded), then ``run.json`` says ok."""
    if report:
        from cslib.run.report import build_report

        started = time.perf_counter()
        result.report = build_report(result.run_dir, rendered=rendered)
        manifest["timings"]["report"] = time.perf_counter() - started
    register.commit(result.run_dir)
    manifest.update(status="ok", finished=dt.datetime.now().isoformat(timespec="seconds"))
    artefacts.write_manifest(result.run_dir, manifest)
    result.status = "ok"


@contextlib.contextmanager
def _kernel_environment(variables: Mapping[str, str]):
    """Variables the stage kernels inherit while the run lasts (the pseudonym key, resolved
    once here so a missing key is reported on the console, not in every notebook; that the
    tables were checked before the stages)."""
    before = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _refuse_missing_needs(stages: Sequence[str]) -> None:
    """A stage that needs an earlier stage's results runs only with that stage."""
    for stage, needed in NEEDS.items():
        if stage in stages and needed not in stages:
            raise ParameterError(
                Problem(
                    f"the {stage} stage needs the {needed} stage's results in the same run",
                    values=tuple(stages),
                    fix=f"add {needed} to --stages",
                )
            )


def _manifest(
    run_id: str,
    cycle_path: Path,
    cycle: Cycle,
    parameters: dict,
    stages: list[str],
    notebooks: Path,
) -> dict:
    """The contents of ``run.json`` when the run starts."""
    return {
        "run_id": run_id,
        "cycle": str(cycle_path),
        "title": cycle.title,
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "parameters": parameters,
        "stages": stages,
        "inputs": inputs.hash_inputs(inputs.cycle_inputs(cycle, cycle_path)),
        "notebooks": {s: file_hash(notebooks / NOTEBOOKS[s]) for s in stages},
        "versions": versions(),
        "timings": {},
        "status": "running",
        "process": artefacts.this_process(),  # a run killed outright reads as failed (read_manifest)
    }


def _run_stage(
    stage: str,
    notebooks: Path,
    result: RunResult,
    manifest: dict,
    *,
    parameters: dict,
    timeout: int,
    kernels: StageKernels,
) -> None:
    """Execute one stage's notebook into the run folder; record it in ``result`` and ``run.json``.

    Raises whatever stopped the stage (:func:`cslib.run.failures.as_failure` names it); the
    executed notebook is saved also when a cell times out or the kernel dies.
    """
    started = time.perf_counter()
    output = artefacts.notebook_path(result.run_dir, NOTEBOOKS[stage])
    log.info(
        "%s stage: %s on the %s kernel%s",
        stage,
        notebooks / NOTEBOOKS[stage],
        kernels.kernel_name,
        " (a fresh one)" if kernels.fresh else " (the run's one)",
    )
    try:
        kernels.execute(
            str(notebooks / NOTEBOOKS[stage]),
            str(output),
            parameters=parameters,
            execution_timeout=timeout,
            progress_bar=False,
            request_save_on_cell_execute=False,
            log_output=True,  # each cell's output into run.log
            engine_name=keeping_engine(),
            keep_at=str(output),
        )
    finally:
        seconds = time.perf_counter() - started
        manifest["timings"][stage] = seconds
    result.stages.append(
        {"stage": stage, "status": "ok", "seconds": seconds, "notebook": str(output)}
    )
    artefacts.write_manifest(result.run_dir, manifest)


__all__ = [
    "NOTEBOOKS",
    "STAGES",
    "RunResult",
    "StageFailed",
    "notebooks_dir",
    "parse_parameters",
    "prepare",
    "run_cycle",
]
