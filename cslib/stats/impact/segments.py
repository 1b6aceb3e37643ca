"""Segment comparisons and the mix/rate decomposition (public via :mod:`cslib.stats.impact`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame, choice, frame_html, no_missing, numeric_column
from cslib._lazy import lazy
from cslib.errors import ParameterError, Problem
from cslib.stats.impact.compare import KINDS, compare
from cslib.stats.impact.segment_tables import (
    ADJUST,
    mix_from_means,
    segment_table,
)

if TYPE_CHECKING:
    from scipy import stats
else:
    stats = lazy("scipy.stats")


@dataclass(frozen=True)
class SegmentComparison:
    """Result of :func:`compare_segments`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment: ``segment`` and the columns of :func:`compare`,
        plus ``p_adjusted``, ``adjust_method`` and ``significant``
        (``p_adjusted < alpha``; missing for durations without ``day``).
    overall : pandas.DataFrame
        Overall change: ``level`` = ``"crude"`` (all rows pooled),
        ``"mix-adjusted"`` (direct standardisation to the baseline segment mix)
        and, for proportions, ``"Mantel–Haenszel"``; columns ``before``,
        ``after``, ``diff``, ``ci_low``, ``ci_high``, ``p_value``, ``method``.
        Both the crude and the mix-adjusted row are differences of **means**
        (of proportions and NPS scores too; of durations as well, where the
        segment rows compare medians), the quantity :func:`mix_decomposition`
        splits: with an unchanged mix the two rows agree.
    decomposition : pandas.DataFrame
        :func:`mix_decomposition` of the overall change.
    """

    table: pd.DataFrame
    overall: pd.DataFrame
    decomposition: pd.DataFrame
    adjust: str

    def summary(self) -> pd.DataFrame:
        """The per-segment table."""
        return self.table

    def _repr_html_(self) -> str:
        return frame_html(
            "Change by segment",
            [
                ("Segments", self.table),
                ("Overall", self.overall),
                ("Mix and rate effects", self.decomposition),
            ],
            [f"p-values adjusted by {ADJUST[self.adjust]}"],
        )


def _periods(
    data: pd.DataFrame, period: str, before: object, after: object
) -> tuple[object, object]:
    labels = pd.unique(data[period])
    if before is None and after is None:
        if len(labels) != 2:
            raise ParameterError(
                Problem(
                    f"needs exactly two periods, found {len(labels)}",
                    column=period,
                    values=tuple(labels[:5]),
                    fix="filter to two periods or pass before= and after= labels",
                )
            )
        before, after = sorted(labels)
    missing = [v for v in (before, after) if v not in set(labels)]
    if missing:
        raise ParameterError(
            Problem(
                "period label not found",
                column=period,
                values=tuple(missing),
                fix=f"use labels present in the data: {', '.join(map(str, labels[:5]))}",
            )
        )
    return before, after


def _scored(data: pd.DataFrame, value: str, kind: str) -> np.ndarray:
    v = numeric_column(data, value)
    if kind == "nps":
        bad = v[(v < 0) | (v > 10) | (v != np.round(v))]
        if bad.size:
            raise ParameterError(
                Problem(
                    "NPS answers must be whole numbers from 0 to 10",
                    column=value,
                    values=tuple(bad[:5]),
                    fix="pass the raw 0–10 answers",
                )
            )
        return 100.0 * ((v >= 9).astype(float) - (v <= 6).astype(float))
    if kind == "proportion":
        bad = v[(v != 0) & (v != 1)]
        if bad.size:
            raise ParameterError(
                Problem(
                    "proportion values must be 0 or 1",
                    column=value,
                    values=tuple(bad[:5]),
                    fix="pass 0/1 (or True/False) per case",
                )
            )
    return v


def mix_decomposition(
    data: pd.DataFrame,
    *,
    value: str,
    period: str,
    segment: str,
    kind: str = "continuous",
    before: object = None,
    after: object = None,
) -> pd.DataFrame:
    """Split the overall change of a mean into mix and rate effects per segment.

    With shares w and segment means m (0 = before, 1 = after) and the overall
    after mean M1, segment s contributes

    * rate (performance) effect  w0_s (m1_s − m0_s) — its change at the baseline mix;
    * mix effect  (w1_s − w0_s)(m1_s − M1) — its share moving towards a segment
      above or below the overall level.

    The effects add up exactly to the overall change Σ w1 m1 − Σ w0 m0; the rate
    effects add up to the mix-adjusted (directly standardised) change. A segment
    seen in one period only has no rate effect.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per case (ticket, answer), not modified.
    value, period, segment : str
        Columns: the value (0/1 for proportions, 0–10 for NPS), the period label
        and the segment (channel, priority…).
    kind : {"continuous", "duration", "proportion", "nps"}
        How values are scored (NPS answers become +100/0/−100; durations use means).
    before, after : optional
        Period labels; by default the two labels in sorted order.

    Returns
    -------
    pandas.DataFrame
        One row per segment then a ``"total"`` row: ``segment``, ``n_before``,
        ``n_after``, ``share_before``, ``share_after``, ``mean_before``,
        ``mean_after``, ``mix_effect``, ``rate_effect``, ``total_effect``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"p": ["a"] * 4 + ["b"] * 4, "ch": ["x", "x", "x", "y", "x", "y", "y", "y"],
    ...                    "sla": [1, 1, 1, 0, 1, 0, 0, 1]})
    >>> d = mix_decomposition(df, value="sla", period="p", segment="ch", kind="proportion")
    >>> float(d["total_effect"].iloc[-1])
    -0.25
    """
    choice(kind, KINDS, "kind")
    check_frame(data, [value, period, segment], where="mix_decomposition")
    no_missing(data, segment)
    no_missing(data, period)
    before, after = _periods(data, period, before, after)
    scores = _scored(data, value, kind)
    frame = pd.DataFrame({"s": data[segment].to_numpy(), "p": data[period].to_numpy(), "v": scores})
    frame = frame[frame["p"].isin([before, after])]
    g = frame.groupby(["s", "p"], sort=True)["v"].agg(["size", "mean"]).unstack("p")
    n0 = g["size"].get(before, pd.Series(0.0, index=g.index)).fillna(0).to_numpy(dtype=float)
    n1 = g["size"].get(after, pd.Series(0.0, index=g.index)).fillna(0).to_numpy(dtype=float)
    m0 = g["mean"].get(before).to_numpy(dtype=float)
    m1 = g["mean"].get(after).to_numpy(dtype=float)
    return mix_from_means(g.index.to_numpy(), n0, n1, m0, m1)


def compare_segments(
    data: pd.DataFrame,
    *,
    value: str,
    period: str,
    segment: str,
    kind: str,
    adjust: str = "holm",
    before: object = None,
    after: object = None,
    alpha: float = 0.05,
    day: str | None = None,
    random_state: int | None = 0,
) -> SegmentComparison:
    """Compare every segment between two periods, adjust for multiplicity, handle mix shifts.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per case, not modified.
    value, period, segment : str
        Value column, period label column, segment column.
    kind : {"continuous", "duration", "proportion", "nps"}
        As in :func:`compare`.
    adjust : {"holm", "fdr_bh"}
        Holm controls the family-wise error; Benjamini–Hochberg the false
        discovery rate. The method is named in ``adjust_method``.
    before, after : optional
        Period labels (default: the two labels, sorted).
    alpha : float
        1 − confidence level, and the level for ``significant``.
    day : str, optional
        Column of day labels: each segment's interval and p-value then come
        from its days (see ``before_days`` in :func:`compare`), since cases of
        one day share its staffing and backlog. Without it every test counts
        cases as independent, so ``significant`` is left missing.
    random_state : int, optional
        Seed of the ``duration`` bootstrap.

    Returns
    -------
    SegmentComparison
        ``.table`` (one row per segment, compared as :func:`compare` does for
        ``kind``), ``.overall`` (crude, mix-adjusted, Mantel–Haenszel: all
        differences of means, so durations are compared by their means there),
        ``.decomposition`` (:func:`mix_decomposition`).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"p": ["a", "b"] * 40, "ch": ["x"] * 40 + ["y"] * 40,
    ...                    "v": [1.0, 2.0, 1.5, 2.5] * 10 + [3.0, 3.2, 2.8, 3.1] * 10})
    >>> res = compare_segments(df, value="v", period="p", segment="ch", kind="continuous")
    >>> res.table["adjust_method"].iloc[0]
    'Holm (family-wise error)'
    """
    choice(kind, KINDS, "kind")
    choice(adjust, tuple(ADJUST), "adjust")
    alpha = check_alpha(alpha)
    check_frame(data, [value, period, segment, day], where="compare_segments")
    no_missing(data, segment)
    no_missing(data, period)
    before, after = _periods(data, period, before, after)
    values = _scored(data, value, "continuous" if kind == "nps" else kind)
    if kind == "nps":
        _scored(data, value, "nps")
    seg = data[segment].to_numpy()
    per = data[period].to_numpy()
    days = None if day is None else data[day].to_numpy()
    table = segment_table(
        values,
        seg,
        per,
        days,
        kind=kind,
        before=before,
        after=after,
        adjust=adjust,
        alpha=alpha,
        random_state=random_state,
        column=segment,
    )
    decomposition = mix_decomposition(
        data, value=value, period=period, segment=segment, kind=kind, before=before, after=after
    )
    overall = _overall(values, seg, per, before, after, kind, alpha, decomposition)
    return SegmentComparison(
        table=table, overall=overall, decomposition=decomposition, adjust=adjust
    )


def _overall(values, seg, per, before, after, kind, alpha, decomposition) -> pd.DataFrame:
    """Crude and mix-adjusted differences of means (and Mantel–Haenszel for proportions)."""
    b, a = per == before, per == after
    # durations by their means (Welch), the estimand of the mix-adjusted row
    crude_kind = "continuous" if kind == "duration" else kind
    crude = compare(values[b], values[a], kind=crude_kind, alpha=alpha).iloc[0]
    rows = [
        {
            "level": "crude",
            "before": crude["before"],
            "after": crude["after"],
            "diff": crude["diff"],
            "ci_low": crude["ci_low"],
            "ci_high": crude["ci_high"],
            "p_value": crude["p_value"],
            "method": crude["method"],
        }
    ]
    d = decomposition[decomposition["segment"] != "total"]
    both = (d["n_before"] > 0) & (d["n_after"] > 0)
    d = d[both]
    w0 = d["n_before"].to_numpy(dtype=float)
    w0 = w0 / w0.sum()
    x = (
        values
        if kind != "nps"
        else 100.0 * ((values >= 9).astype(float) - (values <= 6).astype(float))
    )
    var = []
    for s in d["segment"]:
        vb, va = x[(seg == s) & b], x[(seg == s) & a]
        var.append(_mean_var(vb) + _mean_var(va))
    m0, m1 = d["mean_before"].to_numpy(), d["mean_after"].to_numpy()
    est = float(np.sum(w0 * (m1 - m0)))
    se = float(np.sqrt(np.sum(w0**2 * np.asarray(var))))
    z = stats.norm.ppf(1 - alpha / 2)
    rows.append(
        {
            "level": "mix-adjusted",
            "before": float(np.sum(w0 * m0)),
            "after": float(np.sum(w0 * m1)),
            "diff": est,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "p_value": float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan,
            "method": "direct standardisation to the baseline segment mix (segment means; "
            "normal CI)",
        }
    )
    if kind == "proportion":
        rows.append(_mantel_haenszel(x, seg, b, a, d["segment"].to_numpy(), alpha))
    return pd.DataFrame(rows)


def _mean_var(v: np.ndarray) -> float:
    return float(v.var(ddof=1) / v.size) if v.size > 1 else 0.0


def _mantel_haenszel(x, seg, b, a, segments, alpha) -> dict[str, object]:
    """Mantel–Haenszel risk difference over segments, with the CMH test."""
    tables, num, den, var = [], 0.0, 0.0, 0.0
    for s in segments:
        xa, xb = x[(seg == s) & a], x[(seg == s) & b]
        s1, n1, s0, n0 = xa.sum(), xa.size, xb.sum(), xb.size
        tables.append(np.array([[s1, n1 - s1], [s0, n0 - s0]]))
        w = n1 * n0 / (n1 + n0)
        p1, p0 = s1 / n1, s0 / n0
        num += w * (p1 - p0)
        den += w
        var += w**2 * (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    est = num / den
    se = np.sqrt(var) / den
    z = stats.norm.ppf(1 - alpha / 2)
    try:
        from statsmodels.stats.contingency_tables import StratifiedTable

        p = float(StratifiedTable(tables).test_null_odds(correction=False).pvalue)
    except (ValueError, ZeroDivisionError, FloatingPointError):
        p = np.nan
    return {
        "level": "Mantel–Haenszel",
        "before": np.nan,
        "after": np.nan,
        "diff": float(est),
        "ci_low": float(est - z * se),
        "ci_high": float(est + z * se),
        "p_value": p,
        "method": "Mantel–Haenszel risk difference over segments (Wald CI); "
        "Cochran–Mantel–Haenszel test",
    }
