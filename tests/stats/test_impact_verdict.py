"""Tests of cslib.stats.impact.choose_method and verdict, including the calibration of the verdict."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from cslib.errors import ParameterError
from cslib.stats.impact import choose_method, compare, verdict
from cslib.stats.impact.sim import simulate_daily_kpi, sustained_rate


def _daily(improvement=0.0, seed=0, **kw):
    dates, y = simulate_daily_kpi(1, improvement=improvement, seed=seed, **kw)
    return pd.DataFrame({"date": dates, "hours": y[0]}), dates[84]


def _panel(effect=-2.0, seed=0, n_teams=12):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_teams):
        start = 7 if i < n_teams // 2 else 0
        for m in range(1, 13):
            y = 25 + i + 0.2 * m + rng.normal(0, 0.4) + effect * (start and m >= start)
            rows.append({"team": f"T{i}", "month": m, "hours": y, "start": start})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- chooser


def test_choose_method_branches():
    panel = _panel()
    c = choose_method(panel, time="month", unit="team", first_treated="start")
    assert c.method == "did" and c.has_control
    assert {m for m, _ in c.alternatives_rejected} == {"its", "two-period"}
    df, change = _daily()
    c = choose_method(df, time="date", change=change)
    assert c.method == "its" and (c.n_before, c.n_after) == (84, 56) and c.warning is None
    short = pd.DataFrame({"week": range(10), "y": range(10)})
    c = choose_method(short, time="week", change=5)
    assert c.method == "two-period"
    assert "not controlled" in c.warning
    assert "too few periods" in dict(c.alternatives_rejected)["its"]
    assert c.summary()["method"].item() == "two-period"


def test_choose_method_errors():
    short = pd.DataFrame({"week": range(10), "y": range(10)})
    with pytest.raises(ParameterError, match="outside the data range"):
        choose_method(short, time="week", change=50)
    with pytest.raises(ParameterError, match="no change date"):
        choose_method(short, time="week")
    with pytest.raises(ParameterError, match="not found"):
        choose_method(short, time="day", change=5)


# --------------------------------------------------------------------------- verdicts


def test_verdict_improved_sustained_with_target_and_sentence():
    df, change = _daily(improvement=0.18, seed=4, trend=0.0)
    v = verdict(
        df,
        y="hours",
        time="date",
        change=change,
        direction="lower",
        kpi="median resolution time",
        units="hours",
        target="-10%",
    )
    assert v.outcome == "improved"
    assert v.ci_high < 0 and v.method.startswith("interrupted time series")
    assert v.relative == pytest.approx(-0.18, abs=0.05)
    assert v.target_met is True
    assert v.sustained is True
    assert "Median resolution time averaged" in v.sentence
    assert "improvement is statistically clear" in v.sentence
    assert "has held for the 56 days since" in v.sentence
    assert "The target (-10%) was met." in v.sentence
    assert dataclasses.is_dataclass(v)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.outcome = "worsened"  # type: ignore[misc]
    row = v.summary()
    assert row.shape[0] == 1 and row["outcome"].item() == "improved"
    assert "<table" in v._repr_html_()


def test_verdict_target_level_not_met():
    df, change = _daily(improvement=0.18, seed=4, trend=0.0)
    v = verdict(df, y="hours", time="date", change=change, direction="lower", target=15.0)
    assert v.outcome == "improved" and v.target_met is False
    assert "was not met" in v.sentence


def test_verdict_not_sustained_when_the_gain_fades():
    df, change = _daily(improvement=0.0, seed=2, trend=0.0)
    y = df["hours"].to_numpy().copy()
    y[84:112] *= 0.75  # a clear gain for four weeks, then back to the old level
    v = verdict(df.assign(hours=y), y="hours", time="date", change=change, direction="lower")
    assert v.sustained is False
    assert "worse" in v.sustained_reason


def test_naive_pre_post_and_its_disagree_on_a_trend_and_the_verdict_follows_its():
    rng = np.random.default_rng(11)
    t = np.arange(40)
    df = pd.DataFrame(
        {"week": t, "hours": 40 - 0.4 * t + rng.normal(0, 0.8, 40)}
    )  # falling already
    naive = compare(df["hours"][t < 20], df["hours"][t >= 20], kind="continuous").iloc[0]
    assert naive["ci_high"] < 0  # the naive comparison "finds" an improvement
    v = verdict(df, y="hours", time="week", change=20, direction="lower")
    assert v.method.startswith("interrupted time series")
    assert v.outcome == "no detectable change"
    assert v.ci_low < 0 < v.ci_high
    rejected = dict(v.alternatives_rejected)
    assert "trend" in rejected["two-period"]
    assert "no improvement can be claimed" in v.sentence


def test_verdict_did_uses_control_teams():
    v = verdict(
        _panel(effect=-2.0),
        y="hours",
        time="month",
        unit="team",
        first_treated="start",
        direction="lower",
        kpi="handling time",
        units="minutes",
        positive=True,
    )
    assert v.method.startswith("difference-in-differences")
    assert v.outcome == "improved"
    # hours cannot be negative: the effect is a ratio, about 2 hours on a level near 33
    assert v.scale == "ratio" and "ratio scale" in v.method and "t interval" in v.method
    assert v.estimate == pytest.approx(1 - 2.0 / 33, abs=0.015)
    assert v.relative == pytest.approx(v.after / v.before - 1)
    assert "expected from the control teams" in v.sentence
    diff = verdict(
        _panel(effect=-2.0),
        y="hours",
        time="month",
        unit="team",
        first_treated="start",
        direction="lower",
        positive=False,
    )
    assert diff.scale == "difference" and diff.outcome == "improved"
    assert diff.estimate == pytest.approx(-2.0, abs=0.4)
    assert "two-period" in dict(v.alternatives_rejected)
    null = verdict(
        _panel(effect=0.0, seed=1),
        y="hours",
        time="month",
        unit="team",
        first_treated="start",
        direction="lower",
        positive=False,  # the teams share an additive trend: parallel in hours, not in log hours
    )
    assert null.outcome == "no detectable change"


def test_verdict_two_period_fallback_with_warning_and_worsened():
    short = pd.DataFrame({"week": range(8), "csat": [4.1, 4.2, 4.0, 4.1, 3.5, 3.4, 3.6, 3.5]})
    v = verdict(short, y="csat", time="week", change=4, direction="higher", kpi="CSAT")
    assert v.method.startswith("two-period comparison")
    assert v.outcome == "worsened"
    assert "Caution: trend and seasonality are not controlled" in v.sentence
    assert v.sustained is None  # four review points are too few for a control chart


def test_verdict_two_period_on_case_level_durations():
    rng = np.random.default_rng(3)
    day = np.repeat(np.arange(10), 30)
    hours = rng.lognormal(3.2 - 0.3 * (day >= 5), 0.5)
    df = pd.DataFrame({"day": day, "hours": hours})
    v = verdict(df, y="hours", time="day", change=5, direction="lower", kind="duration")
    assert "ratio of medians" in v.method and v.scale == "ratio"
    assert v.outcome == "improved"
    assert v.estimate == pytest.approx(np.median(hours[day >= 5]) / np.median(hours[day < 5]))


def test_verdict_poisson_rate_ratio():
    rng = np.random.default_rng(5)
    t = np.arange(60)
    tickets = rng.integers(900, 1100, 60).astype(float)
    df = pd.DataFrame(
        {
            "week": t,
            "complaints": rng.poisson(0.04 * tickets * np.where(t >= 30, 0.7, 1)),
            "tickets": tickets,
        }
    )
    v = verdict(
        df,
        y="complaints",
        time="week",
        change=30,
        direction="lower",
        family="poisson",
        offset="tickets",
        kpi="complaints per ticket",
    )
    assert v.scale == "ratio" and v.outcome == "improved"
    assert v.relative == pytest.approx(-0.3, abs=0.1)
    assert v.before == pytest.approx(0.04, rel=0.2)


def test_verdict_never_claims_what_the_interval_does_not_support():
    for seed in range(6):
        df, change = _daily(improvement=0.03, seed=seed)
        v = verdict(
            df, y="hours", time="date", change=change, direction="lower", sustained_check=False
        )
        if v.outcome == "improved":
            assert v.ci_high < 0
        else:
            assert v.ci_high >= 0 or v.outcome == "worsened"


def test_verdict_parameter_errors():
    df, change = _daily()
    with pytest.raises(ParameterError, match="unknown direction"):
        verdict(df, y="hours", time="date", change=change, direction="down")
    with pytest.raises(ParameterError, match="not found"):
        verdict(df, y="aht", time="date", change=change, direction="lower")
    with pytest.raises(ParameterError, match="outside the data range"):
        verdict(df, y="hours", time="date", change="2030-01-01", direction="lower")
    with pytest.raises(ParameterError, match="unit= and first_treated="):
        verdict(df, y="hours", time="date", change=change, direction="lower", method="did")
    with pytest.raises(ParameterError, match="relative change"):
        verdict(df, y="hours", time="date", change=change, direction="lower", target="a lot")
    with pytest.raises(ParameterError, match="unknown kind"):
        verdict(df, y="hours", time="date", change=change, direction="lower", kind="ratio")


# --------------------------------------------------------------------------- calibration


def _rate(outcomes: list[str], what: str) -> tuple[float, float]:
    hits = np.asarray(outcomes) == what
    p = float(hits.mean())
    return p, float(np.sqrt(p * (1 - p) / hits.size))


def test_verdict_is_calibrated_on_simulated_daily_series():
    """No change: "improved" in ≤ ~5 % (assert ≤ 8 %); a 15 % improvement: detected in ≥ 80 %.

    Daily mean resolution times with a rising trend, a weekend effect and AR(1)
    persistence (see cslib.stats.impact.sim); 84 days before, 56 after. The larger
    version is benchmarks/impact_calibration.py.
    """

    def run(improvement, n, seed):
        dates, ys = simulate_daily_kpi(n, improvement=improvement, seed=seed)
        frame = pd.DataFrame({"date": dates})
        return [
            verdict(
                frame.assign(hours=y),
                y="hours",
                time="date",
                change=dates[84],
                direction="lower",
                sustained_check=False,
            ).outcome
            for y in ys
        ]

    null = run(0.0, 300, seed=20260401)
    rate, mc = _rate(null, "improved")
    assert rate <= 0.08, f"false 'improved' rate {rate:.3f} ± {mc:.3f} (MC s.e., 300 sims)"
    alt = run(0.15, 200, seed=20260402)
    power, mc_p = _rate(alt, "improved")
    assert power >= 0.80, (
        f"detection rate of a 15 % improvement {power:.3f} ± {mc_p:.3f} (200 sims)"
    )
    assert _rate(alt, "worsened")[0] == 0.0


def test_relative_interval_of_a_duration_stays_above_minus_100_percent():
    # a steep fall in skewed durations: the bootstrap interval of the difference of medians
    # reaches below −(before median), so difference ÷ before would claim a negative duration
    rng = np.random.default_rng(11)
    day = np.repeat(np.arange(8), 6)
    hours = np.where(day < 4, rng.lognormal(3.0, 1.6, day.size), rng.lognormal(1.0, 1.0, day.size))
    df = pd.DataFrame({"day": day, "hours": hours})
    b, a = day < 4, day >= 4
    row = compare(hours[b], hours[a], kind="duration", before_days=day[b], after_days=day[a])
    row = row.iloc[0]  # as the verdict does: tickets clustered by their day
    assert row["ci_low"] / row["before"] < -1  # the naive relative bound
    assert row["ratio"] == pytest.approx(np.median(hours[day >= 4]) / np.median(hours[day < 4]))
    assert 0 < row["ratio_ci_low"] < row["ratio"] < row["ratio_ci_high"]
    v = verdict(df, y="hours", time="day", change=4, direction="lower", kind="duration")
    assert v.relative == pytest.approx(row["ratio"] - 1)
    assert -1 < v.relative_ci_low < v.relative < v.relative_ci_high
    assert (v.ci_low, v.ci_high) == (row["ratio_ci_low"], row["ratio_ci_high"])


def test_relative_interval_of_a_non_negative_kpi_is_cut_at_minus_100_percent():
    # weekly medians that collapse: Welch's interval of the difference reaches below −(before)
    weeks = pd.DataFrame({"week": range(10), "hours": [90, 140, 60, 120, 85, 12, 13, 11, 14, 12]})
    v = verdict(weeks, y="hours", time="week", change=5, direction="lower", kind="continuous")
    assert v.method.startswith("two-period comparison: Welch")
    assert v.ci_low / 99 < -1  # the difference's own bound
    assert v.relative_ci_low == -1.0 and v.relative == pytest.approx(12.4 / 99 - 1)


def test_a_permanent_step_is_called_sustained_and_a_slip_back_is_caught():
    """A 15 % fall in daily resolution time (AR(1) noise, a slight upward trend): kept
    for the whole review it is called sustained at least 95 % of the time (less two
    Monte Carlo s.e.); gone after four of the eight review weeks it is caught."""
    n = 100
    assert sustained_rate(n, seed=1) >= 0.95 - 2 * np.sqrt(0.95 * 0.05 / n)
    assert sustained_rate(n, slip_after=28, seed=2) <= 0.15
