"""Two-period intervals when values come in clusters (days or weeks) that share a shock.

Tickets of one day share its staffing and backlog, so they are not independent:
the number of clusters, not of tickets, sets how precise a comparison is. Both
intervals here take each period's variance from its clusters (inflated by
G / (G − 1)) and a t quantile with Welch–Satterthwaite degrees of freedom
counted in clusters, so they keep their error rate with a few dozen days. Used
by :func:`~cslib.stats.impact.compare.compare`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._lazy import lazy
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._km import _ClusterKM, km_median
from cslib.stats.impact._medians import _ClusterMedian

if TYPE_CHECKING:
    from scipy import stats
else:
    stats = lazy("scipy.stats")


def _welch_t(diff: float, var_b: float, var_a: float, g_b: int, g_a: int, alpha: float) -> dict:
    """Interval, p-value and t of ``diff`` from per-period variances over g_b, g_a clusters."""
    se = float(np.sqrt(var_b + var_a))
    if not se > 0:
        return {
            "ci_low": diff,
            "ci_high": diff,
            "p_value": np.nan,
            "statistic": np.nan,
            "df": np.nan,
        }
    df = (var_b + var_a) ** 2 / (var_b**2 / (g_b - 1) + var_a**2 / (g_a - 1))
    t = diff / se
    half = float(stats.t.ppf(1 - alpha / 2, df) * se)
    return {
        "ci_low": diff - half,
        "ci_high": diff + half,
        "p_value": float(2 * stats.t.sf(abs(t), df)),
        "statistic": float(t),
        "df": float(df),
    }


def _cluster_mean_var(x: np.ndarray, day: np.ndarray, n_days: int) -> tuple[float, float]:
    """Mean of the values and its cluster-robust variance (ratio estimator, CR1 factor)."""
    total = np.bincount(day, weights=x, minlength=n_days)
    count = np.bincount(day, minlength=n_days)
    mean = total.sum() / count.sum()
    resid = total - mean * count
    return float(mean), float(n_days / (n_days - 1) * (resid**2).sum() / count.sum() ** 2)


def cluster_mean_diff(b, day_b, nd_b, a, day_a, nd_a, alpha: float) -> dict:
    """Difference of means (after − before) with a day-clustered t interval.

    Examples
    --------
    >>> import numpy as np
    >>> b, a = np.array([1.0, 1, 3, 3]), np.array([2.0, 2, 4, 4])
    >>> day = np.array([0, 0, 1, 1])
    >>> r = cluster_mean_diff(b, day, 2, a, day, 2, 0.05)
    >>> r["diff"], round(r["df"], 6), round(r["ci_low"], 3), round(r["ci_high"], 3)
    (1.0, 2.0, -5.085, 7.085)
    """
    mb, vb = _cluster_mean_var(b, day_b, nd_b)
    ma, va = _cluster_mean_var(a, day_a, nd_a)
    return {"diff": ma - mb, **_welch_t(ma - mb, vb, va, nd_b, nd_a, alpha)}


def _median_of(x, day, n_days, still_open):
    """The period's median and its resampler: Kaplan–Meier when some tickets are still open."""
    if still_open is None or not np.any(still_open):
        return float(np.median(x)), _ClusterMedian(x, day, n_days)
    return km_median(x, still_open), _ClusterKM(x, still_open, day, n_days)


def cluster_median_t(
    b, day_b, nd_b, a, day_a, nd_a, alpha, n_resamples, rng, open_b=None, open_a=None
) -> dict:
    """Difference and log ratio of medians with t intervals from a cluster bootstrap's variance.

    Each period's whole clusters are resampled on their own; the variances of
    the resampled medians (and log medians), inflated by G / (G − 1), give
    Welch t intervals. The p-value is that of the log ratio. With ``open_b`` /
    ``open_a`` (tickets still open, their value their age) the medians are
    Kaplan–Meier medians (:mod:`~cslib.stats.impact._km`), in the resamples too.
    """
    m_b, med_b = _median_of(b, day_b, nd_b, open_b)
    m_a, med_a = _median_of(a, day_a, nd_a, open_a)
    boot_b = med_b(rng.integers(0, nd_b, size=(n_resamples, nd_b)))
    boot_a = med_a(rng.integers(0, nd_a, size=(n_resamples, nd_a)))
    diff = _welch_t(
        m_a - m_b,
        boot_b.var(ddof=1) * nd_b / (nd_b - 1),
        boot_a.var(ddof=1) * nd_a / (nd_a - 1),
        nd_b,
        nd_a,
        alpha,
    )
    if m_b > 0 and m_a > 0 and (boot_b > 0).all() and (boot_a > 0).all():
        log = _welch_t(
            np.log(m_a / m_b),
            np.log(boot_b).var(ddof=1) * nd_b / (nd_b - 1),
            np.log(boot_a).var(ddof=1) * nd_a / (nd_a - 1),
            nd_b,
            nd_a,
            alpha,
        )
    else:  # no ratio of medians that are not above 0
        log = dict.fromkeys(("ci_low", "ci_high", "p_value", "statistic", "df"), np.nan)
    return {"diff": diff, "log_ratio": log}


def _day_index(days: object, n: int, name: str) -> tuple[np.ndarray, int]:
    if days is None:
        return np.arange(n), n
    labels = pd.Series(days)
    if labels.size != n:
        raise ParameterError(
            Problem(
                f"needs one day label per value ({labels.size} labels for {n} values)",
                column=name,
                fix="pass the day of each value, aligned with the values",
            )
        )
    if labels.isna().any():
        rows = np.flatnonzero(labels.isna().to_numpy())
        raise ParameterError(
            Problem(
                "missing day labels",
                column=name,
                rows=tuple(int(r) + 1 for r in rows[:5]),
                n_rows=int(rows.size),
                fix="give every value its day",
            )
        )
    codes, uniques = pd.factorize(labels)
    return np.asarray(codes, dtype=np.intp), len(uniques)


def _enough_days(nd_b: int, nd_a: int) -> None:
    if nd_b < 2 or nd_a < 2:
        raise ParameterError(
            Problem(
                f"too few days to compare ({nd_b} before, {nd_a} after; at least 2 each)",
                column="before_days/after_days",
                fix="compare periods of several days each",
            )
        )


def _clustered_medians(
    b, day_b, nd_b, a, day_a, nd_a, alpha, n_resamples, rng, open_b=None, open_a=None
) -> dict:
    """Cluster-bootstrap t intervals of the medians' difference and log ratio, and the ratio's test."""
    res = cluster_median_t(
        b, day_b, nd_b, a, day_a, nd_a, alpha, int(n_resamples), rng, open_b, open_a
    )
    diff, log = res["diff"], res["log_ratio"]
    km = any(o is not None and np.any(o) for o in (open_b, open_a))
    return {
        "bounds": ((diff["ci_low"], diff["ci_high"]), (log["ci_low"], log["ci_high"])),
        "p_value": log["p_value"],
        "statistic": log["statistic"],
        "df": log["df"],
        "method": "difference and ratio of "
        + (
            "Kaplan–Meier medians (tickets still open count as lasting at least their age)"
            if km
            else "medians"
        )
        + ", t intervals (Welch df over days) from a bootstrap resampling whole days; "
        "t test of the log ratio",
        "reason": "skewed durations: medians resist long tails; tickets of one day share its "
        "staffing and backlog, so the days, not the tickets, set the precision",
    }


def _cluster_means(n: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each group's mean (ratio estimator) and its linearised deviation per cluster (groups × clusters)."""
    total = n.sum(axis=1)
    with np.errstate(
        divide="ignore", invalid="ignore"
    ):  # a group without dated cases: NaN, no test
        mean = s.sum(axis=1) / total
        return mean, (s - mean[:, None] * n) / total[:, None]


def cluster_contrasts(n: np.ndarray, s: np.ndarray, alpha: float) -> pd.DataFrame:
    """Each group's mean against the rest's, when the groups share their clusters (days, weeks).

    ``n`` and ``s`` hold the count and the sum of the values of each group
    (rows) in each cluster (columns). The difference of means (group − rest)
    gets the cluster-robust variance G / (G − 1) Σ_c z_c², z_c being the
    cluster's linearised contribution to the difference, and a t interval
    with G − 1 degrees of freedom: a shock shared by a day's cases counts
    once, not once per case.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``mean``, ``rest``, ``diff``, ``ci_low``,
        ``ci_high``, ``p_value``, ``statistic``, ``df``, ``clusters``.

    Examples
    --------
    Two groups over two days. Group 0: values 1, 1 on day 0 and 3 on day 1
    (mean 5/3); group 1: 2 on day 0, 1 and 1 on day 1 (mean 4/3). The days'
    contributions to the difference are ±2/3, so its variance is
    2 · (4/9 + 4/9) = 16/9 and t = (1/3) / (4/3) = 0.25 on 1 df:

    >>> n = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> s = np.array([[2.0, 3.0], [2.0, 2.0]])
    >>> r = cluster_contrasts(n, s, 0.05).iloc[0]
    >>> round(float(r["diff"]), 6), round(float(r["statistic"]), 6), int(r["df"])
    (0.333333, 0.25, 1)
    """
    n, s = np.asarray(n, dtype=float), np.asarray(s, dtype=float)
    keep = n.sum(axis=0) > 0
    n, s = n[:, keep], s[:, keep]
    g = n.shape[1]
    rows = []
    for i in range(n.shape[0]):
        pair_n = np.vstack([n[i], n.sum(axis=0) - n[i]])
        pair_s = np.vstack([s[i], s.sum(axis=0) - s[i]])
        mean, z = _cluster_means(pair_n, pair_s)
        var = g / (g - 1) * float(((z[0] - z[1]) ** 2).sum()) if g > 1 else np.nan
        row = _welch_t(float(mean[0] - mean[1]), var, 0.0, g, g, alpha)
        row["df"] = float(g - 1)
        rows.append({"mean": mean[0], "rest": mean[1], "diff": mean[0] - mean[1], **row})
    out = pd.DataFrame(rows)
    out["clusters"] = g
    return out


def cluster_wald(n: np.ndarray, s: np.ndarray) -> tuple[float, float, int, int]:
    """Whether the groups' means differ at all, with the groups sharing their clusters.

    The Wald statistic W of the K − 1 differences from the first group's mean,
    with the cluster-robust covariance of the means, scaled to F = W / q ·
    (G − q) / (G − 1) on (q, G − q) degrees of freedom (q = K − 1), which keeps
    the test's size with few clusters (Cameron & Miller 2015).

    Returns
    -------
    F, p_value, df1, df2
        NaN when there are not more clusters than differences.

    Examples
    --------
    >>> n = np.ones((2, 4))
    >>> s = np.array([[1.0, 2, 3, 4], [2.0, 2, 4, 4]])
    >>> f, p, q, d = cluster_wald(n, s)
    >>> # day differences 1, 0, 1, 0: mean 0.5, variance 4/3 · 4 · (0.5 / 4)² = 1/12, W = 3
    >>> round(f, 6), q, d
    (3.0, 1, 3)
    """
    n, s = np.asarray(n, dtype=float), np.asarray(s, dtype=float)
    keep = n.sum(axis=0) > 0
    n, s = n[:, keep], s[:, keep]
    g, q = n.shape[1], n.shape[0] - 1
    if q < 1 or g - q < 1:
        return np.nan, np.nan, q, g - q
    mean, z = _cluster_means(n, s)
    cov = g / (g - 1) * z @ z.T
    c = np.hstack([-np.ones((q, 1)), np.eye(q)])
    d = c @ mean
    w = float(d @ np.linalg.pinv(c @ cov @ c.T) @ d)
    f = w / q * (g - q) / (g - 1)
    return f, float(stats.f.sf(f, q, g - q)), q, g - q
