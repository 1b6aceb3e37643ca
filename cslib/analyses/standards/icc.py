"""Agreement on scored criteria: intraclass correlation (ICC) of evaluators' scores.

Kappa judges pass/fail verdicts; a criterion scored on a scale (empathy 0–5)
keeps more information in its points. Where the same interactions were scored
by several evaluators, the share of points each gave is a rating of an item
(interaction × criterion), and the intraclass correlation is the share of the
ratings' variance that lies between items rather than between evaluators and
noise. The forms are those of Shrout & Fleiss (1979), from the mean squares of
the items × evaluators table:

* ICC(1,1), one-way random: each item rated by ``k`` evaluators, not always
  the same ones — ``(BMS − WMS) / (BMS + (k − 1) WMS)``;
* ICC(2,1), two-way random, absolute agreement: the same ``k`` evaluators rated
  every item, and an evaluator who scores high counts as disagreement —
  ``(BMS − EMS) / (BMS + (k − 1) EMS + k (JMS − EMS) / n)``;
* ICC(3,1), two-way mixed, consistency: as (2,1) but a constant lean of an
  evaluator is not counted — ``(BMS − EMS) / (BMS + (k − 1) EMS)``.

Intervals are the F-based ones of Shrout & Fleiss (ICC(2,1) with
Satterthwaite's degrees of freedom, as McGraw & Wong 1996). The reading follows
Koo & Li (2016): below 0.5 poor, up to 0.75 moderate, 0.9 good, above excellent.

Examples
--------
>>> import numpy as np
>>> judges = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])
>>> icc_forms(judges)["icc"].round(2).tolist()   # Shrout & Fleiss (1979), table 4
[0.17, 0.29, 0.71]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_alpha
from cslib._lazy import lazy
from cslib.analyses.standards._common import Scorecard
from cslib.analyses.standards.scoring import scored

if TYPE_CHECKING:
    from scipy import stats
else:
    stats = lazy("scipy.stats")

__all__ = ["ICC_COLUMNS", "icc_forms", "koo_li", "score_agreement"]

#: upper ends of the Koo & Li (2016) bands
BANDS = ((0.5, "poor"), (0.75, "moderate"), (0.9, "good"))
FORMS = (
    "ICC(1,1) one-way random",
    "ICC(2,1) two-way random, absolute agreement",
    "ICC(3,1) two-way mixed, consistency",
)
ICC_COLUMNS = [
    "criterion",
    "method",
    "n_items",
    "n_evaluators",
    "icc",
    "ci_low",
    "ci_high",
    "reading",
]


def koo_li(value: float) -> str:
    """The Koo & Li (2016) reading of an ICC.

    >>> [koo_li(v) for v in (0.3, 0.6, 0.8, 0.95, float("nan"))]
    ['poor', 'moderate', 'good', 'excellent', 'undefined']
    """
    if not np.isfinite(value):
        return "undefined"
    return next((word for upper, word in BANDS if value < upper), "excellent")


def icc_forms(ratings: np.ndarray, *, alpha: float = 0.05) -> pd.DataFrame:
    """ICC(1,1), ICC(2,1) and ICC(3,1) of a complete items × raters table, with F-based intervals.

    Parameters
    ----------
    ratings : array of shape (n items, k raters)
        Every item rated by every rater (no missing value).
    alpha : float
        1 − confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per form: ``method``, ``icc``, ``ci_low``, ``ci_high``, ``f``
        (the F ratio of its test), ``df1``, ``df2`` and ``p_value`` (ICC = 0).

    Examples
    --------
    >>> icc_forms(np.array([[1, 1], [2, 2], [3, 3]]))["icc"].tolist()
    [1.0, 1.0, 1.0]
    """
    alpha = check_alpha(alpha)
    x = np.asarray(ratings, dtype=float)
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((x - grand) ** 2).sum()
    bms, jms = ss_rows / (n - 1), ss_cols / (k - 1)
    wms = (ss_total - ss_rows) / (n * (k - 1))
    ems = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))
    q = 1 - alpha / 2
    one = _ratio_form(bms, wms, k, n - 1, n * (k - 1), q)
    three = _ratio_form(bms, ems, k, n - 1, (n - 1) * (k - 1), q)
    two = _two_way_random(bms, jms, ems, n, k, q)
    return pd.DataFrame(
        [dict(method=m, **r) for m, r in zip(FORMS, (one, two, three), strict=True)]
    )


def _ratio_form(between: float, error: float, k: int, df1: int, df2: int, q: float) -> dict:
    """ICC (B − E) / (B + (k − 1) E) with its interval from F = B / E."""
    if not error > 0:
        return _perfect(df1, df2)
    f = between / error
    low, high = f / stats.f.ppf(q, df1, df2), f * stats.f.ppf(q, df2, df1)
    return {
        "icc": float((between - error) / (between + (k - 1) * error)),
        "ci_low": float((low - 1) / (low + k - 1)),
        "ci_high": float((high - 1) / (high + k - 1)),
        "f": float(f),
        "df1": df1,
        "df2": df2,
        "p_value": float(stats.f.sf(f, df1, df2)),
    }


def _perfect(df1: int, df2: int) -> dict:
    """Every rater gave every item the same rating: no error variance, agreement is perfect."""
    return {"icc": 1.0, "ci_low": 1.0, "ci_high": 1.0, "f": np.inf, "df1": df1, "df2": df2}


def _two_way_random(bms: float, jms: float, ems: float, n: int, k: int, q: float) -> dict:
    """ICC(2,1) with the Satterthwaite interval of Shrout & Fleiss (1979) and McGraw & Wong (1996)."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    value = (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)
    if value >= 1:
        return _perfect(df1, df2)
    if not ems > 0:  # raters differ by a constant only: no interval from an error of zero
        return {"icc": float(value), "ci_low": np.nan, "ci_high": np.nan, "df1": df1, "df2": df2}
    a = k * value / (n * (1 - value))
    b = 1 + k * value * (n - 1) / (n * (1 - value))
    v = (a * jms + b * ems) ** 2 / ((a * jms) ** 2 / (k - 1) + (b * ems) ** 2 / df2)
    f_low, f_high = stats.f.ppf(q, df1, v), stats.f.ppf(q, v, df1)
    spread = k * jms + (k * n - k - n) * ems
    return {
        "icc": float(value),
        "ci_low": float(n * (bms - f_low * ems) / (f_low * spread + n * bms)),
        "ci_high": float(n * (f_high * bms - ems) / (spread + n * f_high * bms)),
        "f": float(bms / ems),
        "df1": df1,
        "df2": df2,
        "p_value": float(stats.f.sf(bms / ems, df1, df2)),
    }


def score_agreement(
    evaluations: pd.DataFrame,
    *,
    target: str = "ticket_id",
    scorecard: Scorecard = None,
    pass_mark: float = 1.0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The ICC of evaluators' scores per scored criterion (``score`` with ``max_score``), then pooled.

    Items are interaction × criterion rated by at least two evaluators; only
    items with the most common number of evaluators ``k`` count. When those
    items were all rated by the same ``k`` evaluators the form is ICC(2,1),
    otherwise ICC(1,1). A repeat by one evaluator of one interaction counts once.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        The evaluations table with ``evaluator`` and the ``target`` column.
    target : str
        What identifies the interaction evaluated.
    scorecard, pass_mark
        As for :func:`~cslib.analyses.standards.scored`.
    alpha : float
        1 − confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per scored criterion and one for all of them pooled ("all scored
        criteria"): ``criterion``, ``method``, ``n_items``, ``n_evaluators``,
        ``icc``, ``ci_low``, ``ci_high`` and ``reading`` (Koo & Li); empty when no
        scored criterion was rated twice.

    Examples
    --------
    >>> e = pd.DataFrame({"evaluation_id": list("abcdef"), "ticket_id": ["t1", "t1", "t2", "t2", "t3", "t3"],
    ...                   "evaluator": ["ann", "bob"] * 3, "criterion": "empathy",
    ...                   "score": [5, 4, 2, 2, 3, 3], "max_score": 5})
    >>> score_agreement(e)[["criterion", "n_items", "reading"]].values.tolist()[0]
    ['empathy', 3, 'excellent']
    """
    alpha = check_alpha(alpha)
    if "score" not in evaluations or "evaluator" not in evaluations:
        return pd.DataFrame(columns=ICC_COLUMNS)
    rows = scored(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    rows = rows[rows["score"].notna()].dropna(subset=[target, "evaluator"])
    rows = rows.sort_values([c for c in ("date", "evaluation_id") if c in rows], kind="stable")
    rows = rows.drop_duplicates([target, "evaluator", "criterion"])
    long = pd.DataFrame(
        {
            "criterion": rows["criterion"],
            "item": rows[target].astype(str) + "\x1f" + rows["criterion"].astype(str),
            "rater": rows["evaluator"],
            "value": rows["fraction"].astype(float),
        }
    )
    parts = list(long.groupby("criterion", sort=True))
    if len(parts) > 1:  # with one criterion its row is the pooled one
        parts.append(("all scored criteria", long))
    out = [r for name, part in parts if (r := _icc_row(name, part, alpha)) is not None]
    return pd.DataFrame(out, columns=ICC_COLUMNS)


def _icc_row(criterion: str, long: pd.DataFrame, alpha: float) -> dict | None:
    """The ICC of long ratings (item, rater, value), or None without two items rated twice."""
    per_item = long.groupby("item")["rater"].size()
    per_item = per_item[per_item >= 2]
    if len(per_item) < 2:
        return None
    k = int(per_item.value_counts().idxmax())
    long = long[long["item"].isin(per_item.index[per_item == k])]
    panels = long.groupby("item")["rater"].agg(frozenset)
    if panels.nunique() == 1:
        table = long.pivot(index="item", columns="rater", values="value").to_numpy()
        form = 1
    else:
        table = np.vstack(long.groupby("item")["value"].agg(list).to_numpy())
        form = 0
    row = icc_forms(table, alpha=alpha).iloc[form]
    return {
        "criterion": criterion,
        "method": row["method"],
        "n_items": len(table),
        "n_evaluators": int(long["rater"].nunique()),
        **{c: float(row[c]) for c in ("icc", "ci_low", "ci_high")},
        "reading": koo_li(float(row["icc"])),
    }
