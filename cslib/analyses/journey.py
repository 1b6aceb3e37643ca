"""Customer journey: each stage's volume, durations, satisfaction, effort and complaints; pain points ranked.

Stages come from the tickets' ``journey_stage`` column (e.g. join, buy,
receive, use, pay, return, leave). KPIs use the registry's definitions
(:func:`cslib.metrics.engine.compute` over the whole range), so the journey map and the
KPI charts agree.

**Pain score** (transparent by design): for each pain KPI the stage's shortfall
relative to the all-stage level, in the worse direction —
``(stage − overall) / overall`` for "lower is better" KPIs and
``(overall − stage) / overall`` for "higher is better" ones — so +0.10 means
10 % worse than the average journey. The pain score is the mean of these
shortfalls over the KPIs the data has; ``pain_volume`` multiplies it by the
stage's tickets (how many customers feel it). Stages are ranked by pain score.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"ticket_id": ["1", "2", "3", "4"], "journey_stage": ["buy", "buy", "pay", "pay"],
...                   "created_at": pd.to_datetime(["2026-04-01 09:00"] * 4),
...                   "resolved_at": pd.to_datetime(["2026-04-01 10:00", "2026-04-01 11:00", "2026-04-01 19:00", "2026-04-02 09:00"])})
>>> journey_profile(t)[["journey_stage", "volume", "resolution_hours", "pain_rank"]].values.tolist()
[['buy', 2, 1.5, 2.0], ['pay', 2, 17.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cslib._args import check_frame
from cslib._docstrings import TICKET_SCAN
from cslib.data import sql
from cslib.data import tables as io
from cslib.errors import ParameterError, Problem
from cslib.metrics import engine as kpi_engine

__all__ = ["PAIN_KPIS", "STAGE_ORDER", "journey_profile", "pain_points", "pain_ranking"]

#: the usual order of a customer's life cycle; unknown stages follow alphabetically
STAGE_ORDER = ("discover", "join", "buy", "receive", "use", "pay", "change", "return", "leave")
#: KPIs that feed the pain score (when the data has them), with complaint share; first response time
#: is left out by default because its median is near zero for phone and chat, so relative shortfalls explode
PAIN_KPIS = ("resolution_hours", "fcr", "csat", "ces", "complaint_share")
PROFILE_KPIS = (
    "volume",
    "first_response_hours",
    "resolution_hours",
    "fcr",
    "reopen_rate",
    "aht_seconds",
    "csat",
    "ces",
    "nps",
)


def _better(name: str) -> str | None:
    return "lower" if name == "complaint_share" else kpi_engine.REGISTRY[name].better


def _order(values: Sequence[str], order: Sequence[str] | None) -> list[str]:
    order = list(order) if order is not None else list(STAGE_ORDER)
    known = [s for s in order if s in set(values)]
    return known + sorted(set(values) - set(known))


@TICKET_SCAN.fill
def journey_profile(
    tickets: pd.DataFrame | str | Path,
    *,
    complaints: pd.DataFrame | None = None,
    stage: str = "journey_stage",
    stages: Sequence[str] | None = None,
    kpis: Sequence[str] | None = None,
    pain_kpis: Sequence[str] = PAIN_KPIS,
    start: object = None,
    end: object = None,
    filters: Mapping[str, Sequence | str] | None = None,
    options: io.ReadOptions | None = None,
    validate: bool = True,
) -> pd.DataFrame:
    """One row per journey stage: volume, durations, CSAT/CES, complaint share and the pain score.

    Tickets are aggregated in DuckDB (as by :func:`cslib.metrics.engine.compute`), so a
    large CSV/Parquet file is scanned in place; only per-stage aggregates reach
    pandas. Tickets without a stage are left out.

    Parameters
    ----------
    {tickets}
        Needs the stage column (``journey_stage`` by default).
    complaints : pandas.DataFrame, optional
        Complaints with ``ticket_id``, for ``complaints`` and ``complaint_share``
        (share of the stage's tickets that led to a complaint).
    stage : str
        The stage column.
    stages : sequence of str, optional
        Order of the stages (default :data:`STAGE_ORDER`, then the rest alphabetically).
    kpis : sequence of str, optional
        Registry KPIs to show (default: :data:`PROFILE_KPIS` that the data allows).
    pain_kpis : sequence of str
        KPIs in the pain score (see the module notes).
    {start_end}
    {filters}
    {options}
    {validate}

    Returns
    -------
    pandas.DataFrame
        In journey order: ``<stage>``, ``order``, ``volume``, ``volume_share``,
        the KPI columns (with ``<kpi>_n`` and ``<kpi>_p90`` as
        :func:`cslib.metrics.engine.compute` gives them), ``complaints``,
        ``complaint_share``, ``shortfall_<kpi>`` per pain KPI, ``pain_score``,
        ``pain_volume``, ``pain_rank`` (1 = most painful), ``worst_kpi``.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3", "4", "5"], "journey_stage": ["buy", "buy", "pay", "pay", None],
    ...                   "created_at": pd.to_datetime(["2026-04-01"] * 5), "csat": [5, 4, 2, 5, 1]})
    >>> p = journey_profile(t, complaints=pd.DataFrame({"ticket_id": ["3", "5"]}))
    >>> p[["journey_stage", "volume", "csat", "complaints", "complaint_share"]].values.tolist()
    [['buy', 2, 1.0, 0, 0.0], ['pay', 2, 0.5, 1, 0.5]]
    """
    if complaints is not None:
        check_frame(complaints, ["ticket_id"], where="journey_profile (complaints)")
    where: dict[str, Any] = dict(start=start, end=end, filters=filters, options=options)
    per_stage, columns = _stage_counts(tickets, complaints, stage, validate, where)
    if per_stage.empty:
        raise ParameterError(
            Problem(
                "no tickets with a journey stage in the window",
                column=stage,
                fix="map a journey stage for each contact reason, or widen start/end",
            )
        )
    kpis = list(dict.fromkeys(["volume", *_profile_kpis(kpis, columns)]))
    # tickets without a stage are left out of every KPI, the all-stage level included;
    # the tickets were checked by the scan above
    where["filters"] = {**(filters or {}), stage: per_stage["stage"].tolist()}
    common: dict[str, Any] = dict(kpis=kpis, freq="all", validate=False, **where)
    by_stage = kpi_engine.compute(tickets, by=stage, **common).drop(columns="period")
    overall = kpi_engine.compute(tickets, **common).drop(columns="period").iloc[0]
    if complaints is not None:
        flagged = per_stage.set_index("stage")
        share = flagged["complaints"] / flagged["volume"]
        by_stage["complaints"] = by_stage[stage].map(flagged["complaints"]).fillna(0).astype(int)
        by_stage["complaint_share"] = by_stage[stage].map(share).astype(float)
        overall = pd.concat(
            [
                overall,
                pd.Series(
                    {"complaint_share": flagged["complaints"].sum() / flagged["volume"].sum()}
                ),
            ]
        )
    order = _order(by_stage[stage].tolist(), stages)
    by_stage["order"] = by_stage[stage].map({s: i for i, s in enumerate(order)})
    by_stage = by_stage.sort_values("order", ignore_index=True)
    by_stage["volume_share"] = by_stage["volume"] / by_stage["volume"].sum()
    used = _pain(by_stage, overall, pain_kpis)
    first = [stage, "order", "volume", "volume_share"]
    rest = [c for c in by_stage.columns if c not in first]
    out = by_stage[first + rest]
    out.attrs["pain_kpis"] = used
    return out


def _stage_counts(
    tickets: pd.DataFrame | str | Path,
    complaints: pd.DataFrame | None,
    stage: str,
    validate: bool,
    where: dict[str, Any],
) -> tuple[pd.DataFrame, list[str]]:
    """Tickets (and those that led to a complaint) per stage, and the tickets' columns."""
    con, view = kpi_engine.scan(tickets, validate=validate, require=[stage], **where)
    try:
        columns = con.table(view).columns
        col = sql.ident(stage)
        counts = {"volume": "count(*)"}
        if complaints is not None:
            ids = complaints["ticket_id"].dropna().astype(str).str.strip()
            ids = pd.DataFrame({"ticket_id": ids[ids != ""].unique()}, dtype=object)
            con.register("complaint_ids", ids)
            counts["complaints"] = (
                "count(*) FILTER (WHERE ticket_id IN (SELECT ticket_id FROM complaint_ids))"
            )
        select = ", ".join(f"{expr} AS {name}" for name, expr in counts.items())
        per_stage = con.execute(
            f"SELECT {col} AS stage, {select} FROM {view} WHERE {col} IS NOT NULL GROUP BY ALL"
        ).df()
    finally:
        con.close()
    return per_stage, columns


def _profile_kpis(kpis: Sequence[str] | None, columns: list[str]) -> list[str]:
    """The KPIs asked for (all registry names), or the :data:`PROFILE_KPIS` the columns allow."""
    if kpis is None:
        avail = kpi_engine.availability(columns)
        ok = set(avail.loc[avail["available"], "kpi"])
        return [k for k in PROFILE_KPIS if k in ok]
    unknown = [k for k in kpis if k not in kpi_engine.REGISTRY]
    if unknown:
        raise ParameterError(
            Problem(
                "unknown KPI",
                column="kpis",
                values=tuple(unknown),
                fix=f"use registry names: {', '.join(kpi_engine.REGISTRY)}",
            )
        )
    return list(kpis)


def _pain(by_stage: pd.DataFrame, overall: pd.Series, pain_kpis: Sequence[str]) -> list[str]:
    """Add each stage's shortfalls, pain score, pain volume, rank and worst KPI; the KPIs used."""
    used = []
    for name in pain_kpis:
        if (
            name not in by_stage
            or name not in overall
            or not np.isfinite(float(overall[name]))
            or float(overall[name]) == 0
        ):
            continue
        base = float(overall[name])
        val = by_stage[name].astype(float)
        by_stage[f"shortfall_{name}"] = (
            (val - base) / abs(base) if _better(name) == "lower" else (base - val) / abs(base)
        )
        used.append(name)
    if not used:
        raise ParameterError(
            Problem(
                "none of the pain KPIs can be computed from these tickets",
                column="pain_kpis",
                values=tuple(pain_kpis),
                fix="add resolution times, CSAT or complaints, or name other KPIs",
            )
        )
    short = by_stage[[f"shortfall_{n}" for n in used]]
    by_stage["pain_score"] = short.mean(axis=1)
    by_stage["pain_volume"] = by_stage["pain_score"] * by_stage["volume"]
    by_stage["pain_rank"] = by_stage["pain_score"].rank(ascending=False, method="min")
    by_stage["worst_kpi"] = short.idxmax(axis=1).str.removeprefix("shortfall_")
    return used


def pain_ranking(profile: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """Rank the stages of a :func:`journey_profile` by pain score, most painful first.

    Parameters
    ----------
    profile : pandas.DataFrame
        A :func:`journey_profile` result (first column = the stage).
    top : int, optional
        Keep only the first ``top`` stages.

    Returns
    -------
    pandas.DataFrame
        ``pain_rank``, the stage, ``volume``, ``pain_score``, ``pain_volume``,
        ``worst_kpi``, ``worst_shortfall`` and the ``shortfall_<kpi>`` columns.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3", "4"], "journey_stage": ["buy", "buy", "pay", "pay"],
    ...                   "created_at": pd.to_datetime(["2026-04-01"] * 4), "csat": [5, 4, 2, 5]})
    >>> profile = journey_profile(t)
    >>> pain_ranking(profile, top=1)[["pain_rank", "journey_stage", "worst_kpi", "worst_shortfall"]].values.tolist()
    [[1.0, 'pay', 'csat', 0.3333333333333333]]
    """
    stage = profile.columns[0]
    short = [c for c in profile.columns if c.startswith("shortfall_")]
    out = profile.sort_values(["pain_rank", "order"], ignore_index=True)
    out["worst_shortfall"] = out[short].max(axis=1)
    out = out[
        [
            "pain_rank",
            stage,
            "volume",
            "pain_score",
            "pain_volume",
            "worst_kpi",
            "worst_shortfall",
            *short,
        ]
    ]
    return out.head(top) if top else out


def pain_points(
    tickets: pd.DataFrame | str | Path,
    *,
    complaints: pd.DataFrame | None = None,
    top: int | None = None,
    **options: object,
) -> pd.DataFrame:
    """Journey stages ranked by pain score, most painful first, with the KPI that hurts most.

    Same as ``pain_ranking(journey_profile(tickets, complaints=complaints, **options), top)``;
    call :func:`pain_ranking` directly when the profile is already at hand.

    Parameters
    ----------
    tickets, complaints, options
        As in :func:`journey_profile`.
    top : int, optional
        Keep only the first ``top`` stages.

    Returns
    -------
    pandas.DataFrame
        As :func:`pain_ranking`.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3", "4"], "journey_stage": ["buy", "buy", "pay", "pay"],
    ...                   "created_at": pd.to_datetime(["2026-04-01"] * 4), "csat": [5, 4, 2, 5]})
    >>> pain_points(t)[["pain_rank", "journey_stage", "pain_score"]].values.tolist()
    [[1.0, 'pay', 0.3333333333333333], [2.0, 'buy', -0.3333333333333333]]
    """
    profile = journey_profile(tickets, complaints=complaints, **options)  # type: ignore[arg-type]
    return pain_ranking(profile, top)
