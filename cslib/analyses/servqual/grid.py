"""The importance–performance grid: which dimensions to work on first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cslib.analyses.servqual._common import group_columns
from cslib.analyses.servqual.scores import gaps

__all__ = ["QUADRANTS", "importance_performance"]

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

    Importance and gap are both means over the respondents of ``responses`` (a
    wave, say), with their t intervals.

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
    by = group_columns(by)
    g = gaps(
        responses,
        by=by,
        weights=weights,
        alpha=alpha,
        dimensions=dimensions,
        reversed_items=reversed_items,
    )
    out = g.copy()
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
