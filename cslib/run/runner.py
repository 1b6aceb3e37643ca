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
import hashlib
import logging
import os
import platform
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from cslib.cycle import artefacts
from cslib.data import privacy
from cslib.errors import ParameterError, Problem
from cslib.run import preflight
from cslib.run._log import run_log
from cslib.run.notebooks import NEEDS, NOTEBOOKS, STAGES, kernel_name, notebooks_dir

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
USER_ERRORS = {"CslibError", "DataError", "ConfigError", "ParameterError"}
log = logging.getLogger(__name__)


def _kernel_manager():
    """Kernels talk over local sockets (IPC), not unencrypted TCP ports.

    Each kernel gets socket paths of its own in the user's private Jupyter runtime
    folder: jupyter_client's default (``kernel-ipc-1`` … in the working folder) is
    shared by every kernel started from the same folder at the same time, so
    parallel runs would connect to each other's kernels ("Invalid Signature").
    """
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.ip = str(runtime / f"cslib-{uuid.uuid4().hex[:16]}-ipc")

    return IpcKernelManager


class StageFailed(Exception):
    """A notebook cell failed; the executed notebook is kept at ``notebook``."""

    def __init__(self, stage: str, cell: int | None, ename: str, evalue: str, notebook: Path):
        self.stage, self.cell, self.ename, self.evalue, self.notebook = (
            stage,
            cell,
            ename,
            evalue,
            notebook,
        )
        where = f"cell {cell}" if cell is not None else "kernel"
        super().__init__(
            f"the {stage} stage failed in {where}: {ename}: {evalue}\n  executed notebook kept at {notebook}"
        )

    @property
    def exit_code(self) -> int:
        return 2 if self.ename in USER_ERRORS else 1


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


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


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
):
    """Everything checked before a kernel starts: stages, parameters, the cycle and its data.

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
    cycle = preflight.checked_cycle(cycle_path)
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

    Returns
    -------
    RunResult

    Raises
    ------
    CslibError
        Before any kernel starts, for problems in the input (exit code 2).
    StageFailed
        When a cell fails (exit code 1; 2 when the cell raised a CslibError).
    """
    cycle_path = Path(cycle_path).resolve()
    parameters = dict(parameters or {})
    stages = list(stages)
    _refuse_missing_needs(stages)
    cycle, notebooks = prepare(
        cycle_path, stages=stages, parameters=parameters, notebooks=notebooks
    )
    run_id = run_id or dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
    run_dir = artefacts.run_folder(out, cycle.title, run_id).resolve()
    run_dir.mkdir(parents=True, exist_ok=False)
    result = RunResult(run_dir)
    log.info("running %s (%s) into %s", cycle.title, ", ".join(stages), run_dir)
    manifest = _manifest(run_id, cycle_path, cycle, parameters, stages, notebooks)
    artefacts.write_manifest(run_dir, manifest)
    with _kernel_environment(privacy.worker_environment(cycle.privacy.key)), run_log(run_dir):
        for stage in stages:
            if on_stage:
                on_stage(stage, "start")
            _run_stage(
                stage,
                notebooks,
                result,
                manifest,
                parameters={"cycle": str(cycle_path), "run_dir": str(run_dir), **parameters},
                timeout=timeout,
                retries=retries,
            )
            if on_stage:
                on_stage(stage, "done")
    if report:
        from cslib.run.report import build_report

        started = time.perf_counter()
        result.report = build_report(run_dir)
        manifest["timings"]["report"] = time.perf_counter() - started
    manifest.update(status="ok", finished=dt.datetime.now().isoformat(timespec="seconds"))
    artefacts.write_manifest(run_dir, manifest)
    result.status = "ok"
    return result


@contextlib.contextmanager
def _kernel_environment(variables: Mapping[str, str]):
    """Variables the stage kernels inherit while the run lasts (the pseudonym key, resolved
    once here so a missing key is reported on the console, not in every notebook)."""
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
        "inputs": {
            name: {"path": str(cycle.path(name)), "sha256": file_hash(cycle.path(name))}
            for name in cycle.data
        }
        | {"cycle": {"path": str(cycle_path), "sha256": file_hash(cycle_path)}},
        "notebooks": {s: file_hash(notebooks / NOTEBOOKS[s]) for s in stages},
        "versions": versions(),
        "timings": {},
        "status": "running",
    }


def _run_stage(
    stage: str,
    notebooks: Path,
    result: RunResult,
    manifest: dict,
    *,
    parameters: dict,
    timeout: int,
    retries: int,
) -> None:
    """Execute one stage's notebook into the run folder; record it in ``result`` and ``run.json``."""
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    output = artefacts.notebook_path(result.run_dir, NOTEBOOKS[stage])
    log.info("%s stage: %s on the %s kernel", stage, notebooks / NOTEBOOKS[stage], kernel_name())
    try:
        _execute_notebook(
            retries,
            str(notebooks / NOTEBOOKS[stage]),
            str(output),
            parameters=parameters,
            cwd=str(notebooks),
            kernel_name=kernel_name(),
            execution_timeout=timeout,
            progress_bar=False,
            request_save_on_cell_execute=False,
            log_output=True,  # each cell's output into run.log
            kernel_manager_class=_kernel_manager(),
        )
    except PapermillExecutionError as exc:
        seconds = time.perf_counter() - started
        failure = StageFailed(stage, exc.exec_count, exc.ename, _first_line(exc.evalue), output)
        result.stages.append(
            {"stage": stage, "status": "failed", "seconds": seconds, "error": str(failure)}
        )
        manifest.update(
            status="failed",
            failed={
                "stage": stage,
                "cell": exc.exec_count,
                "ename": exc.ename,
                "evalue": exc.evalue,
            },
        )
        manifest["timings"][stage] = seconds
        artefacts.write_manifest(result.run_dir, manifest)
        result.status = "failed"
        raise failure from None
    seconds = time.perf_counter() - started
    manifest["timings"][stage] = seconds
    result.stages.append(
        {"stage": stage, "status": "ok", "seconds": seconds, "notebook": str(output)}
    )
    artefacts.write_manifest(result.run_dir, manifest)


def _kernel_start_failed(exc: BaseException) -> bool:
    """A kernel that did not start or answer (not a failing or timed-out cell, not a kernel dying mid-run)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if isinstance(exc, CellTimeoutError | DeadKernelError):
        return False
    if isinstance(exc, RuntimeError | TimeoutError):
        return True
    return type(exc).__module__.startswith("zmq")


def _execute_notebook(retries: int, *args, **kwargs):
    """``papermill.execute_notebook``, retried when the kernel fails to start."""
    import papermill

    for attempt in range(retries + 1):
        try:
            return papermill.execute_notebook(*args, **kwargs)
        except Exception as exc:
            if attempt >= retries or not _kernel_start_failed(exc):
                raise
            time.sleep(1 + 2 * attempt)


def _first_line(text: str) -> str:
    return next((ln for ln in str(text).splitlines() if ln.strip()), str(text))


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
