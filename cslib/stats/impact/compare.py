"""Two-period comparisons: :func:`compare` (public through :mod:`cslib.stats.impact`)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from cslib._args import check_alpha, choice, values
from cslib._lazy import lazy
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._clustered import (
    _clustered_medians,
    _day_index,
    _enough_days,
    cluster_mean_diff,
)
from cslib.stats.impact._medians import (
    _ClusterMedian,
    _hodges_lehmann_sorted,
    _mann_whitney_u,
)

if TYPE_CHECKING:
    from scipy import special, stats
    from statsmodels.stats import proportion
else:
    special, stats = lazy("scipy.special"), lazy("scipy.stats")
    proportion = lazy("statsmodels.stats.proportion")

KINDS = ("continuous", "duration", "proportion", "nps")


class Moments(NamedTuple):
    """A period summarised by its count, mean and variance (ddof=1), e.g. from a SQL aggregate.

    Pass it to :func:`compare` with ``kind="continuous"`` when the values are too many to load:
    the Welch test needs nothing more (the rank-based effect sizes are then missing).
    """

    n: int
    mean: float
    var: float


class NpsCounts(NamedTuple):
    """A period's NPS answers counted: promoters (9–10), passives (7–8), detractors (0–6)."""

    promoters: int
    passives: int
    detractors: int


def compare(
    before: object,
    after: object,
    *,
    kind: str,
    alpha: float = 0.05,
    before_days: object = None,
    after_days: object = None,
    n_resamples: int = 2000,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Compare a KPI between two periods; every difference is after − before.

    Parameters
    ----------
    before, after : sequence
        The values of each period. For ``kind="proportion"`` either 0/1 values
        (a list, array or Series) or a ``(successes, n)`` **tuple**. For
        ``kind="nps"`` the 0–10 answers or an :class:`NpsCounts`. For
        ``kind="continuous"`` the values or their :class:`Moments`.
    kind : {"continuous", "duration", "proportion", "nps"}
        ``continuous``: roughly symmetric values (Welch t-test, Hedges' g).
        ``duration``: skewed times such as resolution hours (Mann–Whitney,
        difference of medians with a BCa bootstrap CI).
        ``proportion``: a share (two-proportion z test, Newcombe CI).
        ``nps``: Net Promoter Score on the −100…100 scale.
    alpha : float
        1 − confidence level of the intervals.
    before_days, after_days : sequence, optional
        A day (or any cluster, e.g. a week) label per value. Cases of one day
        share its staffing and backlog, so with labels the interval and the
        p-value come from the days: ``duration`` resamples whole days (t
        intervals with the bootstrap's variance, t test of the log ratio of
        medians, in place of BCa and Mann–Whitney); the other kinds (values
        per case, not counts) use a cluster-robust variance of each period's
        mean. Degrees of freedom are counted in days (column ``df``). Without
        labels each value is independent.
    n_resamples : int
        ``duration`` only: bootstrap resamples.
    random_state : int, optional
        ``duration`` only: seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row with ``kind``, ``n_before``, ``n_after``, ``before``, ``after``
        (means, medians, proportions or NPS), ``diff`` (after − before),
        ``ci_low``, ``ci_high``, ``p_value``, ``statistic``, ``method``,
        ``reason``. ``continuous`` and ``duration`` add ``hedges_g``,
        ``hodges_lehmann`` (median of after_i − before_j) and ``cliffs_delta``
        (P(after > before) − P(after < before)); ``continuous`` adds ``df``;
        ``duration`` adds ``n_days_before``, ``n_days_after`` and the ratio of
        medians after / before with its interval (``ratio``, ``ratio_ci_low``,
        ``ratio_ci_high``: bootstrapped on the log scale, so it never implies a
        negative duration); ``proportion``
        adds Wilson intervals ``before_ci_low`` … ``after_ci_high``; ``nps``
        adds the shares ``promoters_*`` and ``detractors_*``.

    Examples
    --------
    >>> round(compare([5.1, 4.8, 6.0, 5.5], [4.2, 4.0, 4.9, 4.4], kind="continuous")["diff"].item(), 3)
    -0.975
    >>> compare((12, 99), (5, 83), kind="proportion")["p_value"].round(3).item()
    0.159
    >>> compare(NpsCounts(50, 30, 20), NpsCounts(60, 25, 15), kind="nps")["diff"].round(6).item()
    15.0
    """
    choice(kind, KINDS, "kind")
    alpha = check_alpha(alpha)
    if kind == "proportion":
        row = _proportion(before, after, alpha)
    elif kind == "nps":
        row = _nps(_nps_counts(before, "before"), _nps_counts(after, "after"), alpha)
    elif kind == "continuous" and (isinstance(before, Moments) or isinstance(after, Moments)):
        row = _welch(_moments(before, "before"), _moments(after, "after"), alpha)
    else:
        b, a = values(before, "before"), values(after, "after")
        if kind == "continuous":
            row = _continuous(b, a, alpha)
        else:
            row = _duration(b, a, alpha, before_days, after_days, n_resamples, random_state)
    if kind != "duration" and (before_days is not None or after_days is not None):
        row.update(_by_day(kind, before, after, before_days, after_days, alpha))
    return pd.DataFrame([{"kind": kind, **row}])


def _too_few(n: int, need: int, name: str, kind: str) -> None:
    if n < need:
        raise ParameterError(
            Problem(
                f"too few values for a {kind} comparison ({n}; at least {need} needed)",
                column=name,
                fix="collect more data for this period or widen the period",
            )
        )


def effect_sizes(b: np.ndarray, a: np.ndarray, u: float | None = None) -> dict[str, float]:
    """Hedges' g, Hodges–Lehmann shift and Cliff's delta of after versus before
    (``u``: the Mann–Whitney U of after versus before, when already computed)."""
    n1, n2 = a.size, b.size
    m = n1 + n2 - 2
    if m > 1:
        pooled = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / m)
        j = np.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / np.sqrt(m / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = float(j * (a.mean() - b.mean()) / pooled) if pooled > 0 else np.nan
    else:
        g = np.nan
    a, b = np.sort(a), np.sort(b)  # sorted once for U and the Hodges–Lehmann shift
    if u is None:
        u = _mann_whitney_u(a, b)
    return {
        "hedges_g": g,
        "hodges_lehmann": _hodges_lehmann_sorted(b, a),
        "cliffs_delta": float(2 * u / (n1 * n2) - 1),
    }


def _moments(x: object, name: str) -> Moments:
    if isinstance(x, Moments):
        if not (x.n >= 0 and np.isfinite(x.mean) and np.isfinite(x.var) and x.var >= 0):
            raise ParameterError(
                Problem(
                    "Moments need a count, a finite mean and a variance >= 0",
                    column=name,
                    values=(tuple(x),),
                    fix="pass Moments(n, mean, var) with the sample variance (ddof=1)",
                )
            )
        return x
    arr = values(x, name)
    return Moments(arr.size, float(arr.mean()), float(arr.var(ddof=1)) if arr.size > 1 else 0.0)


def _welch(b: Moments, a: Moments, alpha: float) -> dict[str, object]:
    """Welch t-test and CI of the difference of means from each period's moments."""
    _too_few(b.n, 2, "before", "continuous")
    _too_few(a.n, 2, "after", "continuous")
    vb, va = b.var / b.n, a.var / a.n
    diff, se = a.mean - b.mean, np.sqrt(vb + va)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (vb + va) ** 2 / (vb**2 / (b.n - 1) + va**2 / (a.n - 1))
        t = diff / se
    if se > 0:
        p = float(2 * stats.t.sf(abs(t), df))
        half = float(stats.t.ppf(1 - alpha / 2, df) * se)
    else:  # no spread in either period
        t = np.nan if diff == 0 else np.copysign(np.inf, diff)
        df, half, p = np.nan, 0.0, (np.nan if diff == 0 else 0.0)
    return {
        "n_before": int(b.n),
        "n_after": int(a.n),
        "before": float(b.mean),
        "after": float(a.mean),
        "diff": float(diff),
        "ci_low": float(diff - half),
        "ci_high": float(diff + half),
        "p_value": p,
        "statistic": float(t),
        "df": float(df),
        "method": "Welch t-test (difference of means, Welch–Satterthwaite df)",
        "reason": "roughly symmetric values: compares means without assuming equal variances",
    }


def _continuous(b: np.ndarray, a: np.ndarray, alpha: float) -> dict[str, object]:
    row = _welch(_moments(b, "before"), _moments(a, "after"), alpha)
    reason = row.pop("reason")
    method = row.pop("method")
    return {**row, **effect_sizes(b, a), "method": method, "reason": reason}


def _by_day(kind, before, after, before_days, after_days, alpha) -> dict[str, object]:
    """The interval and test of a mean, share or NPS with values clustered by day."""
    if isinstance(before, tuple | Moments | NpsCounts) or isinstance(
        after, tuple | Moments | NpsCounts
    ):
        raise ParameterError(
            Problem(
                "day labels need one value per case, not counts or moments",
                column="before_days/after_days",
                fix="pass the cases' values with their days, or drop the day labels",
            )
        )
    b, a = values(before, "before"), values(after, "after")
    if kind == "nps":  # an answer's score: +100 promoter, 0 passive, −100 detractor
        b, a = (100.0 * ((x >= 9).astype(float) - (x <= 6)) for x in (b, a))
    day_b, nd_b = _day_index(before_days, b.size, "before_days")
    day_a, nd_a = _day_index(after_days, a.size, "after_days")
    _enough_days(nd_b, nd_a)
    res = cluster_mean_diff(b, day_b, nd_b, a, day_a, nd_a, alpha)
    return {
        **{k: res[k] for k in ("ci_low", "ci_high", "p_value", "statistic", "df")},
        "n_days_before": int(nd_b),
        "n_days_after": int(nd_a),
        "method": "difference of means with a t interval from the days' spread "
        "(cluster-robust variance, Welch df over days)",
        "reason": "cases of one day share its staffing and backlog, so the days, "
        "not the cases, set the precision",
    }


def _duration(
    b: np.ndarray,
    a: np.ndarray,
    alpha: float,
    before_days: object,
    after_days: object,
    n_resamples: int,
    random_state: int | None,
) -> dict[str, object]:
    _too_few(b.size, 2, "before", "duration")
    _too_few(a.size, 2, "after", "duration")
    if not (isinstance(n_resamples, int | np.integer) and n_resamples >= 100):
        raise ParameterError(
            Problem(
                "too few bootstrap resamples",
                column="n_resamples",
                values=(n_resamples,),
                fix="use n_resamples >= 100 (2000 is a good default)",
            )
        )
    day_b, nd_b = _day_index(before_days, b.size, "before_days")
    day_a, nd_a = _day_index(after_days, a.size, "after_days")
    clustered = before_days is not None or after_days is not None
    if clustered:
        _enough_days(nd_b, nd_a)
    rng = np.random.default_rng(random_state)
    if clustered:
        return _duration_row(
            b,
            a,
            nd_b,
            nd_a,
            **_clustered_medians(b, day_b, nd_b, a, day_a, nd_a, alpha, n_resamples, rng),
        )
    return _duration_row(b, a, nd_b, nd_a, **_bca_medians(b, a, alpha, n_resamples, rng))


def _bca_medians(b, a, alpha, n_resamples, rng) -> dict:
    """BCa bootstrap intervals of the medians' difference and log ratio; Mann–Whitney test."""
    med_b = _ClusterMedian(b, np.arange(b.size), b.size)
    med_a = _ClusterMedian(a, np.arange(a.size), a.size)

    def statistic(ib: np.ndarray, ia: np.ndarray, axis: int = -1) -> np.ndarray:
        ma, mb = med_a(np.moveaxis(ia, axis, -1)), med_b(np.moveaxis(ib, axis, -1))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.stack([ma - mb, np.log(ma / mb)])  # difference and log ratio of medians

    # a batch of resamples holds resamples × values counters for medians that are not binned
    walked = sum(m.v.size for m in (med_a, med_b) if not m.binned)
    batch = max(1, int(4_000_000 // walked)) if walked else None
    with warnings.catch_warnings():
        for degenerate in (stats.DegenerateDataWarning, RuntimeWarning):  # percentile CI below
            warnings.simplefilter("ignore", degenerate)
        res = stats.bootstrap(
            (np.arange(b.size), np.arange(a.size)),
            statistic,
            n_resamples=int(n_resamples),
            vectorized=True,
            method="BCa",
            confidence_level=1 - alpha,
            batch=batch,
            rng=rng,
        )
        bounds = np.column_stack(res.confidence_interval)
        method = "BCa"
        if not np.isfinite(bounds).all():  # a degenerate BCa interval: percentiles for both
            method = "percentile"
            with np.errstate(invalid="ignore"):
                bounds = np.quantile(
                    res.bootstrap_distribution, [alpha / 2, 1 - alpha / 2], axis=-1
                ).T
    u = stats.mannwhitneyu(a, b, alternative="two-sided")
    return {
        "bounds": bounds,
        "p_value": float(u.pvalue),
        "statistic": float(u.statistic),
        "u": u.statistic,
        "method": f"difference of medians, {method} bootstrap CI resampling single values "
        "(no day labels given); Mann–Whitney U test",
        "reason": "skewed durations: medians and rank-based effects resist long tails; "
        "without day labels every value counts as independent",
    }


def _duration_row(b, a, nd_b, nd_a, *, bounds, p_value, statistic, method, reason, u=None, df=None):
    (low, high), (log_low, log_high) = bounds
    med_b, med_a = float(np.median(b)), float(np.median(a))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = med_a / med_b if med_b > 0 else np.nan
    return {
        "n_before": int(b.size),
        "n_after": int(a.size),
        "before": med_b,
        "after": med_a,
        "diff": med_a - med_b,
        "ci_low": float(low),
        "ci_high": float(high),
        "ratio": ratio,
        "ratio_ci_low": float(np.exp(log_low)) if np.isfinite(ratio) else np.nan,
        "ratio_ci_high": float(np.exp(log_high)) if np.isfinite(ratio) else np.nan,
        "p_value": float(p_value),
        "statistic": float(statistic),
        **({"df": float(df)} if df is not None else {}),
        **effect_sizes(b, a, u=u),
        "n_days_before": int(nd_b),
        "n_days_after": int(nd_a),
        "method": method,
        "reason": reason,
    }


def _counts(x: object, name: str) -> tuple[int, int]:
    if isinstance(x, tuple) and len(x) == 2:
        s, n = x
        ok = all(
            isinstance(v, int | np.integer) or (isinstance(v, float) and v.is_integer())
            for v in (s, n)
        )
        if not ok or not (0 <= s <= n) or n < 1:
            raise ParameterError(
                Problem(
                    "a (successes, n) pair needs whole numbers with 0 <= successes <= n and n >= 1",
                    column=name,
                    values=(x,),
                    fix="pass e.g. (42, 120) for 42 successes out of 120",
                )
            )
        return int(s), int(n)
    arr = values(x, name)
    bad = arr[(arr != 0) & (arr != 1)]
    if bad.size:
        raise ParameterError(
            Problem(
                "proportion values must be 0 or 1",
                column=name,
                values=tuple(bad[:5]),
                fix="pass 0/1 (or True/False) per case, or a (successes, n) tuple",
            )
        )
    return int(arr.sum()), int(arr.size)


def _proportion(before: object, after: object, alpha: float) -> dict[str, object]:
    sb, nb = _counts(before, "before")
    sa, na = _counts(after, "after")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all/no successes: p missing, CI fine
        z, p = proportion.proportions_ztest([sa, sb], [na, nb])
        low, high = proportion.confint_proportions_2indep(
            sa, na, sb, nb, method="newcomb", compare="diff", alpha=alpha
        )
    wb = proportion.proportion_confint(sb, nb, alpha=alpha, method="wilson")
    wa = proportion.proportion_confint(sa, na, alpha=alpha, method="wilson")
    return {
        "n_before": nb,
        "n_after": na,
        "before": sb / nb,
        "after": sa / na,
        "diff": sa / na - sb / nb,
        "ci_low": float(low),
        "ci_high": float(high),
        "p_value": float(p),
        "statistic": float(z),
        "successes_before": sb,
        "successes_after": sa,
        "before_ci_low": float(wb[0]),
        "before_ci_high": float(wb[1]),
        "after_ci_low": float(wa[0]),
        "after_ci_high": float(wa[1]),
        "method": "two-proportion z test (pooled); Newcombe hybrid-score CI of the difference; "
        "Wilson CI per period",
        "reason": "a share of cases: score-based intervals stay accurate near 0 % and 100 %",
    }


def _nps_counts(x: object, name: str) -> NpsCounts:
    """Count promoters, passives and detractors, checking 0–10 whole answers (or take given counts)."""
    if isinstance(x, NpsCounts):
        ok = all(isinstance(v, int | np.integer) and v >= 0 for v in x) and sum(x) >= 1
        if not ok:
            raise ParameterError(
                Problem(
                    "NPS counts must be whole numbers >= 0 with at least one answer",
                    column=name,
                    values=(tuple(x),),
                    fix="pass NpsCounts(promoters, passives, detractors), e.g. NpsCounts(50, 30, 20)",
                )
            )
        return x
    x = values(x, name)
    bad = x[(x < 0) | (x > 10) | (x != np.round(x))]
    if bad.size:
        raise ParameterError(
            Problem(
                "NPS answers must be whole numbers from 0 to 10",
                column=name,
                values=tuple(bad[:5]),
                fix="pass the raw 0–10 answers, not scores or percentages",
            )
        )
    promoters, detractors = int(np.sum(x >= 9)), int(np.sum(x <= 6))
    return NpsCounts(promoters, int(x.size) - promoters - detractors, detractors)


def _nps(b: NpsCounts, a: NpsCounts, alpha: float) -> dict[str, object]:
    nb, na = sum(b), sum(a)
    pb, db = b.promoters / nb, b.detractors / nb
    pa, da = a.promoters / na, a.detractors / na
    var_b, var_a = pb + db - (pb - db) ** 2, pa + da - (pa - da) ** 2
    diff = (pa - da) - (pb - db)
    se = np.sqrt(var_a / na + var_b / nb)
    crit = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = diff / se if se > 0 else np.nan
    p = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan
    return {
        "n_before": int(nb),
        "n_after": int(na),
        "before": 100 * (pb - db),
        "after": 100 * (pa - da),
        "diff": 100 * diff,
        "ci_low": 100 * (diff - crit * se),
        "ci_high": 100 * (diff + crit * se),
        "p_value": p,
        "statistic": float(z),
        "promoters_before": pb,
        "detractors_before": db,
        "promoters_after": pa,
        "detractors_after": da,
        "method": "NPS difference, normal CI with per-answer variance p + d − (p − d)²",
        "reason": "answers scored +1 (9–10), 0 (7–8), −1 (0–6); NPS = 100 × mean score",
    }
