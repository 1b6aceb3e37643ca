"""Sampling adequacy: are there enough evaluations behind each compliance figure?

To estimate a share ``p`` to within ± ``E`` with confidence ``1 − α`` from
independent checks one needs

    n = z² p (1 − p) / E²,   z = the (1 − α/2) normal quantile,

rounded up: 385 evaluations for ± 5 points at 95 % when nothing is known
(``p = 0.5``, the largest ``p(1 − p)``), 139 when compliance runs at 90 %.
Each evaluation checks each criterion once, so ``n`` counts evaluations and is
what one criterion's compliance needs; a group where every check passed (or
none did) says nothing yet about its spread and gets ``p = 0.5``.

Examples
--------
>>> sample_needed(0.5), sample_needed(0.9), sample_needed(0.5, margin=0.1)
(385, 139, 97)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_frame
from cslib._lazy import lazy
from cslib.analyses.standards._common import Scorecard, group_columns
from cslib.analyses.standards.scoring import scored
from cslib.errors import ParameterError, Problem

if TYPE_CHECKING:
    from scipy import stats
else:
    stats = lazy("scipy.stats")

__all__ = ["SamplingAdequacy", "sample_needed", "sampling_adequacy"]

PERIODS = {"D": "days", "W": "weeks", "M": "months", "ME": "months", "Q": "quarters"}
COLUMNS = [
    "level",
    "group",
    "n_evaluations",
    "per_period",
    "compliance",
    "p_used",
    "n_needed",
    "margin_achieved",
    "enough",
    "more_needed",
    "periods_to_enough",
]


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ParameterError(
            Problem(
                "confidence must lie between 0 and 1",
                values=(confidence,),
                fix="use e.g. 0.95",
            )
        )
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def sample_needed(p: float = 0.5, *, margin: float = 0.05, confidence: float = 0.95) -> int:
    """Evaluations needed to estimate a compliance near ``p`` to ± ``margin``: ⌈z² p(1 − p) / E²⌉.

    Examples
    --------
    >>> sample_needed(0.8, margin=0.05, confidence=0.9)
    174
    """
    _check_shares(p, margin)
    return math.ceil(_z(confidence) ** 2 * p * (1 - p) / margin**2)


def _check_shares(p: float, margin: float) -> None:
    if not 0 < margin < 1 or not 0 <= p <= 1:
        raise ParameterError(
            Problem(
                "p must lie within 0…1 and margin between 0 and 1",
                values=(p, margin),
                fix="give shares, e.g. p=0.9, margin=0.05 for ± 5 points",
            )
        )


@dataclass(frozen=True)
class SamplingAdequacy:
    """Evaluations per group against what a precise compliance figure needs.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group of each level (``level`` "all" first, then each
        ``by`` column): ``n_evaluations``, ``per_period`` (evaluations per
        ``freq`` period over the data's span), ``compliance``, ``p_used``,
        ``n_needed``, ``margin_achieved`` (± share the evaluations give now),
        ``enough``, ``more_needed`` and ``periods_to_enough`` at the current rate.
    warnings : pandas.DataFrame
        The groups without enough evaluations, with a ``message`` each.
    formula : str
        The sample-size formula with the values used.
    """

    table: pd.DataFrame
    warnings: pd.DataFrame
    formula: str


def sampling_adequacy(
    evaluations: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    margin: float = 0.05,
    confidence: float = 0.95,
    p: float | None = None,
    freq: str = "W",
    scorecard: Scorecard = None,
    pass_mark: float = 1.0,
) -> SamplingAdequacy:
    """Whether each team's and agent's compliance rests on enough evaluations.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        The evaluations table, with ``date``.
    by : str or list of str, optional
        The levels to check, each on its own; by default ``team`` and
        ``agent_id`` where present.
    margin, confidence : float
        The precision wanted: ± ``margin`` (a share) at ``confidence``.
    p : float, optional
        The compliance to plan for; by default each group's own (0.5 where it
        is 0 or 1). Give 0.5 for the cautious figure.
    freq : str
        The period of the rate (pandas period alias: ``W`` weeks, ``M`` months).
    scorecard, pass_mark
        As for :func:`~cslib.analyses.standards.scored`.

    Returns
    -------
    SamplingAdequacy

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"evaluation_id": [f"e{i}" for i in range(40)], "criterion": "greeting",
    ...                   "date": pd.date_range("2026-04-06", periods=40, freq="D"),
    ...                   "team": ["A"] * 30 + ["B"] * 10, "met": [True, False] * 20})
    >>> sampling_adequacy(e).table[["level", "group", "n_evaluations", "n_needed", "enough"]].values.tolist()
    [['all', 'all', 40, 385, False], ['team', 'A', 30, 385, False], ['team', 'B', 10, 385, False]]
    """
    z = _z(confidence)
    _check_shares(0.5 if p is None else p, margin)
    check_frame(evaluations, ["date"], where="sampling_adequacy")
    rows = scored(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    levels = (
        group_columns(by, rows, where="sampling_adequacy")
        if by is not None
        else [c for c in ("team", "agent_id") if c in rows]
    )
    days = pd.to_datetime(rows["date"])
    n_periods = len(pd.period_range(days.min(), days.max(), freq=freq))
    parts = [("all", "all", rows)] + [
        (level, group, part) for level in levels for group, part in rows.groupby(level, sort=True)
    ]
    table = pd.DataFrame(
        [_adequacy(lv, g, part, confidence, margin, p, n_periods) for lv, g, part in parts],
        columns=COLUMNS,
    )
    short = table[~table["enough"]].copy()
    short["message"] = [_message(r, margin, freq) for r in short.itertuples()]
    formula = (
        f"n = z² p(1 − p) / E² with z = {z:.3f} ({confidence:.0%} confidence), E = {margin:g}, "
        + (
            f"p = {p:g}"
            if p is not None
            else "p = each group's compliance (0.5 where it is 0 or 1)"
        )
    )
    return SamplingAdequacy(table, short.reset_index(drop=True), formula)


def _adequacy(level, group, rows: pd.DataFrame, confidence, margin, p, n_periods) -> dict:
    """One group's evaluations against the number its compliance figure needs."""
    n = int(rows["evaluation_id"].nunique())
    observed = float(rows["met"].mean())
    used = p if p is not None else (observed if 0 < observed < 1 else 0.5)
    needed = sample_needed(used, margin=margin, confidence=confidence)
    rate = n / n_periods
    more = max(needed - n, 0)
    return {
        "level": level,
        "group": group,
        "n_evaluations": n,
        "per_period": rate,
        "compliance": observed,
        "p_used": used,
        "n_needed": needed,
        "margin_achieved": _z(confidence) * math.sqrt(used * (1 - used) / n),
        "enough": n >= needed,
        "more_needed": more,
        "periods_to_enough": math.ceil(more / rate) if rate > 0 else np.nan,
    }


def _message(row, margin: float, freq: str) -> str:
    where = "all evaluations" if row.level == "all" else f"{row.level} {row.group}"
    pace = (
        f"about {row.periods_to_enough:.0f} more {PERIODS.get(freq, f'{freq} periods')} at the current rate"
        if np.isfinite(row.periods_to_enough)
        else "none come in at present"
    )
    return (
        f"{where}: {row.n_evaluations} evaluations give compliance to ± {row.margin_achieved:.0%}; "
        f"± {margin:.0%} needs {row.n_needed} ({row.more_needed} more; {pace})"
    )
