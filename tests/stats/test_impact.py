"""Tests of cslib.stats.impact: two-period comparisons, ITS, segments; published numbers first.

DiD, the verdict and the calibration live in test_impact_did.py and test_impact_verdict.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cslib.errors import CslibError, ParameterError
from cslib.stats.impact import (
    Moments,
    NpsCounts,
    adjust_pvalues,
    compare,
    compare_segments,
    hodges_lehmann,
    its,
    mix_decomposition,
)

# R's sleep data (extra ~ group)
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
# Benjamini & Hochberg (1995): the 15 p-values
BH_P = [
    0.0001,
    0.0004,
    0.0019,
    0.0095,
    0.0201,
    0.0278,
    0.0298,
    0.0344,
    0.0459,
    0.3240,
    0.4262,
    0.5719,
    0.6528,
    0.7590,
    1.000,
]


# --------------------------------------------------------------------------- published numbers


def test_welch_reproduces_r_sleep():
    # R: t.test(extra ~ group) computes group 1 − group 2, i.e. after = group 1, before = group 2
    row = compare(SLEEP_2, SLEEP_1, kind="continuous").iloc[0]
    assert row["statistic"] == pytest.approx(-1.8608, abs=1e-4)
    assert row["df"] == pytest.approx(17.776, abs=1e-3)
    assert row["p_value"] == pytest.approx(0.07939, abs=1e-5)
    assert row["ci_low"] == pytest.approx(-3.3655, abs=1e-4)
    assert row["ci_high"] == pytest.approx(0.2055, abs=1e-4)
    assert row["diff"] == pytest.approx(np.mean(SLEEP_1) - np.mean(SLEEP_2))


def test_welch_sign_convention_after_minus_before():
    row = compare(SLEEP_1, SLEEP_2, kind="continuous").iloc[0]
    assert row["diff"] == pytest.approx(1.58)
    assert row["statistic"] == pytest.approx(1.8608, abs=1e-4)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((-0.2055, 3.3655), abs=1e-4)


def test_two_proportions_statsmodels_example():
    row = compare((12, 99), (5, 83), kind="proportion").iloc[0]
    assert row["statistic"] == pytest.approx(-1.4078, abs=1e-4)
    assert row["p_value"] == pytest.approx(0.159, abs=1e-3)
    assert row["diff"] == pytest.approx(5 / 83 - 12 / 99)
    # 0/1 arrays give the same answer as (successes, n) pairs
    arrays = compare([1] * 12 + [0] * 87, np.r_[np.ones(5), np.zeros(78)], kind="proportion")
    assert arrays["statistic"].item() == pytest.approx(row["statistic"])


def test_newcombe_interval_published_example():
    # Newcombe (1998), method 10: 56/70 vs 48/80 → 0.0524 to 0.3339
    row = compare((48, 80), (56, 70), kind="proportion").iloc[0]
    assert row["diff"] == pytest.approx(0.2)
    assert row["ci_low"] == pytest.approx(0.0524, abs=1e-4)
    assert row["ci_high"] == pytest.approx(0.3339, abs=1e-4)


def test_wilson_interval_per_period_by_hand():
    row = compare((48, 80), (56, 70), kind="proportion").iloc[0]
    z = stats.norm.ppf(0.975)
    for x, n, lo, hi in (
        (48, 80, "before_ci_low", "before_ci_high"),
        (56, 70, "after_ci_low", "after_ci_high"),
    ):
        p = x / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        assert row[lo] == pytest.approx(centre - half, abs=1e-10)
        assert row[hi] == pytest.approx(centre + half, abs=1e-10)


def test_benjamini_hochberg_and_holm_on_the_1995_pvalues():
    bh = adjust_pvalues(BH_P, method="fdr_bh")
    holm = adjust_pvalues(BH_P, method="holm")
    assert bh["reject"].sum() == 4
    assert holm["reject"].sum() == 3
    assert bh["adjust_method"].iloc[0].startswith("Benjamini–Hochberg")
    assert holm["adjust_method"].iloc[0].startswith("Holm")


def test_holm_by_hand_and_as_statsmodels():
    from statsmodels.stats.multitest import multipletests

    holm = adjust_pvalues([0.01, 0.04, 0.03, 0.005], method="holm")
    # sorted: 0.005 × 4, 0.01 × 3, 0.03 × 2, then 0.04 × 1 raised to the 0.06 before it
    assert holm["p_adjusted"].tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm["reject"].tolist() == [True, False, False, True]
    rng = np.random.default_rng(3)
    for p in (rng.uniform(0, 0.2, 12), np.r_[rng.uniform(0, 1, 7), 0.01, 0.01, 1.0]):
        reject, adjusted = multipletests(p, alpha=0.05, method="holm")[:2]
        ours = adjust_pvalues(p, method="holm")
        assert ours["p_adjusted"].to_numpy() == pytest.approx(adjusted, abs=1e-15)
        assert ours["reject"].tolist() == reject.tolist()


# --------------------------------------------------------------------------- hand-computed cases


def test_nps_by_hand():
    before = [10, 9, 8, 7, 6, 0, 10, 3]  # p = 3/8, d = 3/8 → NPS 0
    after = [10, 10, 9, 9, 8, 6]  # p = 4/6, d = 1/6 → NPS 50
    row = compare(before, after, kind="nps").iloc[0]
    assert row["before"] == pytest.approx(0.0)
    assert row["after"] == pytest.approx(50.0)
    assert row["diff"] == pytest.approx(50.0)
    var_b = 3 / 8 + 3 / 8 - 0.0**2
    var_a = 4 / 6 + 1 / 6 - (4 / 6 - 1 / 6) ** 2
    se = np.sqrt(var_b / 8 + var_a / 6)
    z = stats.norm.ppf(0.975)
    assert row["ci_low"] == pytest.approx(100 * (0.5 - z * se))
    assert row["ci_high"] == pytest.approx(100 * (0.5 + z * se))
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(0.5 / se))


def test_cliffs_delta_and_hodges_lehmann_by_hand():
    before, after = [1.0, 2.0, 3.0], [2.0, 4.0, 5.0]
    # pairs after > before: 7, after < before: 1, ties: 1 → δ = (7 − 1) / 9
    row = compare(before, after, kind="continuous").iloc[0]
    assert row["cliffs_delta"] == pytest.approx(6 / 9)
    # after_i − before_j: −1, 0, 1, 1, 2, 2, 3, 3, 4 → median 2
    assert row["hodges_lehmann"] == pytest.approx(2.0)
    assert hodges_lehmann(before, after) == 2.0


def test_hedges_g_by_hand():
    b, a = np.array([5.1, 4.8, 6.0, 5.5]), np.array([4.2, 4.0, 4.9, 4.4, 4.6])
    sp = np.sqrt((3 * b.var(ddof=1) + 4 * a.var(ddof=1)) / 7)
    j = 1 - 3 / (4 * 7 - 1)  # Hedges' approximation of the exact correction
    g = compare(b, a, kind="continuous")["hedges_g"].item()
    assert g == pytest.approx(j * (a.mean() - b.mean()) / sp, rel=2e-3)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=40),
    st.lists(st.integers(0, 30), min_size=1, max_size=40),
)
def test_hodges_lehmann_matches_brute_force(b, a):
    expect = np.median(np.subtract.outer(np.array(a, float), np.array(b, float)))
    assert hodges_lehmann(b, a) == expect


def test_hodges_lehmann_large_samples_exact():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 50, 2100).astype(float) + rng.normal(0, 1, 2100).round(1)
    b = rng.integers(0, 50, 1500).astype(float)
    assert hodges_lehmann(b, a) == pytest.approx(np.median(np.subtract.outer(a, b)), abs=1e-12)


def test_duration_compare_medians_and_day_clustered_bca():
    rng = np.random.default_rng(2)
    days_b, days_a = np.repeat(np.arange(20), 25), np.repeat(np.arange(20), 25)
    day_effect_b, day_effect_a = rng.normal(0, 0.4, 20), rng.normal(0, 0.4, 20)
    b = np.exp(3.2 + day_effect_b[days_b] + rng.normal(0, 0.5, 500))
    a = np.exp(3.0 + day_effect_a[days_a] + rng.normal(0, 0.5, 500))
    clustered = compare(b, a, kind="duration", before_days=days_b, after_days=days_a).iloc[0]
    single = compare(b, a, kind="duration").iloc[0]
    assert clustered["diff"] == pytest.approx(np.median(a) - np.median(b))
    assert clustered["ci_low"] < clustered["diff"] < clustered["ci_high"]
    # tickets of one day move together: resampling days gives a wider, honest interval
    assert clustered["ci_high"] - clustered["ci_low"] > 1.3 * (single["ci_high"] - single["ci_low"])
    assert clustered["n_days_before"] == 20 and "whole days" in clustered["method"]
    u = stats.mannwhitneyu(a, b)
    assert clustered["cliffs_delta"] == pytest.approx(2 * u.statistic / 250_000 - 1)
    # the test is the t test of the log ratio, whose interval is symmetric on the log scale;
    # the Mann–Whitney p-value, which counts tickets as independent, is not used
    log_ci = np.log(clustered[["ratio_ci_low", "ratio_ci_high"]].to_numpy(float))
    log_ratio = np.log(clustered["ratio"])
    assert log_ci.mean() == pytest.approx(log_ratio)
    se = (log_ci[1] - log_ci[0]) / (2 * stats.t.ppf(0.975, clustered["df"]))
    assert clustered["statistic"] == pytest.approx(log_ratio / se)
    assert clustered["p_value"] == pytest.approx(
        2 * stats.t.sf(abs(log_ratio / se), clustered["df"])
    )
    assert clustered["df"] < 40 and clustered["p_value"] > 10 * u.pvalue
    again = compare(b, a, kind="duration", before_days=days_b, after_days=days_a).iloc[0]
    assert again["ci_low"] == clustered["ci_low"]  # seeded


def test_mean_and_share_with_day_labels_by_hand():
    days = [0, 0, 1, 1]
    row = compare([1, 1, 3, 3], [2, 2, 4, 4], kind="continuous", before_days=days, after_days=days)
    # each period: day totals 2, 6 around 2 × mean 2 → variance 2/1 × 8 / 4² = 1; df = 2
    assert row["diff"].item() == 1.0 and row["df"].item() == pytest.approx(2.0)
    half = stats.t.ppf(0.975, 2) * np.sqrt(2)
    assert row[["ci_low", "ci_high"]].to_numpy().ravel() == pytest.approx([1 - half, 1 + half])
    days = [0, 0, 1, 1, 2, 2]
    row = compare(
        [0, 1, 1, 1, 0, 0], [1, 1, 1, 0, 1, 1], kind="proportion", before_days=days, after_days=days
    ).iloc[0]
    # variances 3/2 × 2/36 = 1/12 and 3/2 × (2/3)/36 = 1/36: se 1/3, t 1, df 16/5
    assert row["diff"] == pytest.approx(1 / 3) and row["statistic"] == pytest.approx(1.0)
    assert row["df"] == pytest.approx(3.2)
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(1.0, 3.2))
    assert row["before_ci_low"] > 0 and row["n_days_after"] == 3  # Wilson columns kept
    with pytest.raises(ParameterError, match="one value per case"):
        compare((3, 6), (5, 6), kind="proportion", before_days=days, after_days=days)


def test_duration_bca_close_to_scipy_on_unclustered_values():
    rng = np.random.default_rng(8)
    b, a = rng.lognormal(3, 0.6, 120), rng.lognormal(2.8, 0.6, 110)
    ours = compare(b, a, kind="duration", n_resamples=4000).iloc[0]
    ref = stats.bootstrap(
        (b, a),
        lambda x, y, axis: np.median(y, axis=axis) - np.median(x, axis=axis),
        n_resamples=4000,
        rng=np.random.default_rng(1),
    ).confidence_interval
    assert ours["ci_low"] == pytest.approx(ref.low, abs=1.0)
    assert ours["ci_high"] == pytest.approx(ref.high, abs=1.0)


def test_compare_returns_one_tidy_row_and_does_not_mutate():
    before = pd.Series([3.0, 4.0, 5.0, 4.5])
    copy = before.copy()
    out = compare(before, [2.0, 3.0, 2.5, 3.5], kind="continuous")
    assert out.shape[0] == 1
    for col in (
        "n_before",
        "n_after",
        "before",
        "after",
        "diff",
        "ci_low",
        "ci_high",
        "p_value",
        "method",
        "reason",
        "hedges_g",
        "hodges_lehmann",
        "cliffs_delta",
    ):
        assert col in out
    pd.testing.assert_series_equal(before, copy)


# --------------------------------------------------------------------------- ITS


def _series(n=80, change=40, level=-3.0, slope=0.0, seed=0, phi=0.3):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    e = np.zeros(n)
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal(0, 1)
    y = 20 + 0.05 * t + level * (t >= change) + slope * (t - change) * (t >= change) + e
    return pd.DataFrame({"week": t, "y": y})


def test_its_recovers_known_level_change():
    df = _series(level=-3.0, seed=1)
    res = its(df, y="y", time="week", change=40)
    tab = res.table.set_index("term")
    assert list(res.table["term"][:3]) == ["level_change", "slope_change", "trend"]
    assert tab.loc["level_change", "ci_low"] < -3.0 < tab.loc["level_change", "ci_high"]
    assert tab.loc["level_change", "ci_high"] < 0
    assert tab.loc["level_change", "scale"] == "difference"
    assert tab.loc["trend", "estimate"] == pytest.approx(0.05, abs=0.05)
    assert (res.n_before, res.n_after) == (40, 40)
    assert set(res.fitted.columns) >= {"time", "y", "fitted", "counterfactual", "post"}
    assert "AR(1) errors (Prais–Winsten" in res.method
    sens = res.sensitivity.set_index("term")
    assert sens.loc["level_change", "ci_low"] < -3.0 < sens.loc["level_change", "ci_high"]
    assert "Newey–West" in sens["method"].iloc[0]
    assert "<table" in res._repr_html_()


def test_its_no_slope_change_and_fourier_seasonality():
    df = _series(level=-2.0, seed=3)
    df["y"] = df["y"] + 2 * np.sin(2 * np.pi * df["week"] / 13)
    res = its(df, y="y", time="week", change=40, slope_change=False, seasonality="fourier:13:1")
    tab = res.table.set_index("term")
    assert np.isnan(tab.loc["slope_change", "estimate"])
    assert tab.loc["average_effect", "estimate"] == tab.loc["level_change", "estimate"]
    assert tab.loc["level_change", "ci_low"] < -2.0 < tab.loc["level_change", "ci_high"]


def test_its_day_of_week_seasonality_on_dates():
    rng = np.random.default_rng(4)
    dates = pd.date_range("2026-01-05", periods=112, freq="D")
    y = 10 + 3 * (dates.day_of_week >= 5) - 1.5 * (np.arange(112) >= 56) + rng.normal(0, 0.5, 112)
    res = its(
        pd.DataFrame({"date": dates, "y": y}),
        y="y",
        time="date",
        change="2026-03-02",
        seasonality="dow",
    )
    tab = res.table.set_index("term")
    assert tab.loc["level_change", "ci_low"] < -1.5 < tab.loc["level_change", "ci_high"]
    assert res.fitted["seasonal"].abs().max() > 1


def test_poisson_its_recovers_rate_ratio_with_exposure():
    rng = np.random.default_rng(7)
    t = np.arange(104)
    exposure = rng.integers(800, 1200, t.size).astype(float)
    rate = 0.05 * np.exp(0.001 * t) * np.where(t >= 52, 0.8, 1.0)
    df = pd.DataFrame({"week": t, "complaints": rng.poisson(rate * exposure), "tickets": exposure})
    for family in ("poisson", "quasipoisson"):
        res = its(df, y="complaints", time="week", change=52, family=family, offset="tickets")
        tab = res.table.set_index("term")
        assert tab.loc["level_change", "scale"] == "ratio"
        assert tab.loc["level_change", "ci_low"] < 0.8 < tab.loc["level_change", "ci_high"]
        assert tab.loc["average_effect", "estimate"] == pytest.approx(0.8, abs=0.08)


def test_binomial_its_gives_odds_ratios():
    rng = np.random.default_rng(9)
    t = np.arange(60)
    n = rng.integers(150, 250, 60)
    p = np.where(t >= 30, 0.75, 0.6)
    df = pd.DataFrame({"week": t, "met": rng.binomial(n, p), "n": n})
    res = its(df, y="met", time="week", change=30, family="binomial", n="n")
    tab = res.table.set_index("term")
    true_or = (0.75 / 0.25) / (0.6 / 0.4)
    assert tab.loc["level_change", "scale"] == "odds_ratio"
    assert np.log(tab.loc["level_change", "estimate"]) == pytest.approx(np.log(true_or), abs=0.25)
    assert tab.loc["level_change", "ci_low"] > 1
    assert res.fitted["fitted"].iloc[-1] == pytest.approx(0.75 * n[-1], rel=0.15)


# --------------------------------------------------------------------------- segments


def _channels(seed=0, n=3000):
    rng = np.random.default_rng(seed)
    period = rng.choice(["before", "after"], n)
    # the mix shifts towards email (slow) after the change; every channel gets faster
    p_email = np.where(period == "after", 0.6, 0.3)
    channel = np.where(rng.random(n) < p_email, "email", "chat")
    base = np.where(channel == "email", 30.0, 10.0)
    hours = base * np.where(period == "after", 0.9, 1.0) + rng.normal(0, 2, n)
    sla = (
        rng.random(n) < np.where(channel == "email", 0.5, 0.9) + 0.05 * (period == "after")
    ).astype(int)
    return pd.DataFrame({"period": period, "channel": channel, "hours": hours, "sla": sla})


def test_segments_adjusted_and_mix_adjusted_simpson():
    df = _channels()
    res = compare_segments(
        df,
        value="hours",
        period="period",
        segment="channel",
        kind="continuous",
        before="before",
        after="after",
    )
    assert set(res.table["segment"]) == {"email", "chat"}
    assert (res.table["diff"] < 0).all()  # every channel improved …
    overall = res.overall.set_index("level")
    assert overall.loc["crude", "diff"] > 0  # … yet the crude overall mean rose (mix shift)
    assert overall.loc["mix-adjusted", "ci_high"] < 0  # mix-adjusted: a clear improvement
    assert (res.table["p_adjusted"] >= res.table["p_value"]).all()
    assert res.table["adjust_method"].iloc[0] == "Holm (family-wise error)"
    dec = res.decomposition.set_index("segment")
    assert dec.loc["total", "mix_effect"] > 0 > dec.loc["total", "rate_effect"]
    assert dec.loc["total", "rate_effect"] == pytest.approx(overall.loc["mix-adjusted", "diff"])
    assert "<table" in res._repr_html_()


def test_segments_proportion_mantel_haenszel():
    df = _channels(seed=1)
    res = compare_segments(
        df,
        value="sla",
        period="period",
        segment="channel",
        kind="proportion",
        before="before",
        after="after",
        adjust="fdr_bh",
    )
    overall = res.overall.set_index("level")
    assert "Mantel–Haenszel" in overall.index
    assert overall.loc["Mantel–Haenszel", "diff"] == pytest.approx(0.05, abs=0.04)
    assert overall.loc["crude", "diff"] < overall.loc["Mantel–Haenszel", "diff"]
    assert res.table["adjust_method"].iloc[0].startswith("Benjamini–Hochberg")


def test_segments_durations_crude_and_mix_adjusted_agree_when_the_mix_is_unchanged():
    rng = np.random.default_rng(12)
    # the same 300 email and 200 chat tickets in each period; skewed resolution times
    channel = np.repeat(["email", "chat", "email", "chat"], [300, 200, 300, 200])
    period = np.repeat(["before", "after"], 500)
    scale = np.where(channel == "email", 20.0, 4.0) * np.where(period == "after", 1.1, 1.0)
    hours = scale * rng.lognormal(0, 1.2, 1000)
    days = np.tile(np.arange(25), 40)
    df = pd.DataFrame({"period": period, "channel": channel, "hours": hours, "day": days})
    res = compare_segments(
        df, value="hours", period="period", segment="channel", kind="duration",
        before="before", after="after", day="day",
    )  # fmt: skip
    overall = res.overall.set_index("level")
    before, after = hours[period == "before"].mean(), hours[period == "after"].mean()
    assert overall.loc["crude", "before"] == pytest.approx(before)
    assert overall.loc["crude", "after"] == pytest.approx(after)
    for level in ("crude", "mix-adjusted"):
        assert overall.loc[level, "diff"] == pytest.approx(after - before, rel=1e-12)
    assert res.decomposition.set_index("segment").loc["total", "mix_effect"] == pytest.approx(0)
    # the segment rows keep the comparison of medians
    assert res.table["method"].str.contains("median").all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["b", "a"]),
            st.sampled_from(["x", "y", "z"]),
            st.floats(-100, 100, allow_nan=False),
        ),
        min_size=2,
        max_size=60,
    )
)
def test_mix_and_rate_effects_add_up_exactly(rows):
    df = pd.DataFrame(rows, columns=["period", "segment", "value"])
    if df["period"].nunique() < 2:
        return
    dec = mix_decomposition(
        df, value="value", period="period", segment="segment", before="b", after="a"
    )
    seg = dec[dec["segment"] != "total"]
    overall = (
        df.loc[df["period"] == "a", "value"].mean() - df.loc[df["period"] == "b", "value"].mean()
    )
    assert (seg["mix_effect"] + seg["rate_effect"]).sum() == pytest.approx(overall, abs=1e-9)
    assert dec["total_effect"].iloc[-1] == pytest.approx(overall, abs=1e-9)


def test_mix_decomposition_nps_scores_and_exact_sum():
    df = pd.DataFrame(
        {
            "p": ["b"] * 6 + ["a"] * 6,
            "s": list("xxxyyy") + list("xyyyyy"),
            "nps": [10, 9, 3, 8, 6, 10, 10, 9, 9, 2, 7, 10],
        }
    )
    dec = mix_decomposition(
        df, value="nps", period="p", segment="s", kind="nps", before="b", after="a"
    )
    total = dec.set_index("segment").loc["total"]
    crude = compare(df.loc[df.p == "b", "nps"], df.loc[df.p == "a", "nps"], kind="nps")[
        "diff"
    ].item()
    assert total["total_effect"] == pytest.approx(crude)
    assert total["mix_effect"] + total["rate_effect"] == pytest.approx(crude)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([], [1.0, 2.0]), {"kind": "continuous"}, "empty"),
        (([1.0, 2.0], []), {"kind": "duration"}, "empty"),
        (([1.0, np.nan, 3.0], [1.0, 2.0]), {"kind": "continuous"}, "missing"),
        (([1.0, 2.0], [1.0, 2.0]), {"kind": "median"}, "unknown kind"),
        (([1.0], [1.0, 2.0]), {"kind": "continuous"}, "too few"),
        ((["a", "b"], [1.0, 2.0]), {"kind": "continuous"}, "not numbers"),
        (([0, 1, 2], [0, 1]), {"kind": "proportion"}, "0 or 1"),
        (((5, 3), (1, 4)), {"kind": "proportion"}, "successes"),
        (((1.5, 3), (1, 4)), {"kind": "proportion"}, "whole numbers"),
        (([11, 9], [8, 7]), {"kind": "nps"}, "0 to 10"),
        (([1.0, 2.0], [1.0, 2.0]), {"kind": "continuous", "alpha": 1.5}, "alpha"),
        (
            ([1.0, 2.0, 3.0], [1.0, 2.0]),
            {"kind": "duration", "before_days": [1, 2]},
            "one day label",
        ),
        (([1.0, 2.0], [1.0, 2.0]), {"kind": "duration", "n_resamples": 10}, "resamples"),
        ((pd.DataFrame({"a": [1]}), [1.0, 2.0]), {"kind": "continuous"}, "table"),
    ],
)
def test_compare_parameter_errors(args, kwargs, match):
    with pytest.raises(ParameterError, match=match) as err:
        compare(*args, **kwargs)
    assert isinstance(err.value, CslibError)
    assert "fix:" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y": "nope"}, "not found"),
        ({"time": "nope"}, "not found"),
        ({"change": 500}, "outside the data range"),
        ({"change": 0}, "outside the data range"),
        ({"change": 78}, "too few points"),
        ({"family": "gamma"}, "unknown family"),
        ({"offset": "y"}, "offset"),
        ({"family": "binomial"}, "trials"),
        ({"seasonality": "weekly"}, "seasonality"),
        ({"seasonality": "dow"}, "dates"),
        ({"change": "2026-01-01"}, "number"),
    ],
)
def test_its_parameter_errors(kwargs, match):
    df = _series()
    args = {"y": "y", "time": "week", "change": 40, **kwargs}
    with pytest.raises(ParameterError, match=match):
        its(df, **args)


def test_its_rejects_nans_duplicates_empty_and_non_frames():
    df = _series()
    bad = df.copy()
    bad.loc[5, "y"] = np.nan
    with pytest.raises(ParameterError, match="missing"):
        its(bad, y="y", time="week", change=40)
    with pytest.raises(ParameterError, match="more than one row per period"):
        its(pd.concat([df, df.head(3)]), y="y", time="week", change=40)
    with pytest.raises(ParameterError, match="no rows"):
        its(df.head(0), y="y", time="week", change=40)
    with pytest.raises(ParameterError, match="DataFrame"):
        its(df.to_dict(), y="y", time="week", change=40)
    counts = df.assign(y=-df["y"])
    with pytest.raises(ParameterError, match="negative"):
        its(counts, y="y", time="week", change=40, family="poisson")
    pd.testing.assert_frame_equal(df, _series())  # inputs untouched


def test_segment_parameter_errors():
    df = _channels()
    with pytest.raises(ParameterError, match="not found"):
        compare_segments(df, value="nope", period="period", segment="channel", kind="continuous")
    with pytest.raises(ParameterError, match="unknown adjust"):
        compare_segments(
            df,
            value="hours",
            period="period",
            segment="channel",
            kind="continuous",
            adjust="bonferroni",
        )
    three = pd.concat([df, df.head(5).assign(period="later")])
    with pytest.raises(ParameterError, match="exactly two periods"):
        compare_segments(
            three, value="hours", period="period", segment="channel", kind="continuous"
        )
    with pytest.raises(ParameterError, match="label not found"):
        mix_decomposition(
            df, value="hours", period="period", segment="channel", before="x", after="after"
        )
    with pytest.raises(ParameterError, match="between 0 and 1"):
        adjust_pvalues([0.1, 1.2])
    with pytest.raises(ParameterError, match="0 or 1"):
        compare_segments(df, value="hours", period="period", segment="channel", kind="proportion")


def test_compare_from_moments_equals_compare_from_values():
    rng = np.random.default_rng(3)
    b, a = rng.normal(10, 2, 40), rng.normal(9, 3, 55)
    raw = compare(b, a, kind="continuous").iloc[0]
    moments = [Moments(x.size, float(x.mean()), float(x.var(ddof=1))) for x in (b, a)]
    summ = compare(*moments, kind="continuous").iloc[0]
    for col in ("diff", "ci_low", "ci_high", "p_value", "statistic", "df"):
        assert summ[col] == pytest.approx(raw[col], rel=1e-10)
    assert "hedges_g" not in summ.index


def test_compare_from_nps_counts_equals_compare_from_answers():
    b = [10] * 50 + [8] * 30 + [3] * 20
    a = [9] * 60 + [7] * 25 + [0] * 15
    raw = compare(b, a, kind="nps").iloc[0]
    summ = compare(NpsCounts(50, 30, 20), NpsCounts(60, 25, 15), kind="nps").iloc[0]
    assert summ.drop("kind").to_dict() == pytest.approx(raw.drop("kind").to_dict())
    # hand check: NPS 30 → 45; variances 0.7 − 0.09 = 0.61 and 0.75 − 0.2025 = 0.5475
    assert summ["diff"] == pytest.approx(15)
    se = np.sqrt(0.61 / 100 + 0.5475 / 100)
    assert summ["ci_high"] == pytest.approx(15 + 100 * 1.959964 * se, rel=1e-6)


@pytest.mark.parametrize("bad", [NpsCounts(-1, 2, 3), NpsCounts(0, 0, 0), NpsCounts(1.5, 2, 3)])
def test_bad_nps_counts_are_named(bad):
    with pytest.raises(ParameterError, match="NPS counts"):
        compare(bad, NpsCounts(1, 2, 3), kind="nps")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=80),
    st.lists(st.integers(-20, 30), min_size=1, max_size=80),
    st.integers(0, 10**6),
    st.integers(0, 1),
    st.sampled_from([0, 3, 10**6]),
)
def test_middle_pairwise_differences_are_exact(a, b, seed, step, window):
    from cslib.stats.impact._medians import _middle_differences

    a, b = np.sort(np.array(a, float) / 4), np.sort(np.array(b, float) / 4)
    d = np.sort(np.subtract.outer(a, b).ravel())
    k1 = seed % d.size + 1
    k2 = min(k1 + step, d.size)
    got = _middle_differences(a, b, k1, k2, window=window)
    assert got == (d[k1 - 1], d[k2 - 1])


@pytest.mark.parametrize("shape", ["exponential", "minutes", "few values", "heavy tails"])
def test_middle_differences_of_thousands_start_from_a_sample_and_stay_exact(shape):
    from cslib.stats.impact._medians import _middle_differences

    rng = np.random.default_rng(len(shape))
    draw = {
        "exponential": lambda n: rng.exponential(3, n),
        "minutes": lambda n: np.round(rng.exponential(3, n) * 60) / 60,
        "few values": lambda n: rng.integers(0, 4, n).astype(float),
        "heavy tails": lambda n: rng.lognormal(0, 3, n),
    }[shape]
    a, b = np.sort(draw(3001)), np.sort(draw(2500))  # every few values sampled for the bounds
    d = np.subtract.outer(a, b).ravel()
    for k1, k2 in [((d.size + 1) // 2, d.size // 2 + 1), (17, 18), (d.size - 5, d.size - 5)]:
        want = np.partition(d, [k1 - 1, k2 - 1])[[k1 - 1, k2 - 1]]
        for window in (50, 5000):
            got = _middle_differences(a, b, k1, k2, window=window)
            assert got == pytest.approx(tuple(want), rel=1e-9)  # ties up to rounding, as documented


def test_mann_whitney_u_by_binary_search_is_scipys():
    from scipy.stats import mannwhitneyu

    from cslib.stats.impact.compare import _mann_whitney_u

    rng = np.random.default_rng(4)
    a, b = np.round(rng.exponential(3, 5000), 1), np.round(rng.exponential(3.3, 4000), 1)
    assert _mann_whitney_u(np.sort(a), np.sort(b)) == mannwhitneyu(a, b).statistic


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 30)), min_size=2, max_size=120),
    st.integers(0, 2**32 - 1),
)
def test_cluster_median_by_bins_equals_the_walk(rows, seed):
    from cslib.stats.impact._medians import _ClusterMedian

    day, x = (np.array(c) for c in zip(*rows, strict=True))
    codes, uniques = pd.factorize(day)
    idx = np.random.default_rng(seed).integers(0, len(uniques), (25, len(uniques)))
    walk = _ClusterMedian(x.astype(float), codes, len(uniques), binned=False)(idx)
    binned = _ClusterMedian(x.astype(float), codes, len(uniques), binned=True)(idx)
    assert np.array_equal(walk, binned)
    small = _ClusterMedian(x.astype(float), codes, len(uniques), binned=True)
    small.CHUNK = 1  # one resample at a time through each bin
    assert np.array_equal(walk, small(idx))


def test_cluster_median_by_bins_on_many_tied_values():
    from cslib.stats.impact._medians import _ClusterMedian

    rng = np.random.default_rng(3)
    day = rng.integers(0, 40, 30_000)
    x = np.round(rng.lognormal(1, 1, day.size) * 4) / 4  # quarter hours: many ties across bins
    idx = rng.integers(0, 40, (60, 40))
    walk = _ClusterMedian(x, day, 40, binned=False)(idx)
    binned = _ClusterMedian(x, day, 40)
    assert binned.binned and binned.edges.size > 2
    assert np.array_equal(walk, binned(idx))


def test_hodges_lehmann_on_many_tied_pairs():
    rng = np.random.default_rng(8)
    a, b = rng.integers(0, 6, 2100).astype(float), rng.integers(1, 5, 2000).astype(float)
    assert hodges_lehmann(b, a) == np.median(np.subtract.outer(a, b))  # 4.2M pairs: the window path
    assert hodges_lehmann(np.zeros(3000), np.zeros(3000)) == 0.0


def test_hodges_lehmann_with_differences_tied_up_to_rounding():
    # minutes expressed in hours: equal differences differ in their last bits
    rng = np.random.default_rng(4)
    a = np.round(rng.lognormal(2, 1, 2200) * 60) / 60
    b = np.round(rng.lognormal(2.1, 1, 1500) * 60) / 60
    exact = np.median(np.subtract.outer(a, b))  # 3.3M pairs: the search path
    assert hodges_lehmann(b, a) == pytest.approx(exact, rel=1e-9, abs=1e-12)


def _shared_day_shocks(rng, n_days=20, per_day=40):
    """FCR cases of two channels whose days share a shock, with no change between periods."""
    day = np.repeat(np.arange(2 * n_days), per_day)
    shock = np.repeat(rng.normal(0, 0.5, 2 * n_days), per_day)
    p = 1 / (1 + np.exp(-(0.85 + shock)))
    return pd.DataFrame(
        {
            "day": day,
            "period": np.where(day < n_days, "before", "after"),
            "channel": np.tile(np.repeat(["phone", "email"], per_day // 2), 2 * n_days),
            "fcr": (rng.random(day.size) < p).astype(float),
        }
    )


def test_share_with_day_labels_keeps_its_error_rate_when_days_share_shocks():
    rng = np.random.default_rng(4)
    n, by_day, by_case = 100, [], []
    for _ in range(n):
        df = _shared_day_shocks(rng)
        b, a = df[df["period"] == "before"], df[df["period"] == "after"]
        row = compare(
            b["fcr"], a["fcr"], kind="proportion", before_days=b["day"], after_days=a["day"]
        )
        by_day.append(row["p_value"].item() < 0.05)
        by_case.append(compare(b["fcr"], a["fcr"], kind="proportion")["p_value"].item() < 0.05)
    assert np.mean(by_day) <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / n)
    assert np.mean(by_case) > 0.2  # cases counted as independent: far too many changes found


def test_segment_flag_comes_from_the_days_not_from_the_cases():
    df = _shared_day_shocks(np.random.default_rng(40))  # phone: p 0.004 by case, 0.07 by day
    kw = {"value": "fcr", "period": "period", "segment": "channel", "before": "before"}
    by_day = compare_segments(df, kind="proportion", after="after", day="day", **kw).table
    by_case = compare_segments(df, kind="proportion", after="after", **kw).table
    assert not by_day["significant"].any()
    assert by_case["significant"].isna().all()  # cases counted as independent: no flag
    assert (by_case["p_adjusted"] < 0.05).any()  # which would have flagged phone
    phone = df[df["channel"] == "phone"]
    b, a = phone[phone["period"] == "before"], phone[phone["period"] == "after"]
    row = compare(b["fcr"], a["fcr"], kind="proportion", before_days=b["day"], after_days=a["day"])
    got = by_day.set_index("segment").loc["phone"]
    assert got["p_value"] == pytest.approx(row["p_value"].item())
    assert got["n_days_before"] == 20
    hours = df.assign(fcr=np.exp(df["fcr"] + df["day"] % 3))
    durations = compare_segments(hours, kind="duration", after="after", **kw).table
    assert durations["significant"].isna().all()  # Mann–Whitney counts cases as independent


@pytest.mark.parametrize("kind", ["duration", "continuous"])
def test_large_segments_compared_side_by_side_give_the_table_one_at_a_time_gives(monkeypatch, kind):
    from cslib.stats.impact import segment_tables

    rng = np.random.default_rng(11)
    n = 150_000
    values = rng.lognormal(2.0, 1.0, n)
    seg = rng.choice(np.array(["chat", "email", "phone"], dtype=object), n)
    review = rng.random(n) < 0.5
    days = np.where(review, 100, 0) + rng.integers(0, 40, n)
    tables = []
    for cores in (1, 3):
        monkeypatch.setattr(segment_tables, "cores", lambda cores=cores: cores)
        tables.append(
            segment_tables.segment_table(
                values, seg, review, days, kind=kind, before=False, after=True
            )
        )
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert len(tables[0]) == 3
