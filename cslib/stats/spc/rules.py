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
from scipy.stats import binom

#: pattern length of the NHS trend and shift rules
NHS_RUN = 7

#: NHS rules in order of precedence, as named in the ``special_cause_rule`` column
NHS_RULES = ("outside limits", "trend", "two of three", "shift")


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
    crossings = int(binom.ppf(0.05, n_useful - 1, 0.5))
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


@dataclass(frozen=True)
class NhsFlags:
    """Per-point outcome of the NHS rules for one part (arrays of the part's length)."""

    trend: np.ndarray  # the point completes (or extends) a 7-point trend
    two_of_three: np.ndarray  # a near-limit point in a 2-of-3 pattern
    shift: np.ndarray  # the point completes (or extends) a 7-point shift
    special_cause: np.ndarray  # part of any pattern (or outside the limits)
    rule: np.ndarray  # highest-precedence rule the point is part of, or None
    direction: np.ndarray  # +1 high / -1 low for special causes, 0 otherwise


def nhs_rules(
    y: np.ndarray,
    cl: np.ndarray,
    lcl: np.ndarray,
    ucl: np.ndarray,
    outside: np.ndarray,
    use: np.ndarray,
) -> NhsFlags:
    """NHS "Making Data Count" rules for one part.

    ``trend`` and ``shift`` flag the points that complete a pattern (from the
    7th point on), as NHSRplotthedots does; ``special_cause`` marks every point
    that belongs to a pattern. Patterns are sought among the ``use`` points only;
    ``outside`` (points beyond the limits) applies to every point.
    """
    m = len(y)
    idx = np.flatnonzero(use & np.isfinite(y))
    yc, clc = y[idx], cl[idx]
    side = np.sign(yc - clc)
    k = len(idx)

    # shift: 7 points in a row on one side of the centre line
    shift_c = _streaks(side.astype(int)) >= NHS_RUN
    # trend: 7 points each higher (or lower) than the previous; a tie breaks it
    steps = np.sign(np.diff(yc)).astype(int) if k > 1 else np.zeros(0, dtype=int)
    trend_c = np.zeros(k, dtype=bool)
    trend_dir = np.zeros(k, dtype=int)
    trend_c[1:] = _streaks(steps) >= NHS_RUN - 1
    trend_dir[1:] = np.where(trend_c[1:], steps, 0)
    # two of three consecutive points beyond 2/3 of the way to a limit, same side
    with np.errstate(invalid="ignore"):
        near_hi = yc > clc + 2 / 3 * (ucl[idx] - clc)
        near_lo = yc < clc - 2 / 3 * (clc - lcl[idx])
    two_c = np.zeros(k, dtype=bool)
    width = min(3, k)
    for start in range(max(k - width + 1, 0)):
        window = slice(start, start + width)
        for near in (near_hi, near_lo):
            if near[window].sum() >= 2:
                two_c[window] |= near[window]

    # membership of whole patterns: the 6 points before each flagged end point
    def members(ends: np.ndarray) -> np.ndarray:
        out = np.zeros(k, dtype=bool)
        for e in np.flatnonzero(ends):
            out[e - NHS_RUN + 1 : e + 1] = True
        return out

    in_trend, in_shift = members(trend_c), members(shift_c)
    member_trend_dir = np.zeros(k, dtype=int)
    for e in np.flatnonzero(trend_c):
        member_trend_dir[e - NHS_RUN + 1 : e + 1] = trend_dir[e]

    def spread(values: np.ndarray, fill: object) -> np.ndarray:
        out = np.full(m, fill, dtype=values.dtype)
        out[idx] = values
        return out

    trend, shift, two = spread(trend_c, False), spread(shift_c, False), spread(two_c, False)
    in_trend_full, in_shift_full = spread(in_trend, False), spread(in_shift, False)
    trend_dir_full = spread(member_trend_dir, 0)

    rule = np.full(m, None, dtype=object)
    direction = np.zeros(m, dtype=int)
    full_side = np.nan_to_num(np.sign(y - cl)).astype(int)
    # fill from lowest to highest precedence so that the highest wins
    for name, mask in zip(
        reversed(NHS_RULES),
        (in_shift_full, two, in_trend_full, outside),
        strict=True,
    ):
        rule[mask] = name
        direction[mask] = trend_dir_full[mask] if name == "trend" else full_side[mask]
    special = outside | in_trend_full | two | in_shift_full
    return NhsFlags(trend, two, shift, special, rule, direction)
