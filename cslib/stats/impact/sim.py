"""Simulated daily KPI series for calibrating :func:`cslib.stats.impact.verdict` (tests, benchmarks).

Private helper: realistic daily resolution-time series with a trend, a weekly
pattern and AR(1) day-to-day persistence, optionally with an improvement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_daily_kpi(
    n_sims: int,
    *,
    n_before: int = 84,
    n_after: int = 56,
    improvement: float = 0.0,
    level: float = 26.0,
    trend: float = 0.0005,
    weekend: float = 0.12,
    phi: float = 0.4,
    cv: float = 0.08,
    seed: int = 0,
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Daily mean resolution times (hours), one series per row.

    y_t = level · exp(trend·t + weekend·[Sat/Sun] + u_t) · (1 − improvement·post_t),
    u_t AR(1) with coefficient ``phi`` and marginal sd ``cv`` (log scale).

    Parameters
    ----------
    n_sims : int
        Number of series.
    n_before, n_after : int
        Days before and after the change (the change is day ``n_before``).
    improvement : float
        Relative reduction after the change (0.15 = 15 % shorter times).
    level, trend, weekend, phi, cv : float
        Baseline level, log-trend per day, weekend log-uplift, AR(1)
        coefficient, marginal sd of the log noise.
    seed : int
        Seed of the generator.

    Returns
    -------
    dates : pandas.DatetimeIndex
        The days (a Monday start); the change is ``dates[n_before]``.
    y : numpy.ndarray
        ``n_sims × (n_before + n_after)`` values.

    Examples
    --------
    >>> dates, y = simulate_daily_kpi(3, seed=1)
    >>> y.shape
    (3, 140)
    """
    rng = np.random.default_rng(seed)
    n = n_before + n_after
    dates = pd.date_range("2026-01-05", periods=n, freq="D")
    innov = rng.normal(0.0, cv * np.sqrt(1 - phi**2), size=(n_sims, n))
    u = np.empty_like(innov)
    u[:, 0] = rng.normal(0.0, cv, size=n_sims)
    for t in range(1, n):
        u[:, t] = phi * u[:, t - 1] + innov[:, t]
    t = np.arange(n)
    weekend_days = np.asarray(dates.day_of_week >= 5)
    post = t >= n_before
    log_mean = np.log(level) + trend * t + weekend * weekend_days
    y = np.exp(log_mean + u) * np.where(post, 1 - improvement, 1.0)
    return dates, y
