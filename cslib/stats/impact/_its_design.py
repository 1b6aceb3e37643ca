"""The design of the segmented regression: time in steps, seasonal terms, and the response.

Used by :func:`~cslib.stats.impact.its.its`. On a date axis time follows the
calendar: monthly (or quarterly, yearly) dates are counted in calendar months,
whatever their number of days, and seasonal terms take their phase from the
calendar — the month for monthly data, the ISO week for weekly data, the day for
daily data — so that a seasonal term means the same period every year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib._args import numeric_column
from cslib.errors import ParameterError, Problem


def _time_axis(tvals: pd.Series, change: object, name: str) -> tuple[np.ndarray, float, np.ndarray]:
    raw = tvals.to_numpy()
    if pd.api.types.is_datetime64_any_dtype(tvals):
        try:
            ch = np.datetime64(pd.Timestamp(change))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                Problem(
                    "change is not a date",
                    column="change",
                    values=(change,),
                    fix="pass the go-live date, e.g. change='2026-04-01'",
                )
            ) from exc
        origin = raw[0]
        ticks = (raw - origin).astype("timedelta64[ns]").astype(np.int64).astype(float)
        ch_tick = float((ch - origin).astype("timedelta64[ns]").astype(np.int64))
    elif pd.api.types.is_numeric_dtype(tvals):
        if isinstance(change, str) or not np.isscalar(change):
            raise ParameterError(
                Problem(
                    "change must be a number like the time column",
                    column="change",
                    values=(change,),
                    fix=f"pass the first value of '{name}' after the change",
                )
            )
        ticks = raw.astype(float) - float(raw[0])
        ch_tick = float(change) - float(raw[0])  # type: ignore[arg-type]
    else:
        raise ParameterError(
            Problem(
                "time must hold numbers or dates",
                column=name,
                values=tuple(raw[:3]),
                fix="convert it with pd.to_datetime (dates) or pd.to_numeric (period numbers)",
            )
        )
    if not (ticks[0] < ch_tick <= ticks[-1]):
        raise ParameterError(
            Problem(
                "the change lies outside the data range (it must be after the first and no "
                "later than the last period)",
                column="change",
                values=(change,),
                fix=f"pass a value between {raw[0]} (exclusive) and {raw[-1]} of '{name}'",
            )
        )
    post = ticks >= ch_tick
    months = _month_step(tvals)
    if months:
        return _calendar_months(tvals, change, post, months)
    gaps = np.diff(ticks)
    step = gaps[gaps > 0].min()
    return ticks / step, ch_tick / step, post


def _dates(values: pd.Series | pd.Timestamp) -> pd.DatetimeIndex:
    """Dates as a time-zone-naive index (local wall time), for calendar arithmetic."""
    idx = pd.DatetimeIndex(values if isinstance(values, pd.Series) else [values])
    return idx.tz_localize(None) if idx.tz is not None else idx


def _month_step(tvals: pd.Series) -> int | None:
    """Calendar months per step when the dates fall one per month or further apart, else None.

    Dates at least 28 days apart and in different months are monthly (1),
    quarterly (3) or yearly (12) data.
    """
    if not pd.api.types.is_datetime64_any_dtype(tvals) or len(tvals) < 2:
        return None
    idx = _dates(tvals)
    if (idx[1:] - idx[:-1]).min() < pd.Timedelta(days=28):
        return None
    months = np.diff(idx.year * 12 + idx.month)
    return int(months.min()) if (months > 0).all() else None


def _month_position(idx: pd.DatetimeIndex) -> np.ndarray:
    """Calendar months since year 0, with the elapsed fraction of the month."""
    start = idx.to_period("M").to_timestamp()
    fraction = (idx - start) / pd.to_timedelta(idx.days_in_month, unit="D")
    return np.asarray(idx.year * 12 + idx.month - 1 + fraction, dtype=float)


def _calendar_months(
    tvals: pd.Series, change: object, post: np.ndarray, months: int
) -> tuple[np.ndarray, float, np.ndarray]:
    """Steps of ``months`` calendar months from the first date, and the change on that scale.

    Each date counts as its month; the change sits before the first period after
    it by the calendar distance between them (0 when it is that period's date).
    """
    idx = _dates(tvals)
    t = np.asarray((idx.year * 12 + idx.month) - (idx.year[0] * 12 + idx.month[0]), float) / months
    first = int(np.argmax(post))
    gap = _month_position(idx[[first]])[0] - _month_position(_dates(pd.Timestamp(change)))[0]
    return t, t[first] - gap / months, post


def _season_position(tvals: pd.Series, t: np.ndarray) -> np.ndarray:
    """Where each period sits in the seasonal cycle, in time steps.

    Numbers: the time steps themselves. Dates: calendar months (month of year
    with period 12) for monthly data, ISO weeks (week of year with period 52;
    week 53 shares the phase of the next week 1) for weekly data, days since
    1970-01-01 (day of week with period 7) divided by the step otherwise.
    """
    if not pd.api.types.is_datetime64_any_dtype(tvals):
        return t
    idx = _dates(tvals)
    months = _month_step(tvals)
    if months:
        return np.asarray(idx.year * 12 + idx.month - 1, dtype=float) / months
    days = np.asarray((idx - pd.Timestamp(0)) / pd.Timedelta(days=1), dtype=float)
    gaps = np.diff(days)
    step = gaps[gaps > 0].min() if len(gaps) else 1.0
    if step == 7:
        iso = idx.isocalendar()
        return np.asarray(iso["year"] * 52 + iso["week"] - 1, dtype=float)
    return days / step


def _seasonal_terms(tvals: pd.Series, t: np.ndarray, seasonality: str | None) -> pd.DataFrame:
    if seasonality is None:
        return pd.DataFrame(index=range(len(t)))
    if seasonality == "dow":
        if not pd.api.types.is_datetime64_any_dtype(tvals):
            raise ParameterError(
                Problem(
                    "day-of-week seasonality needs dates in the time column",
                    column="seasonality",
                    values=(seasonality,),
                    fix="convert time with pd.to_datetime, or use 'fourier:7:2' on day numbers",
                )
            )
        dow = pd.Categorical(tvals.dt.day_of_week.to_numpy(), categories=range(7))
        d = pd.get_dummies(dow, prefix="dow", dtype=float)
        present = [c for c in d.columns if d[c].any()]
        return d[present[1:]].reset_index(drop=True)
    parts = str(seasonality).split(":")
    ok = len(parts) == 3 and parts[0] == "fourier"
    try:
        period, k = float(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        ok = False
    if not ok or period <= 2 or k < 1 or 2 * k > period:
        raise ParameterError(
            Problem(
                "unknown seasonality",
                column="seasonality",
                values=(seasonality,),
                fix="use None, 'dow', or 'fourier:P:K' with period P > 2 steps and 1 <= K <= P/2",
            )
        )
    position = _season_position(tvals, t)
    cols = {}
    for j in range(1, k + 1):
        cols[f"sin{j}"] = np.sin(2 * np.pi * j * position / period)
        if 2 * j < period:
            cols[f"cos{j}"] = np.cos(2 * np.pi * j * position / period)
    return pd.DataFrame(cols)


def _response(frame, yv, family, offset, n, y):
    exposure = None
    if offset is not None:
        ex = numeric_column(frame, offset)
        if (ex <= 0).any():
            raise ParameterError(
                Problem(
                    "exposure must be positive (its log is the offset)",
                    column=offset,
                    values=tuple(ex[ex <= 0][:5]),
                    fix="drop periods with no exposure",
                )
            )
        exposure = np.log(ex)
    if family in ("poisson", "quasipoisson") and (yv < 0).any():
        raise ParameterError(
            Problem(
                "counts cannot be negative",
                column=y,
                values=tuple(yv[yv < 0][:5]),
                fix="use family='gaussian' for values that can be negative",
            )
        )
    if family == "binomial":
        trials = numeric_column(frame, n)
        props = (yv <= 1).all() and not np.allclose(yv, np.round(yv))
        succ = yv * trials if props else yv
        if (trials <= 0).any() or (succ < 0).any() or (succ > trials + 1e-9).any():
            raise ParameterError(
                Problem(
                    "successes must lie between 0 and the trials n",
                    column=y,
                    fix="pass successes (or proportions) in y and trials in n",
                )
            )
        return None, np.column_stack([succ, trials - succ])
    return exposure, yv
