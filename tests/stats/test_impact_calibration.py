"""Calibration of the difference-in-differences verdict at the sample's design (fast version).

Six teams, three adopt, ten months of weekly team KPIs from simulated tickets
(lognormal resolution times, binary first-contact resolution, team effects,
shared AR(1) weekly shocks), and a single adopting team. With no change the
verdict may say "improved" at most 2.5 % of the time (one side of a 95 %
interval) and its interval must contain no change at least 93 % of the time;
the tolerance is two Monte Carlo standard errors. The larger version with
power is ``benchmarks/impact_calibration.py --path did``.
"""

from __future__ import annotations

import numpy as np
import pytest

from cslib.stats.impact.sim import did_calibration, two_period_calibration

N_SIMS = 300
WEEKLY = {"n_periods": 43, "change": 22, "tickets": 40.0}


@pytest.mark.parametrize(
    ("kpi", "direction", "design"),
    [
        ("resolution", "lower", WEEKLY),
        ("fcr", "higher", WEEKLY),
        ("resolution", "lower", {**WEEKLY, "n_treated": 1}),
    ],
    ids=["resolution 3+3", "fcr 3+3", "resolution 1+5"],
)
def test_did_verdict_keeps_its_error_rate_with_few_teams(kpi, direction, design):
    rates = did_calibration(N_SIMS, kpi=kpi, direction=direction, seed=7, **design)
    nominal = 0.025
    assert rates["improved"] <= nominal + 2 * np.sqrt(nominal * (1 - nominal) / N_SIMS)
    assert rates["covers_null"] >= 0.93


@pytest.mark.parametrize(
    ("kpi", "direction", "n_sims"),
    [("resolution", "lower", 100), ("fcr", "higher", 150)],
    ids=["resolution", "fcr"],
)
def test_two_period_verdict_on_tickets_counts_days_not_tickets(kpi, direction, n_sims):
    """Ticket-level rows over 6 + 6 weeks whose days share AR(1) shocks, no change: the
    verdict keeps its error rate only when the interval comes from the days (weeks)."""
    rates = two_period_calibration(n_sims, kpi=kpi, direction=direction, seed=11, per_day=10)
    nominal = 0.025
    assert rates["improved"] <= nominal + 2 * np.sqrt(nominal * (1 - nominal) / n_sims)
    assert rates["covers_null"] >= 0.93
