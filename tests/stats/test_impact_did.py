"""Tests of cslib.stats.impact.did: the published mpdta numbers (R package did), inference, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cslib.errors import ParameterError
from cslib.stats.impact import did

MPDTA = Path(__file__).resolve().parents[3] / "shared" / "reference" / "oracles" / "mpdta.csv"
if not MPDTA.exists():  # the shared reference lives beside the checkout
    MPDTA = Path("/work/shared/reference/oracles/mpdta.csv")

# reference/impact.md: ATT(g,t) published by R's did on mpdta
PUBLISHED_ATT = {
    (2004, 2004): -0.0105,
    (2004, 2005): -0.0704,
    (2004, 2006): -0.1373,
    (2004, 2007): -0.1008,
    (2006, 2004): 0.0065,
    (2006, 2005): -0.0028,
    (2006, 2006): -0.0046,
    (2006, 2007): -0.0412,
    (2007, 2004): 0.0305,
    (2007, 2005): -0.0027,
    (2007, 2006): -0.0311,
    (2007, 2007): -0.0261,
}
ARGS = {"y": "lemp", "unit": "countyreal", "time": "year", "first_treated": "first.treat"}


@pytest.fixture(scope="module")
def mpdta():
    if not MPDTA.exists():
        pytest.skip("reference/oracles/mpdta.csv not available")
    return pd.read_csv(MPDTA)


@pytest.fixture(scope="module")
def result(mpdta):
    return did(mpdta, **ARGS)


def test_every_att_gt_matches_r_did(result):
    got = {(int(r.group), int(r.time)): r.att for r in result.att_gt.itertuples()}
    assert set(got) == set(PUBLISHED_ATT)
    for key, expect in PUBLISHED_ATT.items():
        assert got[key] == pytest.approx(expect, abs=1e-4), key


@pytest.mark.parametrize(
    ("kind", "expect"), [("simple", -0.0400), ("group", -0.0310), ("dynamic", -0.0772)]
)
def test_aggregations_match_r_did(result, kind, expect):
    agg = result.aggregate(kind)
    assert agg["level"].iloc[0] == "overall"
    assert agg["att"].iloc[0] == pytest.approx(expect, abs=1e-4)
    assert {"att", "se", "ci_low", "ci_high"} <= set(agg.columns)
    assert (agg["ci_low"] < agg["att"]).all() and (agg["att"] < agg["ci_high"]).all()


def test_group_and_dynamic_rows(result):
    group = result.aggregate("group")
    assert list(group["group"].iloc[1:]) == [2004, 2006, 2007]
    assert group["att"].iloc[1] == pytest.approx(
        np.mean([-0.0105, -0.0704, -0.1373, -0.1008]), abs=1e-4
    )
    dyn = result.aggregate("dynamic").iloc[1:]
    assert list(dyn["event_time"]) == [-3, -2, -1, 0, 1, 2, 3]
    # event time 3 only has the 2004 cohort
    assert dyn.set_index("event_time").loc[3, "att"] == pytest.approx(-0.1008, abs=1e-4)


def test_placebo_pre_periods_use_the_previous_period_as_base(result):
    pre = result.att_gt[~result.att_gt["post"]]
    assert len(pre) == 5 and (pre["event_time"] < 0).all()
    assert (pre["base"] == pre["time"] - 1).all()
    post = result.att_gt[result.att_gt["post"]]
    assert (post["base"] == post["group"] - 1).all()


def test_twfe_is_reported_only_as_the_thing_not_to_report(result):
    assert result.twfe["estimate"].item() == pytest.approx(-0.0365, abs=1e-4)
    assert "not the answer" in result.twfe["method"].item()
    summ = result.summary().set_index("estimator")
    assert summ.loc["two-way fixed effects", "note"] == "comparison only, not the answer"
    assert summ.index[0].startswith("simple")


def test_influence_function_se_close_to_r(result):
    # R did prints se ≈ 0.023 for ATT(2004,2004) and ≈ 0.012 for the simple aggregate (bootstrap,
    # so only approximately); the analytic influence-function errors must agree to that precision
    assert result.att_gt["se"].iloc[0] == pytest.approx(0.0233, abs=1e-3)
    assert result.aggregate("simple")["se"].iloc[0] == pytest.approx(0.012, abs=1.5e-3)


def test_not_yet_treated_controls_by_hand(mpdta):
    res = did(mpdta, **ARGS, control="notyet")
    cell = res.att_gt[(res.att_gt["group"] == 2004) & (res.att_gt["time"] == 2004)].iloc[0]
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    g = mpdta.groupby("countyreal")["first.treat"].first()
    change = wide[2004] - wide[2003]
    treated = change[g == 2004].mean()
    control = change[(g == 0) | (g > 2004)].mean()
    assert cell["att"] == pytest.approx(treated - control, abs=1e-12)
    assert cell["n_control"] == int(((g == 0) | (g > 2004)).sum())


def test_unit_bootstrap_is_seeded_and_close_to_analytic(mpdta, result):
    b1 = did(mpdta, **ARGS, inference="bootstrap", n_boot=199, random_state=3)
    b2 = did(mpdta, **ARGS, inference="bootstrap", n_boot=199, random_state=3)
    a1, a2 = b1.aggregate("simple"), b2.aggregate("simple")
    assert a1["se"].item() == a2["se"].item()
    assert a1["att"].item() == pytest.approx(result.aggregate("simple")["att"].item())
    assert a1["se"].item() == pytest.approx(result.aggregate("simple")["se"].item(), rel=0.3)
    assert a1["inference"].item() == "bootstrap"


def _teams(effect=2.0, seed=0):
    """Six teams, eight months; teams A and B go live in month 5."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, team in enumerate("ABCDEF"):
        start = 5 if team in "AB" else 0
        for m in range(1, 9):
            y = 20 + i + 0.3 * m + rng.normal(0, 0.3) - effect * (start and m >= start)
            rows.append({"team": team, "month": m, "aht": y, "start": start})
    return pd.DataFrame(rows)


def test_two_by_two_equals_difference_of_mean_changes():
    df = _teams()
    res = did(df, y="aht", unit="team", time="month", first_treated="start")
    w = df.pivot(index="team", columns="month", values="aht")
    change = w[6] - w[4]
    expect = change[["A", "B"]].mean() - change[["C", "D", "E", "F"]].mean()
    cell = res.att_gt[res.att_gt["time"] == 6].iloc[0]
    assert cell["att"] == pytest.approx(expect)
    assert res.aggregate("simple")["att"].item() == pytest.approx(-2.0, abs=0.4)
    assert any("few units" in n for n in res.notes)
    assert "<table" in res._repr_html_()


def test_permutation_test_for_few_teams_is_exact():
    res = did(_teams(), y="aht", unit="team", time="month", first_treated="start")
    perm = res.permutation_test("simple")
    assert perm["exact"].item()
    assert perm["n_assignments"].item() == 15  # choose 2 treated teams out of 6
    assert perm["p_value"].item() == pytest.approx(1 / 15)
    null = did(_teams(effect=0.0), y="aht", unit="team", time="month", first_treated="start")
    assert null.permutation_test("simple")["p_value"].item() > 0.1


def test_random_permutations_when_too_many_assignments(mpdta):
    small = mpdta[mpdta["countyreal"].isin(mpdta["countyreal"].unique()[::10])]
    res = did(small, **ARGS)
    perm = res.permutation_test("simple", n_perm=99, random_state=1)
    assert not perm["exact"].item() and 0 < perm["p_value"].item() <= 1


def test_dates_as_periods_and_inputs_untouched():
    df = _teams()
    df["month"] = pd.to_datetime("2026-01-01") + pd.to_timedelta(7 * (df["month"] - 1), unit="D")
    df["start"] = np.where(
        df["team"].isin(["A", "B"]), df["month"].min() + pd.Timedelta(days=28), pd.NaT
    )
    copy = df.copy()
    res = did(df, y="aht", unit="team", time="month", first_treated="start")
    assert res.aggregate("simple")["att"].item() == pytest.approx(-2.0, abs=0.4)
    pd.testing.assert_frame_equal(df, copy)


def test_did_parameter_errors():
    df = _teams()
    args = {"y": "aht", "unit": "team", "time": "month", "first_treated": "start"}
    with pytest.raises(ParameterError, match="not found"):
        did(df, **{**args, "y": "nope"})
    with pytest.raises(ParameterError, match="more than one row"):
        did(pd.concat([df, df.head(2)]), **args)
    bad = df.copy()
    bad.loc[0, "start"] = 6
    with pytest.raises(ParameterError, match="differs between rows"):
        did(bad, **args)
    with pytest.raises(ParameterError, match="not periods of the data"):
        did(df.assign(start=np.where(df["start"] > 0, 4.5, 0)), **args)
    with pytest.raises(ParameterError, match="no cohort has control units"):
        did(df.assign(start=5), **args)
    with pytest.raises(ParameterError, match="missing"):
        did(df.assign(aht=np.where(df.index == 3, np.nan, df["aht"])), **args)
    with pytest.raises(ParameterError, match="unknown control"):
        did(df, **args, control="placebo")
    with pytest.raises(ParameterError, match="no unit is treated"):
        did(df.assign(start=0), **args)
    with pytest.raises(ParameterError, match="bootstrap draws"):
        did(df, **args, inference="bootstrap", n_boot=5)
    res = did(df, **args)
    with pytest.raises(ParameterError, match="unknown kind"):
        res.aggregate("calendar")
