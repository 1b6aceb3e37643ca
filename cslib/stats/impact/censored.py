"""Durations with tickets still open: Kaplan–Meier medians and their two-period comparison.

A ticket still open when the data ends has no resolution time yet, only a
lower bound: its age (data end − created). Dropping those tickets makes a recent
period look faster than it is (the slowest tickets are the ones missing);
:func:`km_median` and :func:`compare_censored` count each open ticket as lasting
at least its age (right-censoring, Kaplan–Meier). With no ticket open both give
exactly what :func:`numpy.median` and :func:`~cslib.stats.impact.compare.compare`
give.

Examples
--------
Eight tickets, three still open (ages 2, 3 and 7 h). Kaplan–Meier: S = 7/8 after
1 h; at 3 h six are at risk and two finish, S = 7/8 · 4/6 = 0.583; at 6 h three
are at risk and one finishes, S = 0.389 ≤ ½: the median is 6 h. Dropping the
open tickets would give 3 h.

>>> import numpy as np
>>> hours = np.array([1.0, 3, 3, 6, 8, 2, 3, 7])
>>> still_open = np.array([0, 0, 0, 0, 0, 1, 1, 1], dtype=bool)
>>> km_median(hours, still_open), float(np.median(hours[~still_open]))
(6.0, 3.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib._args import check_alpha, values
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._clustered import _clustered_medians, _day_index, _enough_days
from cslib.stats.impact._km import km_median
from cslib.stats.impact.compare import compare

__all__ = ["compare_censored", "km_median", "open_note"]


def compare_censored(
    before: object,
    after: object,
    *,
    before_open: object,
    after_open: object,
    alpha: float = 0.05,
    before_days: object = None,
    after_days: object = None,
    n_resamples: int = 2000,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Compare durations between two periods when some tickets are still open.

    Parameters
    ----------
    before, after : sequence of float
        Each ticket's duration; for a ticket still open, its age when the data ends.
    before_open, after_open : sequence of bool
        True where the ticket was still open (its duration is at least its value).
    alpha, before_days, after_days, n_resamples, random_state
        As in :func:`~cslib.stats.impact.compare.compare` with ``kind="duration"``:
        the day (or week) of each ticket; whole days are resampled.

    Returns
    -------
    pandas.DataFrame
        With no ticket open, exactly ``compare(before, after, kind="duration", …)``.
        Otherwise one row with ``kind``, ``n_before``, ``n_after``, ``open_before``,
        ``open_after`` (tickets still open), ``before``, ``after`` (Kaplan–Meier
        medians), ``diff``, ``ci_low``, ``ci_high``, ``ratio``, ``ratio_ci_low``,
        ``ratio_ci_high``, ``p_value``, ``statistic``, ``df``, ``n_days_before``,
        ``n_days_after``, ``method`` and ``reason``; the intervals are t intervals
        from a bootstrap of Kaplan–Meier medians resampling whole days (each
        ticket its own day without labels). A median is missing when more than
        half the tickets could outlast every finished one.

    Examples
    --------
    >>> row = compare_censored([5.0, 7, 9, 11], [3.0, 4, 8, 20], before_open=[0, 0, 0, 0],
    ...                        after_open=[0, 0, 0, 1])
    >>> row[["before", "after"]].values.tolist(), int(row["open_after"].iloc[0])
    ([[8.0, 6.0]], 1)
    """
    alpha = check_alpha(alpha)
    b, a = values(before, "before"), values(after, "after")
    ob, oa = _flags(before_open, b.size, "before_open"), _flags(after_open, a.size, "after_open")
    if not (ob.any() or oa.any()):
        return compare(
            b,
            a,
            kind="duration",
            alpha=alpha,
            before_days=before_days,
            after_days=after_days,
            n_resamples=n_resamples,
            random_state=random_state,
        )
    day_b, nd_b = _day_index(before_days, b.size, "before_days")
    day_a, nd_a = _day_index(after_days, a.size, "after_days")
    _enough_days(nd_b, nd_a)
    rng = np.random.default_rng(random_state)
    res = _clustered_medians(b, day_b, nd_b, a, day_a, nd_a, alpha, n_resamples, rng, ob, oa)
    (low, high), (log_low, log_high) = res["bounds"]
    m_b, m_a = km_median(b, ob), km_median(a, oa)
    ratio = m_a / m_b if m_b > 0 else np.nan
    return pd.DataFrame(
        [
            {
                "kind": "duration",
                "n_before": int(b.size),
                "n_after": int(a.size),
                "open_before": int(ob.sum()),
                "open_after": int(oa.sum()),
                "before": m_b,
                "after": m_a,
                "diff": m_a - m_b,
                "ci_low": float(low),
                "ci_high": float(high),
                "ratio": ratio,
                "ratio_ci_low": float(np.exp(log_low)),
                "ratio_ci_high": float(np.exp(log_high)),
                "p_value": float(res["p_value"]),
                "statistic": float(res["statistic"]),
                "df": float(res["df"]),
                "n_days_before": int(nd_b),
                "n_days_after": int(nd_a),
                "method": res["method"],
                "reason": res["reason"]
                + "; a ticket still open lasts at least its age (right-censored, Kaplan–Meier)",
            }
        ]
    )


def open_note(n_open: int, n: int, what: str = "resolution time") -> str:
    """The sentence a report gives about tickets still open.

    Examples
    --------
    >>> open_note(312, 7800)
    '312 tickets (4 %) were still open; their resolution time counts as at least their age.'
    """
    share = f"{100 * n_open / n:.0f} %" if n else "–"
    return (
        f"{n_open:,} tickets ({share}) were still open; their {what} counts as at least their age."
    )


def _flags(x: object, n: int, name: str) -> np.ndarray:
    flags = pd.Series(x)
    bad = ~flags.isin([0, 1, True, False])
    if flags.size != n or bad.any():
        raise ParameterError(
            Problem(
                f"needs one open flag (True/False) per duration ({flags.size} flags for {n} values"
                + (f", {int(bad.sum())} not True/False)" if bad.any() else ")"),
                column=name,
                values=tuple(flags[bad].head(3)),
                fix="pass True where the ticket was still open when the data ends, else False",
            )
        )
    return flags.to_numpy().astype(bool)
