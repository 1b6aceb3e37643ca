"""Interrupted time series on a date axis: time steps and seasonal terms follow the calendar.

The reference is the same model fitted on period numbers (0, 1, 2, …), where a
step and a season are unambiguous: monthly dates must give the same fit as month
numbers, and a seasonal term must take the same value in the same month (week,
weekday) of every year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cslib.stats.impact import its

MONTHS = pd.date_range("2019-01-01", periods=60, freq="MS")
COLUMNS = ["estimate", "ci_low", "ci_high", "p_value"]


def _monthly(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    m = np.arange(60)
    moy = MONTHS.month.to_numpy() - 1
    season = 3 * np.sin(2 * np.pi * moy / 12) + 1.5 * np.cos(4 * np.pi * moy / 12)
    y = 40 + 0.1 * m + season - 4 * (m >= 36) + rng.normal(0, 1, 60)
    return pd.DataFrame({"month": m, "date": MONTHS, "y": y})


def _fits(df: pd.DataFrame, change_date: object, **kwargs):
    by_number = its(df, y="y", time="month", change=36, **kwargs)
    by_date = its(df, y="y", time="date", change=change_date, **kwargs)
    return by_number, by_date


@pytest.mark.parametrize("dates", ["month starts", "month ends"])
def test_monthly_dates_give_the_month_number_fit(dates):
    df = _monthly()
    change = "2022-01-01"
    if dates == "month ends":
        df["date"] = MONTHS + pd.offsets.MonthEnd(0)
        change = "2022-01-31"
    by_number, by_date = _fits(df, change, seasonality="fourier:12:2")
    pd.testing.assert_frame_equal(by_date.table[COLUMNS], by_number.table[COLUMNS], rtol=1e-9)
    pd.testing.assert_frame_equal(
        by_date.sensitivity[COLUMNS], by_number.sensitivity[COLUMNS], rtol=1e-9
    )
    # the level change is recovered, and a month's seasonal term is the same every year
    level = by_date.table.set_index("term").loc["level_change"]
    assert level["ci_low"] < -4 < level["ci_high"]
    seasonal = by_date.fitted["seasonal"].to_numpy().reshape(5, 12)
    np.testing.assert_allclose(seasonal, np.tile(seasonal[0], (5, 1)), atol=1e-9)


def test_monthly_dates_without_seasonality_count_calendar_months():
    df = _monthly()
    by_number, by_date = _fits(df, "2022-01-01")
    pd.testing.assert_frame_equal(by_date.table[COLUMNS], by_number.table[COLUMNS], rtol=1e-9)


def test_poisson_monthly_dates_give_the_month_number_fit():
    rng = np.random.default_rng(11)
    m = np.arange(60)
    rate = np.exp(3 + 0.005 * m + 0.3 * np.sin(2 * np.pi * (MONTHS.month - 1) / 12))
    counts = rng.poisson(rate * np.where(m >= 36, 0.8, 1.0))
    df = pd.DataFrame({"month": m, "date": MONTHS, "y": counts})
    by_number, by_date = _fits(df, "2022-01-01", family="poisson", seasonality="fourier:12:1")
    pd.testing.assert_frame_equal(by_date.table[COLUMNS], by_number.table[COLUMNS], rtol=1e-9)


def test_quarterly_dates_count_quarters():
    quarters = pd.date_range("2015-01-01", periods=32, freq="QS")
    q = np.arange(32)
    y = 10 + 0.2 * q + 2 * np.sin(np.pi * q / 2) - 3 * (q >= 20)
    y = y + np.random.default_rng(5).normal(0, 0.5, 32)
    df = pd.DataFrame({"quarter": q, "date": quarters, "y": y})
    ref = its(df, y="y", time="quarter", change=20, seasonality="fourier:4:1")
    got = its(df, y="y", time="date", change=quarters[20], seasonality="fourier:4:1")
    pd.testing.assert_frame_equal(got.table[COLUMNS], ref.table[COLUMNS], rtol=1e-9)


def test_weekly_seasonal_terms_follow_the_week_of_the_year():
    weeks = pd.date_range(
        "2019-12-30", "2022-12-26", freq="7D"
    )  # Mondays from 2020-W01; 2020 has 53
    iso = weeks.isocalendar()
    rng = np.random.default_rng(8)
    y = (
        50
        + 5 * np.sin(2 * np.pi * (iso["week"].to_numpy() - 1) / 52)
        + rng.normal(0, 1, len(weeks))
    )
    df = pd.DataFrame({"date": weeks, "y": y})
    res = its(df, y="y", time="date", change="2022-01-03", seasonality="fourier:52:1")
    seasonal = pd.Series(res.fitted["seasonal"].to_numpy(), index=[iso["year"], iso["week"]])
    for week in (1, 10, 30):
        values = seasonal.xs(week, level=1).to_numpy()
        np.testing.assert_allclose(values, values[0], atol=1e-9)


def test_daily_seasonal_terms_follow_the_day_of_the_week():
    days = pd.date_range("2026-01-05", periods=120, freq="D")
    rng = np.random.default_rng(2)
    y = 10 + 3 * (days.day_of_week >= 5) - 1.5 * (np.arange(120) >= 60) + rng.normal(0, 0.5, 120)
    df = pd.DataFrame({"day": np.arange(120), "date": days, "y": y})
    by_date = its(df, y="y", time="date", change=days[60], seasonality="fourier:7:3")
    by_number = its(df, y="y", time="day", change=60, seasonality="fourier:7:3")
    pd.testing.assert_frame_equal(by_date.table[COLUMNS], by_number.table[COLUMNS], rtol=1e-9)
    seasonal = pd.Series(by_date.fitted["seasonal"].to_numpy()).groupby(days.day_of_week)
    assert (seasonal.max() - seasonal.min()).max() < 1e-9
