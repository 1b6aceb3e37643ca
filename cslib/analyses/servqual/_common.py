"""Pieces the SERVQUAL tables share: group columns, a mean with its t interval, importance points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_frame
from cslib._lazy import lazy
from cslib.errors import DataError, Problem

if TYPE_CHECKING:
    from scipy import stats
else:
    stats = lazy("scipy.stats")


def group_columns(by: str | Sequence[str] | None) -> list[str]:
    """The ``by`` argument as a list of column names."""
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def mean_ci(x: np.ndarray, alpha: float) -> tuple[float, float, float, float]:
    """Mean, standard error and t interval of ``x`` (NaN where fewer than two values)."""
    n = x.size
    m = float(x.mean()) if n else np.nan
    if n < 2:
        return m, np.nan, np.nan, np.nan
    se = float(x.std(ddof=1) / np.sqrt(n))
    h = float(stats.t.ppf(1 - alpha / 2, n - 1)) * se
    return m, se, m - h, m + h


def importance_points(weights: pd.DataFrame, *, tolerance: float = 0.5) -> pd.DataFrame:
    """The importance split checked: each respondent's points non-negative and adding up to 100."""
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
