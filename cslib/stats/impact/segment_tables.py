"""The tables of segment comparisons from arrays or aggregates: each segment's before/after
comparison (:func:`segment_table`), the mix/rate decomposition from counts and means
(:func:`mix_from_means`) and the p-value adjustment they share (:func:`adjust_pvalues`).

:func:`~cslib.stats.impact.segments.compare_segments` and
:func:`~cslib.stats.impact.segments.mix_decomposition` take one row per case; these take
what a SQL aggregate of millions of cases gives, so the cases need not be loaded as a frame.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from cslib._args import check_alpha, choice
from cslib._args import values as as_values
from cslib._machine import cores
from cslib.errors import ParameterError, Problem
from cslib.stats.impact.compare import compare

ADJUST = {"holm": "Holm (family-wise error)", "fdr_bh": "Benjamini–Hochberg (false discovery rate)"}


def adjust_pvalues(p_values: object, *, method: str = "holm", alpha: float = 0.05) -> pd.DataFrame:
    """Adjust p-values for multiple comparisons and name the method.

    Parameters
    ----------
    p_values : sequence of float
        Unadjusted p-values (0–1).
    method : {"holm", "fdr_bh"}
        Holm (family-wise error rate) or Benjamini–Hochberg (false discovery rate).
    alpha : float
        Level for ``reject``.

    Returns
    -------
    pandas.DataFrame
        One row per p-value, in input order: ``p_value``, ``p_adjusted``,
        ``reject``, ``adjust_method``.

    Examples
    --------
    >>> int(adjust_pvalues([0.01, 0.02, 0.03, 0.5], method="fdr_bh")["reject"].sum())
    3
    """
    choice(method, tuple(ADJUST), "method")
    alpha = check_alpha(alpha)
    p = as_values(p_values, "p_values")
    bad = p[(p < 0) | (p > 1)]
    if bad.size:
        raise ParameterError(
            Problem(
                "p-values must lie between 0 and 1",
                column="p_values",
                values=tuple(bad[:5]),
                fix="pass unadjusted p-values",
            )
        )
    if method == "holm":
        reject, adj = _holm(p, alpha)
    else:
        from statsmodels.stats.multitest import multipletests

        reject, adj = multipletests(p, alpha, method)[:2]
    return pd.DataFrame(
        {"p_value": p, "p_adjusted": adj, "reject": reject, "adjust_method": ADJUST[method]}
    )


def _holm(p: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Holm's step-down adjustment: the i-th smallest of m p-values times m − i + 1, never below
    the one before, at most 1; rejected where the adjusted value is at most ``alpha``.
    (statsmodels' own runs a full garbage collection each time: a report adjusts dozens of families.)

    >>> _holm(np.array([0.01, 0.04, 0.03, 0.005]), 0.05)[1].round(4).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * np.arange(p.size, 0, -1))
    adjusted = np.empty(p.size)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted <= alpha, adjusted


def mix_from_means(
    segments: np.ndarray, n0: np.ndarray, n1: np.ndarray, m0: np.ndarray, m1: np.ndarray
) -> pd.DataFrame:
    """:func:`mix_decomposition` from each segment's count and mean of scores per period
    (e.g. a SQL aggregate); a segment unseen in a period has count 0 there (its mean is ignored).

    Examples
    --------
    >>> import numpy as np
    >>> d = mix_from_means(np.array(["x", "y"]), np.array([3.0, 1]), np.array([1.0, 3]),
    ...                    np.array([1.0, 0]), np.array([1.0, 1 / 3]))
    >>> float(d["total_effect"].iloc[-1])
    -0.25
    """
    n0, n1 = np.asarray(n0, dtype=float), np.asarray(n1, dtype=float)
    m0, m1 = np.asarray(m0, dtype=float), np.asarray(m1, dtype=float)
    w0, w1 = n0 / n0.sum(), n1 / n1.sum()
    m0f = np.where(n0 > 0, m0, m1)  # unseen before: no rate effect
    m1f = np.where(n1 > 0, m1, m0)  # unseen after: no rate effect
    overall1 = float(np.sum(w1 * m1f))
    rate = w0 * (m1f - m0f)
    mix = (w1 - w0) * (m1f - overall1)
    out = pd.DataFrame(
        {
            "segment": np.asarray(segments),
            "n_before": n0.astype(int),
            "n_after": n1.astype(int),
            "share_before": w0,
            "share_after": w1,
            "mean_before": np.where(n0 > 0, m0, np.nan),
            "mean_after": np.where(n1 > 0, m1, np.nan),
            "mix_effect": mix,
            "rate_effect": rate,
            "total_effect": mix + rate,
        }
    )
    total = pd.DataFrame(
        [
            {
                "segment": "total",
                "n_before": int(n0.sum()),
                "n_after": int(n1.sum()),
                "share_before": 1.0,
                "share_after": 1.0,
                "mean_before": float(np.sum(w0 * m0f)),
                "mean_after": overall1,
                "mix_effect": float(mix.sum()),
                "rate_effect": float(rate.sum()),
                "total_effect": overall1 - float(np.sum(w0 * m0f)),
            }
        ]
    )
    out["segment"] = out["segment"].astype(object)
    return pd.concat([out, total], ignore_index=True)


def segment_table(
    values: np.ndarray,
    seg: np.ndarray,
    per: np.ndarray,
    days: np.ndarray | None,
    *,
    kind: str,
    before: object,
    after: object,
    adjust: str = "holm",
    alpha: float = 0.05,
    random_state: int | None = 0,
    column: str = "segment",
) -> pd.DataFrame:
    """The ``table`` of :func:`compare_segments` from aligned arrays: each case's value
    (checked), segment, period label and day label (or ``None``); segments in order of first
    appearance. ``column`` names the segments in the error raised when none can be compared.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([1.0, 2.0, 1.5, 2.5] * 10)
    >>> t = segment_table(v, np.array(["x"] * 40), np.array(["a", "b"] * 20), None,
    ...                   kind="continuous", before="a", after="b")
    >>> float(t["diff"].iloc[0])
    1.0
    """
    kw: dict[str, Any] = {"random_state": random_state} if kind == "duration" else {}

    # each segment's cases, in their order: one stable sort instead of a mask per segment
    codes, segments = pd.factorize(seg)  # −1: no segment, first in order
    small = codes.astype(np.int32 if len(segments) >= 2**15 else np.int16)  # sorted by counting
    order = np.argsort(small, kind="stable")
    bounds = np.cumsum(np.bincount(codes + 1, minlength=len(segments) + 1))  # where each starts

    def compared(i: int) -> pd.DataFrame | None:
        rows = order[bounds[i] : bounds[i + 1]]
        b, a = rows[per[rows] == before], rows[per[rows] == after]
        if not b.size or not a.size:
            return None
        days_kw = {} if days is None else {"before_days": days[b], "after_days": days[a]}
        try:
            row = compare(values[b], values[a], kind=kind, alpha=alpha, **kw, **days_kw)
        except ParameterError:
            return None  # too few values in this segment: reported as skipped below
        return row.assign(segment=segments[i])

    # the medians and rank effects of large segments spend their time in numpy, which lets
    # other threads run: segments side by side on the machine's cores (each seeded alike, so
    # the same table); shares and single-value bootstraps set warning filters, which threads share
    threaded = kind == "continuous" or (kind == "duration" and days is not None)
    threads = min(len(segments), cores()) if threaded and values.size > 100_000 else 1
    if threads > 1:
        with ThreadPoolExecutor(threads, thread_name_prefix="cslib-segment") as pool:
            found = list(pool.map(compared, range(len(segments))))
    else:
        found = [compared(i) for i in range(len(segments))]
    rows = [row for row in found if row is not None]
    if not rows:
        raise ParameterError(
            Problem(
                "no segment has enough values in both periods",
                column=column,
                fix="use coarser segments or longer periods",
            )
        )
    table = pd.concat(rows, ignore_index=True)
    table = table[["segment", *[c for c in table.columns if c != "segment"]]]
    p = table["p_value"].to_numpy(dtype=float)
    ok = np.isfinite(p)
    adj = np.full(p.size, np.nan)
    if ok.any():
        adj[ok] = adjust_pvalues(p[ok], method=adjust, alpha=alpha)["p_adjusted"].to_numpy()
    table["p_adjusted"] = adj
    table["adjust_method"] = ADJUST[adjust]
    # without day labels every test counts a day's tickets as independent: no flag from it
    table["significant"] = pd.Series(adj < alpha, dtype="boolean")
    if days is None:
        table["significant"] = pd.NA
    return table
