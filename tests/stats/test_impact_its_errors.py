"""The interrupted time series' error model: AR(1) errors by REML, checked against the
textbook formulas; Newey–West and model-based errors on request; calibration; notes.

The reference for Prais–Winsten is generalised least squares with the AR(1)
covariance written out in full (Σ_ij = ρ^|i−j| / (1 − ρ²)); for the restricted
likelihood, its formula with that matrix: −½ [(N − k) log(rᵀΣ⁻¹r / (N − k))
+ log|Σ| + log|XᵀΣ⁻¹X|].
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from cslib.stats.impact import its, verdict
from cslib.stats.impact._its_errors import _reml_rho, ar1_gaussian, check_glm
from cslib.stats.impact._notes import _caught
from cslib.stats.impact.sim import its_calibration


def _ar1_series(n=60, change=30, phi=0.6, seed=2):
    rng = np.random.default_rng(seed)
    e = np.zeros(n)
    e[0] = rng.normal(0, 1 / np.sqrt(1 - phi**2))
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal()
    t = np.arange(n, dtype=float)
    post = (t >= change).astype(float)
    X = pd.DataFrame(
        {"const": 1.0, "trend": t, "level_change": post, "slope_change": (t - change) * post}
    )
    return X, 10 + 0.05 * t - 2 * post + e


def _sigma(n, rho):
    lag = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    return rho**lag / (1 - rho**2)


def _reml_by_matrices(y, X, rho):
    n, k = X.shape
    vi = np.linalg.inv(_sigma(n, rho))
    xtvx = X.T @ vi @ X
    r = y - X @ np.linalg.solve(xtvx, X.T @ vi @ y)
    quad = r @ vi @ r
    return -0.5 * (
        (n - k) * np.log(quad / (n - k))
        + np.linalg.slogdet(_sigma(n, rho))[1]
        + np.linalg.slogdet(xtvx)[1]
    )


def test_reml_rho_maximises_the_restricted_likelihood_written_with_full_matrices():
    X, y = _ar1_series()
    x = X.to_numpy()
    grid = np.round(np.arange(-0.95, 0.951, 0.001), 3)
    brute = grid[np.argmax([_reml_by_matrices(y, x, r) for r in grid])]
    rho, var = _reml_rho(y, x)
    assert rho == pytest.approx(brute, abs=1e-3)
    assert 0 < var < 0.05


def test_prais_winsten_fit_is_gls_with_the_ar1_covariance():
    X, y = _ar1_series()
    fit, inf, rho = ar1_gaussian(y, X)
    gls = sm.GLS(y, X, sigma=_sigma(len(y), rho)).fit()
    np.testing.assert_allclose(inf.params, gls.params.to_numpy(), rtol=1e-9)
    # one degree of freedom less for ρ, so the variance is N − k over N − k − 1 times larger
    np.testing.assert_allclose(inf.cov, gls.cov_params().to_numpy() * 56 / 55, rtol=1e-8)
    assert inf.df == 55
    # the interval's df allow for the uncertainty of ρ: fewer than N − k − 1 for the level change
    assert inf.df_for(np.array([0.0, 0.0, 1.0, 0.0])) < 55


def test_default_its_names_the_ar1_model_and_its_interval_uses_those_df():
    X, y = _ar1_series()
    res = its(pd.DataFrame({"week": X["trend"], "y": y}), y="y", time="week", change=30)
    row = res.table.set_index("term").loc["level_change"]
    assert "AR(1) errors (Prais–Winsten GLS" in res.method
    assert "restricted maximum likelihood" in res.method
    half = row["se"] * stats.t.ppf(0.975, row["df"])
    assert row["ci_high"] - row["estimate"] == pytest.approx(half, rel=1e-9)
    assert row["ci_low"] < -2 < row["ci_high"]


def test_maxlags_zero_is_the_plain_glm_as_published_fits_use_it():
    rng = np.random.default_rng(4)
    t = np.arange(48)
    df = pd.DataFrame({"month": t, "y": rng.poisson(np.exp(3 + 0.01 * t - 0.2 * (t >= 24)))})
    post = (t >= 24).astype(float)
    X = np.column_stack([np.ones(48), t, post, (t - 24) * post])
    for family, scale in (("poisson", 1.0), ("quasipoisson", "X2")):
        res = its(df, y="y", time="month", change=24, family=family, maxlags=0)
        ref = sm.GLM(df["y"].to_numpy(), X, family=sm.families.Poisson()).fit(scale=scale)
        row = res.table.set_index("term").loc["level_change"]
        assert row["coef"] == pytest.approx(ref.params[2], rel=1e-9)
        assert np.log([row["ci_low"], row["ci_high"]]) == pytest.approx(ref.conf_int()[2], rel=1e-9)
        assert row["p_value"] == pytest.approx(ref.pvalues[2], rel=1e-9)
        assert "model-based" in res.method or "Pearson-scaled" in res.method


def test_counts_with_ar1_overdispersion_get_wider_intervals_than_the_plain_poisson():
    rng = np.random.default_rng(8)
    n, u = 80, np.zeros(80)
    for i in range(1, n):
        u[i] = 0.6 * u[i - 1] + rng.normal(0, 0.15)
    t = np.arange(n)
    df = pd.DataFrame({"week": t, "y": rng.poisson(np.exp(4 + u - 0.2 * (t >= 40)))})
    ar1 = its(df, y="y", time="week", change=40, family="poisson")
    plain = its(df, y="y", time="week", change=40, family="poisson", maxlags=0)
    width = [r.table.set_index("term").loc["level_change", "se"] for r in (ar1, plain)]
    assert width[0] > 1.5 * width[1]
    assert "AR(1) correlation" in ar1.method and "over-dispersion" in ar1.method


def test_weekly_its_verdict_keeps_its_error_rate_with_strong_autocorrelation():
    """21 + 22 weeks, AR(1) φ = 0.7, no change: "improved" at most 2.5 % + 2 Monte Carlo
    s.e., and the interval covers no change 95 % of the time less 2 s.e. (the Newey–West
    interval spanned with an AR(1) fit said "improved" about 5 % of the time, covering 88 %)."""
    n_sims = 150
    rates = its_calibration(
        n_sims, phi=0.7, n_before=21, n_after=22, step_days=7, trend=0.0035, seed=21
    )
    assert rates["improved"] <= 0.025 + 2 * np.sqrt(0.025 * 0.975 / n_sims)
    assert rates["covers"] >= 0.95 - 2 * np.sqrt(0.95 * 0.05 / n_sims)


def test_a_separated_fit_says_so_in_plain_words_in_the_verdict_and_the_log(caplog):
    t = np.arange(30)
    met = np.where(t >= 15, 50, np.random.default_rng(1).binomial(50, 0.9, 30))
    df = pd.DataFrame({"week": t, "met": met, "n": 50})
    with caplog.at_level(logging.WARNING, logger="cslib"):
        v = verdict(
            df,
            y="met",
            n="n",
            family="binomial",
            time="week",
            change=15,
            direction="higher",
            sustained_check=False,
        )
    assert any("perfect separation" in note for note in v.notes)
    assert any("perfect separation" in r.getMessage() for r in caplog.records)
    assert "perfect separation" in v.summary()["notes"].iloc[0]


def test_a_fit_that_did_not_converge_becomes_a_plain_words_note(caplog):
    rng = np.random.default_rng(3)
    X = sm.add_constant(np.arange(40.0))
    unfinished = sm.GLM(rng.poisson(20, 40), X, family=sm.families.Poisson()).fit(maxiter=1)
    notes: list[str] = []
    with (
        caplog.at_level(logging.WARNING, logger="cslib"),
        _caught(notes, "interrupted time series"),
    ):
        check_glm(unfinished, "poisson")
    assert notes == [
        "interrupted time series: the model fit did not converge, so its estimate and "
        "interval are not reliable"
    ]
    assert caplog.records[0].getMessage() == notes[0]
