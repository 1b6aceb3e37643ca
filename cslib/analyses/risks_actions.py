"""Plan data from the cycle file: the risk matrix and the action timeline.

* :func:`risk_matrix` — each risk's likelihood × impact score (1–25) and rating
  band, with its mitigation, contingency and owner; flags risks rated high or
  worse that have no contingency.
* :func:`action_timeline` — each action's planned and actual dates, slippage
  in days, resources, cost, status and whether it is a communication action.

Both take the :class:`cslib.cycle.model.Cycle` (or the plain list of risks /
actions as dicts) and return DataFrames that the Gantt and heat-map charts in
:mod:`cslib.analyses.charts` draw.

Examples
--------
>>> risk_matrix([{"risk": "Peak volumes", "likelihood": 3, "impact": 4}])[["score", "rating"]].values.tolist()
[[12, 'high']]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cslib.errors import ParameterError, Problem

__all__ = ["BANDS", "action_timeline", "risk_grid", "risk_matrix"]

#: rating bands of the likelihood × impact score (upper bounds, inclusive)
BANDS: tuple[tuple[int, str], ...] = ((4, "low"), (9, "medium"), (14, "high"), (25, "very high"))


def _items(source: object, attr: str) -> list[dict]:
    items = getattr(source, attr, source)
    if isinstance(items, Mapping):
        items = items.get(attr, [])
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise ParameterError(
            Problem(
                f"expected a cycle or a list of {attr}",
                column=attr,
                values=(type(source).__name__,),
                fix=f"pass the cycle (cslib.cycle.model.load_cycle) or a list of {attr} as dicts",
            )
        )
    out = []
    for item in items:
        out.append(item.model_dump() if hasattr(item, "model_dump") else dict(item))
    return out


def _band(score: float, bands: Sequence[tuple[int, str]]) -> str:
    for upper, name in bands:
        if score <= upper:
            return name
    return bands[-1][1]


def risk_matrix(cycle: object, *, bands: Sequence[tuple[int, str]] = BANDS) -> pd.DataFrame:
    """The cycle's risks scored likelihood × impact, highest first.

    Parameters
    ----------
    cycle : Cycle or list of dict
        The cycle (its ``risks``) or the risks themselves: ``risk``,
        ``likelihood`` (1–5), ``impact`` (1–5), optional ``mitigation``,
        ``contingency``, ``owner``.
    bands : sequence of (upper score, name)
        Rating bands; default 1–4 low, 5–9 medium, 10–14 high, 15–25 very high.

    Returns
    -------
    pandas.DataFrame
        ``risk``, ``likelihood``, ``impact``, ``score``, ``rating``,
        ``mitigation``, ``contingency``, ``owner``, ``needs_contingency``
        (rated high or worse without a contingency).
    """
    rows = _items(cycle, "risks")
    problems = []
    for i, r in enumerate(rows):
        for key in ("likelihood", "impact"):
            v = r.get(key)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 1 <= v <= 5:
                problems.append(
                    Problem(
                        f"risk {i + 1} ('{r.get('risk', '?')}'): {key} must be a whole number from 1 to 5",
                        column=key,
                        values=(v,),
                        fix="score likelihood and impact on a 1–5 scale",
                    )
                )
    if problems:
        raise ParameterError(problems)
    cols = [
        "risk",
        "likelihood",
        "impact",
        "score",
        "rating",
        "mitigation",
        "contingency",
        "owner",
        "needs_contingency",
    ]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(
        [
            {
                "risk": r.get("risk"),
                "likelihood": int(r["likelihood"]),
                "impact": int(r["impact"]),
                "mitigation": r.get("mitigation"),
                "contingency": r.get("contingency"),
                "owner": r.get("owner"),
            }
            for r in rows
        ]
    )
    out["score"] = out["likelihood"] * out["impact"]
    out["rating"] = out["score"].map(lambda s: _band(s, bands))
    serious = {name for upper, name in bands if upper >= 10}
    out["needs_contingency"] = out["rating"].isin(serious) & out["contingency"].isna()
    return out.sort_values(["score", "impact"], ascending=False, kind="stable", ignore_index=True)[
        cols
    ]


def risk_grid(cycle: object) -> pd.DataFrame:
    """Counts of risks per likelihood (rows 5…1) × impact (columns 1…5), for a heat map.

    Examples
    --------
    >>> int(risk_grid([{"risk": "x", "likelihood": 2, "impact": 3}]).loc[2, 3])
    1
    """
    m = risk_matrix(cycle)
    grid = pd.DataFrame(
        0,
        index=pd.Index(range(5, 0, -1), name="likelihood"),
        columns=pd.Index(range(1, 6), name="impact"),
    )
    for r in m.itertuples():
        grid.loc[r.likelihood, r.impact] += 1
    return grid


def _date(v: object) -> pd.Timestamp | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, dt.date | str | pd.Timestamp):
        return pd.Timestamp(v)
    raise ParameterError(
        Problem(
            "not a date", column="start/end", values=(v,), fix="write ISO dates such as 2026-04-01"
        )
    )


def action_timeline(cycle: object, *, as_of: object = None) -> pd.DataFrame:
    """The cycle's actions with planned vs actual dates and slippage.

    Slippage is actual − planned in days (positive = late). An action not yet
    finished whose planned end has passed (``as_of``, default today) shows
    ``overdue_days``.

    Parameters
    ----------
    cycle : Cycle or list of dict
        The cycle (its ``actions``) or the actions: ``action``, ``owner``,
        ``start``, ``end``, ``actual_start``, ``actual_end``, ``resources``,
        ``cost``, ``status``, ``communication``.
    as_of : date-like, optional
        The day the timeline is read.

    Returns
    -------
    pandas.DataFrame
        In planned order: ``action``, ``owner``, ``planned_start``,
        ``planned_end``, ``actual_start``, ``actual_end``, ``planned_days``,
        ``actual_days``, ``start_slip_days``, ``end_slip_days``,
        ``overdue_days``, ``resources``, ``cost``, ``status``, ``communication``.

    Examples
    --------
    >>> a = [{"action": "Train", "start": "2026-05-11", "end": "2026-07-03", "actual_end": "2026-07-10", "status": "done"}]
    >>> action_timeline(a)["end_slip_days"].tolist()
    [7.0]
    """
    rows = _items(cycle, "actions")
    today = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(dt.date.today())
    out = []
    for i, a in enumerate(rows):
        ps, pe, as_, ae = (_date(a.get(k)) for k in ("start", "end", "actual_start", "actual_end"))
        if ps is not None and pe is not None and pe < ps:
            raise ParameterError(
                Problem(
                    f"action {i + 1} ('{a.get('action', '?')}') ends before it starts",
                    column="end",
                    values=(str(pe.date()),),
                    fix="correct the planned dates",
                )
            )
        status = a.get("status") or "planned"
        finished = status in ("done", "dropped")
        overdue = (
            (today - pe).days
            if (pe is not None and not finished and ae is None and today > pe)
            else 0
        )
        out.append(
            {
                "action": a.get("action"),
                "owner": a.get("owner"),
                "planned_start": ps,
                "planned_end": pe,
                "actual_start": as_,
                "actual_end": ae,
                "planned_days": (pe - ps).days + 1 if ps is not None and pe is not None else np.nan,
                "actual_days": (ae - as_).days + 1
                if ae is not None and as_ is not None
                else np.nan,
                "start_slip_days": (as_ - ps).days
                if as_ is not None and ps is not None
                else np.nan,
                "end_slip_days": (ae - pe).days if ae is not None and pe is not None else np.nan,
                "overdue_days": overdue,
                "resources": a.get("resources"),
                "cost": a.get("cost"),
                "status": status,
                "communication": bool(a.get("communication", False)),
            }
        )
    cols = [
        "action",
        "owner",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "planned_days",
        "actual_days",
        "start_slip_days",
        "end_slip_days",
        "overdue_days",
        "resources",
        "cost",
        "status",
        "communication",
    ]
    frame = pd.DataFrame(out, columns=cols)
    for c in ("planned_start", "planned_end", "actual_start", "actual_end"):
        frame[c] = pd.to_datetime(frame[c])
    frame["cost"] = pd.to_numeric(frame["cost"], errors="coerce").astype(float)
    for c in ("planned_days", "actual_days", "start_slip_days", "end_slip_days"):
        frame[c] = frame[c].astype(float)
    return frame.sort_values("planned_start", kind="stable", ignore_index=True, na_position="last")
