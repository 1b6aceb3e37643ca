"""Two survey waves compared: has each dimension gap changed since the baseline?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame
from cslib.analyses.servqual.answers import RATER, REQUIRED, respondent_gaps
from cslib.errors import ParameterError, Problem
from cslib.stats.impact import adjust_pvalues, compare

__all__ = ["change"]

#: the columns of :func:`cslib.stats.impact.compare` that a row of :func:`change` keeps
COMPARED = (
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
    wave, before, after = _waves(responses, period, before, after)
    data = responses.assign(_wave=wave)
    data = data[data["_wave"].isin([before, after])]
    rg = respondent_gaps(data, by="_wave", dimensions=dimensions, reversed_items=reversed_items)
    out = pd.DataFrame(_compared(rg, before, after, alpha))
    adj = adjust_pvalues(out["p_value"].to_numpy(), method=adjust, alpha=alpha)
    out["p_adjusted"] = adj["p_adjusted"].to_numpy()
    out["adjust_method"] = adj["adjust_method"].to_numpy()
    out["significant"] = out["p_adjusted"] < alpha
    out["shrank"] = out["significant"] & (out["diff"] > 0)
    return out


def _waves(
    responses: pd.DataFrame, period: str | object, before: object, after: object
) -> tuple[object, object, object]:
    """Each answer's wave label, and the labels of the baseline and the review wave."""
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
        return responses[period], before, after
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
    return wave, "before", "after"


def _compared(rg: pd.DataFrame, before: object, after: object, alpha: float) -> list[dict]:
    """One row per dimension (RATER order, then the others): the waves' gaps compared."""
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
        rows.append({"dimension": dim, **{k: row[k] for k in COMPARED}})
    return rows
