"""Answers scored for gap analysis: reversed items rescored, dimensions attached, gaps per respondent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cslib._args import check_frame
from cslib.analyses.servqual._common import group_columns
from cslib.errors import DataError, ParameterError, Problem

__all__ = ["ITEM_DIMENSIONS", "RATER", "REQUIRED", "respondent_gaps", "scored"]

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
    by = group_columns(by)
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
