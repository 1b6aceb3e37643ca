"""Erlang C against the textbook formula, a published example, staffing tables and errors."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cslib.analyses import capacity
from cslib.analyses.capacity import (
    agents_needed,
    erlang_b,
    erlang_c,
    peak_staffing,
    service_level,
    staffing_curve,
    staffing_table,
)
from cslib.data.tables import read_table
from cslib.errors import ParameterError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def sample_tickets() -> pd.DataFrame:
    return read_table(SAMPLE / "tickets.parquet", "tickets")


def textbook_c(a: int | Fraction, n: int) -> float:
    """C(N, A) = A^N/N! · N/(N−A) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), in exact rational arithmetic."""
    a = Fraction(a)
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    below = sum(a**k / math.factorial(k) for k in range(n))
    return float(top / (below + top))


@pytest.mark.parametrize(
    ("a", "n"), [(1, 2), (2, 3), (10, 11), (10, 14), (Fraction(37, 2), 22), (50, 55), (250, 270)]
)
def test_erlang_c_matches_textbook_formula(a, n):
    assert erlang_c(float(a), n) == pytest.approx(textbook_c(a, n), rel=1e-10)


def test_large_traffic_where_naive_floats_overflow():
    with pytest.raises(OverflowError):
        float(250**270) / math.factorial(270)  # the naive float formula cannot even start
    c = erlang_c(250, 270)
    assert 0 < c < 1
    assert 0 < erlang_c(2000, 2050) < 1  # thousands of agents still fine


def test_erlang_b_small_case_by_hand():
    # B(2, 3) = (8/6) / (1 + 2 + 2 + 8/6) = 4/19
    assert erlang_b(2, 3) == pytest.approx(4 / 19)


def test_published_example_100_calls_per_half_hour():
    # Call Centre Helper's worked example: 100 calls / 30 min, AHT 180 s = 10 Erlangs;
    # 11 agents: P(wait) 68.21 %; 80/20 needs 14 agents (13 give 79.6 %), 14 give 88.8 %
    assert erlang_c(10, 11) == pytest.approx(0.6821, abs=5e-5)
    assert service_level(calls=100, aht=180, agents=13) == pytest.approx(0.7956, abs=5e-4)
    assert service_level(calls=100, aht=180, agents=14) == pytest.approx(0.8884, abs=5e-4)
    assert agents_needed(calls=100, aht=180, target=0.8) == 14


def test_service_level_and_asa_formulas():
    a, n, t, h = 10.0, 12, 20.0, 180.0
    c = erlang_c(a, n)
    row = staffing_curve(calls=100, aht=h, agents=[n]).iloc[0]
    assert row["service_level"] == pytest.approx(1 - c * math.exp(-(n - a) * t / h))
    assert row["asa"] == pytest.approx(c * h / (n - a))
    assert row["occupancy"] == pytest.approx(a / n)
    assert row["traffic"] == pytest.approx(a)


def test_asa_and_occupancy_functions():
    c = erlang_c(10, 14)
    assert capacity.asa(calls=100, aht=180, agents=14) == pytest.approx(c * 180 / 4)
    assert capacity.occupancy(calls=100, aht=180, agents=14) == pytest.approx(10 / 14)
    assert capacity.asa(calls=100, aht=180, agents=10) == math.inf
    assert capacity.occupancy(calls=100, aht=180, agents=5) == 1.0


def test_overloaded_queue():
    assert erlang_c(10, 10) == 1.0
    assert service_level(calls=100, aht=180, agents=9) == 0.0
    assert staffing_curve(calls=100, aht=180, agents=[9])["asa"].item() == math.inf


def test_agents_needed_monotone_and_occupancy_cap():
    assert agents_needed(calls=0, aht=180, target=0.8) == 0
    ns = [agents_needed(calls=c, aht=180, target=0.8) for c in (50, 100, 200, 400)]
    assert ns == sorted(ns)
    assert agents_needed(calls=1000, aht=180, target=0.8, max_occupancy=0.85) >= math.ceil(
        100 / 0.85
    )


def test_staffing_curve_default_range_reaches_99_percent():
    curve = staffing_curve(calls=100, aht=180)
    assert curve["agents"].iloc[0] == 11
    assert curve["service_level"].iloc[-1] >= 0.99
    assert curve["service_level"].is_monotonic_increasing


def test_staffing_table_adds_columns_and_keeps_input():
    d = pd.DataFrame(
        {"slot": ["09:00", "09:30", "10:00"], "calls": [100, 150, np.nan], "aht": [180, 180, 180]}
    )
    before = d.copy()
    out = staffing_table(d, target=0.8)
    pd.testing.assert_frame_equal(d, before)
    assert out["agents"].tolist()[:2] == [14, 19]
    assert pd.isna(out["agents"].iloc[2])


def test_peak_staffing_hand_case():
    # two Mondays at 9h: 2 then 1 calls per hour; 300 s each
    t = pd.DataFrame(
        {
            "created_at": pd.to_datetime(
                ["2026-04-06 09:10", "2026-04-06 09:40", "2026-04-13 09:20"]
            ),
            "channel": "phone",
            "handle_seconds": [300.0, 300.0, 300.0],
        }
    )
    row = peak_staffing(t, peak_quantile=0.5).query("day == 'Mon'").iloc[0]
    assert row["weeks"] == 2
    assert row["calls_typical"] == pytest.approx(0.75)  # 1.5 per hour = 0.75 per half hour
    assert row["calls_peak"] == pytest.approx(0.75)
    assert row["aht"] == 300.0


def test_peak_staffing_leaves_closed_hours_unstaffed_and_times_answered_calls_only():
    # a call log: abandoned calls have handle time 0; nobody answers on Mondays at 22h
    t = pd.DataFrame(
        {
            "created_at": pd.to_datetime(
                ["2026-04-06 09:10", "2026-04-06 09:40", "2026-04-06 22:05", "2026-04-13 22:30"]
            ),
            "channel": "phone",
            "handle_seconds": [300.0, 0.0, 0.0, 0.0],
        }
    )
    table = peak_staffing(t).query("day == 'Mon'").set_index("hour")
    assert table.loc[9, "aht"] == 300.0  # the abandoned call's 0 s is not a handle time
    assert table.loc[9, "answered"] == 1 and table.loc[9, "agents_typical"] == 1
    assert table.loc[22, "calls_typical"] == pytest.approx(0.5)  # 2 calls in 2 weeks, per half hour
    assert table.loc[22, "answered"] == 0 and pd.isna(table.loc[22, "agents_typical"])
    assert pd.isna(table.loc[22, "aht"]) and pd.isna(table.loc[22, "extra_agents"])
    tuesday = peak_staffing(t).query("day == 'Tue'")  # nobody called: nobody needed
    assert (tuesday["agents_peak"] == 0).all() and (tuesday["answered"] == 0).all()


def test_peak_staffing_without_queue_contacts_is_an_empty_table():
    email = pd.DataFrame(
        {"created_at": [pd.Timestamp("2026-01-01")], "channel": ["email"], "handle_seconds": [1.0]}
    )
    table = peak_staffing(email)
    assert table.empty and {"channel", "answered", "agents_peak"} <= set(table.columns)


@pytest.mark.parametrize(
    ("call", "column"),
    [
        (lambda: erlang_c(-1, 3), "traffic"),
        (lambda: erlang_c(5, 0), "agents"),
        (lambda: erlang_c(5, 2.5), "agents"),
        (lambda: service_level(calls=10, aht=0, agents=3), "aht"),
        (lambda: service_level(calls="many", aht=100, agents=3), "calls"),
        (lambda: agents_needed(calls=10, aht=100, target=80), "target"),
        (lambda: agents_needed(calls=10, aht=100, target=0.8, max_occupancy=1.5), "max_occupancy"),
        (
            lambda: peak_staffing(
                pd.DataFrame(
                    {
                        "created_at": [pd.Timestamp("2026-01-01")],
                        "channel": ["phone"],
                        "handle_seconds": [1.0],
                    }
                ),
                peak_quantile=2,
            ),
            "peak_quantile",
        ),
        (
            lambda: peak_staffing(pd.DataFrame({"created_at": [pd.Timestamp("2026-01-01")]})),
            "channel, handle_seconds",
        ),
    ],
)
def test_user_errors(call, column):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.problems[0].column == column


def test_sample_peak_table(sample_tickets):
    table = peak_staffing(sample_tickets, target=0.8)
    assert set(table["channel"]) == {"phone", "chat"}
    assert (table["agents_peak"] >= table["agents_typical"]).all()
    busiest = table.loc[table["calls_typical"].idxmax()]
    assert busiest["day"] == "Mon" and 9 <= busiest["hour"] <= 16  # Mondays are the busiest
    assert (table["extra_agents"] > 0).any()
    assert capacity.WEEKDAYS[busiest["weekday"]] == busiest["day"]


def test_peak_staffing_reads_a_file_in_place(tmp_path, sample_tickets):
    path = tmp_path / "tickets.parquet"
    sample_tickets.to_parquet(path)
    where = {"start": "2026-02-02", "end": "2026-03-29", "filters": {"team": ["Billing"]}}
    from_file = peak_staffing(path, **where)
    billing = sample_tickets[sample_tickets["team"] == "Billing"]
    pd.testing.assert_frame_equal(from_file, peak_staffing(billing, **where), check_dtype=False)
    # the window's Mondays at 10h, counted by hand
    t = billing[
        (billing["channel"] == "phone")
        & billing["created_at"].between("2026-02-02", "2026-03-29 23:59:59")
    ]
    mondays = t[(t["created_at"].dt.day_of_week == 0) & (t["created_at"].dt.hour == 10)]
    row = from_file.query("channel == 'phone' and day == 'Mon' and hour == 10").iloc[0]
    assert row["calls_typical"] == pytest.approx(len(mondays) / 8 / 2)  # 8 Mondays, per half hour
    assert row["aht"] == pytest.approx(mondays["handle_seconds"].mean())


def test_peak_staffing_names_missing_columns_of_a_file(tmp_path, sample_tickets):
    path = tmp_path / "tickets.parquet"
    sample_tickets.drop(columns="handle_seconds").to_parquet(path)
    with pytest.raises(ParameterError) as err:
        peak_staffing(path)
    assert err.value.problems[0].column == "handle_seconds"


@pytest.mark.parametrize("traffic", [-1, float("nan"), float("inf"), "5", True])
def test_traffic_must_be_zero_or_a_positive_number(traffic):
    assert erlang_c(0, 3) == 0.0 and erlang_c(np.int64(10), 11) == erlang_c(10.0, 11)
    with pytest.raises(ParameterError) as err:
        erlang_c(traffic, 3)
    problem = err.value.problems[0]
    assert problem.what == "traffic must be zero or a positive number"
    assert problem.fix == "e.g. traffic=10"
