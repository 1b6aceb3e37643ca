"""Standards and customer outcomes: CSAT, FCR… on the same tickets when a standard was met and when not.

Evaluations that name their ``ticket_id`` are joined to the ticket's own KPI
value, computed with the KPI's registry definition
(:func:`cslib.metrics.cases`: CSAT is the top-2-box share, FCR resolved at first
contact…). For each criterion, and for "all standards" (every criterion of the
evaluation met), the tickets where it was met are compared with those where it
was not by :func:`cslib.stats.impact.compare` (difference = met − not met), with
Holm-adjusted p-values over all rows. A ticket evaluated more than once counts
as met when at least half of its evaluations found the criterion met.

This is an association on the tickets that happened to be evaluated, not the
effect of meeting a standard: harder contacts may both miss standards and
disappoint customers.

Examples
--------
>>> sorted(KINDS)
['duration', 'mean', 'proportion', 'score']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cslib._args import check_alpha, check_frame
from cslib.analyses.standards._common import Scorecard
from cslib.analyses.standards.scoring import evaluation_scores, scored
from cslib.data.tables import ReadOptions, label
from cslib.errors import ParameterError, Problem
from cslib.metrics import REGISTRY
from cslib.metrics.engine import case_query, scan
from cslib.stats.impact import adjust_pvalues, compare

__all__ = ["KINDS", "outcomes"]

#: the comparison each kind of KPI takes
KINDS = {"proportion": "proportion", "duration": "duration", "mean": "continuous", "score": "nps"}
ALL_STANDARDS = "all standards"
COLUMNS = [
    "criterion",
    "kpi",
    "n_met",
    "n_not_met",
    "met",
    "not_met",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "method",
]


def outcomes(
    evaluations: pd.DataFrame,
    tickets: pd.DataFrame | str | Path,
    *,
    kpis: Sequence[str] = ("csat", "fcr"),
    scorecard: Scorecard = None,
    pass_mark: float = 1.0,
    alpha: float = 0.05,
    timezone: str = "UTC",
    validate: bool = True,
) -> pd.DataFrame:
    """Customer outcomes on the evaluated tickets, standard met versus not met.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        The evaluations table with ``ticket_id``.
    tickets : DataFrame or path
        The tickets table (data contract).
    kpis : sequence of str
        Registry KPIs measured per ticket (shares, durations, means, NPS).
    scorecard, pass_mark
        As for :func:`~cslib.analyses.standards.scored`.
    alpha : float
        1 − confidence level of the intervals; level of the adjusted p-values.
    timezone : str
        Time zone of naive ticket timestamps.
    validate : bool
        Check the tickets against the data contract first (skip only when they were checked).

    Returns
    -------
    pandas.DataFrame
        One row per criterion (then "all standards") × KPI: ``n_met``,
        ``n_not_met`` (tickets), ``met`` and ``not_met`` (the KPI on each
        side), ``diff`` (met − not met), ``ci_low``, ``ci_high``, ``p_value``,
        ``p_adjusted`` (Holm) and ``method``. A side without enough tickets
        leaves the comparison empty.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3", "4"], "created_at": pd.Timestamp("2026-04-01"),
    ...                   "csat": pd.array([5, 4, 2, 5], dtype="Int64")})
    >>> e = pd.DataFrame({"evaluation_id": ["a", "b", "c", "d"], "ticket_id": ["1", "2", "3", "4"],
    ...                   "criterion": "empathy", "met": [True, True, False, False]})
    >>> outcomes(e, t, kpis=["csat"])[["criterion", "n_met", "met", "not_met", "diff"]].values.tolist()[0]
    ['empathy', 2, 1.0, 0.5, 0.5]
    """
    alpha = check_alpha(alpha)
    check_frame(evaluations, ["ticket_id"], where="outcomes")
    unusable = [k for k in kpis if k not in REGISTRY or REGISTRY[k].kind not in KINDS]
    if unusable:
        raise ParameterError(
            Problem(
                "KPIs that have no value per ticket",
                values=tuple(unusable),
                fix=f"use KPIs of these kinds: {', '.join(KINDS)} (e.g. csat, fcr, resolution_hours)",
            )
        )
    verdicts = _ticket_verdicts(evaluations, scorecard, pass_mark)
    rows = []
    for kpi, values in _evaluated_values(tickets, kpis, verdicts, timezone, validate).items():
        joined = verdicts.merge(values, on="ticket_id")
        for criterion, part in joined.groupby("criterion", sort=False):
            rows.append(_row(criterion, kpi, part, KINDS[REGISTRY[kpi].kind], alpha))
    out = pd.DataFrame(rows, columns=COLUMNS)
    tested = out["p_value"].notna()
    if tested.any():
        out.loc[tested, "p_adjusted"] = adjust_pvalues(out.loc[tested, "p_value"], alpha=alpha)[
            "p_adjusted"
        ].to_numpy()
    return out


def _evaluated_values(tickets, kpis, verdicts: pd.DataFrame, timezone: str, validate: bool) -> dict:
    """Per KPI, the ``ticket_id`` (as text) and ``value`` of the evaluated tickets' cases
    (:func:`~cslib.metrics.engine.case_query`, every ticket counted as the KPI defines it),
    picked in DuckDB: only the evaluated tickets reach pandas."""
    con, _ = scan(
        tickets, by=["ticket_id"], options=ReadOptions(timezone=timezone), validate=validate
    )
    try:
        con.register("evaluated", verdicts[["ticket_id"]].drop_duplicates())
        found = {}
        for kpi in kpis:
            query = case_query(con, kpi, by=["ticket_id"], source=label(tickets))
            found[kpi] = con.execute(
                f"""SELECT CAST(c.ticket_id AS VARCHAR) AS ticket_id, c.value FROM ({query}) c
                    WHERE CAST(c.ticket_id AS VARCHAR) IN (SELECT ticket_id FROM evaluated)"""
            ).df()
        return found
    finally:
        con.close()


def _ticket_verdicts(evaluations, scorecard, pass_mark) -> pd.DataFrame:
    """Per ticket and criterion (then "all standards"): met by at least half of its evaluations."""
    rows = scored(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    scores = evaluation_scores(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    every = scores.assign(criterion=ALL_STANDARDS, met=scores["n_met"] == scores["n_criteria"])
    both = pd.concat(
        [rows[["ticket_id", "criterion", "met"]], every[["ticket_id", "criterion", "met"]]]
    )
    both = both.dropna(subset=["ticket_id"]).astype({"ticket_id": str, "met": float})
    shares = both.groupby(["ticket_id", "criterion"], sort=False)["met"].mean()
    return (shares >= 0.5).rename("met").reset_index()


def _row(criterion, kpi: str, part: pd.DataFrame, kind: str, alpha: float) -> dict[str, object]:
    met = part.loc[part["met"], "value"].dropna().to_numpy(float)
    not_met = part.loc[~part["met"], "value"].dropna().to_numpy(float)
    row = {"criterion": criterion, "kpi": kpi, "n_met": met.size, "n_not_met": not_met.size}
    try:
        res = compare(not_met, met, kind=kind, alpha=alpha).iloc[0]
    except ParameterError:  # a side without (enough) tickets
        return row
    return row | {
        "met": res["after"],
        "not_met": res["before"],
        **{k: res[k] for k in ("diff", "ci_low", "ci_high", "p_value", "method")},
    }
