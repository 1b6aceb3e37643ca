"""Exact medians for large samples: of all pairwise differences (the Hodges–Lehmann shift, with
the Mann–Whitney U from the same sorted values), and of resampled day clusters.

Both count instead of listing every value: the pairwise differences below a
candidate by binary search (over the distinct values, each weighted by how often it
occurs: durations in whole seconds or minutes repeat by the thousand at scale), the
values of resampled days by how often each day was drawn. Used by
:func:`~cslib.stats.impact.compare.compare`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np


def _mann_whitney_u(a: np.ndarray, b: np.ndarray) -> float:
    """Mann–Whitney U of sorted ``a`` against sorted ``b``: pairs with a_i > b_j, ties counting ½
    (the statistic of ``scipy.stats.mannwhitneyu(a, b)``, counted by binary search, not ranks).

    >>> _mann_whitney_u(np.array([1.0, 2, 3]), np.array([2.0, 4]))
    1.5
    """
    au, wa, _ = _runs(a)
    bu, _, before = _runs(b)
    below = (wa * before[np.searchsorted(bu, au, side="left")]).sum(dtype=np.int64)
    upto = (wa * before[np.searchsorted(bu, au, side="right")]).sum(dtype=np.int64)
    return float(below) + (float(upto) - float(below)) / 2


def _runs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of sorted ``x``, how often each occurs, and how many values lie
    below each (one more entry at the end: all of them), for counts by binary search.

    >>> _runs(np.array([1.0, 1.0, 2.0, 5.0, 5.0, 5.0]))
    (array([1., 2., 5.]), array([2, 1, 3]), array([0, 2, 3, 6]))
    """
    starts = np.flatnonzero(np.concatenate([[x.size > 0], x[1:] != x[:-1]]))
    return x[starts], np.diff(np.append(starts, x.size)), np.append(starts, x.size)


def hodges_lehmann(before: np.ndarray, after: np.ndarray) -> float:
    """Median of all pairwise differences after_i − before_j (exact, any size).

    Examples
    --------
    >>> hodges_lehmann([1, 2, 3], [2, 4])
    1.0
    """
    return _hodges_lehmann_sorted(
        np.sort(np.asarray(before, dtype=float)), np.sort(np.asarray(after, dtype=float))
    )


def _hodges_lehmann_sorted(b: np.ndarray, a: np.ndarray) -> float:
    """:func:`hodges_lehmann` of sorted ``b`` (before) and ``a`` (after)."""
    total = a.size * b.size
    if total <= 2_000_000:
        return float(np.median(np.subtract.outer(a, b)))
    return float(np.mean(_middle_differences(a, b, (total + 1) // 2, total // 2 + 1)))


def _middle_differences(
    a: np.ndarray, b: np.ndarray, k1: int, k2: int, window: int = 2_000_000
) -> tuple[float, float]:
    """The k1-th and k2-th smallest (1-based, k2 ∈ {k1, k1 + 1}) of a_i − b_j for sorted a, b.

    Narrows the value bounds until at most ``window`` differences lie between them (each
    step counts the differences below a value with one binary search per a_i; the first
    bounds come from a sample of the differences, then a step aims by the counts just
    beyond one side of the ranks, and bisects when two such steps did not quarter the
    differences left),
    then sorts those few and walks their counts to the two ranks; when a step finds an empty half, it
    checks whether one tied difference fills the window (common with whole seconds, or
    minutes in hours, whose differences tie up to rounding: then exact to 1e-9
    relative). Every search runs over the distinct values, weighted by their counts.
    O((n_a + n_b) log) time and memory.
    """

    Side = Literal["left", "right"]
    au, wa, _ = _runs(a)
    bu, wb, b_before = _runs(b)

    def count_le(x: float, side: Side = "left") -> int:  # pairs with a_i − b_j <= x (< x: "right")
        return int((wa * (b.size - b_before[np.searchsorted(bu, au - x, side=side)])).sum())

    margin = 1.0 + (a[-1] - b[0]) - (a[0] - b[-1])  # far outside, whatever the rounding
    lo, hi = a[0] - b[-1] - margin, a[-1] - b[0] + margin
    c_lo, c_hi = count_le(lo), count_le(hi)  # c_lo < k1 <= k2 <= c_hi
    # first bounds from every few values' differences, kept only if the counts confirm them
    sample = np.subtract.outer(a[:: max(1, a.size // 1000)], b[:: max(1, b.size // 1000)])
    q = k1 / (a.size * b.size)
    near_lo, near_hi = np.quantile(sample, [max(0.0, q - 0.02), min(1.0, q + 0.02)])
    if lo < near_lo < hi and (c := count_le(near_lo)) < k1:
        lo, c_lo = near_lo, c
    if lo < near_hi < hi and (c := count_le(near_hi)) >= k2:
        hi, c_hi = near_hi, c
    aims = ((k1 - window // 4), (k2 + window // 4))  # just below / above the ranks, in turn
    step, bisect, left = 0, False, c_hi - c_lo
    while c_hi - c_lo > window:
        mid = lo + (hi - lo) / 2
        if mid in (lo, hi):  # no value in between: the differences left are ties at hi
            tie = _below(au, bu, hi)
            return tie, tie
        if not bisect:  # a straight line through the counts
            aimed = lo + (hi - lo) * ((aims[step % 2] - c_lo) / (c_hi - c_lo))
            mid = aimed if lo < aimed < hi else mid
            step += 1
        c = count_le(mid)
        if c in (c_lo, c_hi):  # an empty half: the window may hold one tied difference
            tie = _below(au, bu, hi)
            near = tie - 1e-9 * max(1.0, abs(tie))  # ties up to rounding (e.g. minutes in hours)
            if count_le(tie) >= k2 and count_le(near, side="right") < k1:
                return tie, tie
        if c >= k2:
            hi, c_hi = mid, c
        elif c < k1:
            lo, c_lo = mid, c
        else:  # k1 <= c < k2: the k1-th difference is at or below mid, the k2-th above
            return _below(au, bu, mid), _above(au, bu, mid)
        if bisect or step % 2 == 0:  # two aimed steps that did not quarter the rest: bisect once
            bisect = not bisect and c_hi - c_lo > left / 4
            left = c_hi - c_lo
    # every distinct pair with a difference in (lo, hi]: for a_i, the b_j in [a_i − hi, a_i − lo)
    start = np.searchsorted(bu, au - hi, side="left")
    stop = np.searchsorted(bu, au - lo, side="left")
    sizes = stop - start
    rows = np.repeat(np.arange(au.size), sizes)
    cols = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes) + start[rows]
    diffs = au[rows] - bu[cols]
    order = np.argsort(diffs, kind="stable")
    through = np.cumsum((wa[rows] * wb[cols])[order])  # differences up to each, in order
    at = order[np.searchsorted(through, [k1 - c_lo, k2 - c_lo], side="left")]
    return float(diffs[at[0]]), float(diffs[at[1]])


def _below(a: np.ndarray, b: np.ndarray, x: float) -> float:
    """The largest difference a_i − b_j that is <= x."""
    j = np.searchsorted(b, a - x, side="left")
    ok = j < b.size
    return float(np.max(a[ok] - b[j[ok]]))


def _above(a: np.ndarray, b: np.ndarray, x: float) -> float:
    """The smallest difference a_i − b_j that is > x."""
    j = np.searchsorted(b, a - x, side="left") - 1
    ok = j >= 0
    return float(np.min(a[ok] - b[j[ok]]))


class _ClusterMedian:
    """Median of the values of a bag of resampled days (vectorised over resamples).

    A resample is a multiset of days; its median is the order statistic of the
    days' values, each day counted as often as it was drawn. With few values a
    day this walks the sorted values (time and memory ∝ resamples × values);
    with more (``binned``, e.g. dozens of tickets a day) it cuts the sorted
    values into bins, counts each day's values per bin once, finds the bin that
    holds each resample's order statistic by one product of the draw counts
    with those counts, and walks only inside that bin
    (∝ resamples × (days × bins + values / bins)) — the same exact median.
    """

    #: at most this many values in a bin, and resamples × bin values walked at once
    BIN, CHUNK = 8192, 2_000_000
    #: how much cheaper a bin's count (in the product) is than a value's walk: more, narrower bins
    PRODUCT = 16

    def __init__(self, x: np.ndarray, day: np.ndarray, n_days: int, binned: bool | None = None):
        order = np.argsort(x, kind="stable")
        self.v = x[order]
        self.day = day[order]
        self.n_days = n_days
        self.binned = x.size >= 4 * n_days if binned is None else binned
        if self.binned:
            # balances the product and the walk
            bins = int(np.sqrt(self.PRODUCT * x.size / max(n_days, 1)))
            bins = min(x.size, max(1, bins, -(-x.size // self.BIN)))
            self.edges = np.linspace(0, x.size, bins + 1).astype(np.intp)
            of_bin = np.repeat(np.arange(bins), np.diff(self.edges))
            per_bin = np.bincount(self.day * bins + of_bin, minlength=n_days * bins)
            self.per_bin = per_bin.reshape(n_days, bins).astype(float)  # days × bins

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx)
        shape, m = idx.shape[:-1], idx.shape[-1]
        flat = idx.reshape(-1, m).astype(np.intp)
        rows = flat.shape[0]
        offs = (flat + (np.arange(rows) * self.n_days)[:, None]).ravel()
        counts = np.bincount(offs, minlength=rows * self.n_days).reshape(rows, self.n_days)
        if self.binned:
            through = np.cumsum(counts @ self.per_bin, axis=1)  # resampled values up to each bin
            total = through[:, -1].astype(np.int64)
            low = self._kth(counts, through, (total + 1) // 2)
            high = self._kth(counts, through, total // 2 + 1)
            return ((low + high) / 2).reshape(shape)
        cum = np.cumsum(counts[:, self.day], axis=1)
        total = cum[:, -1]
        i1 = np.argmax(cum >= ((total + 1) // 2)[:, None], axis=1)
        i2 = np.argmax(cum >= (total // 2 + 1)[:, None], axis=1)
        return ((self.v[i1] + self.v[i2]) / 2).reshape(shape)

    def _kth(self, counts: np.ndarray, through: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The k-th smallest value (1-based) of each resample: the first sorted value at which
        the resample's running count reaches k, walked inside the bin where it does (all
        resamples at once, each over its own bin's values)."""
        bin_of = np.argmax(through >= k[:, None], axis=1)
        rank = k - np.where(bin_of > 0, through[np.arange(k.size), bin_of - 1], 0).astype(np.int64)
        lo, hi = self.edges[bin_of], self.edges[bin_of + 1]
        width = int((hi - lo).max(initial=1))
        step = max(1, self.CHUNK // width)
        at = np.empty(k.size, dtype=np.intp)
        for i in range(0, k.size, step):
            part = slice(i, i + step)
            pos = lo[part, None] + np.arange(width)  # each resample's bin, padded to the widest
            inside = pos < hi[part, None]
            drawn = np.take_along_axis(counts[part], self.day[np.where(inside, pos, 0)], axis=1)
            cum = np.cumsum(np.where(inside, drawn, 0), axis=1)
            at[part] = lo[part] + np.argmax(cum >= rank[part, None], axis=1)
        return self.v[at]
