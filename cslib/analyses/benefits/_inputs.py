"""The inputs of the dual benefit checked: economics, the cost of the actions, sizes, estimates."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cslib._args import positive
from cslib.errors import ParameterError, Problem


def economics_of(economics: object) -> dict[str, object]:
    """The economics as a dict (empty for None), from a mapping or the cycle's section."""
    if economics is None:
        return {}
    if hasattr(economics, "model_dump"):
        return economics.model_dump()
    if isinstance(economics, Mapping):
        return dict(economics)
    raise ParameterError(
        Problem(
            "economics must be a mapping or the cycle's economics section",
            column="economics",
            values=(type(economics).__name__,),
            fix="pass cycle.economics or {'hourly_cost': 32, ...}",
        )
    )


def action_cost(cost: object) -> float:
    """The cost of the actions: a number, or the sum over the cycle's actions not dropped."""
    if isinstance(cost, int | float) and not isinstance(cost, bool):
        value = float(cost)
    elif hasattr(cost, "actions"):
        value = float(sum(a.cost or 0 for a in cost.actions if a.status != "dropped"))
    elif isinstance(cost, list | tuple):
        value = float(
            sum((a.get("cost") or 0) if isinstance(a, Mapping) else (a.cost or 0) for a in cost)
        )
    else:
        raise ParameterError(
            Problem(
                "cost must be a number, the cycle, or its list of actions",
                column="cost",
                values=(cost,),
                fix="pass cost=30500 or cost=cycle",
            )
        )
    if not np.isfinite(value) or value < 0:
        raise ParameterError(
            Problem(
                "cost must be zero or more",
                column="cost",
                values=(value,),
                fix="check the actions' costs",
            )
        )
    return value


def check_sizes(volume: object, months: object, repeat_contacts: object, n_draws: object) -> None:
    """Volume, months and repeat contacts positive; at least 100 simulation draws."""
    for name, v in (("volume", volume), ("months", months), ("repeat_contacts", repeat_contacts)):
        positive(v, name, example=12)
    if not (isinstance(n_draws, int) and n_draws >= 100):
        raise ParameterError(
            Problem(
                "n_draws must be a whole number of at least 100",
                column="n_draws",
                values=(n_draws,),
                fix="e.g. n_draws=20000",
            )
        )


def checked_estimates(estimates: pd.DataFrame) -> pd.DataFrame:
    """The estimates indexed by KPI (the last row of a KPI given twice), as floats,
    each inside its interval."""
    est = estimates.drop_duplicates("kpi", keep="last").set_index("kpi")
    nums = (
        est[["estimate", "ci_low", "ci_high"]].apply(pd.to_numeric, errors="coerce").astype(float)
    )
    missing = nums.index[~np.isfinite(nums.to_numpy()).all(axis=1)]
    if len(missing):
        raise ParameterError(
            Problem(
                "estimates without a number or an interval",
                column="estimate",
                values=tuple(missing),
                fix="drop those KPIs or give their 95 % interval (estimates_from_verdicts drops them)",
            )
        )
    est[["estimate", "ci_low", "ci_high"]] = nums
    bad = est[(est["ci_low"] > est["estimate"]) | (est["ci_high"] < est["estimate"])]
    if len(bad):
        raise ParameterError(
            Problem(
                "an estimate lies outside its interval",
                column="ci_low, ci_high",
                values=tuple(bad.index),
                fix="pass differences (after − before) with their 95 % interval",
            )
        )
    return est
