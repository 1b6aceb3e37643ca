"""Reading the arguments of :func:`~cslib.stats.spc.compute.control_chart`: values, labels, chart points.

Every check raises a :class:`~cslib.errors.ParameterError` that names the
offending positions (the first few) and says how to fix them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cslib.errors import ParameterError, Problem

_NEEDS_N = ("p", "u", "pp", "up")
_SUBGROUPS = ("xbar", "s")
_NON_NEGATIVE = ("c", "u", "p", "pp", "up", "g")
_DIRECTIONS = ("increase", "decrease")
#: positions and values quoted in a message
_SHOW = 5


def _fail(what: str, fix: str | None = None) -> ParameterError:
    return ParameterError(Problem(what, fix=fix))


def _show(items: Iterable[object]) -> str:
    items = list(items)
    text = ", ".join(str(_plain(i)) for i in items[:_SHOW])
    return text + (f" … {len(items)} in all" if len(items) > _SHOW else "")


def _plain(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else v


def _choice(value: object, allowed: Sequence[str], name: str) -> str:
    key = value.lower() if isinstance(value, str) else value
    if not isinstance(key, str) or key not in allowed:
        raise _fail(
            f"unknown {name} {value!r}",
            fix=f"use one of {', '.join(repr(a) for a in allowed)}",
        )
    return key


def _direction(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value.lower() == "neutral"):
        return None
    return _choice(value, _DIRECTIONS, "improvement")


def _target(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise _fail(
            f"target={value!r} is not a number", fix="give the target as a number"
        ) from None
    if not np.isfinite(out):
        raise _fail(f"target={value!r} is not a finite number", fix="give a finite target or None")
    return out


def _numbers(values: Any, name: str) -> np.ndarray:
    """A 1-D float array; NaN for missing values. Raises on text or 2-D input."""
    if values is None or isinstance(values, (str, bytes, dict)) or np.ndim(values) != 1:
        raise _fail(
            f"{name} must be a 1-D sequence of numbers, got {type(values).__name__}",
            fix=f"pass {name} as a list, numpy array or pandas Series",
        )
    raw = pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_numpy())
    if raw.dtype == bool:
        raise _fail(
            f"{name} holds True/False values, not numbers", fix=f"convert {name} to numbers"
        )
    num = pd.to_numeric(raw, errors="coerce")
    bad = np.flatnonzero(num.isna().to_numpy() & raw.notna().to_numpy())
    if bad.size:
        raise _fail(
            f"{name} has values that are not numbers at positions {_show(bad)} "
            f"(values {_show(repr(raw.iloc[i]) for i in bad)})",
            fix=f"convert {name} to numbers; leave missing values as NaN and exclude them",
        )
    out = num.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(out).any():
        bad = np.flatnonzero(np.isinf(out))
        raise _fail(
            f"{name} has infinite values at positions {_show(bad)}",
            fix=f"drop or correct those values of {name}",
        )
    return out


def _labels(x: Any, y: object, size: int) -> pd.Series | None:
    """x as a Series (dates parsed from date objects); the date index of y if x is None."""
    if x is None:
        if isinstance(y, pd.Series) and isinstance(y.index, (pd.DatetimeIndex, pd.PeriodIndex)):
            x = y.index
        else:
            return None
    if isinstance(x, (str, bytes)) or np.ndim(x) != 1:
        raise _fail(
            "x must be a 1-D sequence of labels (dates, periods, numbers)",
            fix="pass x as a list, array, Series or Index",
        )
    xs = x.reset_index(drop=True) if isinstance(x, pd.Series) else pd.Series(x)
    if len(xs) != size:
        raise _fail(
            f"x has {len(xs)} values but y has {size}", fix="give one x label per value of y"
        )
    missing = np.flatnonzero(xs.isna().to_numpy())
    if missing.size:
        raise _fail(
            f"x has missing labels at positions {_show(missing)}",
            fix="drop those rows or fill in their labels",
        )
    if xs.dtype == object and all(isinstance(v, dt.date) for v in xs):
        xs = pd.to_datetime(xs)
    return xs


def _points(chart: str, values: np.ndarray, xs: pd.Series | None, n: object) -> pd.DataFrame:
    """One row per chart point: x, y (plotted statistic) and n/count/sd where relevant."""
    size = len(values)
    labels = xs if xs is not None else pd.Series(np.arange(size))
    if chart in _NEEDS_N:
        sizes = _denominators(n, size, chart)
        finite = np.isfinite(values)
        _non_negative(values, chart)
        if chart in ("p", "pp"):
            over = np.flatnonzero(finite & (values > sizes))
            if over.size:
                raise _fail(
                    f"counts exceed their denominators n at positions {_show(over)} "
                    f"(counts {_show(values[over])}; n {_show(sizes[over])})",
                    fix="a p chart counts units with a property out of n units: check y and n",
                )
        return pd.DataFrame({"x": labels, "y": values / sizes, "count": values, "n": sizes})
    if n is not None:
        raise _fail(
            f"n is only used by p, pp, u and up charts, not by chart={chart!r}",
            fix="drop n, or choose chart='p' (proportions) or chart='u' (rates)",
        )
    if chart in _NON_NEGATIVE:
        _non_negative(values, chart)
    if chart == "t":
        bad = np.flatnonzero(values <= 0)
        if bad.size:
            raise _fail(
                f"times between events must be greater than 0 (positions {_show(bad)}; "
                f"values {_show(values[bad])})",
                fix="remove zero or negative times, or use chart='g' for counts between events",
            )
    if chart in _SUBGROUPS:
        return _subgroups(values, xs, chart)
    return pd.DataFrame({"x": labels, "y": values})


def _denominators(n: Any, size: int, chart: str) -> np.ndarray:
    if n is None:
        raise _fail(
            f"chart={chart!r} needs n, the denominator of each count",
            fix="pass n= (e.g. tickets handled per period) with one value per y",
        )
    sizes = np.full(size, float(n)) if np.ndim(n) == 0 and not isinstance(n, str) else None
    if sizes is None:
        sizes = _numbers(n, "n")
    if len(sizes) != size:
        raise _fail(f"n has {len(sizes)} values but y has {size}", fix="give one n per value of y")
    bad = np.flatnonzero(~(sizes > 0))
    if bad.size:
        raise _fail(
            f"n must be greater than 0 (positions {_show(bad)}; values {_show(sizes[bad])})",
            fix="drop periods with no denominator (or exclude them after filling n)",
        )
    return sizes


def _non_negative(values: np.ndarray, chart: str) -> None:
    bad = np.flatnonzero(values < 0)
    if bad.size:
        raise _fail(
            f"chart={chart!r} needs counts of 0 or more; negative values at positions "
            f"{_show(bad)} (values {_show(values[bad])})",
            fix="correct the negative counts, or use chart='i' for measurements",
        )


def _subgroups(values: np.ndarray, xs: pd.Series | None, chart: str) -> pd.DataFrame:
    if xs is None:
        raise _fail(
            f"chart={chart!r} needs x: values that share an x form one subgroup",
            fix="pass x= (e.g. the day of each measurement), or use chart='i'",
        )
    missing = np.flatnonzero(np.isnan(values))
    if missing.size:
        raise _fail(
            f"y has missing values at positions {_show(missing)}",
            fix="drop the missing measurements before making an xbar/s chart",
        )
    frame = pd.DataFrame({"x": xs, "v": values})
    g = frame.groupby("x", sort=True)["v"]
    out = pd.DataFrame({"y": g.mean(), "n": g.size().astype(float), "sd": g.std(ddof=1)})
    single = out.index[out["n"] < 2]
    if len(single):
        raise _fail(
            f"subgroups need at least 2 values; x = {_show(single)} has only 1",
            fix="group more values per x, drop those subgroups, or use chart='i'",
        )
    if chart == "s":
        out["y"] = out["sd"]
    out = out.reset_index()
    return out


def _moving_ranges(points: pd.DataFrame, part_no: np.ndarray) -> pd.DataFrame:
    """MR chart: |difference from the previous value| within each part."""
    v = points["y"].to_numpy(dtype=float)
    mr = np.r_[np.nan, np.abs(np.diff(v))]
    mr[np.r_[True, part_no[1:] != part_no[:-1]]] = np.nan
    return pd.DataFrame({"x": points["x"], "y": mr, "value": v})


def _check_missing(points: pd.DataFrame, excluded: np.ndarray, chart: str) -> None:
    values = points["value" if chart == "mr" else "y"].to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(values) & ~excluded)
    if bad.size:
        raise _fail(
            f"y has missing values (NaN) at positions {_show(bad)}",
            fix=f"drop those values, or exclude them with exclude=[{', '.join(map(str, bad[:_SHOW]))}]",
        )
    usable = int((~np.isnan(values) & ~excluded).sum())
    if usable < 2:
        raise _fail(
            f"only {usable} usable value(s) after exclusions and missing values; "
            "a chart needs at least 2",
            fix="provide more data points or exclude fewer",
        )
