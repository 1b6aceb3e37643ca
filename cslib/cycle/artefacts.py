"""Stage results saved in the run folder, so later stages load them (no kernel state).

Small facts go to JSON, tables to Parquet, under ``<run>/artefacts/<stage>/``.

Examples
--------
>>> import tempfile, pandas as pd
>>> run = tempfile.mkdtemp()
>>> _ = save(run, "plan", "baseline", pd.DataFrame({"kpi": ["fcr"], "value": [0.66]}))
>>> _ = save(run, "plan", "facts", {"weeks": 21})
>>> load(run, "plan", "baseline")["value"].item(), load(run, "plan", "facts")["weeks"]
(0.66, 21)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from cslib.errors import CslibError, Problem


def folder(run_dir: str | Path, stage: str) -> Path:
    return Path(run_dir) / "artefacts" / stage


def save(run_dir: str | Path, stage: str, name: str, obj: object) -> Path:
    """Save a DataFrame (Parquet) or JSON-able object; returns the path written."""
    out = folder(run_dir, stage)
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(obj, pd.DataFrame):
        path = out / f"{name}.parquet"
        obj.to_parquet(path, index=False)
    else:
        path = out / f"{name}.json"
        path.write_text(
            json.dumps(obj, default=_plain, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return path


def load(run_dir: str | Path, stage: str, name: str):
    """Load what :func:`save` wrote; a clear error names the stage to run first."""
    base = folder(run_dir, stage) / name
    for suffix, reader in (
        (".parquet", pd.read_parquet),
        (".json", lambda p: json.loads(p.read_text(encoding="utf-8"))),
    ):
        path = base.with_suffix(suffix)
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
    base = folder(run_dir, stage) / name
    return base.with_suffix(".parquet").exists() or base.with_suffix(".json").exists()


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
