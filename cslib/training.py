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

KPIs use the registry's per-ticket definitions (:func:`cslib.kpi.cases`).

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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import kpi as kpi_engine
from ._impact_util import check_alpha, check_frame, frame_html
from .errors import ParameterError, Problem

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


def _stratified(cases: pd.DataFrame, strata: list[str], alpha: float) -> dict[str, float]:
    num = den = var = 0.0
    n_t = n_u = 0
    mt = mu = 0.0
    k = 0
    for _, g in cases.groupby(strata, sort=False):
        t = g.loc[g["trained"], "value"].to_numpy(dtype=float)
        u = g.loc[~g["trained"], "value"].to_numpy(dtype=float)
        if t.size == 0 or u.size == 0:
            continue
        w = t.size * u.size / (t.size + u.size)
        vt = t.var(ddof=1) if t.size > 1 else 0.0
        vu = u.var(ddof=1) if u.size > 1 else 0.0
        num += w * (t.mean() - u.mean())
        mt += w * t.mean()
        mu += w * u.mean()
        var += w**2 * (vt / t.size + vu / u.size)
        den += w
        n_t += t.size
        n_u += u.size
        k += 1
    if den == 0:
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
    d, se = num / den, np.sqrt(var) / den
    z = stats.norm.ppf(1 - alpha / 2)
    p = float(2 * stats.norm.sf(abs(d) / se)) if se > 0 else np.nan
    return {
        "strata": k,
        "n_trained": n_t,
        "n_not_yet": n_u,
        "trained": mt / den,
        "not_yet": mu / den,
        "diff": d,
        "ci_low": d - z * se,
        "ci_high": d + z * se,
        "p_value": p,
    }


def training_effect(
    tickets: pd.DataFrame,
    training: pd.DataFrame,
    *,
    course: str,
    kpis: Sequence[str] | None = None,
    window_days: int = 56,
    by_team: bool = True,
    min_n: int = 10,
    alpha: float = 0.05,
) -> TrainingEffect:
    """Tie a course to outcomes: agents before vs after their training, and trained vs not-yet-trained.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Tickets with ``agent_id`` and the KPI columns; not modified.
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

    Returns
    -------
    TrainingEffect
    """
    alpha = check_alpha(alpha)
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
    avail = kpi_engine.availability(list(tickets.columns))
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
    by = ["agent_id"] + (["team"] if by_team and "team" in tickets.columns else [])
    t = tickets[tickets["agent_id"].isin(dates.index)]
    if t.empty:
        raise ParameterError(
            Problem(
                "no tickets handled by agents who took this course",
                column="agent_id",
                values=tuple(dates.index[:5]),
                fix="check that agent ids in the tickets and the training records match",
            )
        )
    per_agent, pooled, concurrent, weekly = [], [], [], []
    window = pd.Timedelta(days=window_days)
    for name in kpis:
        cases = kpi_engine.cases(t, name, by=by, validate=False)
        cases["completed_at"] = cases["agent_id"].map(dates)
        cases["trained"] = cases["created_at"] >= cases["completed_at"]
        # view 1: each agent's own before / after
        rows = []
        for agent, g in cases.groupby("agent_id", sort=True):
            done = g["completed_at"].iloc[0]
            b = g.loc[
                (g["created_at"] < done) & (g["created_at"] >= done - window), "value"
            ].to_numpy(dtype=float)
            a = g.loc[
                (g["created_at"] >= done) & (g["created_at"] < done + window), "value"
            ].to_numpy(dtype=float)
            if b.size < min_n or a.size < min_n:
                continue
            rows.append(
                {
                    "kpi": name,
                    "agent_id": agent,
                    "completed_at": done,
                    "n_before": b.size,
                    "n_after": a.size,
                    "before": b.mean(),
                    "after": a.mean(),
                    "diff": a.mean() - b.mean(),
                }
            )
        per_agent += rows
        d = np.array([r["diff"] for r in rows])
        if d.size >= 2:
            res = stats.ttest_1samp(d, 0.0)
            half = stats.t.ppf(1 - alpha / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
            lo, hi, p = d.mean() - half, d.mean() + half, float(res.pvalue)
        else:
            lo = hi = p = np.nan
        pooled.append(
            {
                "kpi": name,
                "agents": d.size,
                "before": float(np.mean([r["before"] for r in rows])) if rows else np.nan,
                "after": float(np.mean([r["after"] for r in rows])) if rows else np.nan,
                "diff": float(d.mean()) if d.size else np.nan,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": p,
                "better": _better(name, d.mean() if d.size else np.nan, lo, hi),
            }
        )
        # view 2: same weeks (and teams)
        cases["week"] = cases["created_at"].dt.to_period("W").dt.start_time
        strata = ["week"] + (["team"] if "team" in by else [])
        res2 = _stratified(cases, strata, alpha)
        concurrent.append(
            {
                "kpi": name,
                **res2,
                "better": _better(name, res2["diff"], res2["ci_low"], res2["ci_high"]),
            }
        )
        wk = cases.groupby(["week", "trained"])["value"].agg(n="size", value="mean").reset_index()
        mixed = wk.groupby("week")["trained"].nunique()
        wk = wk[wk["week"].isin(mixed[mixed == 2].index)]
        wk["group"] = np.where(wk["trained"], "trained", "not yet trained")
        weekly.append(wk.drop(columns="trained").assign(kpi=name))
    per_agent_df = pd.DataFrame(
        per_agent,
        columns=[
            "kpi",
            "agent_id",
            "completed_at",
            "n_before",
            "n_after",
            "before",
            "after",
            "diff",
        ],
    )
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
