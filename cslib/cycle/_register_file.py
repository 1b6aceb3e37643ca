"""The cycle register's file: its columns, and reading and replacing a run's rows under a lock.

The register is Parquet or CSV; a CSV quotes every value, so a line break or a bare carriage
return inside a value stays inside it. Rows are keyed by :data:`KEY`.
"""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import numpy as np
import pandas as pd

from cslib.cycle.artefacts import written_whole
from cslib.data.parquet import read_frame
from cslib.data.privacy import neutralise_frame
from cslib.errors import DataError, ParameterError, Problem

COLUMNS = [
    "recorded_at",
    "cycle",
    "batch",
    "run_id",
    "baseline_start",
    "baseline_end",
    "review_start",
    "review_end",
    "change_date",
    "objective",
    "kpi",
    "statistic",
    "direction",
    "baseline",
    "target",
    "actual",
    "estimate",
    "ci_low",
    "ci_high",
    "verdict",
    "target_met",
    "sustained",
    "decision",
]
DATE_COLUMNS = ["baseline_start", "baseline_end", "review_start", "review_end", "change_date"]
SUFFIXES = (".parquet", ".csv")
#: the columns that identify a run's rows
KEY = ["cycle", "batch", "run_id"]
#: the Act stage's artefact holding a run's rows until the run has finished


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ParameterError(
            Problem(
                "the register must be a .parquet or .csv file",
                column="register_path",
                values=(str(path),),
                fix="name it e.g. reports/register.parquet",
            )
        )
    return suffix


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"])
    for c in DATE_COLUMNS:
        frame[c] = pd.to_datetime(frame[c])
    for c in ("baseline", "target", "actual", "estimate", "ci_low", "ci_high"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    for c in ("target_met", "sustained"):
        frame[c] = frame[c].map(_opt_bool).astype("boolean")
    for c in (
        "cycle",
        "batch",
        "run_id",
        "objective",
        "kpi",
        "statistic",
        "direction",
        "verdict",
        "decision",
    ):
        frame[c] = (
            frame[c]
            .map(lambda x: None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x))
            .astype(object)
        )
    return frame


def _opt_bool(x: object) -> object:
    if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)):
        return pd.NA
    if isinstance(x, str):
        return {"true": True, "false": False}.get(x.strip().lower(), pd.NA)
    return bool(x)


@contextlib.contextmanager
def _locked(path: Path):
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a+") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows: best effort
            pass
        yield


def _read(path: Path) -> pd.DataFrame:
    suffix = _suffix(path)
    if not path.exists():
        return _typed(pd.DataFrame(columns=COLUMNS))
    try:
        frame = (
            read_frame(path)
            if suffix == ".parquet"
            else pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        )
        if "batch" not in frame.columns:  # written before rows were keyed by batch
            frame["batch"] = None
    except (OSError, ValueError) as exc:  # unreadable, truncated or not Parquet/CSV at all
        raise DataError(
            Problem(
                f"the register cannot be read: {exc}",
                file=str(path),
                fix="restore it from a backup or start a new register",
            )
        ) from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            Problem(
                "not a cycle register: columns missing",
                file=str(path),
                values=tuple(missing),
                fix="point register_path at the register cslib writes, or start a new one",
            )
        )
    return _typed(frame[COLUMNS])


def _without(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``frame`` less the rows of the runs in ``rows`` (same cycle, batch and run)."""
    keys = set(rows[KEY].fillna("").itertuples(index=False, name=None))
    own = [k in keys for k in frame[KEY].fillna("").itertuples(index=False, name=None)]
    return frame[~np.array(own, dtype=bool)]


def _store(path: Path, rows: pd.DataFrame) -> None:
    """Replace the runs of ``rows`` in the register, under its lock, atomically."""
    suffix = _suffix(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        old = _without(_read(path), rows)
        new = rows if old.empty else pd.concat([old, rows], ignore_index=True)
        with written_whole(path) as tmp:
            if suffix == ".parquet":
                new.to_parquet(tmp, index=False)
            else:  # every value quoted: a line break or a bare CR inside one stays inside it
                neutralise_frame(new).to_csv(tmp, index=False, quoting=csv.QUOTE_ALL)
