"""SERVQUAL / RATER: service-quality gaps between what customers expect and perceive.

Each of 22 items is answered twice on a 1–7 scale, expectation (E) and
perception (P). Negatively worded items (``reversed``) are scored ``8 − answer``
before anything else. Then (see ``reference/servqual.md``):

* item gap = P − E (negative = shortfall);
* a respondent's dimension gap = the mean of their item gaps in that dimension;
* the dimension gap = the mean of respondents' dimension gaps, with a t interval
  (mean ± t·sd/√n over respondents, who are the independent units);
* unweighted SERVQUAL score = mean of the five dimension gaps (per respondent,
  then averaged); weighted score = Σ dimension gap × points ÷ 100 with each
  respondent's own 100-point importance split.

Items map to dimensions through the data's ``dimension`` column, or else the
standard 1988 mapping (:data:`ITEM_DIMENSIONS`: Tangibles 1–4, Reliability 5–9,
Responsiveness 10–13, Assurance 14–17, Empathy 18–22), or a mapping passed as
``dimensions=``.

Examples
--------
>>> import pandas as pd
>>> r = pd.DataFrame({"respondent_id": ["a", "a", "b", "b"], "item": [5, 6, 5, 6],
...                   "expectation": [7, 6, 6, 6], "perception": [5, 6, 5, 4]})
>>> gaps(r)[["dimension", "n", "gap"]].values.tolist()
[['reliability', 2, -1.25]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cslib._args import check_alpha, check_frame
from cslib.errors import DataError, ParameterError, Problem
from cslib.stats.impact import adjust_pvalues, compare

__all__ = [
    "RATER",
    "ITEM_DIMENSIONS",
    "change",
    "gaps",
    "importance_performance",
    "item_gaps",
    "respondent_gaps",
    "score",
]

#: the five RATER dimensions in the order SERVQUAL reports them
RATER = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
#: the standard item → dimension mapping of the 22-item instrument
ITEM_DIMENSIONS: dict[int, str] = {
    i: d
    for d, items in zip(
        RATER, (range(1, 5), range(5, 10), range(10, 14), range(14, 18), range(18, 23)), strict=True
    )
    for i in items
}
REQUIRED = ("respondent_id", "item", "expectation", "perception")


def _by(by: str | Sequence[str] | None) -> list[str]:
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def scored(
    responses: pd.DataFrame,
    *,
    dimensions: Mapping[int, str] | None = None,
    reversed_items: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Answers ready for gap analysis: reversed items rescored, dimension attached, item gap.

    Parameters
    ----------
    responses : pandas.DataFrame
        The survey table (one row per respondent × item); not modified.
    dimensions : mapping of item → dimension, optional
        Overrides the data's ``dimension`` column and the standard mapping.
    reversed_items : sequence of int, optional
        Items worded negatively; overrides the data's ``reversed`` column.

    Returns
    -------
    pandas.DataFrame
        The input columns with ``expectation`` and ``perception`` as floats
        already rescored (8 − answer for reversed items), ``dimension``,
        ``reversed`` and ``item_gap`` (P − E).
    """
    check_frame(responses, list(REQUIRED), where="servqual")
    out = responses.copy()
    problems = []
    for col in ("expectation", "perception"):
        v = pd.to_numeric(out[col], errors="coerce").astype(float)
        bad = np.flatnonzero(~((v >= 1) & (v <= 7) & (v == np.round(v))).to_numpy())
        if bad.size:
            problems.append(
                Problem(
                    "answers must be whole numbers from 1 to 7",
                    column=col,
                    rows=tuple(int(i) + 2 for i in bad[:5]),
                    n_rows=int(bad.size),
                    values=tuple(out[col].iloc[bad[:5]]),
                    fix="keep the raw 1–7 answers; drop unanswered items",
                )
            )
        out[col] = v
    if problems:
        raise DataError(problems)
    if dimensions is not None:
        out["dimension"] = out["item"].map(lambda i: dimensions.get(int(i)))
    elif "dimension" not in out or out["dimension"].isna().all():
        out["dimension"] = out["item"].map(lambda i: ITEM_DIMENSIONS.get(int(i)))
    out["dimension"] = (
        out["dimension"].astype(object).map(lambda d: d.lower() if isinstance(d, str) else d)
    )
    missing = out["dimension"].isna().to_numpy()
    if missing.any():
        raise ParameterError(
            Problem(
                "items without a dimension",
                column="item",
                values=tuple(pd.unique(out.loc[missing, "item"]))[:5],
                fix="add a dimension column, or pass dimensions={item: 'reliability', …}",
            )
        )
    if reversed_items is not None:
        rev = out["item"].astype(int).isin([int(i) for i in reversed_items]).to_numpy()
    elif "reversed" in out:
        rev = out["reversed"].fillna(False).astype(bool).to_numpy()
    else:
        rev = np.zeros(len(out), dtype=bool)
    out["reversed"] = rev
    for col in ("expectation", "perception"):
        out[col] = np.where(rev, 8 - out[col], out[col])
    out["item_gap"] = out["perception"] - out["expectation"]
    return out


def respondent_gaps(
    responses: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    dimensions: Mapping[int, str] | None = None,
    reversed_items: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Each respondent's expectation, perception and gap per dimension (means of their items).

    Returns
    -------
    pandas.DataFrame
        One row per respondent × dimension: ``respondent_id``, the ``by``
        columns, ``dimension``, ``items``, ``expectation``, ``perception``, ``gap``.
    """
    by = _by(by)
    check_frame(responses, [*REQUIRED, *by], where="servqual")
    s = scored(responses, dimensions=dimensions, reversed_items=reversed_items)
    keys = ["respondent_id", *by, "dimension"]
    out = (
        s.groupby(keys, sort=False, dropna=False)
        .agg(
            items=("item", "size"),
            expectation=("expectation", "mean"),
            perception=("perception", "mean"),
            gap=("item_gap", "mean"),
        )
        .reset_index()
    )
    return out


def _mean_ci(x: np.ndarray, alpha: float) -> tuple[float, float, float, float]:
    n = x.size
    m = float(x.mean()) if n else np.nan
    if n < 2:
        return m, np.nan, np.nan, np.nan
    se = float(x.std(ddof=1) / np.sqrt(n))
    h = float(stats.t.ppf(1 - alpha / 2, n - 1)) * se
    return m, se, m - h, m + h


def _order(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    rank = {d: i for i, d in enumerate(RATER)}
    frame = frame.assign(_r=frame["dimension"].map(lambda d: rank.get(d, len(rank))))
    return frame.sort_values([*keys, "_r", "dimension"], kind="stable", ignore_index=True).drop(
        columns="_r"
    )


def _weights(weights: pd.DataFrame, *, tolerance: float = 0.5) -> pd.DataFrame:
    check_frame(weights, ["respondent_id", "dimension", "points"], where="servqual weights")
    w = weights[["respondent_id", "dimension", "points"]].copy()
    w["dimension"] = w["dimension"].astype(str).str.lower()
    w["points"] = pd.to_numeric(w["points"], errors="coerce").astype(float)
    total = w.groupby("respondent_id")["points"].sum()
    bad = total[(total - 100).abs() > tolerance]
    if len(bad) or w["points"].isna().any() or (w["points"] < 0).any():
        raise DataError(
            Problem(
                "importance points must be non-negative and add up to 100 per respondent",
                column="points",
                values=tuple(f"{r}: {v:g}" for r, v in bad.head(5).items()),
                n_rows=len(bad) or None,
                fix="ask respondents to split exactly 100 points over the five dimensions, or drop incomplete splits",
            )
        )
    return w


def gaps(
    responses: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    weights: pd.DataFrame | None = None,
    alpha: float = 0.05,
    dimensions: Mapping[int, str] | None = None,
    reversed_items: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Dimension gaps (P − E) with confidence intervals, per dimension (× group).

    Parameters
    ----------
    responses : pandas.DataFrame
        The survey table: ``respondent_id``, ``item``, ``expectation``,
        ``perception`` and optionally ``dimension``, ``reversed``, groups.
    by : str or list of str, optional
        Group columns (e.g. ``"segment"``); constant per respondent.
    weights : pandas.DataFrame, optional
        The ``survey_weights`` table (100 points per respondent); adds the
        mean ``importance`` and each dimension's share of the weighted score.
    alpha : float
        1 − confidence level.
    dimensions, reversed_items : optional
        Override the item mapping and the reversed items (see :func:`scored`).

    Returns
    -------
    pandas.DataFrame
        One row per (group ×) dimension in RATER order: ``dimension``, ``n``
        (respondents), ``expectation``, ``perception``, ``gap``, ``se``,
        ``ci_low``, ``ci_high``; with ``weights`` also ``importance`` (mean
        points) and ``weighted_gap`` (mean of gap × points ÷ 100).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"respondent_id": ["a", "a", "b", "b"], "item": [11, 12, 11, 12],
    ...                   "expectation": [2, 6, 1, 6], "perception": [3, 5, 3, 4], "reversed": [True, False, True, False]})
    >>> gaps(r)["gap"].item()  # item 11 reversed: gaps −1, −1 (a) and −2, −2 (b)
    -1.5
    """
    alpha = check_alpha(alpha)
    by = _by(by)
    rg = respondent_gaps(responses, by=by, dimensions=dimensions, reversed_items=reversed_items)
    if weights is not None:
        w = _weights(weights)
        rg = rg.merge(w, on=["respondent_id", "dimension"], how="left")
        rg["weighted"] = rg["gap"] * rg["points"] / 100
    rows = []
    for key, g in rg.groupby([*by, "dimension"], sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        m, se, lo, hi = _mean_ci(g["gap"].to_numpy(dtype=float), alpha)
        row = dict(zip([*by, "dimension"], key, strict=True))
        row.update(
            n=len(g),
            expectation=float(g["expectation"].mean()),
            perception=float(g["perception"].mean()),
            gap=m,
            se=se,
            ci_low=lo,
            ci_high=hi,
        )
        if weights is not None:
            row.update(
                importance=float(g["points"].mean()), weighted_gap=float(g["weighted"].mean())
            )
        rows.append(row)
    return _order(pd.DataFrame(rows), by)


def item_gaps(
    responses: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    dimensions: Mapping[int, str] | None = None,
    reversed_items: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Gap per item with a t interval; sort by ``gap`` to find the largest shortfalls.

    Returns
    -------
    pandas.DataFrame
        One row per (group ×) item: ``item``, ``dimension``, ``reversed``,
        ``n``, ``expectation``, ``perception``, ``gap``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"respondent_id": ["a", "b"], "item": [1, 1], "expectation": [7, 6], "perception": [5, 5]})
    >>> item_gaps(r)[["item", "dimension", "gap"]].values.tolist()
    [[1, 'tangibles', -1.5]]
    """
    alpha = check_alpha(alpha)
    by = _by(by)
    check_frame(responses, [*REQUIRED, *by], where="servqual")
    s = scored(responses, dimensions=dimensions, reversed_items=reversed_items)
    rows = []
    for key, g in s.groupby([*by, "item"], sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        m, _, lo, hi = _mean_ci(g["item_gap"].to_numpy(dtype=float), alpha)
        rows.append(
            {
                **dict(zip([*by, "item"], key, strict=True)),
                "dimension": g["dimension"].iloc[0],
                "reversed": bool(g["reversed"].iloc[0]),
                "n": len(g),
                "expectation": float(g["expectation"].mean()),
                "perception": float(g["perception"].mean()),
                "gap": m,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    return pd.DataFrame(rows)


def score(
    responses: pd.DataFrame,
    *,
    weights: pd.DataFrame | None = None,
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    dimensions: Mapping[int, str] | None = None,
    reversed_items: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Overall SERVQUAL score, unweighted and (with ``weights``) weighted by importance.

    Per respondent: unweighted = mean of their dimension gaps; weighted =
    Σ dimension gap × points ÷ 100 (respondents without a weight split are left
    out of the weighted score). Then mean ± t interval over respondents.

    Returns
    -------
    pandas.DataFrame
        One row per (group ×) kind: ``score`` (``"unweighted"``, ``"weighted"``),
        ``n``, ``value``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"respondent_id": ["a", "a"], "item": [1, 5], "expectation": [6, 6], "perception": [5, 3]})
    >>> w = pd.DataFrame({"respondent_id": ["a"] * 5, "dimension": ["tangibles", "reliability", "responsiveness", "assurance", "empathy"],
    ...                   "points": [20, 80, 0, 0, 0]})
    >>> score(r, weights=w)[["score", "value"]].values.tolist()
    [['unweighted', -2.0], ['weighted', -2.6]]
    """
    alpha = check_alpha(alpha)
    by = _by(by)
    rg = respondent_gaps(responses, by=by, dimensions=dimensions, reversed_items=reversed_items)
    per = (
        rg.groupby(["respondent_id", *by], sort=False, dropna=False)["gap"]
        .mean()
        .rename("unweighted")
        .reset_index()
    )
    if weights is not None:
        w = _weights(weights)
        wg = rg.merge(w, on=["respondent_id", "dimension"], how="inner")
        wg["weighted"] = wg["gap"] * wg["points"] / 100
        ws = (
            wg.groupby(["respondent_id", *by], sort=False, dropna=False)["weighted"]
            .sum()
            .reset_index()
        )
        per = per.merge(ws, on=["respondent_id", *by], how="left")
    kinds = ["unweighted"] + (["weighted"] if weights is not None else [])
    rows = []
    groups = per.groupby(by, sort=True, dropna=False) if by else [((), per)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        for kind in kinds:
            x = g[kind].dropna().to_numpy(dtype=float)
            m, _, lo, hi = _mean_ci(x, alpha)
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "score": kind,
                    "n": int(x.size),
                    "value": m,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    return pd.DataFrame(rows)


QUADRANTS = {
    (True, True): "concentrate here",
    (True, False): "keep up the good work",
    (False, True): "low priority",
    (False, False): "possible overkill",
}


def importance_performance(
    responses: pd.DataFrame,
    weights: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    dimensions: Mapping[int, str] | None = None,
    reversed_items: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Importance–performance grid: mean importance points against the dimension gap.

    The grid's cross-hairs are the means over the dimensions: importance above
    the mean and a gap below (worse than) the mean gap → "concentrate here";
    important and better than average → "keep up the good work"; less important
    and worse → "low priority"; less important and better → "possible overkill".

    Returns
    -------
    pandas.DataFrame
        One row per (group ×) dimension: ``dimension``, ``n``, ``importance``,
        ``importance_ci_low``, ``importance_ci_high``, ``gap``, ``ci_low``,
        ``ci_high``, ``perception``, ``importance_mean``, ``gap_mean``, ``quadrant``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"respondent_id": ["a", "a"], "item": [1, 5], "expectation": [6, 6], "perception": [5, 3]})
    >>> w = pd.DataFrame({"respondent_id": ["a", "a"], "dimension": ["tangibles", "reliability"], "points": [20, 80]})
    >>> importance_performance(r, w)[["dimension", "quadrant"]].values.tolist()
    [['tangibles', 'possible overkill'], ['reliability', 'concentrate here']]
    """
    by = _by(by)
    g = gaps(
        responses,
        by=by,
        weights=weights,
        alpha=alpha,
        dimensions=dimensions,
        reversed_items=reversed_items,
    )
    w = _weights(weights).assign(dimension=lambda d: d["dimension"].astype(str).str.lower())
    if by:
        groups = responses[["respondent_id", *by]].drop_duplicates("respondent_id")
        w = w.merge(groups, on="respondent_id", how="inner")
    ci = []
    for key, part in w.groupby([*by, "dimension"], sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        _, _, lo, hi = _mean_ci(part["points"].to_numpy(dtype=float), alpha)
        ci.append(
            {
                **dict(zip([*by, "dimension"], key, strict=True)),
                "importance_ci_low": lo,
                "importance_ci_high": hi,
            }
        )
    out = g.merge(pd.DataFrame(ci), on=[*by, "dimension"], how="left")
    out["importance_mean"] = (
        out.groupby(by)["importance"].transform("mean") if by else out["importance"].mean()
    )
    out["gap_mean"] = out.groupby(by)["gap"].transform("mean") if by else out["gap"].mean()
    out["quadrant"] = [
        QUADRANTS[(bool(i > im), bool(gp < gm))]
        for i, im, gp, gm in zip(
            out["importance"], out["importance_mean"], out["gap"], out["gap_mean"], strict=True
        )
    ]
    cols = [
        *by,
        "dimension",
        "n",
        "importance",
        "importance_ci_low",
        "importance_ci_high",
        "gap",
        "ci_low",
        "ci_high",
        "perception",
        "importance_mean",
        "gap_mean",
        "quadrant",
    ]
    return out[cols]


def change(
    responses: pd.DataFrame,
    *,
    period: str | object,
    before: object = None,
    after: object = None,
    alpha: float = 0.05,
    adjust: str = "holm",
    dimensions: Mapping[int, str] | None = None,
    reversed_items: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Change of each dimension gap between two survey waves (after − before).

    Respondents' dimension gaps are compared with :func:`cslib.stats.impact.compare`
    (``kind="continuous"``: Welch t interval, Hedges' g), then the five p-values
    are adjusted for multiplicity (``adjust``: Holm or Benjamini–Hochberg).
    A positive ``diff`` means the gap shrank (perceptions closer to expectations).

    Parameters
    ----------
    responses : pandas.DataFrame
        The survey table with both waves; not modified.
    period : str or date-like
        Either a column holding the wave label, or a date: answers dated
        before it are the baseline wave, on or after it the review wave
        (needs the ``date`` column).
    before, after : optional
        Wave labels when ``period`` is a column (default: the two labels, sorted).

    Returns
    -------
    pandas.DataFrame
        One row per dimension: ``dimension``, ``n_before``, ``n_after``,
        ``before``, ``after`` (mean gaps), ``diff``, ``ci_low``, ``ci_high``,
        ``p_value``, ``hedges_g``, ``p_adjusted``, ``adjust_method``,
        ``significant``, ``shrank`` (``diff > 0`` and significant).
    """
    alpha = check_alpha(alpha)
    check_frame(responses, list(REQUIRED), where="servqual.change")
    data = responses
    if isinstance(period, str) and period in responses.columns:
        labels = sorted(pd.unique(responses[period].dropna()))
        if before is None and after is None:
            if len(labels) != 2:
                raise ParameterError(
                    Problem(
                        f"needs exactly two waves, found {len(labels)}",
                        column=period,
                        values=tuple(labels[:5]),
                        fix="filter to two waves or pass before= and after=",
                    )
                )
            before, after = labels
        missing = [v for v in (before, after) if v not in labels]
        if missing:
            raise ParameterError(
                Problem(
                    "wave label not found",
                    column=period,
                    values=tuple(missing),
                    fix=f"use one of {labels[:5]}",
                )
            )
        wave = responses[period]
    else:
        if "date" not in responses.columns:
            raise ParameterError(
                Problem(
                    "a date split needs the survey's date column",
                    column="date",
                    fix="add the answer date, or name a column with the wave label as period=",
                )
            )
        try:
            cut = pd.Timestamp(period)
        except (TypeError, ValueError):
            raise ParameterError(
                Problem(
                    "period is neither a column nor a date",
                    column="period",
                    values=(period,),
                    fix="name the wave column, or give the change date, e.g. period='2026-06-01'",
                )
            ) from None
        wave = np.where(pd.to_datetime(responses["date"]) < cut, "before", "after")
        before, after = "before", "after"
    data = responses.assign(_wave=wave)
    data = data[data["_wave"].isin([before, after])]
    rg = respondent_gaps(data, by="_wave", dimensions=dimensions, reversed_items=reversed_items)
    rows = []
    for dim in [d for d in RATER if d in set(rg["dimension"])] + sorted(
        set(rg["dimension"]) - set(RATER)
    ):
        part = rg[rg["dimension"] == dim]
        b = part.loc[part["_wave"] == before, "gap"].to_numpy(dtype=float)
        a = part.loc[part["_wave"] == after, "gap"].to_numpy(dtype=float)
        if b.size < 2 or a.size < 2:
            raise ParameterError(
                Problem(
                    f"dimension {dim}: too few respondents in a wave ({b.size} before, {a.size} after)",
                    column="period",
                    fix="check the split date or wave labels",
                )
            )
        row = compare(b, a, kind="continuous", alpha=alpha).iloc[0]
        rows.append(
            {
                "dimension": dim,
                **{
                    k: row[k]
                    for k in (
                        "n_before",
                        "n_after",
                        "before",
                        "after",
                        "diff",
                        "ci_low",
                        "ci_high",
                        "p_value",
                        "hedges_g",
                    )
                },
            }
        )
    out = pd.DataFrame(rows)
    adj = adjust_pvalues(out["p_value"].to_numpy(), method=adjust, alpha=alpha)
    out["p_adjusted"] = adj["p_adjusted"].to_numpy()
    out["adjust_method"] = adj["adjust_method"].to_numpy()
    out["significant"] = out["p_adjusted"] < alpha
    out["shrank"] = out["significant"] & (out["diff"] > 0)
    return out
