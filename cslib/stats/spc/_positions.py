"""Positions of ``freeze``, ``part`` and ``exclude``: 0-based integers, or ``x`` values looked up in x."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from cslib.stats.spc._inputs import _fail, _plain, _show


def _is_position(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _as_list(value: Any) -> list[object]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, dt.date, pd.Timestamp, pd.Period)) or np.ndim(value) == 0:
        return [value]
    return list(value)


def _cut(value: object, labels: pd.Series, has_x: bool, name: str, *, exact: bool = False) -> int:
    """Position of ``value``: itself if an int, else the first x on or after it (or equal to it)."""
    if isinstance(value, (int, np.integer)) and _is_position(value):
        return int(value)
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise _fail(
            f"{name}={value!r} is neither a position nor an x value",
            fix=f"give {name} as a 0-based position or an x value such as a date",
        )
    if not has_x:
        raise _fail(
            f"{name}={value!r} is not a 0-based position, and there is no x to look it up in",
            fix=f"pass an integer position, or pass x= (e.g. dates) to give {name} as an x value",
        )
    try:
        probe = value
        if pd.api.types.is_datetime64_any_dtype(labels.dtype):
            probe, tz = pd.Timestamp(value), labels.dt.tz
            if tz is not None and probe.tz is None:  # a plain date in x's time zone
                probe = probe.tz_localize(tz)
        elif isinstance(labels.dtype, pd.PeriodDtype):
            probe = pd.Period(value, freq=labels.dtype.freq)
        hits = np.asarray(labels == probe if exact else labels >= probe, dtype=bool)
    except (TypeError, ValueError):
        raise _fail(
            f"{name}={value!r} cannot be compared with the x values ({labels.dtype}, "
            f"e.g. {_plain(labels.iloc[0])!r})",
            fix=f"give {name} as a position or as a value of the same kind as x",
        ) from None
    found = np.flatnonzero(hits)
    if not found.size:
        where = "equals no x value" if exact else "is after the last x value"
        raise _fail(
            f"{name}={value!r} {where} (x runs from {_plain(labels.iloc[0])!r} "
            f"to {_plain(labels.iloc[-1])!r})",
            fix=f"give {name} within the range of x",
        )
    return int(found[0])


def _positions(value: object, labels: pd.Series, has_x: bool, name: str) -> list[int]:
    size = len(labels)
    out = [_cut(v, labels, has_x, name, exact=True) for v in _as_list(value)]
    bad = [p for p in out if not 0 <= p < size]
    if bad:
        raise _fail(
            f"{name} positions {_show(bad)} are out of range: the chart has {size} points "
            f"(positions 0 to {size - 1})",
            fix=f"give {name} as 0-based positions of the chart's points",
        )
    return out


def _part_starts(value: object, labels: pd.Series, has_x: bool) -> list[int]:
    size = len(labels)
    cuts = [(v, _cut(v, labels, has_x, "part")) for v in _as_list(value)]
    bad = [v if not _is_position(v) else p for v, p in cuts if not 0 < p < size]
    if bad:
        raise _fail(
            f"part {_show(repr(_plain(b)) for b in bad)} out of range: a new part must start "
            f"at a position from 1 to {size - 1} (the chart has {size} points)",
            fix="give the first position (or x value) of each new part after the first",
        )
    return [0, *sorted({p for _, p in cuts})]


def _freeze(value: object, labels: pd.Series, has_x: bool) -> int:
    size = len(labels)
    if value is None:
        return size
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        raise _fail(
            "freeze takes one position or x value, not a list",
            fix="give freeze as the number of baseline points, e.g. freeze=12",
        )
    k = _cut(value, labels, has_x, "freeze")
    if not 2 <= k <= size:
        raise _fail(
            f"freeze={_plain(value)!r} gives a baseline of {k} points; it must be from 2 "
            f"to {size} (the chart has {size} points)",
            fix="freeze=k uses the first k points as baseline; choose k within the data",
        )
    return k
