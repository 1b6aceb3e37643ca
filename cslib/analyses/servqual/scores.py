"""Gap tables: per dimension, per item, and the overall SERVQUAL score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cslib._args import check_alpha, check_frame
from cslib.analyses.servqual._common import group_columns, importance_points, mean_ci
from cslib.analyses.servqual.answers import RATER, REQUIRED, respondent_gaps, scored

__all__ = ["gaps", "item_gaps", "score"]


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
        points of the same respondents) with its t interval ``importance_ci_low``,
        ``importance_ci_high``, and ``weighted_gap`` (mean of gap × points ÷ 100).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"respondent_id": ["a", "a", "b", "b"], "item": [11, 12, 11, 12],
    ...                   "expectation": [2, 6, 1, 6], "perception": [3, 5, 3, 4], "reversed": [True, False, True, False]})
    >>> gaps(r)["gap"].item()  # item 11 reversed: gaps −1, −1 (a) and −2, −2 (b)
    -1.5
    """
    alpha = check_alpha(alpha)
    by = group_columns(by)
    rg = respondent_gaps(responses, by=by, dimensions=dimensions, reversed_items=reversed_items)
    if weights is not None:
        w = importance_points(weights)
        rg = rg.merge(w, on=["respondent_id", "dimension"], how="left")
        rg["weighted"] = rg["gap"] * rg["points"] / 100
    rows = []
    for key, g in rg.groupby([*by, "dimension"], sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        m, se, lo, hi = mean_ci(g["gap"].to_numpy(dtype=float), alpha)
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
            imp, _, imp_lo, imp_hi = mean_ci(g["points"].dropna().to_numpy(dtype=float), alpha)
            row.update(
                importance=imp,
                importance_ci_low=imp_lo,
                importance_ci_high=imp_hi,
                weighted_gap=float(g["weighted"].mean()),
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
    by = group_columns(by)
    check_frame(responses, [*REQUIRED, *by], where="servqual")
    s = scored(responses, dimensions=dimensions, reversed_items=reversed_items)
    rows = []
    for key, g in s.groupby([*by, "item"], sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        m, _, lo, hi = mean_ci(g["item_gap"].to_numpy(dtype=float), alpha)
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
    by = group_columns(by)
    rg = respondent_gaps(responses, by=by, dimensions=dimensions, reversed_items=reversed_items)
    per = (
        rg.groupby(["respondent_id", *by], sort=False, dropna=False)["gap"]
        .mean()
        .rename("unweighted")
        .reset_index()
    )
    if weights is not None:
        w = importance_points(weights)
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
            m, _, lo, hi = mean_ci(x, alpha)
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


def _order(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows sorted by ``keys``, then dimensions in RATER order (others after, by name)."""
    rank = {d: i for i, d in enumerate(RATER)}
    frame = frame.assign(_r=frame["dimension"].map(lambda d: rank.get(d, len(rank))))
    return frame.sort_values([*keys, "_r", "dimension"], kind="stable", ignore_index=True).drop(
        columns="_r"
    )
