"""The cycle register: every run's objectives and verdicts, and the draft of the next cycle.

A strategy is a living document: each run appends one row per objective to a
register (Parquet or CSV, in the reports folder — never next to the raw data);
:func:`history` reads it back for the Act notebook; :func:`draft_next_cycle`
starts the next cycle from this one's results (its baseline is this review
period, its objectives carried over with updated baselines and targets).

Appending is safe when several runs finish at once: a lock file serialises
writers and the register is replaced atomically. A row belongs to its cycle,
batch (none for a single run) and run: re-running the same run replaces its rows
instead of adding duplicates, and runs of the same name in two batches both stay.
A run made by ``cslib run`` or ``cslib batch`` is recorded only once it has
finished (:func:`record` keeps its rows in the run folder, :func:`commit` adds
them when the report is written); a run made in JupyterLab is recorded at once.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from cslib.cycle.model import parse_cycle
>>> cycle = parse_cycle({"title": "Faster replies", "data": {"tickets": "t.csv"},
...     "periods": {"baseline": {"start": "2026-01-01", "end": "2026-03-31"}, "review": {"start": "2026-04-01", "end": "2026-06-30"}},
...     "change": {"date": "2026-04-01"},
...     "objectives": [{"id": "O1", "kpi": "fcr", "direction": "increase", "target": 0.7}]})
>>> v = pd.DataFrame({"objective": ["O1"], "baseline": [0.62], "actual": [0.71], "verdict": ["improved"], "target_met": [True]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "register.csv"
>>> len(append(path, cycle=cycle, verdicts=v, run_id="r1"))
1
>>> history(path)[["run_id", "objective", "baseline", "actual", "verdict"]].values.tolist()
[['r1', 'O1', 0.62, 0.71, 'improved']]
>>> draft_next_cycle(cycle, v)["periods"]["baseline"]
{'start': '2026-04-01', 'end': '2026-06-30'}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cslib.cycle import artefacts
from cslib.cycle._register_file import (
    COLUMNS,
    _opt_bool,
    _read,
    _store,
    _suffix,
    _typed,
    _without,
)
from cslib.cycle.sources import rebase_sources
from cslib.errors import ParameterError, Problem
from cslib.metrics.engine import REGISTRY

__all__ = [
    "COLUMNS",
    "append",
    "commit",
    "draft_next_cycle",
    "history",
    "next_cycle_yaml",
    "record",
    "verdict_table",
]

PENDING = "register-rows"


def _unreadable(verdict: object) -> ParameterError:
    """The error for a verdict that is neither a Verdict nor a mapping."""
    return ParameterError(
        Problem(
            "cannot read a verdict",
            column="verdicts",
            values=(type(verdict).__name__,),
            fix="pass the Check scorecard (DataFrame) or cslib.stats.impact.Verdict objects",
        )
    )


def verdict_table(verdicts: object) -> pd.DataFrame:
    """Verdicts in one shape: a DataFrame (the Check scorecard), a mapping id → Verdict, or a list of Verdicts.

    Returns
    -------
    pandas.DataFrame
        ``objective``, ``baseline``, ``actual``, ``estimate``, ``ci_low``,
        ``ci_high``, ``verdict``, ``target_met``, ``sustained``, ``decision``
        (missing where the input has none).
    """
    if isinstance(verdicts, pd.DataFrame):
        frame = verdicts.copy()
    else:
        if isinstance(verdicts, Mapping):
            items = list(verdicts.items())
        elif isinstance(verdicts, Iterable):
            items = [(getattr(v, "objective", None), v) for v in verdicts]
        else:
            raise _unreadable(verdicts)
        rows = []
        for key, v in items:
            if hasattr(v, "outcome"):
                rows.append(
                    {
                        "objective": key or v.objective,
                        "baseline": v.before,
                        "actual": v.after,
                        "estimate": v.estimate,
                        "ci_low": v.ci_low,
                        "ci_high": v.ci_high,
                        "verdict": v.outcome,
                        "target_met": v.target_met,
                        "sustained": v.sustained,
                    }
                )
            elif isinstance(v, Mapping):
                rows.append({"objective": key, **v})
            else:
                raise _unreadable(v)
        frame = pd.DataFrame(rows)
    if "verdict" not in frame and "outcome" in frame:
        frame = frame.rename(columns={"outcome": "verdict"})
    if "objective" not in frame or frame["objective"].isna().any():
        raise ParameterError(
            Problem(
                "every verdict needs its objective id",
                column="objective",
                fix="keep the objective column of the Check scorecard, or pass {objective_id: verdict}",
            )
        )
    for col in (
        "baseline",
        "actual",
        "estimate",
        "ci_low",
        "ci_high",
        "verdict",
        "target_met",
        "sustained",
        "decision",
    ):
        if col not in frame:
            frame[col] = np.nan if col not in ("verdict", "decision") else None
    return frame


def _rows(
    cycle, verdicts: pd.DataFrame, run_id: str, recorded_at: pd.Timestamp, batch: str | None = None
) -> pd.DataFrame:
    v = verdicts.set_index("objective")
    known = {o.id for o in cycle.objectives}
    unknown = sorted(set(v.index) - known)
    if unknown:
        raise ParameterError(
            Problem(
                "verdicts for objectives the cycle does not have",
                column="objective",
                values=tuple(unknown),
                fix=f"the cycle's objectives are {', '.join(sorted(known)) or '(none)'}",
            )
        )
    rows = []
    p = cycle.periods
    for o in cycle.objectives:
        r = v.loc[o.id] if o.id in v.index else pd.Series(dtype=object)
        rows.append(
            {
                "recorded_at": recorded_at,
                "cycle": cycle.title,
                "batch": batch,
                "run_id": run_id,
                "baseline_start": p.baseline.start,
                "baseline_end": p.baseline.end,
                "review_start": p.review.start,
                "review_end": p.review.end,
                "change_date": cycle.change.date,
                "objective": o.id,
                "kpi": o.kpi,
                "statistic": o.statistic,
                "direction": o.direction,
                "baseline": r.get("baseline", np.nan),
                "target": o.target,
                "actual": r.get("actual", np.nan),
                "estimate": r.get("estimate", np.nan),
                "ci_low": r.get("ci_low", np.nan),
                "ci_high": r.get("ci_high", np.nan),
                "verdict": r.get("verdict") if o.id in v.index else "not evaluated",
                "target_met": r.get("target_met"),
                "sustained": r.get("sustained"),
                "decision": r.get("decision"),
            }
        )
    return _typed(pd.DataFrame(rows, columns=COLUMNS))


def append(
    register_path: str | Path,
    *,
    cycle,
    verdicts: object,
    run_id: str | None = None,
    recorded_at: object = None,
) -> pd.DataFrame:
    """Add this run's objectives and verdicts to the register (one row per objective).

    Parameters
    ----------
    register_path : str or Path
        A ``.parquet`` or ``.csv`` file in the reports folder; created with its
        folder when missing.
    cycle : Cycle
        The cycle (:func:`cslib.cycle.model.load_cycle`).
    verdicts : DataFrame, mapping or list
        The Check scorecard (``objective``, ``baseline``, ``actual``,
        ``verdict``…, optionally ``decision``), or :class:`cslib.stats.impact.Verdict` objects.
    run_id : str, optional
        Identifies the run (default: the time of recording). Rows of an
        existing ``run_id`` are replaced.
    recorded_at : timestamp, optional
        Default now.

    Returns
    -------
    pandas.DataFrame
        The rows added, with the columns of :data:`COLUMNS`.
    """
    path = Path(register_path)
    _suffix(path)
    stamp = _stamp(recorded_at)
    rows = _rows(
        cycle, verdict_table(verdicts), str(run_id or stamp.strftime("%Y%m%d-%H%M%S")), stamp
    )
    _store(path, rows)
    return rows


def record(run_dir: str | Path, *, cycle, verdicts: object) -> pd.DataFrame:
    """This run's rows, added to the register of its reports folder once the run has finished.

    A run folder with a ``run.json`` (made by ``cslib run`` or ``cslib batch``) keeps its
    rows until its runner calls :func:`commit` after the report is written; a run folder
    without one (JupyterLab) is recorded at once. A batch run's rows carry its batch.
    """
    run_dir = Path(run_dir)
    managed = artefacts.manifest_path(run_dir).exists()
    run_id = str(artefacts.read_manifest(run_dir).get("run_id", "")) if managed else ""
    batch, _, run = run_id.rpartition("/") if "/" in run_id else (None, "", run_dir.name)
    rows = _rows(cycle, verdict_table(verdicts), run, _stamp(None), batch or None)
    if managed:
        artefacts.save(run_dir, "act", PENDING, rows)
    else:
        _store(artefacts.register_path(run_dir), rows)
    return rows


def commit(run_dir: str | Path) -> None:
    """Add a finished run's rows (kept by :func:`record`) to its reports folder's register."""
    if artefacts.exists(run_dir, "act", PENDING):
        rows = _typed(artefacts.load(run_dir, "act", PENDING))
        _store(artefacts.register_path(run_dir), rows)


def _stamp(recorded_at: object) -> pd.Timestamp:
    if recorded_at is not None:
        return pd.Timestamp(recorded_at)
    return pd.Timestamp(dt.datetime.now()).floor("s")


def history(
    register_path: str | Path, *, cycle: str | None = None, pending: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The register: every recorded run's objectives and verdicts, oldest first.

    Parameters
    ----------
    register_path : str or Path
        The register file; a missing file gives an empty table.
    cycle : str, optional
        Only runs of the cycle with this title.
    pending : DataFrame, optional
        Rows of a run not yet recorded (:func:`record`), shown in their place.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`COLUMNS`, sorted by ``recorded_at`` and ``objective``.
    """
    frame = _read(Path(register_path))
    if pending is not None:
        frame = pd.concat([_without(frame, pending), pending], ignore_index=True)
    if cycle is not None:
        frame = frame[frame["cycle"] == cycle]
    return frame.sort_values(
        ["recorded_at", "run_id", "objective"], kind="stable", ignore_index=True
    )


def _new_target(
    kpi: str, direction: str, actual: float, target: float | None, met: object, stretch: float
) -> float | None:
    if target is None:
        return None
    if _opt_bool(met) is True and np.isfinite(actual):
        new = actual * (1 - stretch) if direction == "decrease" else actual * (1 + stretch)
        if REGISTRY[kpi].unit == "share":
            new = min(new, 1.0)
        return float(new)
    return float(target)


def draft_next_cycle(
    cycle, verdicts: object, *, stretch: float = 0.05, absolute_paths: bool = False
) -> dict:
    """The next cycle as a mapping :func:`cslib.cycle.model.parse_cycle` accepts.

    * title "<title> (next cycle)";
    * baseline = this cycle's review period; the next review period follows it
      with the same length; the change date is the first day of the new review
      (edit it when the next change is known); no roll-out yet;
    * objectives carried over: a met target is stretched by ``stretch`` beyond
      the level reached (``actual``), a missed one is kept; each objective's
      description records its new baseline and last verdict; deadlines move to
      the new review end;
    * open actions (not done or dropped) carried over as planned; risks,
      stakeholders, scope, SLA, economics and data sources kept.

    Parameters
    ----------
    cycle : Cycle
        This cycle.
    verdicts : DataFrame, mapping or list
        As in :func:`append`.
    stretch : float
        Relative improvement asked beyond a target already met.
    absolute_paths : bool
        Write the files of the data section (tables, mapping files, joins) as absolute paths
        (when the new file lives elsewhere).

    Returns
    -------
    dict
    """
    if not (isinstance(stretch, int | float) and 0 <= stretch < 1):
        raise ParameterError(
            Problem(
                "stretch must be a share between 0 and 1",
                column="stretch",
                values=(stretch,),
                fix="e.g. stretch=0.05",
            )
        )
    v = verdict_table(verdicts).set_index("objective")
    raw = cycle.model_dump(mode="json", exclude={"base_dir"}, exclude_none=True)
    review = cycle.periods.review
    length = review.end - review.start
    start = review.end + dt.timedelta(days=1)
    end = start + length
    raw["title"] = f"{cycle.title} (next cycle)"
    raw["periods"] = {
        "baseline": {"start": review.start.isoformat(), "end": review.end.isoformat()},
        "review": {"start": start.isoformat(), "end": end.isoformat()},
    }
    raw["change"] = {
        "date": start.isoformat(),
        "name": "Next change: to be decided",
        "description": f"Follows '{cycle.title}' (change '{cycle.change.name or cycle.change.date}'); set the date and describe the change.",
    }
    raw.pop("rollout", None)
    raw["objectives"] = [_carried_objective(cycle, o, v, end, stretch) for o in cycle.objectives]
    raw["actions"] = [_replanned(a) for a in cycle.actions if a.status not in ("done", "dropped")]
    if absolute_paths:
        raw["data"] = rebase_sources(raw["data"], cycle.base_dir)
    return raw


def _carried_objective(cycle, o, verdicts: pd.DataFrame, end: dt.date, stretch: float) -> dict:
    """The objective for the next cycle: its target stretched or kept, its deadline the new review end,
    its description the new baseline and the last verdict."""
    review = cycle.periods.review
    evaluated = o.id in verdicts.index
    r = verdicts.loc[o.id] if evaluated else pd.Series(dtype=object)
    actual = float(r.get("actual", np.nan)) if pd.notna(r.get("actual", np.nan)) else np.nan
    obj = o.model_dump(mode="json", exclude_none=True)
    target = _new_target(o.kpi, o.direction, actual, o.target, r.get("target_met"), stretch)
    if target is None:
        obj.pop("target", None)
    else:
        obj["target"] = target
    obj["deadline"] = end.isoformat()
    last = r.get("verdict") if evaluated else "not evaluated"
    base = f"{actual:.4g}" if np.isfinite(actual) else "not measured"
    obj["description"] = (
        f"Baseline {base} (review {review.start} to {review.end} of '{cycle.title}'); "
        f"previous target {o.target if o.target is not None else 'none'}; last verdict: {last}"
        + (f"; decision: {r.get('decision')}" if pd.notna(r.get("decision", None)) else "")
        + "."
    )
    return obj


def _replanned(action) -> dict:
    """An open action carried over as planned, without its dates."""
    d = action.model_dump(mode="json", exclude_none=True)
    for k in ("actual_start", "actual_end", "start", "end"):
        d.pop(k, None)
    d["status"] = "planned"
    return d


def next_cycle_yaml(cycle, verdicts: object, **options: object) -> str:
    """:func:`draft_next_cycle` as YAML text, ready to save as the next ``cycle.yaml``."""
    raw = draft_next_cycle(cycle, verdicts, **options)  # type: ignore[arg-type]
    head = f"# Next improvement cycle, drafted from '{cycle.title}'. Review the change, dates and targets before use.\n"
    return head + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=100)
