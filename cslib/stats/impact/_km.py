"""Kaplan–Meier medians of durations when some tickets are still open (right-censored).

A ticket still open when the data ends has lasted at least its age (data end −
created): dropping it biases the median low, and counting its age as its
duration does too. The Kaplan–Meier survival curve S(t) = P(duration > t)
keeps each open ticket at risk up to its age; the median is the smallest t with
S(t) ≤ ½, or the midpoint up to the next finished duration where S stays at
exactly ½ (as R's ``survfit``), so that with no open ticket it is the ordinary
median. When more than half the tickets could still outlast every finished one,
S never reaches ½ and there is no median (NaN).

Examples
--------
>>> import numpy as np
>>> km_median(np.array([1.0, 3, 3, 6, 8, 2, 3, 7]), np.array([0, 0, 0, 0, 0, 1, 1, 1], bool))
6.0
"""

from __future__ import annotations

import numpy as np

#: tolerance of S(t) = ½ (sums of weights are exact up to rounding)
_EPS = 1e-12


def km_median(x: np.ndarray, still_open: np.ndarray) -> float:
    """Kaplan–Meier median of durations ``x``, those with ``still_open`` censored at their value."""
    x, still_open = np.asarray(x, dtype=float), np.asarray(still_open, dtype=bool)
    if not still_open.any():
        return float(np.median(x))
    if still_open.all():
        return np.nan
    times, sf = _survival(x, still_open)
    return float(_half(sf[None, :], times)[0])


def _survival(x: np.ndarray, still_open: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan–Meier curve at each distinct duration: S(t) = ∏ (n − d) / n over the times up to
    t, n at risk and d finished at each (the arithmetic of ``scipy.stats.ecdf`` on right-censored
    data, so the same values, without building its per-value lists).

    >>> t, s = _survival(np.array([1.0, 2, 2, 3]), np.array([False, True, False, False]))
    >>> t.tolist(), s.tolist()
    ([1.0, 2.0, 3.0], [0.75, 0.5, 0.0])
    """
    times, died = x, ~still_open
    if (x[1:] < x[:-1]).any():  # not already in order (as a query sorted by duration gives them)
        order = np.argsort(x)
        times, died = x[order], died[order]
    at_risk = np.arange(times.size, 0, -1)
    new = np.diff(times, prepend=-np.inf, append=np.inf) > 0  # a time's first and last values
    n = at_risk[new[:-1]]
    d = np.diff(np.cumsum(died)[new[1:]], prepend=0)
    return times[new[:-1]], np.cumprod((n - d) / n)


def _half(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per row of survival curves ``s`` (at the sorted times ``t``): the median (NaN if none)."""
    le, lt = s <= 0.5 + _EPS, s < 0.5 - _EPS
    i1, i2 = le.argmax(axis=1), lt.argmax(axis=1)
    rows = np.arange(s.shape[0])
    exact = (np.abs(s[rows, i1] - 0.5) <= _EPS) & lt.any(axis=1)
    med = np.where(exact, (t[i1] + t[i2]) / 2, t[i1])
    return np.where(le.any(axis=1), med, np.nan)


class _ClusterKM:
    """Kaplan–Meier medians of bags of resampled days (vectorised over resamples).

    The same interface as :class:`~cslib.stats.impact._medians._ClusterMedian`: a
    resample is a multiset of days, each day's tickets weighted by how often the
    day was drawn; the weighted Kaplan–Meier curve gives its median (time and
    memory ∝ resamples × tickets, in batches).
    """

    def __init__(self, x: np.ndarray, still_open: np.ndarray, day: np.ndarray, n_days: int):
        order = np.lexsort((still_open, x))  # by duration, a finished ticket before an open tie
        self.v = np.asarray(x, dtype=float)[order]
        self.event = ~np.asarray(still_open, dtype=bool)[order]
        self.day = day[order]
        self.n_days = n_days

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx)
        shape, m = idx.shape[:-1], idx.shape[-1]
        flat = idx.reshape(-1, m).astype(np.intp)
        rows = flat.shape[0]
        offs = (flat + (np.arange(rows) * self.n_days)[:, None]).ravel()
        counts = np.bincount(offs, minlength=rows * self.n_days).reshape(rows, self.n_days)
        out = np.empty(rows)
        step = max(1, 4_000_000 // max(1, self.v.size))
        for start in range(0, rows, step):
            w = counts[start : start + step][:, self.day].astype(float)
            at_risk = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]  # weight at or after each ticket
            with np.errstate(divide="ignore", invalid="ignore"):
                hazard = np.where(self.event & (w > 0), w / at_risk, 0.0)
            out[start : start + step] = _half(np.cumprod(1 - hazard, axis=1), self.v)
        return out.reshape(shape)
