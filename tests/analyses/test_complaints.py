"""Complaints: Pareto, recurrence, handling times, outcomes and the recovery paradox."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cslib.analyses import complaints as cp
from cslib.data.tables import read_table
from cslib.errors import ParameterError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
T = pd.Timestamp


@pytest.fixture(scope="module")
def sample():
    return read_table(SAMPLE / "complaints.csv", "complaints"), read_table(
        SAMPLE / "tickets.parquet", "tickets"
    )


def test_pareto_order_cumulative_share_and_80_line():
    c = pd.DataFrame({"category": ["b"] * 5 + ["a"] * 2 + ["c"] * 2 + ["d"]})
    p = cp.pareto(c)
    assert p["category"].tolist() == ["b", "a", "c", "d"]  # ties broken by name
    assert p["count"].tolist() == [5, 2, 2, 1]
    np.testing.assert_allclose(p["cumulative_share"], [0.5, 0.7, 0.9, 1.0])
    assert p["vital_few"].tolist() == [True, True, True, False]  # 0.7 < 0.8 before c
    assert p["rank"].tolist() == [1, 2, 3, 4]


def test_pareto_weight_and_threshold():
    c = pd.DataFrame({"root_cause": ["x", "y", "y"], "compensation": [100.0, 10.0, 5.0]})
    p = cp.pareto(c, by="root_cause", weight="compensation", threshold=0.5)
    assert p["root_cause"].tolist() == ["x", "y"]
    assert p["vital_few"].tolist() == [True, False]


def test_recurrence_by_hand():
    c = pd.DataFrame(
        {
            "complaint_id": ["k1", "k2", "k3", "k4"],
            "customer_id": ["c1", "c1", "c2", "c1"],
            "received_at": [T("2026-01-01"), T("2026-01-21"), T("2026-01-25"), T("2026-04-01")],
            "root_cause": ["process", "people", "process", "people"],
        }
    )
    r = cp.recurrence(c, days=30)
    f = r.flags.set_index("complaint_id")
    assert f["repeat_customer"].to_dict() == {"k1": False, "k2": True, "k3": False, "k4": False}
    assert f["repeat_same_cause"].to_dict() == {"k1": False, "k2": False, "k3": False, "k4": False}
    assert f["cause_recurred"].to_dict() == {
        "k1": False,
        "k2": False,
        "k3": True,
        "k4": False,
    }  # k4: 70 days after k2
    assert f.loc["k3", "days_since_cause"] == 24
    total = r.table.set_index("root_cause").loc["all"]
    assert total["complaints"] == 4 and total["repeat_customer"] == 1


def test_handling_times_against_sla():
    c = pd.DataFrame(
        {
            "received_at": [T("2026-01-01")] * 4,
            "acknowledged_at": [T("2026-01-01 10:00"), T("2026-01-02 06:00"), pd.NaT, pd.NaT],
            "resolved_at": [T("2026-01-10"), T("2026-03-31"), pd.NaT, pd.NaT],
            "team": ["a", "a", "b", "b"],
        }
    )
    h = cp.handling_times(c, as_of="2026-04-01").iloc[0]
    assert h["acknowledged_in_time"] == 0.25  # 10 h yes, 30 h no, two never (past 24 h: missed)
    assert h["acknowledge_n"] == 4
    assert h["resolved_in_time"] == 0.25  # 9 days yes, 89 days no, two open and overdue
    assert h["open"] == 2 and h["open_overdue"] == 2
    assert h["resolve_days_median"] == pytest.approx((9 + 89) / 2)
    # an open complaint still within its targets is undecided, not missed
    fresh = cp.handling_times(c, as_of="2026-01-01 12:00", by="team").set_index("team")
    assert fresh.loc["b", "acknowledge_n"] == 0 and np.isnan(fresh.loc["b", "acknowledged_in_time"])
    longer = cp.handling_times(c, as_of="2026-04-01", resolve_days=120).iloc[0]
    assert (
        longer["resolved_in_time"] == 1.0
        and longer["resolve_n"] == 2
        and longer["open_overdue"] == 0
    )


def test_outcomes_by_group():
    c = pd.DataFrame(
        {
            "outcome": ["upheld", "not upheld", "upheld", None],
            "team": ["a", "a", "b", "b"],
            "compensation": [10.0, 0.0, 30.0, np.nan],
        }
    )
    o = cp.outcomes(c, by="team")
    assert o[["team", "outcome", "complaints", "share"]].values.tolist() == [
        ["a", "not upheld", 1, 0.5],
        ["a", "upheld", 1, 0.5],
        ["b", "upheld", 1, 0.5],
        ["b", "open", 1, 0.5],
    ]


def paradox_data():
    """c1 resolved well (3 days, upheld); c2 poorly (30 days); c3 poorly (not upheld); c4, c5 never complained."""
    complaints = pd.DataFrame(
        {
            "complaint_id": ["k1", "k2", "k3", "k4"],
            "customer_id": ["c1", "c2", "c3", "c1"],
            "received_at": [T("2026-01-01"), T("2026-01-01"), T("2026-01-01"), T("2026-03-01")],
            "resolved_at": [T("2026-01-04"), T("2026-01-31"), T("2026-01-02"), T("2026-03-02")],
            "outcome": ["upheld", "upheld", "not upheld", "not upheld"],
        }
    )
    tickets = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2", "c3", "c4", "c4", "c5", "c6"],
            "created_at": [
                T("2025-12-30"),
                T("2026-02-01"),
                T("2026-02-10"),
                T("2025-12-01"),
                T("2026-01-05"),
                T("2026-02-01"),
                T("2026-01-05"),
                T("2026-06-01"),
            ],
            "nps": [3, 10, 2, 9, 8, 7, np.nan, 10],
        }
    )
    return complaints, tickets


def test_recovery_paradox_group_assignment():
    complaints, tickets = paradox_data()
    r = cp.recovery_paradox(complaints, tickets, as_of="2026-12-31")
    g = r.customers.set_index("customer_id")
    assert g["group"].to_dict() == {
        "c1": "resolved well",
        "c2": "resolved poorly",
        "c3": "resolved poorly",
        "c4": "never complained",
        "c5": "never complained",
        "c6": "never complained",
    }
    # references: complaint resolution (first complaint only) or first ticket
    assert g.loc["c1", "reference_at"] == T("2026-01-04")
    assert g.loc["c4", "reference_at"] == T("2026-01-05")
    # later NPS: first answer after the reference; c3 answered only before; c4's later answer is 7
    assert g.loc["c1", "later_nps"] == 10 and g.loc["c2", "later_nps"] == 2
    assert np.isnan(g.loc["c3", "later_nps"]) and g.loc["c4", "later_nps"] == 7
    # repeat business within 90 days
    assert g.loc["c1", "repeat"] == 1 and g.loc["c3", "repeat"] == 0 and g.loc["c5", "repeat"] == 0
    table = r.table.set_index("group")
    assert table.loc["resolved well", "nps"] == 100 and table.loc["resolved poorly", "nps"] == -100
    assert r.holds in (None, False)  # far too few answers to claim anything


def test_recovery_paradox_not_shown_when_no_difference():
    rng = np.random.default_rng(0)
    n = 400
    cust = [f"c{i}" for i in range(n)]
    complaints = pd.DataFrame(
        {
            "complaint_id": cust[:100],
            "customer_id": cust[:100],
            "received_at": T("2026-01-01"),
            "resolved_at": T("2026-01-03"),
            "outcome": "upheld",
        }
    )
    tickets = pd.DataFrame(
        {
            "customer_id": cust * 2,
            "created_at": [T("2026-01-02")] * n + [T("2026-03-01")] * n,
            "nps": np.r_[np.full(n, np.nan), rng.integers(5, 11, n)],
        }
    )
    r = cp.recovery_paradox(complaints, tickets, as_of="2026-12-31")
    assert r.holds is False and "not shown" in r.finding
    assert set(r.tests["comparison"]) >= {"resolved well − never complained"}
    assert "Holm" in r.definition
    assert "<table" in r._repr_html_()


@pytest.mark.parametrize(
    ("call", "column"),
    [
        (lambda: cp.pareto(pd.DataFrame({"category": ["a"]}), threshold=80), "threshold"),
        (lambda: cp.pareto(pd.DataFrame({"category": ["a"]}), by="root_cause"), "root_cause"),
        (lambda: cp.pareto(pd.DataFrame({"category": ["a"], "w": [0.0]}), weight="w"), "w"),
        (
            lambda: cp.recurrence(
                pd.DataFrame(
                    {
                        "complaint_id": ["k"],
                        "received_at": [T("2026-01-01")],
                        "customer_id": ["c"],
                        "root_cause": ["x"],
                    }
                ),
                days=0,
            ),
            "days",
        ),
        (
            lambda: cp.handling_times(pd.DataFrame({"received_at": [T("2026-01-01")]})),
            "acknowledged_at, resolved_at",
        ),
        (
            lambda: cp.handling_times(
                pd.DataFrame(
                    {
                        "received_at": [T("2026-01-01")],
                        "acknowledged_at": [pd.NaT],
                        "resolved_at": [pd.NaT],
                    }
                ),
                resolve_days=-1,
            ),
            "resolve_days",
        ),
        (lambda: cp.recovery_paradox(*paradox_data(), well_days=0), "well_days"),
        (
            lambda: cp.recovery_paradox(paradox_data()[0], paradox_data()[1].drop(columns="nps")),
            "nps",
        ),
    ],
)
def test_user_errors(call, column):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.problems[0].column == column


def test_sample_complaints(sample):
    c, t = sample
    p = cp.pareto(c, by="root_cause")
    assert p["root_cause"].iloc[0] == "process" and p["cumulative_share"].iloc[-1] == pytest.approx(
        1.0
    )
    assert cp.pareto(c)["category"].iloc[0] == "delay"
    h = cp.handling_times(c).iloc[0]
    assert h["resolved_in_time"] > 0.95 and h["acknowledged_in_time"] > 0.85
    r = cp.recovery_paradox(c, t)
    table = r.table.set_index("group")
    # the sample builds in +1 NPS point after a good recovery and −2.5 after a poor one
    assert (
        table.loc["resolved well", "nps"]
        > table.loc["never complained", "nps"]
        > table.loc["resolved poorly", "nps"]
    )
    assert r.holds is True and "holds" in r.finding
    rec = cp.recurrence(c, days=30).table.set_index("root_cause")
    assert rec.loc["all", "complaints"] == len(c)


def assert_same_paradox(a, b):
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.tests, b.tests)
    assert (a.holds, a.finding, a.definition) == (b.holds, b.finding, b.definition)
    pd.testing.assert_frame_equal(a.customers, b.customers)


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_recovery_paradox_from_a_file_equals_the_dataframe(sample, tmp_path, suffix):
    c, t = sample
    path = tmp_path / f"tickets.{suffix}"
    if suffix == "parquet":
        t.to_parquet(path)
    else:
        t.to_csv(path, index=False)
    assert_same_paradox(cp.recovery_paradox(c, path), cp.recovery_paradox(c, t))
    assert_same_paradox(
        cp.recovery_paradox(c, str(path), repeat_days=30, as_of="2026-03-01"),
        cp.recovery_paradox(c, t, repeat_days=30, as_of="2026-03-01"),
    )


def test_recovery_paradox_filters_restrict_the_tickets():
    complaints = pd.DataFrame(
        {
            "complaint_id": ["k1"],
            "customer_id": ["c1"],
            "received_at": [T("2026-01-01")],
            "resolved_at": [T("2026-01-04")],
            "outcome": ["upheld"],
        }
    )
    tickets = pd.DataFrame(
        {
            "ticket_id": [f"t{i}" for i in range(8)],
            "customer_id": ["c1", "c1", "c1", "c4", "c4", "c4", "c5", "c5"],
            "team": ["A", "B", "A", "A", "B", "A", "B", "B"],
            "created_at": [
                T("2025-12-30"),
                T("2026-02-01"),
                T("2026-03-01"),
                T("2026-01-05"),
                T("2026-01-02"),
                T("2026-02-01"),
                T("2026-01-05"),
                T("2026-09-20"),
            ],
            "nps": [np.nan, 3, 10, np.nan, 8, 6, np.nan, 9],
        }
    )
    every = cp.recovery_paradox(complaints, tickets, as_of="2026-12-31").customers
    assert every.set_index("customer_id")["later_nps"].to_dict() == {"c1": 3, "c4": 6, "c5": 9}
    r = cp.recovery_paradox(complaints, tickets, as_of="2026-12-31", filters={"team": ["A"]})
    g = r.customers.set_index("customer_id")
    # c1: the first team-A answer after the resolution; c4: from the first team-A ticket; c5: gone
    assert g["group"].to_dict() == {"c1": "resolved well", "c4": "never complained"}
    assert g.loc["c4", "reference_at"] == T("2026-01-05")
    assert g["later_nps"].to_dict() == {"c1": 10, "c4": 6}
    assert g["repeat"].to_dict() == {"c1": 1, "c4": 1}
    table = r.table.set_index("group")
    assert table.loc["never complained", "customers"] == 1
    assert table.loc["resolved well", "nps"] == 100 and table.loc["never complained", "nps"] == -100
    # the same as passing only team A's tickets
    assert_same_paradox(
        r,
        cp.recovery_paradox(complaints, tickets[tickets["team"] == "A"], as_of="2026-12-31"),
    )
    # the default end of the data is the last ticket of all teams: c5's in September
    late = cp.recovery_paradox(complaints, tickets, filters={"team": "A"}).customers
    assert late.set_index("customer_id")["repeat"].to_dict() == {"c1": 1, "c4": 1}


def test_recovery_paradox_file_without_nps(tmp_path):
    complaints, tickets = paradox_data()
    path = tmp_path / "tickets.parquet"
    tickets.drop(columns="nps").assign(ticket_id=[f"t{i}" for i in range(len(tickets))]).to_parquet(
        path
    )
    with pytest.raises(ParameterError) as err:
        cp.recovery_paradox(complaints, path)
    problem = err.value.problems[0]
    assert problem.column == "nps" and problem.file == str(path)
    assert "customer_id" in problem.fix  # lists the columns the tickets have
