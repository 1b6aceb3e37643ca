"""The standards' KPIs (:mod:`cslib.metrics.standards`) per period × segment, from the evaluations.

The evaluations are the view ``e`` that :func:`cslib.metrics.periods.open_within`
opens next to the tickets (within the same segments and dates). Each row is one
check of one criterion; its period is the period of the evaluation's ``date``.

Examples
--------
>>> import duckdb
>>> from cslib.metrics.context import Context
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE VIEW e AS SELECT * FROM (VALUES ('e1', DATE '2026-04-01', 'greeting', TRUE, NULL, NULL),"
...                 " ('e1', DATE '2026-04-01', 'id_check', FALSE, NULL, NULL), ('e2', DATE '2026-04-02', 'greeting', NULL, 4.0, 5.0))"
...                 " AS v(evaluation_id, date, criterion, met, score, max_score)")
>>> ctx = Context(columns=set(), by=[], sla=None, as_of=None, repeat_days=30, sl=20, economics={},
...               unit="month")
>>> f = standard_values(con, ctx, ["standard:greeting", "standard:overall"],
...                     {"pass_mark": 0.8, "criteria": [{"criterion": "id_check", "critical": True}]})
>>> f[["standard:greeting", "standard:greeting_n", "standard:overall", "standard:overall_n"]].values.tolist()
[[1.0, 2.0, 0.4, 2.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cslib.data import sql
from cslib.metrics.context import Context
from cslib.metrics.periods import period_sql
from cslib.metrics.standards import OVERALL, criterion_of

__all__ = ["standard_values"]


def standard_values(
    con, ctx: Context, names: Sequence[str], standards: Mapping | None = None
) -> pd.DataFrame:
    """Each standard KPI of ``names`` per period × ``ctx.by``: ``<name>`` and ``<name>_n``.

    ``standards`` is the cycle file's ``standards`` section as a mapping: its
    ``pass_mark`` and the declared ``criteria`` (weights, critical flags). The
    ``_n`` of a criterion counts its checks; that of ``standard:overall`` the
    evaluations.
    """
    standards = standards or {}
    checks = _checks(con, ctx, float(standards.get("pass_mark", 1.0)), standards.get("criteria"))
    key = ["period", *ctx.by]
    by = "".join(f", {sql.ident(b)}" for b in ctx.by)
    out = None
    for name in dict.fromkeys(names):
        criterion = criterion_of(name)
        if criterion == OVERALL:
            query = (
                f"SELECT period{by}, avg(score) AS value, count(*) AS n FROM ({_scores(checks, by)}) "
                "WHERE score IS NOT NULL GROUP BY ALL"
            )
        else:
            query = (
                f"SELECT period{by}, avg(CAST(ok AS DOUBLE)) AS value, count(ok) AS n "
                f"FROM ({checks}) WHERE criterion = {sql.quote(criterion)} GROUP BY ALL"
            )
        part = con.execute(query).df().rename(columns={"value": name, "n": f"{name}_n"})
        out = part if out is None else out.merge(part, on=key, how="outer")
    return out if out is not None else pd.DataFrame(columns=key)


def _checks(con, ctx: Context, pass_mark: float, criteria) -> str:
    """SQL of one row per check: its period, segments, evaluation, criterion, verdict ``ok``,
    share of points ``fraction``, ``weight`` and ``critical`` (the data's own, else declared)."""
    have = set(con.table("e").columns)
    met = "e.met" if "met" in have else "CAST(NULL AS BOOLEAN)"
    ratio = (
        "e.score / nullif(e.max_score, 0)"
        if {"score", "max_score"} <= have
        else "CAST(NULL AS DOUBLE)"
    )
    join, declared = _declared(criteria, "scorecard" in have)
    weight = ", ".join(c for c in ("e.weight" if "weight" in have else "", declared[0], "1.0") if c)
    critical = ", ".join(
        c for c in ("e.critical" if "critical" in have else "", declared[1], "FALSE") if c
    )
    stamp = period_sql(ctx, 'CAST(e."date" AS TIMESTAMP)')
    by = "".join(f", e.{sql.ident(b)}" for b in ctx.by)
    return (
        f"SELECT {stamp} AS period{by}, e.evaluation_id, e.criterion, "
        f"coalesce({met}, {ratio} >= {pass_mark!r}) AS ok, coalesce({ratio}, CAST({met} AS DOUBLE)) AS fraction, "
        f"coalesce({weight}) AS weight, coalesce({critical}) AS critical FROM e{join}"
    )


def _declared(criteria, data_has_forms: bool) -> tuple[str, tuple[str, str]]:
    """The join to the declared scorecard (on criterion, and form when every criterion names one
    and the data has forms) and its weight and critical columns; nothing without a scorecard."""
    rows = [dict(c) for c in criteria or ()]
    if not rows:
        return "", ("", "")
    forms = data_has_forms and all(r.get("scorecard") for r in rows)
    if not forms:
        rows = list({r["criterion"]: r for r in reversed(rows)}.values())
    values = ", ".join(
        f"({sql.quote(r['criterion'])}, {sql.quote(r.get('scorecard') or '')}, "
        f"{float(r.get('weight', 1.0))!r}, {bool(r.get('critical', False))})"
        for r in rows
    )
    on = "d.criterion = e.criterion" + (" AND d.form = e.scorecard" if forms else "")
    return (
        f" LEFT JOIN (VALUES {values}) AS d(criterion, form, weight, critical) ON {on}",
        ("d.weight", "d.critical"),
    )


def _scores(checks: str, by: str) -> str:
    """SQL of one row per evaluation: its period, segments and score (0–1, 0 on a critical fail)."""
    return (
        f"SELECT min(period) AS period{by}, "
        "CASE WHEN bool_or(critical AND NOT ok) THEN 0.0 ELSE sum(weight * fraction) / "
        "nullif(sum(CASE WHEN fraction IS NOT NULL THEN weight END), 0) END AS score "
        f"FROM ({checks}) GROUP BY evaluation_id{by}"
    )
