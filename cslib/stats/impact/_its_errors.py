"""The error models of the segmented regression in :func:`~cslib.stats.impact.its.its`.

The rule: without ``maxlags`` the errors are **AR(1)** — each period's error
carries a share ρ of the previous one, as a backlog or a staffing shortfall
carries over from one day or week to the next.

- Continuous KPIs: generalised least squares with AR(1) errors (Prais–Winsten,
  keeping the first period), ρ estimated by restricted maximum likelihood
  (REML). Least-squares and maximum-likelihood estimates of ρ are biased
  towards 0 in short series with a trend, which makes intervals too narrow;
  REML removes most of that bias (Cheang & Reinsel 2000).
- Counts and proportions: the Poisson or binomial GLM's estimates, with a
  covariance that allows for AR(1) correlation of its Pearson residuals (ρ by
  REML on the weighted design) and for over-dispersion (quasi-likelihood).

Both give t intervals with N − k − 1 degrees of freedom (N periods, k model
terms, one more for ρ). With ``maxlags`` the errors are Newey–West (HAC) with
that many lags and the small-sample correction, or model-based with 0 — the
way published segmented regressions are usually fitted.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from cslib._lazy import lazy

if TYPE_CHECKING:
    from statsmodels.regression import linear_model
else:
    linear_model = lazy("statsmodels.regression.linear_model")  # not all of statsmodels.api

#: ρ is searched within ±RHO_MAX; at the bound the series behaves like a random walk
RHO_MAX = 0.98


#: step in ρ for the derivatives behind the degrees of freedom
STEP = 0.01


class _Inference(NamedTuple):
    """Coefficients, their covariance and the degrees of freedom of t intervals (inf: normal).

    With AR(1) errors also the covariance at ρ̂ ∓ ``STEP`` and the variance of ρ̂,
    from which :meth:`df_for` gives a contrast its Satterthwaite degrees of freedom.
    """

    params: np.ndarray
    cov: np.ndarray
    df: float
    cov_lo: np.ndarray | None = None
    cov_hi: np.ndarray | None = None
    var_rho: float = 0.0

    def df_for(self, c: np.ndarray) -> float:
        """Degrees of freedom of the t interval of c·β (at most ``df``).

        The squared standard error of c·β varies with the innovation variance
        (a χ² with ``df`` degrees of freedom: var(log se) = 1 / (2 df)) and with
        ρ̂ (var(log se) ≈ (d log se / dρ)² var(ρ̂)); Satterthwaite's ν = 1 / (2
        var(log se)) matches a t distribution to both (Giesbrecht & Burns 1985).

        Examples
        --------
        >>> one = np.eye(1)
        >>> inf = _Inference(np.zeros(1), one, 40.0, one, one * np.exp(0.04), 0.0075)
        >>> round(inf.df_for(np.ones(1)), 6)  # 1 / (2 (1² · 0.0075 + 1 / 80))
        25.0
        """
        if self.cov_lo is None or self.cov_hi is None or not self.var_rho > 0:
            return self.df
        var_lo, var_hi = float(c @ self.cov_lo @ c), float(c @ self.cov_hi @ c)
        if not (var_lo > 0 and var_hi > 0):
            return self.df
        slope = 0.5 * np.log(var_hi / var_lo) / (2 * STEP)  # d log se / dρ
        return float(min(self.df, 1 / (2 * (slope**2 * self.var_rho + 1 / (2 * self.df)))))


def _prais_winsten(v: np.ndarray, rho: float | np.ndarray) -> np.ndarray:
    """The Prais–Winsten transform along the periods (axis 0 of ``v``) for each ρ in ``rho``:
    AR(1) errors in, independent ones out; ρ becomes the new first axis."""
    r = np.asarray(rho, dtype=float).reshape((-1,) + (1,) * v.ndim)
    out = np.empty(r.shape[:1] + v.shape)
    out[:, 0] = np.sqrt(1 - r[:, 0] ** 2) * v[0]
    out[:, 1:] = v[1:] - r * v[:-1]
    return out


def _reml_profile(y: np.ndarray, X: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minus the restricted log-likelihood (constants dropped) and the innovation variance,
    for each ρ in ``rho``.

    Examples
    --------
    >>> X = np.ones((4, 1))
    >>> nll, s2 = _reml_profile(np.array([1.0, 2, 3, 2]), X, np.array([0.0]))
    >>> round(float(s2[0]), 4)  # the residual variance about the mean, 2 / 3
    0.6667
    """
    n, k = X.shape
    ys, xs = _prais_winsten(y, rho), _prais_winsten(X, rho)
    xtx = np.einsum("mnk,mnl->mkl", xs, xs)
    beta = np.linalg.solve(xtx, np.einsum("mnk,mn->mk", xs, ys)[..., None])[..., 0]
    s2 = ((ys - np.einsum("mnk,mk->mn", xs, beta)) ** 2).sum(axis=1) / (n - k)
    logdet = np.linalg.slogdet(xtx)[1]
    return 0.5 * ((n - k) * np.log(np.maximum(s2, 1e-300)) - np.log(1 - rho**2) + logdet), s2


def _reml_rho(y: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    """ρ maximising the restricted likelihood, and its variance.

    Three nested grids (steps 0.04, 0.002, 0.0001) find ρ to four decimals: the
    likelihood is flat far beyond that, and a grid point does not move with the
    last bits of the data (a date axis and period numbers give the same fit).
    The variance is the inverse curvature of the likelihood at ρ̂, or the
    large-sample (1 − ρ²) / N where ρ̂ is at the bound or the curvature is not positive.
    """
    rho = np.linspace(-RHO_MAX, RHO_MAX, 50)
    best = 0.0
    for finer in (0.002, 0.0001, None):
        best = round(float(rho[int(np.argmin(_reml_profile(y, X, rho)[0]))]), 4)
        if finer:
            rho = np.clip(best + finer * np.arange(-20, 21), -RHO_MAX, RHO_MAX)
    var = (1 - best**2) / len(y)
    if abs(best) + STEP < RHO_MAX:
        around = _reml_profile(y, X, np.array([best - STEP, best, best + STEP]))[0]
        curvature = (around[0] - 2 * around[1] + around[2]) / STEP**2
        var = 1 / curvature if curvature > 0 else var
    return best, float(var)


def _ar1_matrix(n: int, rho: float) -> np.ndarray:
    """Covariance of n AR(1) errors with unit innovation variance: ρ^|i−j| / (1 − ρ²)."""
    lag = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    return rho**lag / (1 - rho**2)


def _around(cov_at, rho: float, var_rho: float, df: int, params) -> _Inference:
    """The inference at ρ̂, with the covariances at ρ̂ ∓ STEP for the degrees of freedom."""
    lo, hi = max(rho - STEP, -RHO_MAX), min(rho + STEP, RHO_MAX)
    if hi - lo < 2 * STEP - 1e-12:  # ρ̂ at the bound: no derivative, the plain df
        return _Inference(np.asarray(params), cov_at(rho), float(df))
    return _Inference(np.asarray(params), cov_at(rho), float(df), cov_at(lo), cov_at(hi), var_rho)


def ar1_gaussian(endog: np.ndarray, X: pd.DataFrame):
    """Least squares with AR(1) errors (Prais–Winsten GLS, ρ by REML).

    Returns
    -------
    fit : statsmodels results
        The least-squares fit to the transformed series (``params``; ``predict(X)``
        gives X @ params, the fit on the original scale).
    inference : _Inference
        Degrees of freedom N − k − 1 at most (:meth:`_Inference.df_for`).
    rho : float

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"const": 1.0, "t": np.arange(60.0)})
    >>> e = np.zeros(60)
    >>> for i in range(1, 60):
    ...     e[i] = 0.6 * e[i - 1] + rng.normal()
    >>> fit, inf, rho = ar1_gaussian(2 + 0.1 * X["t"].to_numpy() + e, X)
    >>> 0.3 < rho < 0.9, inf.df, inf.df_for(np.array([0.0, 1.0])) < 57
    (True, 57.0, True)
    """
    y, x = np.asarray(endog, dtype=float), X.to_numpy(dtype=float)
    n, k = x.shape
    rho, var_rho = _reml_rho(y, x)
    df = n - k - 1  # one more parameter: ρ

    def cov_at(r: float) -> np.ndarray:
        ys, xs = _prais_winsten(y, r)[0], _prais_winsten(x, r)[0]
        beta, *_ = np.linalg.lstsq(xs, ys, rcond=None)
        return float(((ys - xs @ beta) ** 2).sum() / df) * np.linalg.pinv(xs.T @ xs)

    xs = pd.DataFrame(_prais_winsten(x, rho)[0], columns=X.columns)
    fit = linear_model.OLS(
        _prais_winsten(y, rho)[0], xs
    ).fit()  # predicts X @ params: the original scale
    return fit, _around(cov_at, rho, var_rho, df, fit.params), rho


def ar1_glm(fit, X: pd.DataFrame) -> tuple[_Inference, float]:
    """The GLM's coefficients with a covariance allowing for AR(1) Pearson residuals.

    With W the GLM's working weights, X̃ = W^½ X and the residuals' covariance
    σ² Σ(ρ) (AR(1), σ² and ρ by REML on X̃): cov = B⁻¹ X̃ᵀ σ² Σ(ρ) X̃ B⁻¹ with
    B = X̃ᵀ X̃. σ² also absorbs over-dispersion.
    """
    model = fit.model
    weights = model.family.variance(fit.mu) * getattr(model, "n_trials", 1.0)
    xw = X.to_numpy(dtype=float) * np.sqrt(weights)[:, None]
    resid = np.asarray(fit.resid_pearson, dtype=float)
    rho, var_rho = _reml_rho(resid, xw)
    bread = np.linalg.pinv(xw.T @ xw)

    def cov_at(r: float) -> np.ndarray:
        s2 = float(_reml_profile(resid, xw, np.array([r]))[1][0])
        return bread @ (xw.T @ (s2 * _ar1_matrix(len(resid), r)) @ xw) @ bread

    df = len(resid) - X.shape[1] - 1
    return _around(cov_at, rho, var_rho, df, fit.params), rho


def check_glm(fit, family: str) -> None:
    """Warn of a GLM that did not converge, or whose fitted share or rate reaches 0 (or 100 %)
    in some period: its estimate then runs off to infinity (perfect separation)."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    if not fit.converged:
        warnings.warn("the GLM's iterations did not converge", ConvergenceWarning, stacklevel=2)
    mu = np.asarray(fit.mu, dtype=float)
    if (mu < 1e-8).any() or (family == "binomial" and (mu > 1 - 1e-8).any()):
        warnings.warn("fitted share or rate at its limit", PerfectSeparationWarning, stacklevel=2)
