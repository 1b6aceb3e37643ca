"""Evaluator agreement: do evaluators reach the same verdict on the same interaction?

Where one interaction (``ticket_id`` by default) was evaluated by more than one
evaluator, each criterion of it is an item rated by several evaluators (met /
not met). Agreement beyond chance is Cohen's kappa when the same two
evaluators rated every item, and Fleiss' kappa otherwise (any evaluators, the
same number of ratings per item), both computed by
:mod:`statsmodels.stats.inter_rater`. The reading follows Landis & Koch
(1977): below 0 poor, up to 0.20 slight, 0.40 fair, 0.60 moderate, 0.80
substantial, above almost perfect.

An evaluator who scores systematically high or low shows as a mean difference
between their evaluation score and the mean of the other evaluators of the same
interactions, tested against zero (one-sample t test) with Holm's adjustment
for testing every evaluator. With only two evaluators a difference cannot say
which of the two is off.

Examples
--------
>>> landis_koch(0.43)
'moderate'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame
from cslib._lazy import lazy
from cslib.analyses.standards._common import Scorecard
from cslib.analyses.standards.scoring import evaluation_scores, scored
from cslib.stats.impact import adjust_pvalues

if TYPE_CHECKING:
    from scipy import stats
    from statsmodels.stats import inter_rater
else:
    stats = lazy("scipy.stats")
    inter_rater = lazy("statsmodels.stats.inter_rater")

__all__ = ["Agreement", "agreement", "kappa", "landis_koch"]

#: upper ends of the Landis & Koch (1977) bands
BANDS = ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"))
KAPPA_COLUMNS = [
    "method",
    "n_items",
    "n_evaluators",
    "ratings_per_item",
    "kappa",
    "ci_low",
    "ci_high",
    "reading",
]
EVALUATOR_COLUMNS = [
    "evaluator",
    "n_shared",
    "mean_diff",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "flag",
]


def landis_koch(value: float) -> str:
    """The Landis & Koch (1977) reading of a kappa.

    Examples
    --------
    >>> [landis_koch(k) for k in (-0.1, 0.2, 0.21, 0.75, 0.9)]
    ['poor', 'slight', 'fair', 'substantial', 'almost perfect']
    """
    if not np.isfinite(value):
        return "undefined"
    if value < 0:
        return "poor"
    return next((word for upper, word in BANDS if value <= upper), "almost perfect")


def kappa(
    ratings: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    alpha: float = 0.05,
    n_resamples: int = 1000,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Agreement beyond chance of raters who rated the same items (any categories).

    Items rated by fewer than two raters are left out; Fleiss' kappa needs the
    same number of ratings per item, so only items with the most common number
    (``ratings_per_item``) count. A rater who rated an item twice counts once
    (the first rating).

    Parameters
    ----------
    ratings : pandas.DataFrame
        One row per rating: the item, the rater and the category given.
    item, rater, value : str
        Their columns.
    alpha : float
        1 − confidence level: Cohen's interval uses the asymptotic standard
        error; Fleiss' a percentile bootstrap over items.
    n_resamples, random_state : int
        The bootstrap of Fleiss' interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``method``, ``n_items``, ``n_evaluators``, ``ratings_per_item``,
        ``kappa``, ``ci_low``, ``ci_high`` and ``reading`` (Landis & Koch).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3, 4, 4], "rater": ["a", "b"] * 4,
    ...                   "value": [1, 1, 0, 0, 1, 0, 0, 0]})
    >>> kappa(r)[["method", "n_items", "kappa", "reading"]].values.tolist()
    [["Cohen's kappa", 4, 0.5, 'moderate']]
    """
    alpha = check_alpha(alpha)
    check_frame(ratings, [item, rater, value], where="kappa")
    given = ratings[[item, rater, value]].dropna()
    given.columns = ["item", "rater", "value"]
    given = given.drop_duplicates(["item", "rater"])
    rng = np.random.default_rng(random_state)
    return pd.DataFrame([_kappa_row(given, alpha, n_resamples, rng)], columns=KAPPA_COLUMNS)


def _kappa_row(ratings: pd.DataFrame, alpha: float, n_resamples: int, rng) -> dict[str, object]:
    """Cohen's or Fleiss' kappa of long ratings (item, rater, value), one rating per rater and item."""
    per_item = ratings.groupby("item")["rater"].size()
    per_item = per_item[per_item >= 2]
    row = dict.fromkeys(KAPPA_COLUMNS, np.nan) | {"method": None, "n_items": 0, "n_evaluators": 0}
    if per_item.empty:
        return row | {"reading": "not measurable: no item was rated by two raters"}
    m = int(per_item.value_counts().idxmax())
    ratings = ratings[ratings["item"].isin(per_item.index[per_item == m])]
    categories = sorted(ratings["value"].unique())
    row |= {
        "n_items": int(ratings["item"].nunique()),
        "n_evaluators": int(ratings["rater"].nunique()),
        "ratings_per_item": m,
    }
    if len(categories) < 2:
        return row | {"reading": "undefined: every rating gave the same verdict"}
    pairs = ratings.groupby("item")["rater"].agg(frozenset)
    if m == 2 and pairs.nunique() == 1:
        first, second = sorted(pairs.iloc[0])
        wide = ratings.pivot(index="item", columns="rater", values="value")
        table = pd.crosstab(wide[first], wide[second])
        table = table.reindex(index=categories, columns=categories, fill_value=0).to_numpy()
        res = inter_rater.cohens_kappa(table)
        half = float(stats.norm.ppf(1 - alpha / 2)) * res.std_kappa
        value, low, high, method = res.kappa, res.kappa - half, res.kappa + half, "Cohen's kappa"
    else:
        table = pd.crosstab(ratings["item"], ratings["value"]).reindex(
            columns=categories, fill_value=0
        )
        table = table.to_numpy(dtype=float)
        value, method = inter_rater.fleiss_kappa(table), "Fleiss' kappa"
        low, high = _bootstrap(table, alpha, n_resamples, rng)
    return row | {
        "method": method,
        "kappa": float(value),
        "ci_low": float(low),
        "ci_high": float(high),
        "reading": landis_koch(float(value)),
    }


def _bootstrap(table: np.ndarray, alpha: float, n_resamples: int, rng) -> tuple[float, float]:
    """Percentile interval of Fleiss' kappa, resampling items (rows of the count table)."""
    draws = rng.integers(0, len(table), size=(n_resamples, len(table)))
    with np.errstate(divide="ignore", invalid="ignore"):
        values = fleiss_kappas(table, draws)
    values = values[np.isfinite(values)]
    if not values.size:
        return np.nan, np.nan
    low, high = np.percentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(low), float(high)


def fleiss_kappas(table: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Fleiss' kappa of each resample of items: row ``r`` of ``draws`` picks the rows of the count
    table (items × categories) that resample ``r`` holds.

    Each value is the one :func:`statsmodels.stats.inter_rater.fleiss_kappa` gives for
    ``table[draws[r]]``, computed the same way for all resamples at once (in batches).

    Examples
    --------
    >>> t = np.array([[2.0, 0], [1, 1], [0, 2], [2, 0]])
    >>> draws = np.array([[0, 1, 2, 3], [0, 0, 2, 1]])
    >>> fleiss_kappas(t, draws).tolist() == [inter_rater.fleiss_kappa(t[d]) for d in draws]
    True
    """
    table = np.asarray(table, dtype=float)
    draws = np.atleast_2d(draws)
    per_item, squares = table.sum(axis=1), (table * table).sum(axis=1)
    out = np.empty(len(draws))
    step = max(1, 4_000_000 // max(1, table.size))
    for start in range(0, len(draws), step):
        d = draws[start : start + step]
        n_rat = per_item[d].max(axis=1)[:, None]  # ratings per item (every item has as many)
        p_cat = table[d].sum(axis=1) / per_item[d].sum(axis=1)[:, None]  # marginal shares
        p_rat = (squares[d] - n_rat) / (n_rat * (n_rat - 1.0))  # agreement per item
        p_exp = (p_cat * p_cat).sum(axis=1)
        out[start : start + step] = (p_rat.mean(axis=1) - p_exp) / (1 - p_exp)
    return out


@dataclass(frozen=True)
class Agreement:
    """Evaluator agreement: kappa per criterion, each evaluator's lean, and the finding in words.

    Attributes
    ----------
    kappas : pandas.DataFrame
        One row per criterion and one for all criteria pooled (``criterion`` =
        "all criteria"), with the columns of :func:`kappa`.
    evaluators : pandas.DataFrame
        ``evaluator``, ``n_shared`` (interactions also evaluated by others),
        ``mean_diff`` (their score minus the others' mean, points out of 100),
        ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted`` (Holm) and
        ``flag``: "scores high", "scores low", "in line" or "too few shared
        interactions".
    summary : str
        The finding in plain words.
    """

    kappas: pd.DataFrame
    evaluators: pd.DataFrame
    summary: str


def agreement(
    evaluations: pd.DataFrame,
    *,
    target: str = "ticket_id",
    scorecard: Scorecard = None,
    pass_mark: float = 1.0,
    alpha: float = 0.05,
    min_shared: int = 3,
    n_resamples: int = 1000,
    random_state: int | None = 0,
) -> Agreement:
    """How far evaluators agree on the same interactions, and who scores high or low.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        The evaluations table with ``evaluator`` and the ``target`` column.
    target : str
        What identifies the interaction evaluated (``ticket_id``, or e.g. a
        call recording id).
    scorecard, pass_mark
        As for :func:`~cslib.analyses.standards.scored`.
    alpha : float
        1 − confidence level, and the level of the evaluator flags.
    min_shared : int
        Shared interactions an evaluator needs before being tested.
    n_resamples, random_state : int
        The bootstrap of Fleiss' interval.

    Returns
    -------
    Agreement

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"evaluation_id": ["1", "2", "3", "4"], "ticket_id": ["t1", "t1", "t2", "t2"],
    ...                   "evaluator": ["ann", "bob"] * 2, "criterion": "greeting",
    ...                   "met": [True, True, False, False]})
    >>> agreement(e).kappas[["criterion", "n_items", "kappa", "reading"]].values.tolist()[0]
    ['greeting', 2, 1.0, 'almost perfect']
    """
    alpha = check_alpha(alpha)
    check_frame(evaluations, [target, "evaluator"], where="agreement")
    rows = scored(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    rows = _first_verdicts(rows, target)
    ratings = pd.DataFrame(
        {
            "criterion": rows["criterion"],
            "item": rows.groupby([target, "criterion"]).ngroup(),
            "rater": rows["evaluator"],
            "value": rows["met"],
        }
    )
    rng = np.random.default_rng(random_state)
    parts = [*ratings.groupby("criterion", sort=True), ("all criteria", ratings)]
    kappas = pd.DataFrame(
        [{"criterion": c, **_kappa_row(r, alpha, n_resamples, rng)} for c, r in parts],
        columns=["criterion", *KAPPA_COLUMNS],
    )
    scores = evaluation_scores(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    evaluators = _leanings(_first_verdicts(scores, target), target, alpha, min_shared)
    return Agreement(kappas, evaluators, _summary(kappas.iloc[-1], evaluators))


def _first_verdicts(rows: pd.DataFrame, target: str) -> pd.DataFrame:
    """Rows with an interaction and an evaluator; an evaluator's repeat of one interaction dropped."""
    rows = rows.dropna(subset=[target, "evaluator"])
    order = [c for c in ("date", "evaluation_id") if c in rows]
    keys = [target, "evaluator", *(["criterion"] if "criterion" in rows else [])]
    return rows.sort_values(order, kind="stable").drop_duplicates(keys)


def _leanings(scores: pd.DataFrame, target: str, alpha: float, min_shared: int) -> pd.DataFrame:
    """Each evaluator's mean difference from the other evaluators of the same interactions."""
    scores = scores.dropna(subset=["score"])
    groups = scores.groupby(target)["score"]
    n, total = groups.transform("size"), groups.transform("sum")
    shared = scores[n >= 2].assign(
        diff=lambda s: s["score"] - (total[n >= 2] - s["score"]) / (n[n >= 2] - 1)
    )
    rows = []
    for evaluator, d in shared.groupby("evaluator", sort=True)["diff"]:
        row = {"evaluator": evaluator, "n_shared": d.size, "mean_diff": float(d.mean())}
        if d.size >= max(min_shared, 2) and d.std() > 0:
            test = stats.ttest_1samp(d.to_numpy(float), 0.0)
            ci = test.confidence_interval(1 - alpha)
            row |= {"ci_low": ci.low, "ci_high": ci.high, "p_value": float(test.pvalue)}
        elif d.size >= max(min_shared, 2):  # the very same difference every time
            same = row["mean_diff"]
            row |= {"ci_low": same, "ci_high": same, "p_value": float(same == 0)}
        rows.append(row)
    out = pd.DataFrame(rows, columns=EVALUATOR_COLUMNS)
    tested = out["p_value"].notna()
    if tested.any():
        out.loc[tested, "p_adjusted"] = adjust_pvalues(out.loc[tested, "p_value"], alpha=alpha)[
            "p_adjusted"
        ].to_numpy()
    out["flag"] = np.select(
        [
            ~tested,
            (out["p_adjusted"] < alpha) & (out["mean_diff"] > 0),
            (out["p_adjusted"] < alpha) & (out["mean_diff"] < 0),
        ],
        ["too few shared interactions", "scores high", "scores low"],
        "in line",
    )
    return out


def _summary(pooled: pd.Series, evaluators: pd.DataFrame) -> str:
    if not pooled["n_items"]:
        return (
            "No interaction was evaluated by more than one evaluator, so agreement cannot be "
            "measured: have the evaluators score a common set of interactions (calibration)."
        )
    words = [
        f"Agreement on whether standards were met is {pooled['reading']} "
        f"({pooled['method']} {pooled['kappa']:.2f} over {pooled['n_items']} criterion checks "
        f"of shared interactions; Landis & Koch)."
        if np.isfinite(pooled["kappa"])
        else f"Agreement is {pooled['reading']} ({pooled['n_items']} shared criterion checks)."
    ]
    for flag, lean in (("scores high", "high"), ("scores low", "low")):
        names = evaluators.loc[evaluators["flag"] == flag, "evaluator"].astype(str).tolist()
        if names:
            verb = "score" if len(names) > 1 else "scores"
            words.append(
                f"{', '.join(names)} {verb} {lean} compared with the others on the same interactions."
            )
    if len(evaluators) == 2:
        words.append("With two evaluators a difference cannot say which of them is off.")
    return " ".join(words)
