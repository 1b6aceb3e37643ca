"""Compliance before and after a change, in the teams that adopted it beside those that did not.

For each criterion and each group (``roll-out``, ``comparison``) the share of
checks met before is compared with the share after by
:func:`cslib.stats.impact.compare` (difference = after − before, in shares).
Evaluations of one week share its workload, coaching and evaluators, so with
``cluster`` (a week or agent label per row) the interval and the p-value come
from the clusters, not from the checks. The change beyond the comparison teams
is the difference of the two differences (a difference-in-differences of
shares) with an interval whose half-width is the two half-widths added in
quadrature, since the groups are independent.

Examples
--------
>>> import pandas as pd
>>> e = pd.DataFrame({"evaluation_id": [f"e{i}" for i in range(8)], "criterion": "greeting",
...                   "group": ["roll-out"] * 4 + ["comparison"] * 4, "period": ["before", "before", "after", "after"] * 2,
...                   "met": [False, True, True, True, True, False, True, False]})
>>> compliance_change(e)[["group", "before", "after", "diff"]].values.tolist()
[['roll-out', 0.5, 1.0, 0.5], ['comparison', 0.5, 0.5, 0.0], ['roll-out − comparison', nan, nan, 0.5]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame
from cslib.analyses.standards._common import Scorecard
from cslib.analyses.standards.scoring import scored
from cslib.errors import ParameterError
from cslib.stats.impact import compare

__all__ = ["BEYOND", "compliance_change"]

#: the group of the rows that set the roll-out teams' change against the comparison teams'
BEYOND = "roll-out − comparison"
GROUPS = ("roll-out", "comparison")
COLUMNS = [
    "criterion",
    "group",
    "n_before",
    "n_after",
    "before",
    "after",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
    "n_clusters",
    "method",
]


def compliance_change(
    evaluations: pd.DataFrame,
    *,
    group: str = "group",
    period: str = "period",
    cluster: str | None = None,
    scorecard: Scorecard = None,
    pass_mark: float = 1.0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each criterion's compliance before and after, per group, and the change beyond the comparison.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        The evaluations table with a ``group`` column ("roll-out" or
        "comparison"; other rows are left out) and a ``period`` column
        ("before" or "after").
    group, period : str
        Their columns.
    cluster : str, optional
        A column labelling the rows that are not independent (the week, the
        agent); without it each check counts as independent.
    scorecard, pass_mark
        As for :func:`~cslib.analyses.standards.scored`.
    alpha : float
        1 − confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Per criterion, a row per group present, then (with both groups) a row
        ``roll-out − comparison``: ``n_before``, ``n_after`` (checks),
        ``before``, ``after`` (shares met), ``diff`` (after − before),
        ``ci_low``, ``ci_high``, ``p_value``, ``n_clusters`` (clusters on both
        sides) and ``method``. A side without enough checks or clusters leaves
        the comparison empty.
    """
    alpha = check_alpha(alpha)
    check_frame(evaluations, [group, period, *([cluster] if cluster else [])], where="change")
    rows = scored(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    rows = rows[rows[group].isin(GROUPS) & rows[period].isin(("before", "after"))]
    out: list[dict] = []
    for criterion, part in rows.groupby("criterion", sort=True):
        found = {
            g: _side(criterion, g, side, period, cluster, alpha)
            for g in GROUPS
            if len(side := part[part[group] == g])
        }
        out += found.values()
        if len(found) == 2:
            out.append(_beyond(criterion, found["roll-out"], found["comparison"]))
    return pd.DataFrame(out, columns=COLUMNS)


def _side(criterion, name: str, rows: pd.DataFrame, period: str, cluster, alpha) -> dict:
    """One group's compliance before and after, compared (clustered when ``cluster`` is given)."""
    before, after = (rows[rows[period] == p] for p in ("before", "after"))
    row = {"criterion": criterion, "group": name, "n_before": len(before), "n_after": len(after)}
    row |= {
        "before": before["met"].mean() if len(before) else np.nan,
        "after": after["met"].mean() if len(after) else np.nan,
    }
    labels = {}
    if cluster:
        labels = {
            "before_days": before[cluster].to_numpy(),
            "after_days": after[cluster].to_numpy(),
        }
        row["n_clusters"] = before[cluster].nunique() + after[cluster].nunique()
    try:
        res = compare(
            before["met"].astype(float).to_numpy(),
            after["met"].astype(float).to_numpy(),
            kind="proportion",
            alpha=alpha,
            **labels,
        ).iloc[0]
    except ParameterError:  # too few checks or clusters on a side
        return row | {"diff": row["after"] - row["before"]}
    method = (
        f"difference of shares, t interval over {cluster} clusters (cluster-robust variance)"
        if cluster
        else res["method"]
    )
    return row | {k: res[k] for k in ("diff", "ci_low", "ci_high", "p_value")} | {"method": method}


def _beyond(criterion, treated: dict, comparison: dict) -> dict:
    """The roll-out teams' change less the comparison teams', its half-widths added in quadrature."""
    diff = treated["diff"] - comparison["diff"]
    halves = [
        (r.get("ci_high", np.nan) - r.get("ci_low", np.nan)) / 2 for r in (treated, comparison)
    ]
    half = float(np.hypot(*halves))
    return {
        "criterion": criterion,
        "group": BEYOND,
        "diff": diff,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "method": "difference of the two changes; half-widths added in quadrature",
    }
