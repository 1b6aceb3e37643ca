"""Dual benefit: hand-computed components, propagated uncertainty, cost, payback, errors, sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cslib.analyses import benefits
from cslib.cycle.model import load_cycle
from cslib.data.tables import read_table
from cslib.errors import ParameterError
from cslib.metrics import engine as kpi
from cslib.stats.impact import compare

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
ECON = {
    "hourly_cost": 30.0,
    "cost_per_contact": 5.0,
    "retained_customer_value": 400.0,
    "currency": "GBP",
}


def est(**rows):
    return pd.DataFrame(
        [{"kpi": k, "estimate": v[0], "ci_low": v[1], "ci_high": v[2]} for k, v in rows.items()]
    )


def test_components_by_hand():
    e = est(aht_seconds=(-36.0, -46.0, -26.0), fcr=(0.05, 0.03, 0.07), retention=(0.01, 0.0, 0.02))
    r = benefits.dual_benefit(
        e, economics=ECON, volume=100_000, cost=20_000, customers=10_000, repeat_contacts=1.5
    )
    b = r.business.set_index("component")
    assert b.loc["handle time", "quantity"] == pytest.approx(1000.0)  # 36 s × 100,000 / 3600
    assert b.loc["handle time", "value"] == pytest.approx(30_000.0)
    assert b.loc["contacts avoided", "quantity"] == pytest.approx(7500.0)  # 0.05 × 100,000 × 1.5
    assert b.loc["contacts avoided", "value"] == pytest.approx(37_500.0)
    assert b.loc["retention", "quantity"] == pytest.approx(100.0) and b.loc[
        "retention", "value"
    ] == pytest.approx(40_000.0)
    t = r.totals.set_index("item")
    assert t.loc["total benefit", "value"] == pytest.approx(107_500.0)
    assert t.loc["net benefit", "value"] == pytest.approx(87_500.0)
    assert t.loc["return on cost", "value"] == pytest.approx(87_500 / 20_000)
    assert t.loc["payback months", "value"] == pytest.approx(20_000 / (107_500 / 12))


def test_uncertainty_matches_the_interval_of_a_linear_component():
    e = est(aht_seconds=(-36.0, -46.0, -26.0))
    r = benefits.dual_benefit(e, economics=ECON, volume=100_000, cost=0, n_draws=200_000, seed=1)
    b = r.business.set_index("component").loc["handle time"]
    # value = −Δ × 100,000/3600 × 30: the interval maps linearly (±10 s → ±8,333)
    assert b["value_ci_low"] == pytest.approx(30_000 - 8333.3, rel=0.01)
    assert b["value_ci_high"] == pytest.approx(30_000 + 8333.3, rel=0.01)
    assert r.totals.set_index("item").loc["net benefit", "p_positive"] == pytest.approx(1.0)


def test_rising_handle_time_is_a_cost_and_waterfall_adds_up():
    e = est(aht_seconds=(20.0, 10.0, 30.0), fcr=(0.08, 0.06, 0.10))
    r = benefits.dual_benefit(e, economics=ECON, volume=36_000, cost=5_000)
    b = r.business.set_index("component")
    assert b.loc["handle time", "value"] == pytest.approx(-6000.0)
    assert b.loc["retention", "value"] == 0 and "no estimate" in b.loc["retention", "driver"]
    w = r.waterfall()
    assert w["kind"].tolist() == ["loss", "gain", "gain", "cost", "net"]
    assert w["end"].iloc[-2] == pytest.approx(w["value"].iloc[-1])
    assert "Net benefit" in r._repr_html_()


def test_cost_from_cycle_and_verdict_conversion():
    cycle = load_cycle(SAMPLE / "cycle.yaml")
    r = benefits.dual_benefit(
        est(fcr=(0.05, 0.03, 0.07)), economics=cycle.economics, volume=10_000, cost=cycle
    )
    assert r.totals.set_index("item").loc["cost", "value"] == 30_500
    v = pd.DataFrame(
        {
            "kpi": ["resolution_hours", "csat", "x"],
            "estimate": [0.8, 0.1, 1.5],
            "ci_low": [0.7, 0.05, 1.1],
            "ci_high": [0.9, 0.15, 2.0],
            "scale": ["ratio", "difference", "odds_ratio"],
            "before": [20.0, 0.7, 0.5],
        }
    )
    conv = benefits.estimates_from_verdicts(v).set_index("kpi")
    assert list(conv.index) == ["resolution_hours", "csat"]
    gap = benefits.estimates_from_verdicts(v.assign(ci_low=[0.7, float("nan"), 1.1]))
    assert gap["kpi"].tolist() == ["resolution_hours"]  # no interval, no usable estimate
    assert conv.loc["resolution_hours", "estimate"] == pytest.approx(-4.0)
    assert conv.loc["resolution_hours", "ci_low"] == pytest.approx(-6.0)


def test_verdicts_that_are_not_a_collection():
    with pytest.raises(ParameterError, match="cannot read the verdicts"):
        benefits.estimates_from_verdicts(3.5)


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"economics": {}}, "hourly_cost"),
        ({"economics": ECON | {"hourly_cost": [30]}}, "hourly_cost"),
        ({"economics": "cheap"}, "economics"),
        ({"volume": 0}, "volume"),
        ({"cost": "lots"}, "cost"),
        ({"cost": -5}, "cost"),
        ({"n_draws": 10}, "n_draws"),
        ({"estimates": est(aht_seconds=(5.0, 10.0, 20.0))}, "ci_low, ci_high"),
        ({"estimates": est(retention=(0.01, 0.0, 0.02))}, "customers"),
        ({"estimates": est(fcr=(float("nan"), 0.0, 0.02))}, "estimate"),
    ],
)
def test_user_errors(kwargs, column):
    args = {
        "estimates": est(aht_seconds=(-10.0, -20.0, 0.0)),
        "economics": ECON,
        "volume": 1000,
        "cost": 100,
    } | kwargs
    e = args.pop("estimates")
    with pytest.raises(ParameterError) as err:
        benefits.dual_benefit(e, **args)
    assert err.value.problems[0].column == column


def test_sample_dual_benefit():
    cycle = load_cycle(SAMPLE / "cycle.yaml")
    t = read_table(SAMPLE / "tickets.parquet", "tickets")
    treated = t[t["team"].isin(["Billing", "Technical"])]
    rows = []
    for name, kind in (("fcr", "proportion"), ("aht_seconds", "continuous")):
        c = kpi.cases(treated, name, validate=False)
        before = c.loc[(c.created_at >= "2026-01-05") & (c.created_at < "2026-06-01"), "value"]
        after = c.loc[c.created_at >= "2026-07-01", "value"]
        rows.append(
            compare(before, after, kind=kind)
            .assign(kpi=name)[["kpi", "diff", "ci_low", "ci_high"]]
            .rename(columns={"diff": "estimate"})
        )
    e = pd.concat(rows, ignore_index=True)
    volume = len(treated) / 10 * 12  # a year of the treated teams' tickets
    r = benefits.dual_benefit(e, economics=cycle.economics, volume=volume, cost=cycle)
    b = r.business.set_index("component")
    assert b.loc["contacts avoided", "value_ci_low"] > 0  # FCR rose
    fcr = e.set_index("kpi").loc["fcr", "estimate"]
    assert b.loc["contacts avoided", "quantity"] == pytest.approx(fcr * volume)
    assert b.loc["contacts avoided", "value"] == pytest.approx(fcr * volume * 4.8)
    assert np.isfinite(r.totals.set_index("item").loc["net benefit", "value"])
