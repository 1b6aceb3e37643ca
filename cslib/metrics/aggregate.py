"""KPIs of the registry aggregated in one DuckDB scan, and the per-ticket values behind them.

A KPI's ``kind`` says how its per-ticket values aggregate, each over the tickets
``among`` selects (their count is ``<kpi>_n``):

- ``duration``: median (or mean) and 90th percentile, from one sort;
- ``proportion``: share of tickets whose ``value`` condition holds;
- ``mean``: mean value, or with a ``weight`` the sum of values ÷ the sum of
  weights (then ``<kpi>_n`` is the sum of weights);
- ``score``: % of values 9–10 − % of values 0–6 (the Net Promoter Score).

Examples
--------
>>> from cslib.metrics.context import Context, hours
>>> from cslib.metrics.registry import REGISTRY
>>> ctx = Context(columns={"csat"}, by=[], sla=None, as_of=None, repeat_days=7, sl=20, economics={})
>>> statistics(REGISTRY["csat"], ctx)["csat_n"]
'count(*) FILTER (WHERE csat IS NOT NULL)'
>>> case_sql(REGISTRY["csat"], ctx, ["team"])
'SELECT created_at, "team", CASE WHEN csat >= 4 THEN 1.0::DOUBLE ELSE 0.0::DOUBLE END AS value FROM t WHERE csat IS NOT NULL'
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cslib.data import sql
from cslib.metrics.context import Context
from cslib.metrics.periods import period_sql
from cslib.metrics.registry import KPI


def source(kpis: Sequence[KPI], ctx: Context) -> str:
    """The view ``t``, with the extra windowed columns the KPIs read."""
    columns = [ctx.render(k.column) for k in kpis if k.column]
    return "t" if not columns else f"(SELECT *, {', '.join(columns)} FROM t)"


def _per_ticket(k: KPI, ctx: Context) -> tuple[str, str]:
    """SQL of a KPI's ``value`` per ticket and of ``among``, the tickets it counts."""
    if k.value is None or k.among is None:
        raise ValueError(f"the KPI {k.name} is not aggregated from a value per ticket")
    return ctx.render(k.value), ctx.render(k.among)


def statistics(k: KPI, ctx: Context) -> dict[str, str]:
    """SQL aggregates of a KPI, by output column (a duration's quantiles in ``<kpi>_q``)."""
    value, among = _per_ticket(k, ctx)
    n = f"count(*) FILTER (WHERE {among})"
    if k.kind == "duration":
        # one sort gives both quantiles; the list is split after the query
        out = {f"{k.name}_q": f"quantile_cont({value}, [0.5, 0.9]) FILTER (WHERE {among})"}
        if ctx.stat == "mean":
            out[k.name] = f"avg({value}) FILTER (WHERE {among})"
    elif k.kind == "proportion":
        out = {k.name: f"avg(CASE WHEN {value} THEN 1.0 ELSE 0.0 END) FILTER (WHERE {among})"}
    elif k.kind == "score":
        out = {
            k.name: f"100.0 * (count(*) FILTER (WHERE {value} >= 9) - count(*) FILTER (WHERE {value} <= 6)) / NULLIF({n}, 0)"
        }
    elif k.weight is not None:
        n = f"sum({ctx.render(k.weight)}) FILTER (WHERE {among})"
        out = {k.name: f"sum({value}) FILTER (WHERE {among}) / {n}"}
    else:
        out = {k.name: f"avg({value}) FILTER (WHERE {among})"}
    return {**out, f"{k.name}_n": n}


def aggregate(con, ctx: Context, kpis: Sequence[KPI]) -> pd.DataFrame:
    """The KPIs (and ``_volume``, the tickets) per period × segment of the view ``t``, in one scan."""
    aggs: dict[str, str] = {"_volume": "count(*)"}
    for k in kpis:
        aggs.update(statistics(k, ctx))
    select = ", ".join(
        [
            f"{period_sql(ctx, 'created_at')} AS period",
            *(sql.ident(b) for b in ctx.by),
            *(f"{v} AS {sql.ident(name)}" for name, v in aggs.items()),
        ]
    )
    query = f"SELECT {select} FROM {source(kpis, ctx)} GROUP BY ALL"
    lists = [name for name in aggs if name.endswith("_q")]
    if lists:  # each [median, p90] list split in SQL: the frame holds plain numbers
        split = []
        for col in lists:
            if ctx.stat == "median":
                split.append(f"{sql.ident(col)}[1] AS {sql.ident(col[:-2])}")
            split.append(f"{sql.ident(col)}[2] AS {sql.ident(col[:-2] + '_p90')}")
        dropped = ", ".join(sql.ident(c) for c in lists)
        query = f"SELECT * EXCLUDE ({dropped}), {', '.join(split)} FROM ({query})"
    return con.execute(query).df()


def _case_value(k: KPI, ctx: Context) -> tuple[str, str]:
    """SQL of a KPI's case value (0/1 for proportions, as DOUBLE) and of the tickets it counts."""
    value, among = _per_ticket(k, ctx)
    if k.kind == "proportion":
        return f"CASE WHEN {value} THEN 1.0::DOUBLE ELSE 0.0::DOUBLE END", among
    return f"CAST({value} AS DOUBLE)", among


def case_sql(k: KPI, ctx: Context, by: Sequence[str]) -> str:
    """SQL of a KPI's cases: ``created_at``, the ``by`` columns and ``value``
    (0/1 for proportions), one row per ticket it counts."""
    value, among = _case_value(k, ctx)
    cols = ", ".join(["created_at", *(sql.ident(b) for b in by), f"{value} AS value"])
    return f"SELECT {cols} FROM {source([k], ctx)} WHERE {among}"


def wide_case_sql(kpis: Sequence[KPI], ctx: Context, by: Sequence[str]) -> str:
    """SQL of several KPIs' cases in one scan: ``created_at``, the ``by`` columns and, for the
    i-th KPI, ``value_i`` and ``case_i`` (whether the ticket is one of its cases: the rows
    of ``case_i`` are :func:`case_sql`'s); tickets that are no KPI's case are left out."""
    cols, amongs = ["created_at", *(sql.ident(b) for b in by)], []
    for i, k in enumerate(kpis):
        value, among = _case_value(k, ctx)
        cols += [f"CASE WHEN {among} THEN {value} END AS value_{i}", f"({among}) AS case_{i}"]
        amongs.append(f"({among})")
    counted = " OR ".join(amongs) or "FALSE"
    return f"SELECT {', '.join(cols)} FROM {source(kpis, ctx)} WHERE {counted}"


def open_case_sql(k: KPI, ctx: Context, by: Sequence[str]) -> str:
    """SQL of a duration KPI's tickets still open when the data ends (``ctx.as_of``), as
    :func:`case_sql` gives its cases: ``value`` is their age in hours, a lower bound."""
    age = f"CAST({ctx.hours('created_at', ctx.as_of_sql)} AS DOUBLE) AS value"
    cols = ", ".join(["created_at", *(sql.ident(b) for b in by), age])
    return (
        f"SELECT {cols} FROM {source([k], ctx)} "
        f"WHERE {k.end} IS NULL AND ({ctx.handled}) AND ({ctx.counts})"
    )
