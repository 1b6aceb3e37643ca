"""Kaplan–Meier medians of durations with tickets still open, and their two-period verdict."""

import numpy as np
import pandas as pd
import pytest

from cslib.errors import ParameterError
from cslib.stats.impact import compare, verdict
from cslib.stats.impact._km import _ClusterKM
from cslib.stats.impact.censored import compare_censored, km_median, open_note
from cslib.stats.impact.sim import open_at_end, simulate_ticket_days, two_period_calibration


def test_km_median_by_hand():
    # finished 1, 3, 3, 6, 8 h; open at 2, 3, 7 h. At 1 h: 8 at risk, S = 7/8; at 3 h: 6 at
    # risk (the open 3 h still is), 2 finish, S = 7/8 · 4/6 = 0.583; at 6 h: 3 at risk,
    # S = 0.583 · 2/3 = 0.389 <= ½ → 6 h. Dropping the open tickets gives 3 h.
    hours = np.array([1.0, 3, 3, 6, 8, 2, 3, 7])
    still_open = np.array([0, 0, 0, 0, 0, 1, 1, 1], bool)
    assert km_median(hours, still_open) == 6.0
    # S = 3/4 after 1 h, exactly ½ after 2 h until 3 h (the open 4 h ends it later): midpoint
    assert km_median(np.array([1.0, 2, 3, 4]), np.array([0, 0, 0, 1], bool)) == 2.5
    # more than half could outlast every finished ticket: no median
    assert np.isnan(km_median(np.array([1.0, 5, 6, 7]), np.array([0, 1, 1, 1], bool)))


def test_km_median_without_open_tickets_is_the_median():
    rng = np.random.default_rng(0)
    for n in (5, 6, 51):
        x = np.round(rng.exponential(10, n))  # ties too
        assert km_median(x, np.zeros(n, bool)) == np.median(x)
        assert _ClusterKM(x, np.zeros(n, bool), np.arange(n), n)(np.arange(n)) == np.median(x)


def test_resampled_km_medians_match_scipy_kaplan_meier():
    rng = np.random.default_rng(1)
    for _ in range(100):
        n = int(rng.integers(3, 40))
        x, still_open = np.round(rng.exponential(5, n)), rng.random(n) < 0.3
        got = _ClusterKM(x, still_open, np.arange(n), n)(np.arange(n)[None, :])[0]
        want = km_median(x, still_open)
        assert got == pytest.approx(want, nan_ok=True)
    # a resample drawing day 0 twice weighs its tickets twice, as listing them twice would
    x, o, day = np.array([1.0, 4, 2, 9]), np.array([0, 1, 0, 0], bool), np.array([0, 0, 1, 1])
    twice = km_median(np.r_[x[:2], x], np.r_[o[:2], o])
    assert _ClusterKM(x, o, day, 2)(np.array([0, 0, 1])) == twice


def test_censored_median_is_unbiased_where_dropping_open_tickets_is_biased_low():
    # tickets over 10 days, lognormal durations with a true median of 24 h; the data ends at
    # the end of day 10, so 17 % are still open
    rng = np.random.default_rng(7)
    km, dropped = [], []
    for _ in range(200):
        created = rng.uniform(0, 240, 400)
        hours = 24 * np.exp(rng.normal(0, 1, 400))
        age = 240 - created
        still_open = hours > age
        km.append(km_median(np.where(still_open, age, hours), still_open))
        dropped.append(np.median(hours[~still_open]))
    se = np.std(km) / np.sqrt(len(km))
    assert abs(np.mean(km) - 24) < 3 * se  # unbiased (24.04 ± 0.11)
    assert np.mean(dropped) < 22  # biased low (20.7)


def test_compare_censored_without_open_tickets_is_compare():
    day, ys = simulate_ticket_days(1, n_before=6, n_after=6, per_day=8, seed=2)
    y, half = ys[0], 48
    days = np.asarray(day)
    got = compare_censored(
        y[:half],
        y[half:],
        before_open=np.zeros(half, bool),
        after_open=np.zeros(half, bool),
        before_days=days[:half],
        after_days=days[half:],
    )
    want = compare(
        y[:half], y[half:], kind="duration", before_days=days[:half], after_days=days[half:]
    )
    pd.testing.assert_frame_equal(got, want)


def test_compare_censored_counts_open_tickets_and_names_the_method():
    day, ys = simulate_ticket_days(1, n_before=14, n_after=14, per_day=20, seed=3)
    values, still_open = open_at_end(day, ys, seed=3)
    half = 14 * 20
    days = np.asarray(day)
    row = compare_censored(
        values[0, :half],
        values[0, half:],
        before_open=still_open[0, :half],
        after_open=still_open[0, half:],
        before_days=days[:half],
        after_days=days[half:],
        n_resamples=400,
    ).iloc[0]
    assert row["open_after"] == still_open[0, half:].sum() > row["open_before"]
    assert row["after"] == km_median(values[0, half:], still_open[0, half:])
    assert row["after"] > np.median(values[0, half:][~still_open[0, half:]])
    assert row["ratio_ci_low"] < row["ratio"] < row["ratio_ci_high"]
    assert "Kaplan–Meier" in row["method"] and row["n_days_after"] == 14
    with pytest.raises(ParameterError, match="one open flag"):
        compare_censored([1.0, 2], [3.0, 4], before_open=[0, 0], after_open=[0, "x"])


def test_open_note():
    assert open_note(312, 7800) == (
        "312 tickets (4 %) were still open; their resolution time counts as at least their age."
    )


def test_two_period_verdict_with_open_tickets():
    day, ys = simulate_ticket_days(1, n_before=28, n_after=28, per_day=10, seed=4)
    values, still_open = open_at_end(day, ys, seed=4)
    cases = pd.DataFrame({"day": day, "hours": values[0], "open": still_open[0]})
    args = {"y": "hours", "time": "day", "change": day[280], "direction": "lower"}
    args |= {"kind": "duration", "method": "two-period", "sustained_check": False}
    v = verdict(cases, **args, still_open="open")
    n_open = int(still_open[0].sum())
    assert v.scale == "ratio" and "Kaplan–Meier" in v.method
    assert f"{n_open} tickets" in v.method and "at least their age" in v.method
    assert v.after == km_median(values[0, 280:], still_open[0, 280:])
    # no ticket open: exactly the verdict without the column
    none = cases.assign(open=False)
    assert (
        verdict(none, **args, still_open="open").summary().equals(verdict(none, **args).summary())
    )


def test_two_period_calibration_with_open_tickets_small():
    # the full numbers: benchmarks/impact_calibration.py --path open-tickets
    km = two_period_calibration(
        60, kpi="resolution", direction="lower", censored="kaplan-meier", seed=5
    )
    assert km["improved"] <= 0.08 and km["covers_null"] >= 0.85


def test_kaplan_meier_curve_is_scipys_to_the_last_bit():
    from scipy import stats

    from cslib.stats.impact._km import _survival

    rng = np.random.default_rng(11)
    for rounded in (False, True):  # distinct durations, then many ties
        x = rng.exponential(5, 2000)
        x = np.round(x) if rounded else x
        still_open = rng.random(x.size) < 0.2
        want = stats.ecdf(stats.CensoredData(uncensored=x[~still_open], right=x[still_open])).sf
        times, sf = _survival(x, still_open)
        assert np.array_equal(times, want.quantiles) and np.array_equal(sf, want.probabilities)
        order = np.argsort(x, kind="stable")  # given in order, as a sorted query gives them
        times, sf = _survival(x[order], still_open[order])
        assert np.array_equal(times, want.quantiles) and np.array_equal(sf, want.probabilities)
