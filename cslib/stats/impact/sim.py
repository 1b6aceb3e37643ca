"""Simulated KPIs for calibrating :func:`cslib.stats.impact.verdict` (tests, benchmarks).

Realistic daily resolution-time series with a trend, a weekly pattern and AR(1)
day-to-day persistence (:func:`simulate_daily_kpi`), and team × period panels
built from ticket-level lognormal durations or binary first-contact resolution
with team effects and shared AR(1) period shocks (:func:`simulate_team_panel`),
optionally with an improvement; and how often the verdict on such panels says
"improved" and covers the true effect (:func:`did_calibration`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.stats.impact.verdict import verdict


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
    step_days: int = 1,
    seed: int = 0,
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Daily (or weekly…) mean resolution times (hours), one series per row.

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
    step_days : int
        Days between points: 1 for daily, 7 for weekly series (Mondays, so
        without the weekend uplift); ``trend`` and ``phi`` are per point.
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
    dates = pd.date_range("2026-01-05", periods=n, freq=f"{step_days}D")
    innov = rng.normal(0.0, cv * np.sqrt(1 - phi**2), size=(n_sims, n))
    u = np.empty_like(innov)
    u[:, 0] = rng.normal(0.0, cv, size=n_sims)
    for i in range(1, n):
        u[:, i] = phi * u[:, i - 1] + innov[:, i]
    t = np.arange(n)
    weekend_days = np.asarray(dates.day_of_week >= 5)
    post = t >= n_before
    log_mean = np.log(level) + trend * t + weekend * weekend_days
    y = np.exp(log_mean + u) * np.where(post, 1 - improvement, 1.0)
    return dates, y


def _ar1(rng, shape, phi: float, sd: float) -> np.ndarray:
    """AR(1) paths along the last axis, stationary with marginal sd ``sd``."""
    e = rng.normal(0.0, sd * np.sqrt(1 - phi**2), size=shape)
    u = np.empty(shape)
    u[..., 0] = rng.normal(0.0, sd, size=shape[:-1])
    for t in range(1, shape[-1]):
        u[..., t] = phi * u[..., t - 1] + e[..., t]
    return u


def its_calibration(
    n_sims: int, *, improvement: float = 0.0, seed: int = 0, **sim
) -> dict[str, float]:
    """How often the interrupted-time-series verdict on simulated series says "improved"
    and covers the true effect.

    Parameters
    ----------
    n_sims : int
        Series to simulate.
    improvement, seed, **sim
        Passed to :func:`simulate_daily_kpi` (e.g. ``phi=0.7, step_days=7,
        n_before=21, n_after=22``).

    Returns
    -------
    dict
        ``improved``: share of "improved" verdicts (lower is better);
        ``covers``: share of intervals containing the true relative change
        (``−improvement``).

    Examples
    --------
    >>> rates = its_calibration(2, n_before=10, n_after=10, step_days=7)
    >>> sorted(rates)
    ['covers', 'improved']
    """
    dates, ys = simulate_daily_kpi(n_sims, improvement=improvement, seed=seed, **sim)
    frame = pd.DataFrame({"date": dates})
    change = dates[sim.get("n_before", 84)]
    improved, covers = [], []
    for y in ys:
        v = verdict(
            frame.assign(hours=y),
            y="hours",
            time="date",
            change=change,
            direction="lower",
            method="its",
            sustained_check=False,
            positive=True,  # durations cannot be negative, as the registry says
        )
        improved.append(v.outcome == "improved")
        covers.append(bool(v.relative_ci_low <= -improvement <= v.relative_ci_high))
    return {"improved": float(np.mean(improved)), "covers": float(np.mean(covers))}


def simulate_team_panel(
    n_sims: int,
    *,
    kpi: str = "resolution",
    n_teams: int = 6,
    n_treated: int = 3,
    n_periods: int = 43,
    change: int = 22,
    tickets: float = 40.0,
    effect: float = 0.0,
    team_sd: float = 0.25,
    shock_sd: float = 0.15,
    phi: float = 0.6,
    drift_sd: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Team × period KPI panels from simulated tickets (the first ``n_treated`` teams adopt).

    Each period a team handles Poisson(``tickets``) tickets. ``"resolution"``:
    the mean of lognormal durations (log sd 1, team level ``team_sd``, a
    period shock shared by all teams, AR(1) with coefficient ``phi`` and sd
    ``shock_sd``, and a team's own AR(1) drift with sd ``drift_sd``), scaled
    by ``1 + effect`` in adopting teams from period ``change`` on (−0.15 =
    15 % faster). ``"fcr"``: the share of tickets resolved at first contact,
    the same effects on the logit of a 70 % rate, plus ``effect`` (0.05 =
    5 points) after the change.

    Returns
    -------
    start : numpy.ndarray
        Each team's first treated period (0 = never treated), length ``n_teams``.
    y : numpy.ndarray
        ``n_sims × n_teams × n_periods`` KPI values (periods numbered 1, 2, …).

    Examples
    --------
    >>> start, y = simulate_team_panel(2, kpi="fcr", seed=1)
    >>> y.shape, start.tolist()
    ((2, 6, 43), [23, 23, 23, 0, 0, 0])
    >>> bool(((y > 0) & (y < 1)).all())
    True
    """
    rng = np.random.default_rng(seed)
    shape = (n_sims, n_teams, n_periods)
    log_level = (
        rng.normal(0.0, team_sd, size=(n_sims, n_teams, 1))
        + _ar1(rng, (n_sims, 1, n_periods), phi, shock_sd)
        + _ar1(rng, shape, 0.5, drift_sd)
    )
    count = np.maximum(rng.poisson(tickets, size=shape), 1)
    after = np.zeros(shape, dtype=bool)
    after[:, :n_treated, change:] = True
    if kpi == "resolution":
        # one ticket's duration: lognormal with log sd 1 and mean 24 h at the typical level
        scale = np.exp(np.log(24.0) - 0.5 + log_level) * np.where(after, 1 + effect, 1.0)
        y = np.empty(shape)
        for i in range(n_sims):
            n = count[i].ravel()
            hours = rng.lognormal(0.0, 1.0, size=n.sum())
            y[i] = (np.add.reduceat(hours, np.r_[0, np.cumsum(n)[:-1]]) / n).reshape(shape[1:])
        y *= scale
    elif kpi == "fcr":
        p = 1 / (1 + np.exp(-(np.log(0.7 / 0.3) + log_level)))
        p = np.clip(p + np.where(after, effect, 0.0), 0.01, 0.99)
        y = rng.binomial(count, p) / count
    else:
        raise ValueError(f"kpi must be 'resolution' or 'fcr', not {kpi!r}")
    start = np.where(np.arange(n_teams) < n_treated, change + 1, 0)
    return start, y


def did_calibration(
    n_sims: int, *, kpi: str, direction: str, effect: float = 0.0, seed: int = 0, **design
) -> dict[str, float]:
    """How often the verdict on simulated team panels says "improved" and covers no change.

    Parameters
    ----------
    n_sims : int
        Panels to simulate.
    kpi, effect, seed, **design
        Passed to :func:`simulate_team_panel`.
    direction : {"lower", "higher"}
        Which way is better.

    Returns
    -------
    dict
        ``improved``: share of "improved" verdicts; ``covers_null``: share of
        intervals containing no change (the true effect when ``effect`` is 0).

    Examples
    --------
    >>> rates = did_calibration(5, kpi="fcr", direction="higher", n_periods=6, change=3)
    >>> sorted(rates)
    ['covers_null', 'improved']
    """
    start, ys = simulate_team_panel(n_sims, kpi=kpi, effect=effect, seed=seed, **design)
    teams, periods = ys.shape[1:]
    frame = pd.DataFrame(
        {
            "team": np.repeat(np.arange(teams), periods),
            "period": np.tile(np.arange(1, periods + 1), teams),
            "start": np.repeat(start, periods),
        }
    )
    improved, covers = [], []
    for y in ys:
        v = verdict(
            frame.assign(value=y.ravel()),
            y="value",
            time="period",
            unit="team",
            first_treated="start",
            direction=direction,
            sustained_check=False,
            positive=True,  # durations and shares cannot be negative, as the registry says
        )
        improved.append(v.outcome == "improved")
        null = 0.0 if v.scale == "difference" else 1.0
        covers.append(bool(v.ci_low <= null <= v.ci_high))
    return {"improved": float(np.mean(improved)), "covers_null": float(np.mean(covers))}


def simulate_ticket_days(
    n_sims: int,
    *,
    kpi: str = "resolution",
    n_before: int = 42,
    n_after: int = 42,
    per_day: int = 30,
    effect: float = 0.0,
    shock_sd: float = 0.2,
    phi: float = 0.4,
    seed: int = 0,
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Ticket-level KPIs over consecutive days that share a daily shock.

    Every day has ``per_day`` tickets. ``"resolution"``: lognormal hours (log
    sd 1, median 16 h) times exp(u_day), scaled by ``1 + effect`` from day
    ``n_before`` on. ``"fcr"``: 0/1 first-contact resolution, u_day on the
    logit of a 70 % rate, plus ``effect`` after the change. u_day is AR(1)
    with coefficient ``phi`` and marginal sd ``shock_sd``: the staffing and
    backlog of a day (and of the days around it) move all its tickets.

    Returns
    -------
    day : pandas.DatetimeIndex
        Each ticket's day (a Monday start); the change is day ``n_before``.
    y : numpy.ndarray
        ``n_sims × tickets`` values.

    Examples
    --------
    >>> day, y = simulate_ticket_days(2, n_before=3, n_after=3, per_day=4, seed=1)
    >>> len(day), y.shape
    (24, (2, 24))
    """
    rng = np.random.default_rng(seed)
    n_days = n_before + n_after
    days = pd.date_range("2026-01-05", periods=n_days, freq="D")
    shock = np.repeat(_ar1(rng, (n_sims, n_days), phi, shock_sd), per_day, axis=1)
    post = np.repeat(np.arange(n_days) >= n_before, per_day)
    if kpi == "resolution":
        y = 16.0 * np.exp(shock + rng.normal(0.0, 1.0, size=shock.shape)) * (1 + effect * post)
    elif kpi == "fcr":
        p = np.clip(1 / (1 + np.exp(-(np.log(0.7 / 0.3) + shock))) + effect * post, 0.01, 0.99)
        y = (rng.random(shock.shape) < p).astype(float)
    else:
        raise ValueError(f"kpi must be 'resolution' or 'fcr', not {kpi!r}")
    return days.repeat(per_day), y


def open_at_end(
    day: pd.DatetimeIndex, y: np.ndarray, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Durations as an export taken at the end of the last day sees them.

    Each ticket is created at a uniform time of its day; one that would still be
    running when the data ends is open: its value is its age (data end −
    created) and its flag True.

    Examples
    --------
    >>> day = pd.DatetimeIndex(["2026-01-05", "2026-01-06"])
    >>> value, still_open = open_at_end(day, np.array([[100.0, 1.0]]))
    >>> bool(still_open[0, 0]), bool(value[0, 0] < 48), bool(still_open[0, 1])
    (True, True, False)
    """
    end = day.max() + pd.Timedelta(days=1)
    created = (day - end) / pd.Timedelta(hours=1)  # hours before the data ends (< 0)
    age = -created.to_numpy() - 24 * np.random.default_rng(seed).random(y.shape)
    still_open = y > age
    return np.where(still_open, age, y), still_open


def two_period_calibration(
    n_sims: int,
    *,
    kpi: str,
    direction: str,
    effect: float = 0.0,
    seed: int = 0,
    censored: str | None = None,
    **design,
) -> dict[str, float]:
    """How often the two-period verdict on ticket-level rows says "improved" and covers no change.

    Parameters
    ----------
    n_sims : int
        Samples to simulate.
    kpi, effect, seed, **design
        Passed to :func:`simulate_ticket_days`.
    direction : {"lower", "higher"}
        Which way is better.
    censored : {None, "kaplan-meier", "dropped"}
        Resolution times as the data's end sees them (:func:`open_at_end`):
        tickets still open count as lasting at least their age
        (``"kaplan-meier"``) or are left out (``"dropped"``, as when only
        resolved tickets have a resolution time).

    Returns
    -------
    dict
        ``improved`` and ``covers_null`` as in :func:`did_calibration`.

    Examples
    --------
    >>> rates = two_period_calibration(2, kpi="fcr", direction="higher", n_before=5, n_after=5)
    >>> sorted(rates)
    ['covers_null', 'improved']
    """
    day, ys = simulate_ticket_days(n_sims, kpi=kpi, effect=effect, seed=seed, **design)
    frame = pd.DataFrame({"day": day})
    change = day[design.get("n_before", 42) * design.get("per_day", 30)]
    kind = "duration" if kpi == "resolution" else "proportion"
    improved, covers = [], []
    values, still_open = open_at_end(day, ys, seed) if censored else (ys, np.zeros(ys.shape, bool))
    for y, o in zip(values, still_open, strict=True):
        cases = frame.assign(value=y, open=o)
        v = verdict(
            cases[~o] if censored == "dropped" else cases,
            y="value",
            time="day",
            change=change,
            direction=direction,
            kind=kind,
            method="two-period",
            sustained_check=False,
            still_open="open" if censored == "kaplan-meier" else None,
        )
        improved.append(v.outcome == "improved")
        null = 0.0 if v.scale == "difference" else 1.0
        covers.append(bool(v.ci_low <= null <= v.ci_high))
    return {"improved": float(np.mean(improved)), "covers_null": float(np.mean(covers))}


def sustained_rate(
    n_sims: int, *, slip_after: int | None = None, method: str = "two-period", seed: int = 0, **sim
) -> float:
    """Share of verdicts calling a 15 % fall in daily resolution time sustained.

    The series come from :func:`simulate_daily_kpi` (84 days before, 56 after);
    with ``slip_after`` the gain lasts that many days, then the old level returns.

    Examples
    --------
    >>> 0 <= sustained_rate(2, seed=1) <= 1
    True
    """
    dates, ys = simulate_daily_kpi(n_sims, improvement=0.15, seed=seed, **sim)
    if slip_after is not None:
        ys[:, 84 + slip_after :] /= 0.85
    frame = pd.DataFrame({"date": dates})
    held = []
    for y in ys:
        v = verdict(
            frame.assign(hours=y),
            y="hours",
            time="date",
            change=dates[84],
            direction="lower",
            method=method,
            positive=True,
        )
        held.append(v.sustained is True)
    return float(np.mean(held))
