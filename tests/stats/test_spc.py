"""Tests of cslib.stats.spc.compute: published examples, hand computations, properties, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cslib.errors import ParameterError
from cslib.stats.spc.compute import CHARTS, SpcResult, control_chart, run_chart, runs_limits
from cslib.stats.spc.limits import a3, b3, b4, c4
from cslib.stats.spc.rules import nhs_rules

NIST = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
INFECTIONS = [17, 12, 27, 20, 20, 18, 22, 19, 19, 24, 17, 16, 24, 19, 19, 22, 25, 19,
              17, 6, 25, 17, 11, 14, 9, 11, 7, 13, 5, 5, 3, 5, 9, 4, 5, 9]  # fmt: skip
NHS_OUTLIER = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
MONTHS = pd.date_range("2022-01-01", periods=36, freq="MS")


def only(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1
    return frame.iloc[0]


# --------------------------------------------------------------------------- published examples


class TestPublishedExamples:
    def test_nist_individuals_chart(self):
        res = control_chart(NIST, chart="i")
        row = only(res.summary())
        assert row["cl"] == pytest.approx(50.81)
        assert row["ucl"] == pytest.approx(55.8041, abs=1e-4)
        assert row["lcl"] == pytest.approx(45.8159, abs=1e-4)
        assert not res.data["sigma_signal"].any()
        assert not row["runs_signal"]
        assert row["sigma_signals"] == 0

    def test_nist_moving_range_chart(self):
        res = control_chart(NIST, chart="mr")
        row = only(res.summary())
        assert row["cl"] == pytest.approx(1.8778, abs=1e-4)
        assert row["ucl"] == pytest.approx(6.1347, abs=1e-4)
        assert row["lcl"] == 0
        assert np.isnan(res.data["y"].iloc[0])
        assert res.data["y"].iloc[1] == pytest.approx(2.0)
        assert res.data["value"].tolist() == NIST
        assert not res.data["sigma_signal"].any()
        assert not row["runs_signal"]

    def test_infections_run_chart_with_freeze(self):
        res = run_chart(INFECTIONS, freeze=24)
        row = only(res.summary())
        assert row["cl"] == 19
        assert row["n_useful"] == 31
        assert row["longest_run"] == 15
        assert row["longest_run_max"] == 8
        assert row["n_crossings"] == 8
        assert row["n_crossings_min"] == 11
        assert row["runs_signal"]
        assert res.data["runs_signal"].all()
        # baseline is the first 24 points, runs counted over all 36
        assert res.data["baseline"].tolist() == [True] * 24 + [False] * 12
        assert row["n_obs"] == 36
        assert np.isnan(res.data["ucl"]).all() and np.isnan(res.data["lcl"]).all()

    def test_infections_c_chart_with_parts(self):
        res = control_chart(INFECTIONS, chart="c", part=[24])
        s = res.summary()
        assert s["part"].tolist() == [1, 2]
        assert s["cl"].round(2).tolist() == [18.71, 7.08]
        assert s["lcl"].round(2).tolist() == [5.73, 0.0]
        assert s["ucl"].round(2).tolist() == [31.68, 15.07]
        assert res.data["part"].tolist() == [1] * 24 + [2] * 12

    def test_nhs_xmr_screened_and_unscreened(self):
        plain = only(control_chart(NHS_OUTLIER, rules="nhs", screen_mr=False).summary())
        screened = only(control_chart(NHS_OUTLIER, rules="nhs").summary())  # screened by default
        assert plain["cl"] == pytest.approx(1.94, abs=0.005)
        assert screened["cl"] == plain["cl"]  # screening never changes the mean
        assert (round(plain["lcl"], 2), round(plain["ucl"], 2)) == (-3.06, 6.95)
        assert (round(screened["lcl"], 2), round(screened["ucl"], 2)) == (-0.72, 4.60)

    @pytest.mark.parametrize("screen", [False, True])
    def test_nhs_outlier_is_the_only_special_cause(self, screen):
        res = control_chart(NHS_OUTLIER, rules="nhs", screen_mr=screen)
        assert np.flatnonzero(res.data["special_cause"]).tolist() == [4]
        assert res.data.loc[4, "special_cause_rule"] == "outside limits"

    def test_nhs_trend_flags_only_the_seventh_point(self):
        flags = _nhs(np.arange(1.0, 8.0), cl=100.0)
        assert flags.trend.tolist() == [False] * 6 + [True]

    def test_nhs_tie_breaks_a_trend(self):
        flags = _nhs(np.array([1.0, 2, 3, 3, 4, 5, 6]), cl=100.0)
        assert not flags.trend.any()

    def test_nhs_shift_flags_seventh_and_eighth(self):
        flags = _nhs(np.array([1.0] * 8 + [-1.0]), cl=0.0)
        assert np.flatnonzero(flags.shift).tolist() == [6, 7]
        assert np.flatnonzero(flags.special_cause).tolist() == list(range(8))

    @pytest.mark.parametrize(
        ("n", "longest", "crossings"),
        [(10, 6, 2), (12, 7, 3), (20, 7, 6), (30, 8, 10), (50, 9, 19), (100, 10, 41)],
    )
    def test_critical_values(self, n, longest, crossings):
        assert runs_limits(n) == (longest, crossings)

    def test_crossings_limit_counted_in_whole_numbers_is_the_binomial_quantile(self):
        from scipy import stats

        for n in range(1, 1201):
            assert runs_limits.__wrapped__(n)[1] == int(stats.binom.ppf(0.05, n - 1, 0.5)), n

    def test_a_long_chart_takes_the_same_limit_from_scipy(self, monkeypatch):
        from cslib.stats.spc import rules

        expected = runs_limits.__wrapped__(3_000)
        monkeypatch.setattr(rules, "LONG_CHART", 100)
        assert runs_limits.__wrapped__(3_000) == expected


def _nhs(y: np.ndarray, cl: float, half: float = 1000.0):
    m = len(y)
    cl_ = np.full(m, cl)
    outside = np.zeros(m, dtype=bool)
    return nhs_rules(y, cl_, cl_ - half, cl_ + half, outside, np.ones(m, dtype=bool))


# --------------------------------------------------------------------------- NHS rules


class TestNhsRules:
    def test_shift_end_to_end(self):
        y = [2, 0, 2, 0, 3, 4, 3, 4, 3, 4, 3, 4, 1]
        d = control_chart(y, rules="nhs").data
        assert np.flatnonzero(d["shift"]).tolist() == [10, 11]
        assert np.flatnonzero(d["special_cause"]).tolist() == list(range(4, 12))
        assert set(d.loc[4:11, "special_cause_rule"]) == {"shift"}

    def test_two_of_three_flags_only_near_limit_points(self):
        flags = _nhs(np.array([0.1, 2.5, 0.2, 2.6, -0.1, 0.3]), cl=0.0, half=3.0)
        assert np.flatnonzero(flags.two_of_three).tolist() == [1, 3]
        assert flags.rule[1] == "two of three" and flags.rule[2] is None

    def test_two_of_three_needs_the_same_side(self):
        flags = _nhs(np.array([0.1, 2.5, -2.5, 0.2, -0.1]), cl=0.0, half=3.0)
        assert not flags.two_of_three.any()

    def test_precedence_outside_before_shift(self):
        y = np.array([1.0, 1, 1, 1, 1, 1, 9])
        m = len(y)
        cl = np.zeros(m)
        flags = nhs_rules(y, cl, cl - 5, cl + 5, y > 5, np.ones(m, dtype=bool))
        assert flags.rule.tolist() == ["shift"] * 6 + ["outside limits"]

    def test_trend_direction_sets_variation(self):
        # a falling trend, mostly above the mean: improvement when lower is better
        y = [5, 6, 5, 6, 5, 6, 6.9, 6.7, 6.5, 6.3, 6.1, 5.9, 5.7, 5, 6, 5, 6, 5]
        d = control_chart(y, rules="nhs", improvement="decrease").data
        assert np.flatnonzero(d["trend"]).tolist() == [12, 13]  # 8 falling points
        assert d.loc[6:13, "special_cause_rule"].tolist() == ["trend"] * 8
        assert set(d.loc[6:13, "variation"]) == {"improvement"}
        # the point before the trend completes a shift above the mean: a concern
        assert d.loc[5, "special_cause_rule"] == "shift" and d.loc[5, "variation"] == "concern"

    @pytest.mark.parametrize(
        ("improvement", "expected"),
        [("decrease", "concern"), ("increase", "improvement"), (None, "neutral")],
    )
    def test_variation(self, improvement, expected):
        d = control_chart(NHS_OUTLIER, rules="nhs", improvement=improvement).data
        assert d.loc[4, "variation"] == expected
        assert set(d["variation"].drop(index=4)) == {"common cause"}

    @pytest.mark.parametrize(
        ("target", "improvement", "expected"),
        [
            (8.0, "increase", "consistently fail"),
            (8.0, "decrease", "consistently pass"),
            (-4.0, "increase", "consistently pass"),
            (-4.0, "decrease", "consistently fail"),
            (2.0, "increase", "inconsistent"),
            (2.0, None, None),
        ],
    )
    def test_assurance(self, target, improvement, expected):
        res = control_chart(NHS_OUTLIER, rules="nhs", target=target, improvement=improvement)
        assert only(res.summary())["assurance"] == expected

    def test_nhs_uses_2_66(self):
        row = only(control_chart(NIST, rules="nhs").summary())
        mr = np.abs(np.diff(NIST)).mean()
        assert row["ucl"] == pytest.approx(np.mean(NIST) + 2.66 * mr)


# --------------------------------------------------------------------------- hand computations


class TestChartTypes:
    def test_run_chart_median(self):
        res = run_chart([3, 1, 4, 1, 5, 9, 2, 6])
        assert only(res.summary())["cl"] == 3.5
        assert res.chart == "run"

    def test_i_chart_screened(self):
        y = [10, 11, 10, 30, 10, 11, 10, 11]
        mr = np.abs(np.diff(y))
        kept = mr[mr < 3.267 * mr.mean()].mean()
        row = only(control_chart(y, screen_mr=True).summary())
        assert row["ucl"] == pytest.approx(np.mean(y) + 3 * kept / 1.128)

    def test_xbar_and_s_equal_subgroups(self):
        x = np.repeat([1, 2, 3, 4], 3)
        y = [1, 2, 3, 2, 4, 6, 3, 3, 3, 1, 3, 5]
        c4_3 = math.sqrt(2 / 2) * math.gamma(1.5) / math.gamma(1.0)
        sbar = (1 + 2 + 0 + 2) / 4
        xb = control_chart(y, x=x, chart="xbar")
        d = xb.data
        assert d["y"].tolist() == [2, 4, 3, 3]
        assert d["n"].tolist() == [3, 3, 3, 3]
        assert d["sd"].tolist() == pytest.approx([1, 2, 0, 2])
        row = only(xb.summary())
        assert row["cl"] == 3
        assert row["ucl"] == pytest.approx(3 + 3 / (c4_3 * math.sqrt(3)) * sbar)
        assert a3(3) == pytest.approx(1.954, abs=1e-3)
        s = only(control_chart(y, x=x, chart="s").summary())
        assert s["cl"] == pytest.approx(sbar)
        assert s["ucl"] == pytest.approx(b4(3) * sbar)
        assert b4(3) == pytest.approx(2.568, abs=1e-3)
        assert s["lcl"] == 0 and b3(3) == 0
        assert c4(25) == pytest.approx(0.9896, abs=1e-4)

    def test_xbar_unequal_subgroups_pooled(self):
        x = ["a"] * 2 + ["b"] * 4 + ["c"] * 3
        y = [1.0, 3.0, 2.0, 4.0, 6.0, 8.0, 5.0, 5.0, 8.0]
        g = pd.Series(y).groupby(x)
        n, m, sd = g.size().to_numpy(), g.mean().to_numpy(), g.std().to_numpy()
        pooled = math.sqrt(np.sum((n - 1) * sd**2) / np.sum(n - 1))
        d = control_chart(y, x=x, chart="xbar").data
        grand = np.sum(n * m) / np.sum(n)
        assert d["cl"].iloc[0] == pytest.approx(grand)
        assert d["ucl"].to_numpy() == pytest.approx(grand + 3 / (c4(n) * np.sqrt(n)) * pooled)
        s = control_chart(y, x=x, chart="s").data
        assert s["cl"].iloc[0] == pytest.approx(pooled)

    def test_u_chart(self):
        d = control_chart([2, 4, 6], n=[10, 20, 30], chart="u").data
        n = np.array([10, 20, 30])
        assert d["cl"].iloc[0] == pytest.approx(0.2)
        assert d["ucl"].to_numpy() == pytest.approx(0.2 + 3 * np.sqrt(0.2 / n))
        assert d["lcl"].to_numpy() == pytest.approx(np.maximum(0.2 - 3 * np.sqrt(0.2 / n), 0))
        assert d["y"].tolist() == pytest.approx([0.2, 0.2, 0.2])

    def test_p_chart_varying_n(self):
        counts, n = np.array([5, 10, 20, 8]), np.array([50, 100, 100, 40])
        d = control_chart(counts, n=n, chart="p").data
        pbar = counts.sum() / n.sum()  # 43 / 290, not the mean of the proportions
        assert d["cl"].iloc[0] == pytest.approx(pbar)
        assert pbar != pytest.approx(np.mean(counts / n))
        half = 3 * np.sqrt(pbar * (1 - pbar) / n)
        assert d["ucl"].to_numpy() == pytest.approx(pbar + half)
        assert d["lcl"].to_numpy() == pytest.approx(np.maximum(pbar - half, 0))
        assert d["ucl"].nunique() == 3  # one limit per n
        assert d["count"].tolist() == counts.tolist() and d["n"].tolist() == n.tolist()
        assert np.isnan(control_chart(counts, n=n, chart="p").summary()["ucl"].iloc[0])

    def test_p_chart_limits_clipped(self):
        d = control_chart([1, 0, 1, 2], n=4, chart="p").data
        assert (d["lcl"] >= 0).all() and (d["ucl"] <= 1).all()

    @pytest.mark.parametrize("chart", ["pp", "up"])
    def test_laney(self, chart):
        counts = np.array([30, 45, 38, 60, 41, 52])
        n = np.array([300, 400, 350, 500, 380, 420])
        cl = counts.sum() / n.sum()
        var = cl * (1 - cl) if chart == "pp" else cl
        sigma = np.sqrt(var / n)
        z = (counts / n - cl) / sigma
        sigma_z = np.abs(np.diff(z)).mean() / 1.128
        d = control_chart(counts, n=n, chart=chart).data
        assert d["ucl"].to_numpy() == pytest.approx(cl + 3 * sigma * sigma_z)
        assert d["lcl"].to_numpy() == pytest.approx(np.maximum(cl - 3 * sigma * sigma_z, 0))

    def test_g_chart(self):
        y = [3, 10, 5, 0, 8, 2]
        m = np.mean(y)
        row = only(control_chart(y, chart="g").summary())
        assert row["cl"] == np.median(y)
        assert row["ucl"] == pytest.approx(m + 3 * math.sqrt(m * (m + 1)))
        assert row["lcl"] == 0

    def test_t_chart(self):
        y = np.array([12.0, 30, 7, 45, 22, 18, 60, 9])
        t = y ** (1 / 3.6)
        amr = np.abs(np.diff(t)).mean()
        row = only(control_chart(y, chart="t").summary())
        assert row["cl"] == pytest.approx(t.mean() ** 3.6)
        assert row["ucl"] == pytest.approx((t.mean() + 3 * amr / 1.128) ** 3.6)
        low = t.mean() - 3 * amr / 1.128
        assert row["lcl"] == pytest.approx(low**3.6 if low > 0 else 0)

    @pytest.mark.parametrize("chart", CHARTS)
    def test_every_chart_runs(self, chart):
        rng = np.random.default_rng(7)
        y = rng.poisson(8, 24).astype(float) + 1
        kw = {"n": np.full(24, 40.0)} if chart in ("p", "u", "pp", "up") else {}
        if chart in ("xbar", "s"):
            kw["x"] = np.repeat(np.arange(8), 3)
        res = control_chart(y, chart=chart, **kw)
        assert isinstance(res, SpcResult) and res.chart == chart
        assert {"x", "y", "cl", "lcl", "ucl", "sigma_signal", "runs_signal", "part",
                "excluded", "baseline", "variation", "trial_limits"} <= set(res.data.columns)  # fmt: skip


# --------------------------------------------------------------------------- freeze, parts, exclusions


class TestFreezePartsExclusions:
    def test_excluded_point_gets_sigma_signal_but_no_weight(self):
        y = [*NIST, 80.0]
        res = control_chart(y, exclude=[10])
        d, row = res.data, only(res.summary())
        assert row["cl"] == pytest.approx(50.81)
        assert row["ucl"] == pytest.approx(55.8041, abs=1e-4)
        assert d.loc[10, "excluded"] and d.loc[10, "sigma_signal"]
        assert not d.loc[10, "baseline"]
        assert row["n_useful"] == 10 and row["n_obs"] == 10

    def test_excluded_missing_value_is_allowed(self):
        y = [*NIST[:5], np.nan, *NIST[5:]]
        res = control_chart(y, exclude=[5])
        assert only(res.summary())["cl"] == pytest.approx(50.81)
        assert not res.data.loc[5, "sigma_signal"]

    def test_freeze_limits_from_baseline_signals_over_all(self):
        y = [*NIST, 60.0, 61.0]
        res = control_chart(y, freeze=10)
        row = only(res.summary())
        assert row["cl"] == pytest.approx(50.81)
        assert res.data["sigma_signal"].tolist()[-2:] == [True, True]
        assert row["n_useful"] == 12

    def test_freeze_with_parts(self):
        res = control_chart(INFECTIONS, chart="c", part=[24], freeze=12)
        s = res.summary()
        assert s["cl"].iloc[0] == pytest.approx(np.mean(INFECTIONS[:12]))
        assert s["cl"].iloc[1] == pytest.approx(np.mean(INFECTIONS[24:]))
        assert s["n_baseline"].tolist() == [12, 12]

    def test_flat_series_with_screening(self):
        row = only(control_chart([5.0] * 10, screen_mr=True).summary())
        assert (row["cl"], row["lcl"], row["ucl"]) == (5.0, 5.0, 5.0)
        assert row["n_useful"] == 0 and not row["runs_signal"]

    def test_trial_limits(self):
        short = control_chart(NIST)
        assert short.data["trial_limits"].all()
        row = only(short.summary())
        assert row["trial_limits"] and "trial" in row["note"]
        assert not only(control_chart([*NIST, 50, 51]).summary())["trial_limits"]

    def test_anhoej_long_run_points(self):
        d = run_chart(INFECTIONS, freeze=24, improvement="decrease").data
        assert d["long_run"].sum() == 15
        assert set(d.loc[d["long_run"], "variation"]) == {"improvement"}


class TestDates:
    def test_part_and_freeze_by_date(self):
        by_pos = control_chart(INFECTIONS, x=MONTHS, chart="c", part=[24], freeze=12)
        by_date = control_chart(
            INFECTIONS, x=MONTHS, chart="c", part="2024-01-01", freeze=dt.date(2023, 1, 1)
        )
        pd.testing.assert_frame_equal(by_pos.data, by_date.data)
        assert pd.api.types.is_datetime64_any_dtype(by_date.data["x"])
        assert by_date.summary()["x_start"].iloc[1] == pd.Timestamp("2024-01-01")

    def test_part_at_first_x_on_or_after_value(self):
        res = control_chart(INFECTIONS, x=MONTHS, chart="c", part=pd.Timestamp("2023-12-15"))
        assert res.data["part"].tolist() == [1] * 24 + [2] * 12

    def test_exclude_by_date(self):
        res = control_chart(INFECTIONS, x=MONTHS, exclude=[pd.Timestamp("2022-03-01")])
        assert np.flatnonzero(res.data["excluded"]).tolist() == [2]

    def test_date_index_of_series_is_x(self):
        res = run_chart(pd.Series(INFECTIONS, index=MONTHS), freeze="2024-01-01")
        assert res.data["x"].iloc[0] == MONTHS[0]
        assert only(res.summary())["n_baseline"] == 24

    def test_date_objects_become_dates(self):
        x = [dt.date(2024, 1, d) for d in range(1, 11)]
        res = control_chart(NIST, x=x, part=dt.date(2024, 1, 6))
        assert pd.api.types.is_datetime64_any_dtype(res.data["x"])
        assert res.data["part"].tolist() == [1] * 5 + [2] * 5

    def test_time_zone_and_periods(self):
        tz = pd.date_range("2024-01-01", periods=12, freq="D", tz="Europe/London")
        res = control_chart(list(range(12)), x=tz, part="2024-01-07")
        assert res.summary()["x_start"].iloc[1] == pd.Timestamp("2024-01-07", tz="Europe/London")
        per = pd.period_range("2024-01", periods=12, freq="M")
        res = control_chart(list(range(12)), x=per, part="2024-07", freeze="2024-04")
        assert res.data["part"].tolist() == [1] * 6 + [2] * 6
        assert res.summary()["n_baseline"].tolist() == [3, 6]

    def test_integers_are_positions_even_with_x(self):
        res = control_chart(list(range(12)), x=list(range(2000, 2012)), part=6)
        assert res.summary()["x_start"].tolist() == [2000, 2006]

    def test_xbar_subgroups_by_day(self):
        days = pd.to_datetime(["2024-01-02"] * 3 + ["2024-01-01"] * 3 + ["2024-01-03"] * 3)
        d = control_chart([1, 2, 3, 4, 5, 6, 7, 8, 9], x=days, chart="xbar").data
        assert d["x"].tolist() == list(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]))
        assert d["y"].tolist() == [5, 2, 8]


# --------------------------------------------------------------------------- result object


class TestResult:
    def test_inputs_not_mutated_and_result_frozen(self):
        y = pd.Series(INFECTIONS, dtype=float)
        x = pd.Series(MONTHS)
        exclude = [3]
        before = (y.copy(), x.copy())
        res = control_chart(y, x=x, exclude=exclude, part=[24])
        pd.testing.assert_series_equal(y, before[0])
        pd.testing.assert_series_equal(x, before[1])
        assert exclude == [3]
        with pytest.raises(dataclasses.FrozenInstanceError):
            res.chart = "c"  # type: ignore[misc]
        summary = res.summary()
        summary.loc[0, "cl"] = -1
        assert res.summary().loc[0, "cl"] != -1

    def test_repr_html(self):
        html = control_chart(NIST, rules="nhs")._repr_html_()
        assert "<table" in html and "data:image/png;base64," in html

    def test_signal_property(self):
        assert run_chart(INFECTIONS, freeze=24).signal
        assert not control_chart(NIST).signal

    def test_nhs_columns(self):
        cols = control_chart(NIST, rules="nhs").data.columns
        for c in ("outside_limits", "trend", "two_of_three", "shift", "special_cause_rule"):
            assert c in cols
        assert "trend" not in control_chart(NIST).data.columns


# --------------------------------------------------------------------------- properties


finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(
    y=st.lists(st.integers(0, 60), min_size=4, max_size=30),
    chart=st.sampled_from(["i", "c", "g", "run", "u", "p"]),
)
def test_limits_contain_centre(y, chart):
    kw = {"n": [max(y) + 5] * len(y)} if chart in ("u", "p") else {}
    d = control_chart(y, chart=chart, **kw).data
    lcl, cl, ucl = d["lcl"].to_numpy(), d["cl"].to_numpy(), d["ucl"].to_numpy()
    assert np.all(np.isnan(lcl) | (lcl <= cl + 1e-12))
    assert np.all(np.isnan(ucl) | (cl <= ucl + 1e-12))


@settings(max_examples=40, deadline=None)
@given(y=st.lists(finite, min_size=3, max_size=30), shift=finite)
def test_shift_moves_centre_and_limits(y, shift):
    a = control_chart(y).data
    b = control_chart([v + shift for v in y]).data
    for col in ("cl", "lcl", "ucl"):
        assert b[col].to_numpy() == pytest.approx(a[col].to_numpy() + shift, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(y=st.lists(st.integers(-1000, 1000), min_size=2, max_size=40))
def test_runs_invariant_under_monotone_transform(y):
    cols = ["n_useful", "longest_run", "n_crossings", "runs_signal"]
    a = run_chart(y).summary()[cols]
    b = run_chart([v**3 + 7 * v for v in y]).summary()[cols]
    pd.testing.assert_frame_equal(a, b)


def test_false_alarm_rate_near_design():
    rng = np.random.default_rng(20260401)
    signals = [run_chart(rng.normal(size=100)).signal for _ in range(300)]
    assert 0.02 <= np.mean(signals) <= 0.10


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": NIST, "chart": "xyz"}, "unknown chart 'xyz'"),
        ({"y": NIST, "rules": "western"}, "unknown rules 'western'"),
        ({"y": NIST, "improvement": "up"}, "unknown improvement 'up'"),
        ({"y": [1, 2, 3], "chart": "p"}, "needs n"),
        ({"y": [1, 2, 3], "chart": "u"}, "needs n"),
        ({"y": [1, 2, 3], "chart": "pp"}, "needs n"),
        ({"y": [1, 2, 3], "chart": "up"}, "needs n"),
        ({"y": [1, 2, 3], "chart": "p", "n": [5, 5]}, "n has 2 values but y has 3"),
        ({"y": [1, 6, 3, 9], "chart": "p", "n": [5, 5, 5, 5]}, r"exceed.*positions 1, 3"),
        ({"y": [1, 2, 3], "chart": "p", "n": [5, 0, 5]}, r"n must be greater than 0.*positions 1"),
        ({"y": [1, -2, 3], "chart": "c"}, r"negative values at positions 1"),
        ({"y": [1, 2, 3], "chart": "i", "n": 5}, "n is only used by"),
        ({"y": [5.0]}, "at least 2"),
        ({"y": [1, 2, 3], "exclude": [0, 1]}, "at least 2"),
        ({"y": [1, np.nan, 3, np.nan]}, r"(?s)missing values \(NaN\) at positions 1, 3.*exclude"),
        ({"y": [1, 2, 3], "x": [1, 2]}, "x has 2 values but y has 3"),
        ({"y": [1, "a", 3]}, r"not numbers at positions 1"),
        ({"y": [[1, 2], [3, 4]]}, "1-D sequence"),
        ({"y": NIST, "freeze": 1}, "freeze=1 gives a baseline of 1 points"),
        ({"y": NIST, "freeze": 11}, "freeze=11 gives a baseline of 11"),
        ({"y": NIST, "freeze": [3, 4]}, "not a list"),
        ({"y": NIST, "part": [0]}, r"part 0 out of range.*1 to 9"),
        ({"y": NIST, "part": [4, 10]}, r"part 10 out of range"),
        ({"y": NIST, "part": [9]}, r"part 2 has 1 usable point"),
        ({"y": NIST, "exclude": [12]}, r"exclude positions 12 are out of range"),
        ({"y": NIST, "part": "2024-01-01"}, "no x to look it up in"),
        ({"y": INFECTIONS, "x": MONTHS, "part": "2030-01-01"}, "after the last x value"),
        ({"y": INFECTIONS, "x": MONTHS, "part": "not a date"}, "cannot be compared"),
        ({"y": INFECTIONS, "x": MONTHS, "exclude": ["2022-03-15"]}, "equals no x value"),
        ({"y": [1, 2, 3, 4], "chart": "xbar"}, "needs x"),
        ({"y": [1, 2, 3, 4], "chart": "s", "x": [1, 1, 2, 3]}, "at least 2 values"),
        ({"y": [1, np.nan, 3, 4], "chart": "xbar", "x": [1, 1, 2, 2]}, "missing values"),
        ({"y": [1, 0, 3], "chart": "t"}, r"greater than 0 \(positions 1"),
        ({"y": NIST, "target": "high"}, "target='high' is not a number"),
        ({"y": [1, 2, 3], "x": [1, None, 3]}, "x has missing labels at positions 1"),
    ],
)
def test_parameter_errors(kwargs, message):
    y = kwargs.pop("y")
    with pytest.raises(ParameterError, match=message):
        control_chart(y, **kwargs)


def test_parameter_error_has_a_fix():
    with pytest.raises(ParameterError) as err:
        control_chart([1, np.nan, 3, 4])
    assert "fix:" in str(err.value) and "exclude=[1]" in str(err.value)
