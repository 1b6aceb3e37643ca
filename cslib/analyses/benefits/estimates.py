"""KPI changes in natural units from the Check stage's verdicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from cslib._args import check_frame
from cslib.errors import ParameterError, Problem

__all__ = ["estimates_from_verdicts"]


def estimates_from_verdicts(verdicts: object) -> pd.DataFrame:
    """KPI changes in natural units from Check verdicts (or their summaries).

    Ratios (``scale`` ``"ratio"``) become differences with the level before:
    before × (ratio − 1). Odds ratios cannot be turned into a difference and are left out.

    Returns
    -------
    pandas.DataFrame
        ``kpi``, ``estimate``, ``ci_low``, ``ci_high``, ``before``.
    """
    if isinstance(verdicts, pd.DataFrame):
        frame = verdicts
    else:
        if isinstance(verdicts, Mapping):
            items: Iterable[Any] = verdicts.values()
        elif isinstance(verdicts, Iterable):
            items = verdicts
        else:
            raise ParameterError(
                Problem(
                    "cannot read the verdicts",
                    column="verdicts",
                    values=(type(verdicts).__name__,),
                    fix="pass the Check scorecard (DataFrame) or a list of cslib.stats.impact.Verdict objects",
                )
            )
        frame = pd.concat(
            [v.summary() if hasattr(v, "summary") else pd.DataFrame([dict(v)]) for v in items],
            ignore_index=True,
        )
    check_frame(frame, ["kpi", "estimate", "ci_low", "ci_high"], where="estimates_from_verdicts")
    rows = []
    for r in frame.to_dict("records"):
        scale = str(r.get("scale", "difference"))
        if scale == "odds_ratio":
            continue
        if scale == "ratio":
            b = float(r.get("before", np.nan))
            rows.append(
                {
                    "kpi": r["kpi"],
                    "estimate": b * (r["estimate"] - 1),
                    "ci_low": b * (r["ci_low"] - 1),
                    "ci_high": b * (r["ci_high"] - 1),
                    "before": b,
                }
            )
        else:
            rows.append(
                {
                    "kpi": r["kpi"],
                    "estimate": r["estimate"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                    "before": r.get("before", np.nan),
                }
            )
    out = pd.DataFrame(rows, columns=["kpi", "estimate", "ci_low", "ci_high", "before"])
    finite = np.isfinite(out[["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float)).all(axis=1)
    return out[finite].reset_index(
        drop=True
    )  # a verdict without an interval carries no usable estimate
