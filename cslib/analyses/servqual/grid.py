"""The importance–performance grid: which dimensions to work on first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cslib.analyses.servqual._common import group_columns, importance_points, mean_ci
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
    w = importance_points(weights).assign(
        dimension=lambda d: d["dimension"].astype(str).str.lower()
    )
    if by:
        groups = responses[["respondent_id", *by]].drop_duplicates("respondent_id")
        w = w.merge(groups, on="respondent_id", how="inner")
    ci = []
    for key, part in w.groupby([*by, "dimension"], sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        _, _, lo, hi = mean_ci(part["points"].to_numpy(dtype=float), alpha)
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
