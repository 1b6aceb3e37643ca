"""Training linked to outcomes: did agents' KPIs change once they were trained?

Two views, both from the tickets' ``agent_id`` and the training records:

1. **Before vs after each agent's own training** — each trained agent's tickets
   in the ``window_days`` before completing the course against the
   ``window_days`` after; per agent, then pooled as the mean of the per-agent
   differences with a t interval over agents (agents are the units, so a busy
   agent does not dominate). Seasonality and other changes in the same weeks
   are *not* controlled here.
2. **Trained vs not-yet-trained agents in the same weeks** — the fair
   comparison: among agents who take the course at some point, tickets handled
   by an agent already trained against tickets handled by one not yet trained,
   within the same week (and the same team, when tickets have ``team``). The
   stratum differences are pooled with Cochran–Mantel–Haenszel-type weights
   ``n_t·n_u/(n_t+n_u)`` and a normal interval. Agents who never take the
   course are left out: they may differ in other ways.

KPIs use the registry's per-ticket definitions (:func:`cslib.metrics.engine.cases`).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"ticket_id": [str(i) for i in range(4)], "agent_id": ["a", "a", "b", "b"],
...                   "created_at": pd.to_datetime(["2026-05-04", "2026-05-12", "2026-05-05", "2026-05-13"]),
...                   "csat": pd.array([3, 5, 4, 4], dtype="Int64")})
>>> tr = pd.DataFrame({"agent_id": ["a", "b"], "course": "KB", "completed_at": pd.to_datetime(["2026-05-10", "2026-06-30"])})
>>> training_effect(t, tr, course="KB", kpis=["csat"], min_n=1).per_agent[["agent_id", "before", "after"]].values.tolist()
[['a', 0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame, frame_html
from cslib._docstrings import TICKET_SCAN
from cslib._lazy import lazy
from cslib.data import tables as io
from cslib.data.tables import ReadOptions
from cslib.errors import ParameterError, Problem
from cslib.metrics import engine as kpi_engine

if TYPE_CHECKING:
    from scipy import stats
else:
    stats = lazy("scipy.stats")

__all__ = ["TrainingEffect", "training_effect", "training_dates"]

DEFAULT_KPIS = ("fcr", "csat", "resolution_hours", "aht_seconds")


def training_dates(training: pd.DataFrame, *, course: str) -> pd.Series:
    """Each agent's first completion of ``course`` (index ``agent_id``)."""
    check_frame(training, ["agent_id", "course", "completed_at"], where="training")
    courses = sorted(pd.unique(training["course"].dropna()))
    done = training[training["course"] == course]
    if done.empty:
        raise ParameterError(
            Problem(
                "no agent completed this course",
                column="course",
                values=(course,),
                fix=f"use one of the courses in the training records: {', '.join(map(str, courses[:8]))}",
            )
        )
    return (
        pd.to_datetime(done["completed_at"]).groupby(done["agent_id"]).min().rename("completed_at")
    )


@dataclass(frozen=True)
class TrainingEffect:
    """Result of :func:`training_effect`.

    Attributes
    ----------
    per_agent : pandas.DataFrame
        One row per trained agent × KPI: ``kpi``, ``agent_id``, ``completed_at``,
        ``n_before``, ``n_after``, ``before``, ``after``, ``diff``.
    pooled : pandas.DataFrame
        One row per KPI: ``kpi``, ``agents``, ``before``, ``after`` (means of
        the agents' values), ``diff`` (mean per-agent difference), ``ci_low``,
        ``ci_high``, ``p_value`` (one-sample t over agents), ``better``.
    concurrent : pandas.DataFrame
        One row per KPI: ``kpi``, ``strata``, ``n_trained``, ``n_not_yet``,
        ``trained``, ``not_yet`` (weighted means), ``diff`` (trained − not yet),
        ``ci_low``, ``ci_high``, ``p_value``, ``better``.
    weekly : pandas.DataFrame
        Per KPI × week × group (``trained`` / ``not yet trained``): ``n``, ``value``.
    course : str
    """

    per_agent: pd.DataFrame
    pooled: pd.DataFrame
    concurrent: pd.DataFrame
    weekly: pd.DataFrame
    course: str
    window_days: int

    def summary(self) -> pd.DataFrame:
        """Both comparisons, one row per KPI × ``comparison``."""
        a = self.pooled.assign(comparison=f"own before vs after ({self.window_days} days)")
        b = self.concurrent.rename(columns={"trained": "after", "not_yet": "before"}).assign(
            comparison="trained vs not yet, same weeks"
        )
        cols = [
            "kpi",
            "comparison",
            "before",
            "after",
            "diff",
            "ci_low",
            "ci_high",
            "p_value",
            "better",
        ]
        return pd.concat([b[cols], a[cols]], ignore_index=True)

    table = property(summary)

    def _repr_html_(self) -> str:
        return frame_html(
            f"Training and outcomes: {self.course}",
            [("", self.summary())],
            [
                "Trained vs not-yet-trained compares agents in the same weeks (and teams): the fair comparison. "
                "Before vs after an agent's own training does not control for seasonality or other changes."
            ],
        )


def _better(name: str, diff: float, lo: float, hi: float) -> bool | None:
    if not (np.isfinite(lo) and np.isfinite(hi)) or (lo <= 0 <= hi):
        return None
    return (diff > 0) == (kpi_engine.REGISTRY[name].better == "higher")


def _stratified(cells: pd.DataFrame, strata: list[str], alpha: float) -> dict[str, float]:
    """Pool trained − not-yet differences over strata from each stratum × group's n, mean and variance."""
    wide = cells.pivot_table(
        index=strata, columns="trained", values=["n", "mean", "var"], aggfunc="first"
    )
    both = wide.dropna(subset=[("n", True), ("n", False)]) if len(wide.columns) == 6 else wide[:0]
    if both.empty:
        return {
            "strata": 0,
            "n_trained": 0,
            "n_not_yet": 0,
            "trained": np.nan,
            "not_yet": np.nan,
            "diff": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "p_value": np.nan,
        }
    nt, nu = both[("n", True)].to_numpy(float), both[("n", False)].to_numpy(float)
    mt, mu = both[("mean", True)].to_numpy(float), both[("mean", False)].to_numpy(float)
    vt, vu = both[("var", True)].to_numpy(float), both[("var", False)].to_numpy(float)
    w = nt * nu / (nt + nu)
    den = w.sum()
    d = float((w * (mt - mu)).sum() / den)
    se = float(np.sqrt((w**2 * (vt / nt + vu / nu)).sum()) / den)
    z = stats.norm.ppf(1 - alpha / 2)
    p = float(2 * stats.norm.sf(abs(d) / se)) if se > 0 else np.nan
    return {
        "strata": len(both),
        "n_trained": int(nt.sum()),
        "n_not_yet": int(nu.sum()),
        "trained": float((w * mt).sum() / den),
        "not_yet": float((w * mu).sum() / den),
        "diff": d,
        "ci_low": d - z * se,
        "ci_high": d + z * se,
        "p_value": p,
    }


@TICKET_SCAN.fill
def training_effect(
    tickets: pd.DataFrame | str | Path,
    training: pd.DataFrame,
    *,
    course: str,
    kpis: Sequence[str] | None = None,
    window_days: int = 56,
    by_team: bool = True,
    min_n: int = 10,
    alpha: float = 0.05,
    filters: Mapping[str, Sequence[str] | str] | None = None,
    options: ReadOptions | None = None,
    validate: bool = True,
) -> TrainingEffect:
    """Tie a course to outcomes: agents before vs after their training, and trained vs not-yet-trained.

    The tickets are aggregated in DuckDB (per agent × side of the training, per
    week × team × group), so a file of millions of tickets is never loaded.

    Parameters
    ----------
    {tickets}
        Needs ``agent_id`` and the KPIs' columns.
    training : pandas.DataFrame
        Training records (``agent_id``, ``course``, ``completed_at``).
    course : str
        The course to evaluate (e.g. the change's coaching).
    kpis : sequence of str, optional
        Per-ticket registry KPIs (default :data:`DEFAULT_KPIS` the data allows).
    window_days : int
        Days before and after each agent's completion for view 1.
    by_team : bool
        Stratify view 2 by team as well as week (when tickets have ``team``).
    min_n : int
        Agents with fewer tickets on either side are left out of view 1.
    alpha : float
        1 − confidence level.
    {filters}
    {options}
    {validate}

    Returns
    -------
    TrainingEffect
    """
    alpha = check_alpha(alpha)
    if isinstance(tickets, pd.DataFrame):
        check_frame(tickets, ["ticket_id", "created_at", "agent_id"], where="training_effect")
    if not (isinstance(window_days, int) and window_days > 0):
        raise ParameterError(
            Problem(
                "window_days must be a positive whole number",
                column="window_days",
                values=(window_days,),
                fix="e.g. window_days=56",
            )
        )
    dates = training_dates(training, course=course)
    con, view = kpi_engine.scan(
        tickets, filters=filters, options=options, validate=validate, require=["agent_id"]
    )
    try:
        return _effect(con, view, tickets, dates, course, kpis, window_days, by_team, min_n, alpha)
    finally:
        con.close()


def _effect(con, view, tickets, dates, course, kpis, window_days, by_team, min_n, alpha):
    columns = con.table(view).columns
    kpis = _effect_kpis(columns, kpis)
    team = by_team and "team" in columns
    con.register("trained_on", dates.reset_index())
    handled = con.execute(
        f"SELECT count(*) FROM {view} WHERE agent_id IN (SELECT agent_id FROM trained_on)"
    ).fetchall()[0][0]
    if not handled:
        raise ParameterError(
            Problem(
                "no tickets handled by agents who took this course",
                column="agent_id",
                values=tuple(dates.index[:5]),
                fix="check that agent ids in the tickets and the training records match",
            )
        )
    window = f"INTERVAL {int(window_days)} DAY"
    strata = ["week"] + (["team"] if team else [])
    per_agent, pooled, concurrent, weekly = [], [], [], []
    for name in kpis:
        sql = kpi_engine.case_query(
            con, name, by=["agent_id"] + (["team"] if team else []), source=io.label(tickets)
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE cases AS
                SELECT c.*, d.completed_at, c.created_at >= d.completed_at AS trained,
                       date_trunc('week', c.created_at) AS week
                FROM ({sql}) c JOIN trained_on d USING (agent_id)"""
        )
        rows, overall = _own_before_after(con, name, window, min_n, alpha)
        per_agent.append(rows)
        pooled.append(overall)
        same_weeks, weeks = _same_weeks(con, name, strata, alpha)
        concurrent.append(same_weeks)
        weekly.append(weeks)
        con.execute("DROP TABLE cases")
    columns = ["kpi", "agent_id", "completed_at", "n_before", "n_after", "before", "after", "diff"]
    per_agent_df = pd.concat([pd.DataFrame(columns=columns), *per_agent], ignore_index=True)[
        columns
    ]
    weekly_df = (
        pd.concat(weekly, ignore_index=True)[["kpi", "week", "group", "n", "value"]]
        if weekly
        else pd.DataFrame()
    )
    return TrainingEffect(
        per_agent=per_agent_df,
        pooled=pd.DataFrame(pooled),
        concurrent=pd.DataFrame(concurrent),
        weekly=weekly_df,
        course=course,
        window_days=window_days,
    )


def _effect_kpis(columns: list[str], kpis: Sequence[str] | None) -> list[str]:
    """The KPIs asked for, each available per ticket, or the :data:`DEFAULT_KPIS` the columns allow."""
    avail = kpi_engine.availability(columns)
    ok = set(avail.loc[avail["available"], "kpi"])
    if kpis is None:
        kpis = [k for k in DEFAULT_KPIS if k in ok]
    else:
        bad = [
            k
            for k in kpis
            if k not in ok or kpi_engine.REGISTRY[k].kind in ("count", "stock", "rate")
        ]
        if bad:
            raise ParameterError(
                Problem(
                    "KPI not available per ticket in these data",
                    column="kpis",
                    values=tuple(bad),
                    fix=f"use per-ticket KPIs the tickets support, e.g. {', '.join(k for k in DEFAULT_KPIS if k in ok)}",
                )
            )
    return list(kpis)


def _own_before_after(
    con, name: str, window: str, min_n: int, alpha: float
) -> tuple[pd.DataFrame, dict[str, object]]:
    """View 1 for one KPI: each agent's own before / after, and their mean difference with a t interval."""
    sides = con.execute(
        f"""SELECT agent_id, any_value(completed_at) AS completed_at,
                   count(*) FILTER (WHERE NOT trained AND created_at >= completed_at - {window}) AS n_before,
                   count(*) FILTER (WHERE trained AND created_at < completed_at + {window}) AS n_after,
                   avg(value) FILTER (WHERE NOT trained AND created_at >= completed_at - {window}) AS before,
                   avg(value) FILTER (WHERE trained AND created_at < completed_at + {window}) AS after
            FROM cases GROUP BY agent_id ORDER BY agent_id"""
    ).df()
    rows = sides[(sides["n_before"] >= min_n) & (sides["n_after"] >= min_n)]
    rows = rows.assign(kpi=name, diff=rows["after"] - rows["before"])
    d = rows["diff"].to_numpy(dtype=float)
    if d.size >= 2:
        res = stats.ttest_1samp(d, 0.0)
        half = stats.t.ppf(1 - alpha / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
        lo, hi, p = d.mean() - half, d.mean() + half, float(res.pvalue)
    else:
        lo = hi = p = np.nan
    return rows, {
        "kpi": name,
        "agents": d.size,
        "before": float(rows["before"].mean()) if d.size else np.nan,
        "after": float(rows["after"].mean()) if d.size else np.nan,
        "diff": float(d.mean()) if d.size else np.nan,
        "ci_low": lo,
        "ci_high": hi,
        "p_value": p,
        "better": _better(name, d.mean() if d.size else np.nan, lo, hi),
    }


def _same_weeks(
    con, name: str, strata: list[str], alpha: float
) -> tuple[dict[str, object], pd.DataFrame]:
    """View 2 for one KPI: trained vs not yet trained within the same strata, and the weeks with both."""
    cells = con.execute(
        f"""SELECT {", ".join(strata)}, trained, count(*) AS n, avg(value) AS mean,
                   coalesce(var_samp(value), 0) AS var
            FROM cases GROUP BY ALL ORDER BY ALL"""
    ).df()
    res = _stratified(cells, strata, alpha)
    concurrent: dict[str, object] = {
        "kpi": name,
        **res,
        "better": _better(name, res["diff"], res["ci_low"], res["ci_high"]),
    }
    wk = (
        cells.assign(total=cells["n"] * cells["mean"])
        .groupby(["week", "trained"], as_index=False)[["n", "total"]]
        .sum()
    )
    wk["value"] = wk.pop("total") / wk["n"]
    mixed = wk.groupby("week")["trained"].nunique()
    wk = wk[wk["week"].isin(mixed[mixed == 2].index)]
    wk["group"] = np.where(wk["trained"], "trained", "not yet trained")
    return concurrent, wk.drop(columns="trained").assign(kpi=name)
