"""A KPI that cannot be negative never falls by more than 100 % nor gets a reversed interval."""

import numpy as np
import pandas as pd
import pytest

from cslib.metrics.registry import REGISTRY
from cslib.stats.impact import compare_segments, verdict


def _ordered_and_above_minus_100(v):
    assert v.ci_low <= v.ci_high and v.relative_ci_low <= v.relative_ci_high
    assert v.relative >= -1 and v.relative_ci_low >= -1
    assert v.before > 0


def test_registry_says_which_kpis_cannot_be_negative():
    assert REGISTRY["resolution_hours"].positive and REGISTRY["volume"].positive
    assert REGISTRY["fcr"].positive and REGISTRY["complaint_rate"].positive
    assert not REGISTRY["nps"].positive


def _teams_311():
    # the comparison teams' times fall steeply while the adopting teams' rise: on the hour
    # scale the level expected without the change would be far below zero
    rows = []
    for i, (start, pre, post) in enumerate(
        [(4, 100, 900), (4, 120, 950), (0, 1000, 10), (0, 980, 12), (4, 90, 30), (0, 950, 11)]
    ):
        for w in range(1, 7):
            y = (post if w >= 4 else pre) * (1 + 0.01 * ((w * (i + 1)) % 3))
            rows.append({"team": i, "week": w, "hours": y, "start": start})
    return pd.DataFrame(rows)


ARGS = {"y": "hours", "direction": "lower", "positive": True, "sustained_check": False}
DID = {"time": "week", "unit": "team", "first_treated": "start"}


def test_did_with_a_negative_counterfactual_on_the_hour_scale():
    df = _teams_311()
    assert verdict(df, **{**ARGS, "positive": False}, **DID).before < 0  # the 311 failure
    _ordered_and_above_minus_100(verdict(df, **ARGS, **DID))
    fall = df.assign(hours=np.where(df["start"].gt(0) & df["week"].ge(4), 1.0, df["hours"]))
    _ordered_and_above_minus_100(verdict(fall, **ARGS, **DID))


def test_did_with_zeros_is_a_poisson_ratio_of_ratios():
    # two adopting teams (A, B) and two comparison teams (C, D), weeks 1 and 2: with team and
    # week effects the Poisson fit matches the group totals, so exp(δ) =
    # (adopting week 2 / week 1) / (comparison week 2 / week 1) = (2 / 2) / (8 / 4) = 0.5
    df = pd.DataFrame(
        {
            "team": list("ABCDABCD"),
            "week": [1] * 4 + [2] * 4,
            "start": [2, 2, 0, 0] * 2,
            "hours": [2.0, 0, 3, 1, 1, 1, 6, 2],
        }
    )
    v = verdict(df, **ARGS, **DID)
    assert v.scale == "ratio" and "Poisson" in v.method
    assert v.estimate == pytest.approx(0.5, rel=1e-6)
    assert v.before == pytest.approx(1 / 0.5)  # adopting teams' mean after (1) / ratio
    _ordered_and_above_minus_100(v)


def test_its_with_a_trend_that_would_go_below_zero():
    t = np.arange(40)
    noise = np.random.default_rng(0).normal(0, 1, 40)
    y = np.where(t < 20, 200 - 9 * t, 5.0) + noise
    df = pd.DataFrame({"week": t, "hours": y})
    gauss = verdict(df, **{**ARGS, "positive": False}, time="week", change=20, method="its")
    assert gauss.before < 0  # the straight line runs below zero
    v = verdict(df, **ARGS, time="week", change=20, method="its")
    assert v.scale == "ratio" and "log scale" in v.method
    _ordered_and_above_minus_100(v)


def test_its_with_a_zero_week_is_quasi_poisson():
    rng = np.random.default_rng(1)
    t = np.arange(30)
    y = np.where(t < 15, rng.poisson(20, 30), rng.poisson(2, 30)).astype(float)
    y[20] = 0.0
    v = verdict(pd.DataFrame({"week": t, "hours": y}), **ARGS, time="week", change=15)
    assert v.scale == "ratio" and "Poisson" in v.method
    _ordered_and_above_minus_100(v)


def test_two_period_paths_with_a_strong_fall():
    rng = np.random.default_rng(2)
    weekly = pd.DataFrame({"week": range(10), "hours": [100, 5, 160, 90, 3, 1, 2, 1.5, 1, 2.5]})
    v = verdict(weekly, **ARGS, time="week", change=4)
    assert "two-period" in v.method
    _ordered_and_above_minus_100(v)
    day = pd.date_range("2026-01-05", periods=20).repeat(10)
    hours = 30 * np.exp(rng.normal(0, 1, 200)) * np.where(np.arange(200) < 100, 1, 0.05)
    cases = pd.DataFrame({"day": day, "hours": hours})
    v = verdict(cases, **ARGS, time="day", change=day[100], kind="duration")
    _ordered_and_above_minus_100(v)
    seg = compare_segments(
        cases.assign(period=np.where(np.arange(200) < 100, "b", "a"), channel=["x", "y"] * 100),
        value="hours",
        period="period",
        segment="channel",
        kind="duration",
        before="b",
        after="a",
        day="day",
    ).table
    assert (seg["ci_low"] <= seg["ci_high"]).all()
