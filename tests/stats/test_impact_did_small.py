"""Difference-in-differences with few teams: the pooled t interval, the pre-mean base, the ratio scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from cslib.errors import ParameterError
from cslib.stats.impact import did, verdict

ARGS = {"y": "aht", "unit": "team", "time": "week", "first_treated": "start"}


def _teams(n_treated=3, n_control=3, weeks=10, go_live=6, effect=0.0, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_treated + n_control):
        start = go_live if i < n_treated else 0
        level = 20 + 2 * i
        for w in range(1, weeks + 1):
            y = (
                level
                * np.exp(0.01 * w + rng.normal(0, 0.05))
                * (1 + effect * (start and w >= start))
            )
            rows.append({"team": f"T{i}", "week": w, "aht": y, "start": start})
    return pd.DataFrame(rows)


def _team_changes(df, go_live, log=False):
    w = df.pivot(index="team", columns="week", values="aht")
    w = np.log(w) if log else w
    change = w.loc[:, w.columns >= go_live].mean(axis=1) - w.loc[:, w.columns < go_live].mean(
        axis=1
    )
    treated = df.groupby("team")["start"].first() > 0
    return change[treated], change[~treated]


def test_pre_mean_base_is_the_did_of_group_means():
    df = _teams(effect=-0.1)
    res = did(df, **ARGS, base_period="pre-mean")
    treated, control = _team_changes(df, 6)
    assert res.aggregate("simple")["att"].item() == pytest.approx(treated.mean() - control.mean())
    assert res.base_period == "pre-mean"
    # the default keeps R's varying base (period g−1)
    post = did(df, **ARGS).att_gt.query("post")
    assert (post["base"] == 5).all()


def test_small_sample_is_the_pooled_two_sample_t_of_team_changes():
    df = _teams(effect=-0.1, seed=4)
    row = did(df, **ARGS, base_period="pre-mean", alpha=0.1).small_sample().iloc[0]
    treated, control = _team_changes(df, 6)
    t = stats.ttest_ind(treated, control, equal_var=True)
    ci = t.confidence_interval(0.9)
    assert row["df"] == 4
    assert row["p_value"] == pytest.approx(t.pvalue)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert "pooled t" in row["method"]


def test_a_one_team_cohort_borrows_the_spread_of_the_other_teams():
    df = _teams(n_treated=1, n_control=5, seed=2)
    res = did(df, **ARGS, base_period="pre-mean")
    row = res.small_sample().iloc[0]
    treated, control = _team_changes(df, 6)
    se = control.std(ddof=1) * np.sqrt(1 + 1 / 5)
    assert row["se"] == pytest.approx(se) and row["df"] == 4
    # the influence-function error counts the controls' spread only, divided by n
    assert res.aggregate("simple")["se"].item() < 0.9 * se


def test_small_sample_on_a_staggered_roll_out_and_too_few_teams():
    df = _teams(n_treated=4, n_control=2, seed=5)
    df.loc[df["team"].isin(["T2", "T3"]), "start"] = 8
    row = did(df, **ARGS).small_sample("group").iloc[0]
    assert row["df"] == 6 - 3 and row["ci_low"] < row["att"] < row["ci_high"]
    two = _teams(n_treated=1, n_control=1)
    row = did(two, **ARGS).small_sample().iloc[0]
    assert row["df"] == 0 and np.isnan(row["ci_low"]) and np.isnan(row["p_value"])


def test_permutation_test_keeps_the_base_period():
    df = _teams(effect=-0.2, seed=1)
    perm = did(df, **ARGS, base_period="pre-mean").permutation_test()
    assert perm["n_assignments"].item() == 20 and perm["exact"].item()
    # the assignment and its mirror image give ±att: the smallest two-sided p-value is 2/20
    assert perm["p_value"].item() == pytest.approx(0.1)


def test_verdict_on_a_positive_kpi_is_a_ratio_with_a_positive_counterfactual():
    v = verdict(_teams(effect=-0.15, seed=3), **ARGS, direction="lower", positive=True)
    assert v.scale == "ratio" and v.outcome == "improved"
    assert v.estimate == pytest.approx(0.85, abs=0.05)
    assert v.before > 0 and v.relative == pytest.approx(v.estimate - 1)
    assert "t interval with 4 df" in v.method and "ratio scale" in v.method
    # the scale comes from what the KPI is, not from its values
    assert verdict(_teams(effect=-0.15, seed=3), **ARGS, direction="lower").scale == "difference"
    with pytest.raises(ParameterError, match="cannot be negative"):
        verdict(_teams().assign(aht=-1.0), **ARGS, direction="lower", positive=True)


def test_comparison_teams_with_a_steep_fall_no_longer_imply_a_negative_level():
    # the comparison teams' times fall steeply while the adopting teams' rise: on the hour
    # scale the expected level without the change would be far below zero
    rows = []
    for i, (start, pre, post) in enumerate(
        [(4, 100, 900), (4, 120, 950), (0, 1000, 10), (0, 980, 12)]
    ):
        for w in range(1, 7):
            y = (post if w >= 4 else pre) * (1 + 0.01 * ((w * (i + 1)) % 3))
            rows.append({"team": i, "week": w, "aht": y, "start": start})
    df = pd.DataFrame(rows)
    diff = verdict(df, **ARGS, direction="lower", positive=False)
    assert diff.before < 0 and np.isnan(diff.relative)
    v = verdict(df, **ARGS, direction="lower", positive=True)
    assert v.before > 0 and v.relative > -1 and v.relative_ci_low <= v.relative_ci_high


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_treated=st.integers(1, 4),
    n_control=st.integers(1, 4),
    weeks=st.integers(2, 6),
    data=st.data(),
)
def test_did_verdict_never_below_minus_100_percent_nor_reversed(n_treated, n_control, weeks, data):
    go_live = data.draw(st.integers(2, weeks), label="go_live")
    n = (n_treated + n_control) * weeks
    value = st.one_of(st.just(0.0), st.floats(0.01, 5000.0))  # hours, zero allowed
    values = data.draw(st.lists(value, min_size=n, max_size=n), label="values")
    df = pd.DataFrame(
        {
            "team": np.repeat(np.arange(n_treated + n_control), weeks),
            "week": np.tile(np.arange(1, weeks + 1), n_treated + n_control),
            "start": np.repeat([go_live] * n_treated + [0] * n_control, weeks),
            "aht": values,
        }
    )
    v = verdict(df, **ARGS, direction="lower", sustained_check=False, positive=True)
    assert v.scale == "ratio"  # zeros too: Poisson quasi-likelihood
    for low, high in ((v.ci_low, v.ci_high), (v.relative_ci_low, v.relative_ci_high)):
        assert not low > high
    for rel in (v.relative, v.relative_ci_low, v.relative_ci_high):
        assert not rel < -1
    assert not v.before <= 0  # NaN when no ratio can be estimated (every value 0)
