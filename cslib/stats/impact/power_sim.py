"""Whether the Plan's minimum detectable effect holds: the verdict's power there, simulated.

For each design the Check uses — difference-in-differences over 3 + 3 teams (in
weeks, and in months as the Check judges a cycle of three months or more each
side), two periods of 6 + 6 weeks, an interrupted time series of 21 + 22 weeks — the
operations come from :mod:`cslib.stats.impact.sim`; the Plan's estimate
(:func:`~cslib.stats.impact.power.plan_power`) is taken on each simulated
baseline (its median is "the stated MDE"), then operations with that effect
are judged by :func:`~cslib.stats.impact.verdict.verdict` as the Check calls
it (weekly values). At the stated MDE the share of "improved" should be near 80 %.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

import numpy as np
import pandas as pd

from cslib.stats.impact.power import plan_power
from cslib.stats.impact.sim import (
    did_calibration,
    simulate_daily_kpi,
    simulate_team_panel,
    simulate_ticket_days,
)
from cslib.stats.impact.verdict import verdict

#: the designs checked: name → (KPI, better direction)
DESIGNS = {
    "DiD 3 + 3 teams, weekly, resolution": ("resolution", "lower"),
    "DiD 3 + 3 teams, weekly, FCR": ("fcr", "higher"),
    "DiD 3 + 3 teams, 4-week months, resolution": ("resolution", "lower"),
    "two periods 6 + 6 weeks, resolution": ("resolution", "lower"),
    "two periods 6 + 6 weeks, FCR": ("fcr", "higher"),
    "ITS weekly 21 + 22 weeks, resolution": ("resolution", "lower"),
}


class PanelDesign(TypedDict):
    """A simulated DiD panel: weeks, the week index of the change, tickets a team-week."""

    n_periods: int
    change: int
    tickets: float


#: DiD panels: 43 weeks, the change in week 23, 40 tickets a team-week
DID: PanelDesign = {"n_periods": 43, "change": 22, "tickets": 40.0}
#: monthly DiD: 40 weeks (the change in week 21) judged as ten 4-week months, as the
#: Check judges a cycle whose periods both span three months
DID_MONTHS: PanelDesign = {"n_periods": 40, "change": 20, "tickets": 40.0}
#: ITS: days before and after (21 and 22 weeks)
ITS_DAYS = (147, 154)


def _weekly(day_values: np.ndarray, days: pd.DatetimeIndex, per_day: int, stat) -> tuple:
    """Weekly values (``stat`` of each week's cases) and the weeks' Mondays."""
    n_weeks = len(days) // 7
    y = day_values.reshape(day_values.shape[0], n_weeks, 7 * per_day)
    return days[::7][:n_weeks], stat(y, axis=-1)


def _two_period(n: int, kpi: str, effect: float, seed: int):
    days, y = simulate_ticket_days(n, kpi=kpi, effect=effect, per_day=30, seed=seed)
    weeks, v = _weekly(y, days[::30], 30, np.median if kpi == "resolution" else np.mean)
    return weeks, v, 6


def _its(n: int, kpi: str, effect: float, seed: int):
    nb, na = ITS_DAYS
    days, y = simulate_daily_kpi(n, n_before=nb, n_after=na, improvement=-effect, seed=seed)
    weeks, v = _weekly(y, days, 1, np.mean)
    return weeks, v, nb // 7


SERIES: dict[str, Callable] = {"two periods": _two_period, "ITS": _its}


def _series_power(kind: str, kpi: str, direction: str, effect: float, n: int, seed: int) -> float:
    """Share of "improved" verdicts on weekly series, as the Check judges a series without a comparison group."""
    weeks, ys, k = SERIES[kind](n, kpi, effect, seed)
    frame = pd.DataFrame({"week": weeks})
    hits = [
        verdict(
            frame.assign(value=y),
            y="value",
            time="week",
            change=weeks[k],
            direction=direction,
            sustained_check=False,
            positive=True,  # as the Check calls it for durations and shares
        ).outcome
        == "improved"
        for y in ys
    ]
    return float(np.mean(hits))


def _series_mde(
    kind: str, kpi: str, direction: str, pilots: int, seed: int
) -> tuple[np.ndarray, float]:
    """The Plan's MDE (KPI units) on each simulated baseline, and the post-period level without a change."""
    weeks, ys, k = SERIES[kind](pilots, kpi, 0.0, seed)
    out = [
        plan_power(
            y[:k], level=float(y[:k].mean()), direction=direction, review_weeks=len(y) - k
        ).mde
        for y in ys
    ]
    return np.asarray(out), float(ys[:, k:].mean())


def _did_mde(
    kpi: str, direction: str, pilots: int, seed: int, design: PanelDesign
) -> tuple[np.ndarray, float]:
    start, ys = simulate_team_panel(pilots, kpi=kpi, seed=seed, **design)
    k, treated = design["change"], start > 0
    out = [
        plan_power(
            y[:, :k],
            level=float(y[treated, :k].mean()),
            direction=direction,
            review_weeks=y.shape[1] - k,
            treated=treated,
        ).mde
        for y in ys
    ]
    return np.asarray(out), float(ys[:, treated, k:].mean())


def _did_monthly_power(kpi: str, direction: str, effect: float, n: int, seed: int) -> float:
    """Share of "improved" verdicts on team panels of 4-week months (the Plan's weeks, the Check's months)."""
    start, ys = simulate_team_panel(n, kpi=kpi, effect=effect, seed=seed, **DID_MONTHS)
    teams, weeks = ys.shape[1:]
    months = ys.reshape(n, teams, weeks // 4, 4).mean(axis=-1)
    frame = pd.DataFrame(
        {
            "team": np.repeat(np.arange(teams), weeks // 4),
            "month": np.tile(np.arange(1, weeks // 4 + 1), teams),
            "start": np.repeat(np.where(start > 0, DID_MONTHS["change"] // 4 + 1, 0), weeks // 4),
        }
    )
    hits = [
        verdict(
            frame.assign(value=y.ravel()),
            y="value",
            time="month",
            unit="team",
            first_treated="start",
            direction=direction,
            sustained_check=False,
            positive=True,  # as the Check calls it for durations and shares
        ).outcome
        == "improved"
        for y in months
    ]
    return float(np.mean(hits))


def power_at_mde(design: str, n_sims: int, *, pilots: int = 100, seed: int = 0) -> dict:
    """The stated MDE of one of :data:`DESIGNS` and the verdict's simulated power at it.

    Parameters
    ----------
    design : str
        A key of :data:`DESIGNS`.
    n_sims : int
        Operations simulated with the effect.
    pilots : int
        Baselines the MDE is estimated on (its median is used).
    seed : int

    Returns
    -------
    dict
        ``mde`` (KPI units), ``mde_relative``, ``mde_low`` / ``mde_high`` (the
        10th and 90th percentiles over the baselines, units), ``power``, ``se``
        (its Monte Carlo standard error), ``n_sims``.

    Examples
    --------
    >>> out = power_at_mde("two periods 6 + 6 weeks, FCR", 4, pilots=4)
    >>> sorted(out)
    ['mde', 'mde_high', 'mde_low', 'mde_relative', 'n_sims', 'power', 'se']
    """
    kpi, direction = DESIGNS[design]
    kind = design.split(" ")[0]
    monthly = "months" in design
    if kind == "DiD":
        mdes, level = _did_mde(kpi, direction, pilots, seed, DID_MONTHS if monthly else DID)
    else:
        kind = "ITS" if kind == "ITS" else "two periods"
        mdes, level = _series_mde(kind, kpi, direction, pilots, seed)
    stated = float(np.nanmedian(mdes))
    # the simulators take a relative change for durations and points for FCR
    effect = stated / level if kpi == "resolution" else stated
    if monthly:
        p = _did_monthly_power(kpi, direction, effect, n_sims, seed + 1)
    elif kind == "DiD":
        p = did_calibration(
            n_sims, kpi=kpi, direction=direction, effect=effect, seed=seed + 1, **DID
        )["improved"]
    else:
        p = _series_power(kind, kpi, direction, effect, n_sims, seed + 1)
    return {
        "mde": stated,
        "mde_relative": effect if kpi == "resolution" else stated / level,
        "mde_low": float(np.nanpercentile(mdes, 10)),
        "mde_high": float(np.nanpercentile(mdes, 90)),
        "power": p,
        "se": float(np.sqrt(p * (1 - p) / n_sims)),
        "n_sims": n_sims,
    }
