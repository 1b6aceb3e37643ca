"""Power at Plan time: the estimate's spread per method against hand computations, the
minimum detectable effect and weeks needed, thin baselines, and a small simulation
(the verdict's power at the stated MDE; the full table is
``benchmarks/impact_calibration.py --path power``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cslib.stats.impact.method import choose_method, method_rule
from cslib.stats.impact.power import (
    Design,
    Noise,
    difference_sd,
    its_sd,
    mde,
    plan_power,
    power,
    weekly_noise,
)
from cslib.stats.impact.power_sim import power_at_mde


def test_difference_of_two_ar1_weeks_by_hand():
    # Var(y2 − y1) = 2σ²(1 − φ) for one week on each side
    assert difference_sd(Noise(3.0, 0.4, 10), 1, 1) == pytest.approx(3.0 * np.sqrt(2 * 0.6))
    # two weeks each side, w = (−½, −½, ½, ½): within the sides ¼ · 2 (2 + 2φ), across them
    # −2 · ¼ (φ + 2φ² + φ³) (lags 1, 2, 2, 3)
    phi = 0.5
    r = phi ** np.abs(np.subtract.outer(np.arange(4), np.arange(4)))
    w = np.array([-0.5, -0.5, 0.5, 0.5])
    assert difference_sd(Noise(1.0, phi, 10), 2, 2) ** 2 == pytest.approx(w @ r @ w)
    assert w @ r @ w == pytest.approx(
        0.25 * (2 * (2 + 2 * phi)) - 0.25 * 2 * (phi + 2 * phi**2 + phi**3)
    )


def test_its_spread_is_the_ols_formula_with_independent_weeks():
    n_b, n_a = 10, 8
    t = np.arange(n_b + n_a, dtype=float)
    post = t >= n_b
    X = np.column_stack([np.ones(t.size), t, post, (t - n_b) * post])
    c = np.array([0, 0, 1, np.mean(t[post] - n_b)])
    expected = 2.0 * np.sqrt(c @ np.linalg.inv(X.T @ X) @ c)
    assert its_sd(Noise(2.0, 0.0, 10), n_b, n_a) == pytest.approx(expected)


def test_weekly_noise_removes_shared_weeks_and_trends():
    rng = np.random.default_rng(1)
    shared = rng.normal(0, 5, 30)  # a shock every team shares cancels in a DiD
    teams = shared + rng.normal(0, 1, (6, 30))
    assert weekly_noise(teams, across_units=True).sd == pytest.approx(1.0, abs=0.1)
    line = 3.0 * np.arange(200) + rng.normal(0, 1, 200)
    assert weekly_noise(line, detrend=True).sd == pytest.approx(1.0, abs=0.15)
    assert weekly_noise(line).sd > 20


def test_mde_has_80_percent_power_and_no_effect_the_nominal_rate():
    noise = Noise(1.0, 0.3, 20)
    for design in (Design("two-period", 20), Design("its", 20), Design("did", 20, 3, 3, 2)):
        m = mde(design, noise, 12)
        assert power(m, design, noise, 12) == pytest.approx(0.8, abs=1e-6)
    d = Design("did", 20, 3, 3, 2)  # 4 df: the t quantiles, wider than the normal's 2.80 s.d.
    sd = difference_sd(noise, 20, 12) * np.sqrt(2 / 3)
    assert mde(d, noise, 12) / sd > stats.norm.ppf(0.975) + stats.norm.ppf(0.8) + 0.5
    assert power(0.0, Design("two-period", 20), Noise(1.0, 0.0, 20), 20) == pytest.approx(0.025)
    # the ITS verdict needs two intervals on the better side: a critical value 1 + 1/√(π df) wider
    q = stats.t.ppf(0.975, 36) * (1 + 1 / np.sqrt(np.pi * 36))
    assert power(0.0, Design("its", 20), Noise(1.0, 0.0, 20), 20) == pytest.approx(
        stats.t.sf(q, 36)
    )


def test_autocorrelated_weeks_need_a_larger_change():
    d = Design("two-period", 12)
    # the verdict's Welch interval treats weeks as independent; the estimate's true spread does not
    assert mde(d, Noise(1.0, 0.5, 12), 12) > 1.1 * mde(d, Noise(1.0, 0.0, 12), 12)


def test_method_follows_the_checks_choice():
    # the rule the plan uses is the one choose_method applies to the weeks themselves
    for n_before in range(1, 13):
        for n_after in range(1, 13):
            weeks = np.arange(1, n_before + n_after + 1)
            alone = choose_method(pd.DataFrame({"time": weeks}), time="time", change=n_before + 1)
            assert method_rule(n_before, n_after, False) == alone.method
            both = pd.DataFrame(
                {
                    "time": np.tile(weeks, 2),
                    "unit": np.repeat([1, 2], weeks.size),
                    "start": np.repeat([n_before + 1, 0], weeks.size),
                }
            )
            compared = choose_method(both, time="time", unit="unit", first_treated="start")
            assert method_rule(n_before, n_after, True) == compared.method == "did"
    assert method_rule(26, 13, False) == "its"
    assert method_rule(26, 6, False) == "two-period"


def test_weeks_needed_is_the_first_review_with_80_percent_power():
    rng = np.random.default_rng(5)
    base = 100 + rng.normal(0, 4, 12)
    p = plan_power(base, level=100.0, direction="lower", review_weeks=6, target=92.0)
    assert p.method == "two-period" and p.mde < 0 and p.mde_relative == pytest.approx(p.mde / 100)
    noise = weekly_noise(base)
    d = Design("two-period", 12)
    assert power(8.0, d, noise, p.weeks_needed) >= 0.8
    assert power(8.0, d, noise, p.weeks_needed - 1) < 0.8
    assert p.detectable is (p.weeks_needed <= 6)


def test_ratio_scale_for_did_on_a_positive_kpi():
    rng = np.random.default_rng(2)
    x = 20 * np.exp(rng.normal(0, 0.1, (6, 20)))
    treated = np.array([True] * 3 + [False] * 3)
    p = plan_power(x, level=20.0, direction="lower", review_weeks=20, target=15.0, treated=treated)
    assert (p.method, p.scale) == ("did", "ratio")
    assert -1 < p.mde_relative < 0 and p.target_change == -5.0


@pytest.mark.parametrize(
    ("values", "treated", "says"),
    [
        ([1.0, 2.0, 3.0], None, "only 3 baseline weeks with a value;"),
        ([np.nan] * 10, None, "only 0 baseline weeks with a value;"),
        ([5.0] * 10, None, "does not vary"),
        (np.ones((2, 10)) + np.arange(10), np.array([True, False]), "leave no spread"),
    ],
)
def test_thin_baselines_say_the_power_cannot_be_estimated(values, treated, says):
    p = plan_power(
        values, level=2.0, direction="higher", review_weeks=8, target=3.0, treated=treated
    )
    assert says in p.note and np.isnan(p.mde) and p.weeks_needed is None
    assert p.detectable is None


@pytest.mark.parametrize(
    "design", ["two periods 6 + 6 weeks, FCR", "DiD 3 + 3 teams, 4-week months, resolution"]
)
def test_verdict_power_at_the_stated_mde_is_near_80_percent(design):
    """A few hundred simulations; 75–85 % within 3 MC s.e. (the monthly DiD judged on the
    ratio scale, as the Check judges a duration: on the difference scale it had 58 %)."""
    out = power_at_mde(design, 200, pilots=30, seed=4)
    assert 0.75 - 3 * out["se"] <= out["power"] <= 0.85 + 3 * out["se"]
    assert out["mde_low"] <= out["mde"] <= out["mde_high"]
    assert np.sign(out["mde_low"]) == np.sign(out["mde_high"]) != 0  # towards better, always
