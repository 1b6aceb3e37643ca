"""Signal rules behind :mod:`cslib.stats.spc.compute` (private).

Two rule sets, both working on one part of a chart at a time:

- :func:`runs_analysis` — Anhøj's runs rules (unusually long runs, unusually
  few crossings of the centre line), as in qicharts2.
- :func:`nhs_rules` — the NHS "Making Data Count" rules (outside the limits,
  7-point trend, 2 of 3 near a limit, 7-point shift), as in NHSRplotthedots.

Inputs are plain numpy arrays of one part; ``use`` masks the points that take
part in the pattern rules (not excluded, not missing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: pattern length of the NHS trend and shift rules
NHS_RUN = 7

#: NHS rules in order of precedence, as named in the ``special_cause_rule`` column
NHS_RULES = ("outside limits", "trend", "two of three", "shift")


#: charts with more useful points than this take the crossings' limit from scipy
LONG_CHART = 10_000


@lru_cache(maxsize=1024)
def runs_limits(n_useful: int) -> tuple[int, int]:
    """Critical values of the Anhøj rules for ``n_useful`` useful observations.

    Parameters
    ----------
    n_useful : int
        Number of observations not on the centre line (and not excluded).

    Returns
    -------
    tuple of int
        ``(longest_run_max, n_crossings_min)``: a run longer than the first, or
        fewer crossings than the second, is a signal.

    Examples
    --------
    >>> runs_limits(20)
    (7, 6)
    """
    n_useful = int(n_useful)
    if n_useful < 1:
        raise ValueError("runs_limits needs at least one useful observation")
    longest = round(math.log2(n_useful)) + 3  # Schilling 2012
    # R's qbinom(0.05, n - 1, 0.5): smallest k with P(X <= k) >= 0.05 (Chen 2010)
    if n_useful > LONG_CHART:
        from scipy import stats

        return longest, int(stats.binom.ppf(0.05, n_useful - 1, 0.5))
    # counted in whole numbers, without importing scipy (0.6 s in a fresh process):
    # P(X <= k) is the sum of C(n - 1, i) for i <= k over 2 ** (n - 1)
    m, whole, crossings = n_useful - 1, 2 ** (n_useful - 1), 0
    term = below = 1  # C(m, 0)
    while 20 * below < whole:
        term = term * (m - crossings) // (crossings + 1)
        crossings += 1
        below += term
    return longest, crossings


@dataclass(frozen=True)
class Runs:
    """Outcome of the runs analysis of one part."""

    n_useful: int
    longest_run: float
    longest_run_max: float
    n_crossings: float
    n_crossings_min: float
    signal: bool
    long_run: np.ndarray  # per point: belongs to a run longer than the limit


def runs_analysis(y: np.ndarray, cl: np.ndarray, use: np.ndarray) -> Runs:
    """Anhøj runs analysis of one part.

    Points on the centre line, missing or not in ``use`` are not useful: they
    neither break nor extend a run.
    """
    side = np.sign(y - cl)
    useful = use & np.isfinite(side) & (side != 0)
    s = side[useful]
    long_run = np.zeros(len(y), dtype=bool)
    if s.size == 0:
        nan = float("nan")
        return Runs(0, nan, nan, nan, nan, False, long_run)
    starts = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
    lengths = np.diff(np.r_[starts, s.size])
    longest_max, crossings_min = runs_limits(s.size)
    longest, crossings = int(lengths.max()), len(lengths) - 1
    long_run[useful] = np.repeat(lengths > longest_max, lengths)
    signal = bool(longest > longest_max or crossings < crossings_min)
    return Runs(s.size, longest, longest_max, crossings, crossings_min, signal, long_run)


def _streaks(a: np.ndarray) -> np.ndarray:
    """Length of the streak of equal non-zero values ending at each element (0 breaks)."""
    out = np.zeros(len(a), dtype=int)
    run = 0
    for i, v in enumerate(a):
        if v == 0:
            run = 0
        elif i > 0 and a[i - 1] == v:
            run += 1
        else:
            run = 1
        out[i] = run
    return out


def _members(ends: np.ndarray) -> np.ndarray:
    """Points of the 7-point patterns that end at the flagged points."""
    out = np.zeros(len(ends), dtype=bool)
    for e in np.flatnonzero(ends):
        out[e - NHS_RUN + 1 : e + 1] = True
    return out


def _trend(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trend ends, trend members and each member's direction (+1 rising, −1 falling).

    A point ends a trend when it and the 6 points before it each rise (or each
    fall) from the previous one; a tie breaks the trend. A member's direction
    is the step to the next point when that point is in a trend too, else the
    step from the previous point, so a point joining a falling and a rising
    trend takes the direction of the trend that follows it (as NHSRplotthedots).
    """
    k = len(y)
    steps = np.sign(np.diff(y)).astype(int) if k > 1 else np.zeros(0, dtype=int)
    ends = np.zeros(k, dtype=bool)
    ends[1:] = _streaks(steps) >= NHS_RUN - 1
    members = _members(ends)
    next_member = np.r_[members[1:], False] & members
    step_after, step_before = np.r_[steps, 0][:k], np.r_[0, steps][:k]
    direction = np.where(members, np.where(next_member, step_after, step_before), 0)
    return ends, members, direction


def _two_of_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Close-to-limit points in 3 consecutive points, 2 or more of them close, all on one side.

    A point on the mean (side 0) or on the other side spoils the window.
    """
    k = len(close)
    flagged = np.zeros(k, dtype=bool)
    if k < 3:
        return flagged
    windows = np.lib.stride_tricks.sliding_window_view
    hit = (windows(close, 3).sum(axis=1) >= 2) & (np.abs(windows(side, 3).sum(axis=1)) == 3)
    for offset in range(3):
        flagged[offset : offset + len(hit)] |= hit
    return flagged & close


@dataclass(frozen=True)
class NhsFlags:
    """Per-point outcome of the NHS rules for one part (arrays of the part's length)."""

    trend: np.ndarray  # the point completes (or extends) a 7-point trend
    two_of_three: np.ndarray  # a close-to-limit point in a 2-of-3 pattern
    shift: np.ndarray  # the point completes (or extends) a 7-point shift
    special_cause: np.ndarray  # part of any pattern (or outside the limits)
    rule: np.ndarray  # highest-precedence rule the point is part of, or None
    direction: np.ndarray  # +1 high / rising, -1 low / falling for special causes, 0 otherwise


def nhs_rules(
    y: np.ndarray,
    cl: np.ndarray,
    lcl: np.ndarray,
    ucl: np.ndarray,
    outside: np.ndarray,
    use: np.ndarray,
) -> NhsFlags:
    """NHS "Making Data Count" rules for one part, as NHSRplotthedots applies them.

    - *outside limits*: ``outside`` (every point, excluded ones too);
    - *trend*: 7 points each higher (or each lower) than the previous;
    - *two of three*: among 3 consecutive points all on one side of the mean,
      2 or more are *close to a limit* — beyond 2/3 of the way from the mean to
      the limit but not outside it; only the close points are flagged;
    - *shift*: 7 points in a row on one side of the mean (a point on it breaks it).

    ``trend`` and ``shift`` flag the points that complete a pattern (from the 7th
    point on); ``special_cause`` marks every point of a pattern. A point in
    several patterns takes the first rule in :data:`NHS_RULES` and its direction:
    the side of the mean, or for a trend the way it runs. Patterns are sought
    among the ``use`` points only.

    Examples
    --------
    >>> y = np.array([60.8, 50.5, 49.6, 60.9])  # close to the lower limit, but not 3 below
    >>> cl, half = np.full(4, 58.743), np.full(4, 11.029)
    >>> flags = nhs_rules(y, cl, cl - half, cl + half, np.zeros(4, bool), np.ones(4, bool))
    >>> bool(flags.special_cause.any())
    False
    """
    m = len(y)
    idx = np.flatnonzero(use & np.isfinite(y))
    yc, clc = y[idx], cl[idx]
    side = np.sign(yc - clc)
    with np.errstate(invalid="ignore"):
        near = (yc > clc + 2 / 3 * (ucl[idx] - clc)) | (yc < clc - 2 / 3 * (clc - lcl[idx]))
    trend_end, in_trend, trend_dir = _trend(yc)
    shift_end = _streaks(side.astype(int)) >= NHS_RUN
    patterns = {  # rule: (points, their direction) among the used points
        "trend": (in_trend, trend_dir),
        "two of three": (_two_of_three(near & ~outside[idx], side), side),
        "shift": (_members(shift_end), side),
    }

    def spread(values: np.ndarray) -> np.ndarray:
        out = np.zeros(m, dtype=values.dtype)
        out[idx] = values
        return out

    rule = np.full(m, None, dtype=object)
    direction = np.zeros(m, dtype=int)
    special = np.zeros(m, dtype=bool)
    for name in reversed(NHS_RULES):  # lowest precedence first: the highest is written last
        if name == "outside limits":
            mask, sign = outside, np.nan_to_num(np.sign(y - cl))
        else:
            mask, sign = spread(patterns[name][0]), spread(patterns[name][1])
        rule[mask] = name
        direction[mask] = sign[mask]
        special |= mask
    two = spread(patterns["two of three"][0])
    return NhsFlags(spread(trend_end), two, spread(shift_end), special, rule, direction)
