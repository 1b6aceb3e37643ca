"""Laney's σz and the choice between the p and p′ charts, against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cslib.stats.spc import control_chart
from cslib.stats.spc.dispersion import SHARE_CHART_NAMES, share_chart, sigma_z

WEEKS = [80, 86, 78, 84]


def test_sigma_z_and_the_p_prime_limits_by_hand():
    # p̄ = 328/400 = 0.82; σ = √(0.82 · 0.18 / 100) = 0.0384187
    # z = ∓0.52058, ±1.04116; moving ranges 1.56174, 2.08232, 1.56174 → mean 1.73527
    s = sigma_z(WEEKS, [100] * 4)
    assert s == pytest.approx(1.73527 / 1.128, abs=1e-5)
    assert s == pytest.approx(1.53835, abs=1e-5)
    row = control_chart(WEEKS, chart=share_chart(WEEKS, [100] * 4), n=[100] * 4).data.iloc[0]
    # 0.82 ± 3 · 0.0384187 · 1.53835 = 0.82 ± 0.177305
    assert (row["lcl"], row["ucl"]) == pytest.approx((0.642695, 0.997305), abs=1e-6)


def test_shares_varying_as_sampling_explains_keep_the_p_chart():
    # p̄ = 0.8, σ = 0.04: z = 0, 0.25, 0, -0.25; moving ranges all 0.25 → σz = 0.25 / 1.128
    counts = [80, 81, 80, 79]
    assert sigma_z(counts, [100] * 4) == pytest.approx(0.25 / 1.128)
    assert share_chart(counts, [100] * 4) == "p"
    assert SHARE_CHART_NAMES["p"] == "p chart" and SHARE_CHART_NAMES["pp"] == "Laney p′ chart"


def test_periods_without_checks_are_left_out():
    assert sigma_z([80, np.nan, 86, 0, 78, 84], [100, 100, 100, 0, 100, 100]) == pytest.approx(
        sigma_z(WEEKS, [100] * 4)
    )


@pytest.mark.parametrize(
    ("counts", "n"), [([5], [10]), ([0, 0, 0], [10, 10, 10]), ([10, 12], [10, 12])]
)
def test_no_binomial_spread_gives_no_sigma_z_and_the_p_chart(counts, n):
    assert math.isnan(sigma_z(counts, n))
    assert share_chart(counts, n) == "p"


def test_over_dispersed_weeks_get_the_p_prime_chart():
    rng = np.random.default_rng(1)
    n = np.full(30, 400)
    counts = rng.binomial(n, np.clip(rng.normal(0.85, 0.04, 30), 0, 1))
    assert sigma_z(counts, n) > 1.5
    assert share_chart(counts, n) == "pp"
