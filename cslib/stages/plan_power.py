"""The Plan's power: for each objective, the smallest change the Check will detect, and when.

From each objective's weekly baseline — in the teams and with the method the
Check will use (:func:`cslib.stages.check.series`, difference-in-differences when
the roll-out leaves comparison teams) — :func:`cslib.stats.impact.power.plan_power`
gives the minimum detectable effect over the planned review and the review length
its target needs. :func:`power` is the Plan's cell; :func:`power_warnings` the
lines ``cslib validate`` prints for targets the review cannot detect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.cycle.model import Cycle, Objective
from cslib.cycle.workbook import Workbook
from cslib.display import Html, fmt
from cslib.stages._shared import (
    WEEKS,
    compared,
    kpi_unit,
    objective_label,
    pooled_weekly,
    treated_teams,
    week_start,
    with_unit,
)
from cslib.stages.check import level, series
from cslib.stats.impact.power import MAX_WEEKS, PlanPower, plan_power

METHOD_NAMES = {
    "did": "difference-in-differences",
    "its": "interrupted time series",
    "two-period": "two periods",
}


def review_weeks(cycle: Cycle, obj: Objective) -> int:
    """Weeks from the change's week to the end of the review (or the objective's earlier deadline)."""
    end = pd.Timestamp(cycle.periods.review.end)
    if obj.deadline is not None:
        end = min(end, pd.Timestamp(obj.deadline))
    days = (end - week_start(cycle.change.date)).days + 1
    return max(int(np.ceil(days / 7)), 0)


def _baseline(wb: Workbook, obj: Objective) -> tuple[np.ndarray, np.ndarray | None, int]:
    """The weekly baseline the Check's method compares: teams × weeks with the adopting teams
    marked (and the groups they form), or one pooled series (``None``, 1)."""
    start, end = wb.window("baseline")
    before = min(end, week_start(wb.cycle.change.date) - pd.Timedelta(days=1))
    treated = treated_teams(wb)
    teams = series(wb, obj, freq=WEEKS)
    if compared(teams, treated):
        base = teams[(teams["period"] >= start) & (teams["period"] <= before)]
        grid = base.pivot_table(index="team", columns="period", values="value", aggfunc="first")
        adopted = grid.index.isin(treated)
        cohorts = base.loc[base["team"].isin(treated), "first_treated"].nunique()
        return grid.to_numpy(dtype=float), adopted, int(cohorts) + 1
    weekly = pooled_weekly(wb, obj, treated, start, before)
    return weekly["value"].to_numpy(dtype=float), None, 1


def objective_power(wb: Workbook, obj: Objective) -> PlanPower:
    """:func:`~cslib.stats.impact.power.plan_power` for one objective of the workbook's cycle."""
    values, adopted, groups = _baseline(wb, obj)
    return plan_power(
        values,
        level=level(wb, obj, "baseline"),
        direction="lower" if obj.direction == "decrease" else "higher",
        review_weeks=review_weeks(wb.cycle, obj),
        target=obj.target,
        treated=adopted,
        n_groups=max(groups, 2),
    )


def _amount(change: float, unit: str) -> str:
    """A change's size in the KPI's unit: shares in percentage points."""
    if unit == "share":
        return f"{abs(change) * 100:.1f} points"
    return with_unit(abs(change), unit)


def _change(p: PlanPower, change: float, unit: str, obj: Objective) -> str:
    """``a 10 % fall (1.4 h)``."""
    word = "fall" if obj.direction == "decrease" else "rise"
    rel = abs(change / p.level) if p.level else float("nan")
    share = fmt(rel, "share")
    whole = share.split(".")[0].replace(",", "")
    article = "an" if whole.startswith("8") or whole in ("11", "18") else "a"  # an 8 %, an 11 %
    return f"{article} {share} {word} ({_amount(change, unit)})"


def sentence(p: PlanPower, obj: Objective, unit: str) -> str:
    """One plain sentence: when the objective's target becomes detectable, against the review's length."""
    what = objective_label(obj)
    review = f"your review period has {p.review_weeks}"
    if p.note:
        return f"{obj.id}: the power for {what} cannot be estimated: {p.note}."
    smallest = (
        f"over {_weeks(p.review_weeks)} the smallest change the Check can detect is "
        f"{_change(p, p.mde, unit, obj)}"
    )
    wanted = _improving(p, obj)
    if wanted is None:
        why = "no target" if p.target_change is None else "the target is no improvement"
        return f"{obj.id}: with your volumes {smallest} ({why} to judge)."
    target = _change(p, wanted, unit, obj)
    if p.weeks_needed is None:
        return (
            f"{obj.id}: with your volumes {target} in {what} is not detectable within "
            f"{MAX_WEEKS} weeks; {smallest}."
        )
    return (
        f"{obj.id}: with your volumes {target} in {what} becomes detectable after about "
        f"{_weeks(p.weeks_needed)}; {review}."
    )


def _weeks(n: int) -> str:
    return f"{n} week" if n == 1 else f"{n} weeks"


def _improving(p: PlanPower, obj: Objective) -> float | None:
    """The target's change when it is an improvement, else None."""
    sign = -1 if obj.direction == "decrease" else 1
    change = p.target_change
    return change if change is not None and sign * change > 0 else None


def power_table(wb: Workbook) -> pd.DataFrame:
    """One row per objective: method, weeks, MDE, target change, weeks needed, the sentence."""
    rows = []
    for o in wb.cycle.objectives:
        p = objective_power(wb, o)
        unit = kpi_unit(o.kpi, wb.cycle.economics.currency)
        wanted = _improving(p, o)
        rows.append(
            {
                "objective": o.id,
                "measure": objective_label(o),
                "method": METHOD_NAMES.get(p.method, "—"),
                "baseline weeks": p.baseline_weeks,
                "review weeks": p.review_weeks,
                "detectable change": np.nan if p.note else _change(p, p.mde, unit, o),
                "target change": None if wanted is None else _change(p, wanted, unit, o),
                "weeks needed": p.weeks_needed,
                "detectable by the deadline": p.detectable,
                "weekly spread": p.sd,
                "week-to-week autocorrelation": p.phi,
                "scale": p.scale or None,
                "sentence": sentence(p, o, unit),
            }
        )
    return pd.DataFrame(rows)


def power(wb: Workbook) -> Html:
    """Per objective: the change the Check can detect over the review, and the weeks its target needs; saved as ``power``."""
    frame = power_table(wb)
    wb.save("power", frame)
    body = [
        "objective",
        "measure",
        "method",
        "review weeks",
        "detectable change",
        "target change",
        "weeks needed",
    ]
    return Html.join(
        Html.bullets(frame["sentence"]),
        Html.text(
            "The detectable change is the smallest one the Check would confirm 4 times in 5 "
            "(80 % power, the whole 95 % interval on the better side), from each baseline's weekly "
            "spread and autocorrelation.",
        ),
        Html.appendix(
            "The detectable change per objective, and how it was estimated",
            {"": frame[[*body, *(c for c in frame if c not in body and c != "sentence")]]},
            {
                "weekly spread": ("weekly spread (on the method's scale)", ""),
                "week-to-week autocorrelation": ("week-to-week autocorrelation", ""),
            },
        ),
    )


def power_warnings(cycle: Cycle) -> list[str]:
    """A line per objective whose target the planned review cannot detect (80 % power)."""
    wb = Workbook(cycle, cycle.base_dir, "plan")
    out = []
    for o in cycle.objectives:
        if o.target is None:
            continue
        p = objective_power(wb, o)
        if p.detectable is False:
            assert p.target_change is not None  # plan_power gives it whenever a target is set
            unit = kpi_unit(o.kpi, cycle.economics.currency)
            needs = (
                f"needs about {p.weeks_needed} weeks to be detected (80 % power), but"
                if p.weeks_needed
                else f"is not detectable (80 % power) within {MAX_WEEKS} weeks, and"
            )
            out.append(
                f"objective {o.id}: the target {with_unit(o.target, unit)}, "
                f"{_change(p, p.target_change, unit, o)}, {needs} the review has "
                f"{p.review_weeks}; over it the smallest detectable change is "
                f"{_change(p, p.mde, unit, o)}"
            )
    return out
