"""The design of the segmented regression: time in steps, seasonal terms, and the response.

Used by :func:`~cslib.stats.impact.its.its`.
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
    gaps = np.diff(ticks)
    step = gaps[gaps > 0].min()
    return ticks / step, ch_tick / step, ticks >= ch_tick


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
    cols = {}
    for j in range(1, k + 1):
        cols[f"sin{j}"] = np.sin(2 * np.pi * j * t / period)
        if 2 * j < period:
            cols[f"cos{j}"] = np.cos(2 * np.pi * j * t / period)
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
