"""The registry's entries: each KPI defined once, with the SQL its kind needs."""

from __future__ import annotations

import pandas as pd

from cslib.metrics.aggregate import case_sql, statistics
from cslib.metrics.context import Context
from cslib.metrics.registry import REGISTRY, availability

TICKET_KINDS = {"duration", "proportion", "mean", "score"}


def context(columns) -> Context:
    return Context(
        columns=set(columns),
        by=[],
        sla={"response": {"hours": 8}, "resolution": {"hours": 48}},
        as_of=pd.Timestamp("2026-05-01"),
        repeat_days=7,
        sl=20,
        economics={"hourly_cost": 30},
    )


def test_ticket_kpis_define_their_sql_and_the_others_none():
    for k in REGISTRY.values():
        assert k.name in REGISTRY and REGISTRY[k.name] is k
        if k.kind in TICKET_KINDS:
            assert k.value is not None and k.among is not None, k.name
        else:
            assert k.value is None and k.among is None, k.name


def test_every_ticket_kpi_renders_an_aggregate_and_a_case_query():
    ctx = context({c for k in REGISTRY.values() for c in (*k.requires, *k.requires_any)})
    for k in REGISTRY.values():
        if k.kind in TICKET_KINDS:
            assert f"{k.name}_n" in statistics(k, ctx)
            assert case_sql(k, ctx, ["team"]).startswith('SELECT created_at, "team", ')


def test_fcr_needs_contacts_or_reopens():
    avail = availability(["created_at", "resolved_at", "reopens"]).set_index("kpi")
    assert avail.loc["fcr", "available"]
    assert availability(["resolved_at"]).set_index("kpi").loc["fcr", "missing"] == (
        "contacts or reopens"
    )


def test_the_cases_of_several_kpis_in_one_scan_are_each_kpis_own_cases():
    from pathlib import Path

    from cslib.metrics.engine import case_query, scan

    tickets = Path(__file__).resolve().parents[2] / "data" / "sample" / "tickets.parquet"
    con, _ = scan(tickets, by=["team", "channel"], validate=False)
    settings = {"sla": context([]).sla, "economics": {"hourly_cost": 30}}
    columns = con.table("t_typed").columns
    avail = availability(columns, **settings)
    names = [
        k
        for k in avail.loc[avail["available"], "kpi"]
        if REGISTRY[k].kind in TICKET_KINDS and REGISTRY[k].value is not None
    ]
    assert {"resolution_hours", "fcr", "aht_seconds", "csat", "nps"} <= set(names)
    con.execute(f"CREATE TEMP TABLE wide AS {case_query(con, names, by=['team'], **settings)}")
    for i, name in enumerate(names):
        one = con.execute(
            f"SELECT * FROM ({case_query(con, name, by=['team'], **settings)}) ORDER BY ALL"
        ).fetchall()
        wide = con.execute(
            f"SELECT created_at, team, value_{i} FROM wide WHERE case_{i} ORDER BY ALL"
        ).fetchall()
        assert wide == one and one, name
