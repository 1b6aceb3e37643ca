"""The run folder's layout, and the stage results saved in it so later stages load them (no kernel state).

Every path of a run or a batch is spelled here and nowhere else. A reports
folder holds::

    register.parquet          the register of cycles (see :func:`register_path`)
    <cycle>/<run-id>/         a run folder (see :func:`run_folder`):
        run.json              the manifest: parameters, input file hashes, versions, timings, status
        run.log               what the run logged, with each notebook cell's output as it ran
        1-plan.ipynb …        the executed notebooks, under their own names
        artefacts/<stage>/    the stages' results: tables as Parquet, small facts as JSON
        <stage>.html          one report page per executed stage
        report.html           the combined report
        next-cycle.yaml       the draft of the next cycle (written by the Act stage)
        fingerprint.json      the inputs of a batch run, to skip it when they are unchanged
    <cycle>/<batch>/          a batch folder:
        index.html            one row per run
        batch.json            the outcome of every run
        cycles/<run>.yaml     the derived cycle files
        <run>/                the run folders

``run.json`` and ``batch.json`` carry ``schema_version`` (:data:`SCHEMA_VERSION`,
now 1). Files written before the version was recorded have none; they are read
as version 1.

Examples
--------
>>> import tempfile, pandas as pd
>>> run = tempfile.mkdtemp()
>>> _ = save(run, "plan", "baseline", pd.DataFrame({"kpi": ["fcr"], "value": [0.66]}))
>>> _ = save(run, "plan", "facts", {"weeks": 21})
>>> load(run, "plan", "baseline")["value"].item(), load(run, "plan", "facts")["weeks"]
(0.66, 21)
>>> table_path(run, "plan", "baseline").relative_to(run).as_posix()
'artefacts/plan/baseline.parquet'
>>> run_folder("reports", "Faster first-time resolution", "r1").as_posix()
'reports/faster-first-time-resolution/r1'
>>> _ = manifest_path(run).write_text('{"status": "ok"}')  # written before the version was recorded
>>> read_manifest(run)
{'status': 'ok', 'schema_version': 1}
"""

from __future__ import annotations

import contextlib
import glob
import json
import math
import re
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from cslib._lazy import lazy
from cslib.errors import CslibError, Problem

if TYPE_CHECKING:  # loaded on first use: the run folder's paths and records need none of them
    import numpy as np
    import pandas as pd
    import psutil
else:
    np, pd, psutil = lazy("numpy"), lazy("pandas"), lazy("psutil")

#: the version of ``run.json`` and ``batch.json`` written now
SCHEMA_VERSION = 1
#: the PDCA stages, in order: each has its folder of artefacts in a run
STAGES = ("plan", "do", "check", "act")
#: names a batch folder uses itself: no run may take them
BATCH_ENTRIES = ("cycles", "panel", "index.html", "batch.json")


def slug(text: str) -> str:
    """A folder-safe name.

    Examples
    --------
    >>> slug("Faster first-time resolution")
    'faster-first-time-resolution'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "cycle"


# --------------------------------------------------------------------------- a run folder


def run_folder(out: str | Path, title: str, run_id: str) -> Path:
    """``<out>/<cycle>/<run-id>``: where a run of the cycle titled ``title`` goes.

    A batch folder sits at the same place, ``run_id`` being the batch's name.
    """
    return Path(out) / slug(title) / run_id


def register_path(run_dir: str | Path) -> Path:
    """The cycle register of the reports folder (``reports/register.parquet`` for ``reports/<cycle>/<run>``)."""
    return Path(run_dir).parent.parent / "register.parquet"


def manifest_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / "run.json"


def log_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / "run.log"


def notebook_path(run_dir: str | Path, notebook: str) -> Path:
    """The executed copy of the notebook file ``notebook``."""
    return Path(run_dir) / notebook


def page_path(run_dir: str | Path, stage: str) -> Path:
    """The report page of one stage."""
    return Path(run_dir) / f"{stage}.html"


def report_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / "report.html"


def next_cycle_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / "next-cycle.yaml"


def fingerprint_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / "fingerprint.json"


def read_manifest(run_dir: str | Path) -> dict:
    """``run.json`` as a dict (``schema_version`` 1 when the file predates it).

    A run still marked ``running`` whose process has ended on this machine (killed
    before it could record anything) reads as ``failed``, stopped.

    Raises ``OSError`` when it cannot be read and ``ValueError`` when it is not JSON.
    """
    manifest = _read_versioned(manifest_path(run_dir))
    if manifest.get("status") == "running" and _process_ended(manifest.get("process")):
        manifest.update(
            status="failed",
            failed={
                "stage": None,
                "cell": None,
                "ename": "Stopped",
                "evalue": "the process running it ended before it finished (killed, or the "
                "machine stopped): run it again",
            },
        )
    return manifest


def this_process() -> dict:
    """How ``run.json`` names the process of a run: host, process id and its start time."""
    me = psutil.Process()
    return {"host": socket.gethostname(), "pid": me.pid, "started": me.create_time()}


def _process_ended(process: dict | None) -> bool:
    """Has the process ``this_process()`` recorded ended? Unknown (another host, none) is no."""
    if not process or process.get("host") != socket.gethostname():
        return False
    try:
        return abs(psutil.Process(process["pid"]).create_time() - process["started"]) > 1
    except psutil.NoSuchProcess:
        return True
    except (psutil.Error, KeyError, TypeError):
        return False


def write_manifest(run_dir: str | Path, manifest: dict) -> Path:
    """Write ``run.json``, stamped with :data:`SCHEMA_VERSION`."""
    return _write_json(manifest_path(run_dir), {"schema_version": SCHEMA_VERSION, **manifest})


def read_fingerprint(run_dir: str | Path) -> dict:
    return json.loads(fingerprint_path(run_dir).read_text(encoding="utf-8"))


def write_fingerprint(run_dir: str | Path, fingerprint: dict) -> Path:
    return _write_json(fingerprint_path(run_dir), fingerprint)


# --------------------------------------------------------------------------- a batch folder


def batch_manifest_path(batch_dir: str | Path) -> Path:
    return Path(batch_dir) / "batch.json"


def write_batch_manifest(batch_dir: str | Path, record: dict) -> Path:
    """Write ``batch.json``, stamped with :data:`SCHEMA_VERSION`."""
    return _write_json(batch_manifest_path(batch_dir), {"schema_version": SCHEMA_VERSION, **record})


def read_batch_manifest(batch_dir: str | Path) -> dict:
    """``batch.json`` as a dict (``schema_version`` 1 when the file predates it)."""
    return _read_versioned(batch_manifest_path(batch_dir))


def index_path(batch_dir: str | Path) -> Path:
    return Path(batch_dir) / "index.html"


def cycles_folder(batch_dir: str | Path) -> Path:
    """Where a batch writes the cycle files it derives for its runs."""
    return Path(batch_dir) / "cycles"


def panel_folder(batch_dir: str | Path) -> Path:
    """Where a batch keeps its KPI panel (see :mod:`cslib.cycle.panel`)."""
    return Path(batch_dir) / "panel"


def derived_cycle_path(batch_dir: str | Path, run: str) -> Path:
    return cycles_folder(batch_dir) / f"{run}.yaml"


def batch_run_folder(batch_dir: str | Path, run: str) -> Path:
    return Path(batch_dir) / run


def _read_versioned(path: Path) -> dict:
    record = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(record, dict):
        record.setdefault("schema_version", 1)
    return record


def _write_json(path: Path, record: dict) -> Path:
    return write_whole(path, json.dumps(record, indent=2, default=str))


@contextlib.contextmanager
def written_whole(path: str | Path) -> Iterator[Path]:
    """A temporary file name of its own beside ``path`` to write to; renamed over ``path`` when
    the block ends well, removed when it fails.

    A full disk or a killed process never leaves half a file, and two processes writing
    the same file at once each replace it whole (the last one wins). A process killed
    mid-write leaves its temporary file (``<name>.<random>.tmp``), which
    :func:`partial_files` finds.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "table.parquet"
    >>> with written_whole(path) as part:
    ...     pd.DataFrame({"x": [1]}).to_parquet(part)
    >>> sorted(p.name for p in path.parent.iterdir())
    ['table.parquet']
    """
    tmp = _temporary_beside(path)
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_whole(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` whole (:func:`written_whole`)."""
    with written_whole(path) as tmp, open(tmp, "x", encoding="utf-8") as out:
        out.write(text)  # made here ("x"): nobody else writes it
    return Path(path)


def _temporary_beside(path: str | Path) -> Path:
    """A name no other file has beside ``path`` (``<name>.<random>.tmp``), for a file written
    whole and then renamed over it; made with the usual permissions (the user's umask), which
    ``tempfile.mkstemp`` would narrow to the owner alone."""
    path = Path(path)
    return path.with_name(f"{path.name}.{secrets.token_hex(6)}.tmp")


def partial_files(path: str | Path) -> list[Path]:
    """The temporary files :func:`write_whole` left beside ``path`` (a killed writer's)."""
    path = Path(path)
    return sorted(path.parent.glob(glob.escape(path.name) + ".*.tmp"))


# --------------------------------------------------------------------------- stage results


def folder(run_dir: str | Path, stage: str) -> Path:
    """Where the results of one stage are kept."""
    return Path(run_dir) / "artefacts" / stage


def table_path(run_dir: str | Path, stage: str, name: str) -> Path:
    """A stage's result saved from a DataFrame."""
    return folder(run_dir, stage) / f"{name}.parquet"


def record_path(run_dir: str | Path, stage: str, name: str) -> Path:
    """A stage's result saved as JSON."""
    return folder(run_dir, stage) / f"{name}.json"


def save(run_dir: str | Path, stage: str, name: str, obj: object) -> Path:
    """Save a DataFrame (Parquet) or JSON-able object; returns the path written."""
    folder(run_dir, stage).mkdir(parents=True, exist_ok=True)
    if isinstance(obj, pd.DataFrame):
        path = table_path(run_dir, stage, name)
        with written_whole(path) as part:
            obj.to_parquet(part, index=False)
        return path
    text = json.dumps(obj, default=_plain, indent=2, ensure_ascii=False)
    return write_whole(record_path(run_dir, stage, name), text)


def load(run_dir: str | Path, stage: str, name: str):
    """Load what :func:`save` wrote; a clear error names the stage to run first."""
    from cslib.data.parquet import read_frame

    for path, reader in (
        (table_path(run_dir, stage, name), read_frame),
        (record_path(run_dir, stage, name), lambda p: json.loads(p.read_text(encoding="utf-8"))),
    ):
        if path.exists():
            return reader(path)
    raise CslibError(
        Problem(
            f"the {stage} stage's result '{name}' is not in this run folder",
            file=str(folder(run_dir, stage)),
            fix=f"run the {stage} stage first in the same run folder (cslib run runs the stages in order)",
        )
    )


def exists(run_dir: str | Path, stage: str, name: str) -> bool:
    return table_path(run_dir, stage, name).exists() or record_path(run_dir, stage, name).exists()


def table_columns(run_dir: str | Path) -> set[str]:
    """The column names of every table the stages saved in the run (read from the files' schemas)."""
    import pyarrow.parquet as pq

    return {
        str(name)
        for path in (Path(run_dir) / "artefacts").rglob("*.parquet")
        for name in pq.read_schema(path).names
    }


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)
