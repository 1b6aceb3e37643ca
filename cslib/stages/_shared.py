"""What the stages have in common: how an objective is named, charted and followed.

The Plan, Do, Check and Act stages each show the objectives' KPIs; this module
holds the parts they share so that no stage imports another: the objective's
label, its control chart, the teams that adopted the change, the span of the
cycle, the pooled weekly series and the before/after control charts.

Examples
--------
>>> from cslib.cycle.model import Objective
>>> objective_label(Objective(id="O1", kpi="fcr", direction="increase", statistic="mean"))
'First contact resolution (mean)'
>>> week_start("2026-04-02")
Timestamp('2026-03-30 00:00:00')
"""

from __future__ import annotations

import pandas as pd

from cslib.cycle.model import Objective
from cslib.cycle.workbook import Workbook
from cslib.display import Chart
from cslib.metrics.engine import REGISTRY
from cslib.stats.spc import compute as spc
from cslib.stats.spc.draw import spc_grid

#: the period of the control charts and of the pooled series
WEEKS = "W"
#: how a statistic is named after the KPI's label
STATISTIC_NAMES = {"median": " (median)", "mean": " (mean)", "p90": " (90th percentile)"}


def objective_label(obj: Objective) -> str:
    """The objective's KPI as people read it, with its statistic when one is set."""
    return REGISTRY[obj.kpi].label + STATISTIC_NAMES.get(obj.statistic or "", "")


def week_start(day) -> pd.Timestamp:
    """The Monday of the week ``day`` falls in (weeks are the charts' periods)."""
    day = pd.Timestamp(day)
    return day - pd.Timedelta(days=day.weekday())


def objective_chart(
    wb: Workbook, obj: Objective, series: pd.DataFrame, *, part=None, freeze=None
) -> spc.SpcResult:
    """The SPC chart that fits the objective's KPI: a p chart for shares (with n), an I chart otherwise."""
    kind = REGISTRY[obj.kpi].kind
    direction = "decrease" if obj.direction == "decrease" else "increase"
    data = series.dropna(subset=["value"])
    if kind == "proportion" and data["n"].gt(0).all():
        return spc.control_chart(
            (data["value"] * data["n"]).round(),
            x=data["period"],
            chart="p",
            n=data["n"],
            part=part,
            freeze=freeze,
            rules="nhs",
            improvement=direction,
            target=obj.target,
        )
    return spc.control_chart(
        data["value"],
        x=data["period"],
        chart="i",
        part=part,
        freeze=freeze,
        rules="nhs",
        improvement=direction,
        target=obj.target,
    )


def treated_teams(wb: Workbook) -> list[str]:
    """Teams of this run that adopted the change (all teams when the cycle has no roll-out list)."""
    if not wb.cycle.rollout:
        return []
    scope = set(wb.scope_teams) or None
    return [t for t in wb.cycle.rollout if scope is None or t in scope]


def cycle_span(wb: Workbook) -> tuple[pd.Timestamp, pd.Timestamp]:
    """From the first day of the baseline to the last day of the review."""
    return wb.window("baseline")[0], wb.window("review")[1]


def pooled_weekly(wb: Workbook, obj: Objective, teams, start, end) -> pd.DataFrame:
    """The objective's weekly KPI over the given teams together (all teams in scope when none are given)."""
    filters = {**(obj.segment or {}), **({"team": teams} if teams else {})}
    return wb.objective_kpis(obj, freq=WEEKS, start=start, end=end, filters=filters)


def before_after_charts(wb: Workbook, *, title: str | None = None) -> Chart:
    """Weekly control charts with a new part at the change, in the teams that adopted it (NHS rules)."""
    start, end = cycle_span(wb)
    teams = treated_teams(wb)
    results = {
        f"{o.id}: {objective_label(o)}": objective_chart(
            wb, o, pooled_weekly(wb, o, teams, start, end), part=week_start(wb.cycle.change.date)
        )
        for o in wb.cycle.objectives
    }
    who = ", ".join(teams) or ", ".join(wb.scope_teams) or "all teams"
    return Chart(
        spc_grid(
            results,
            ncols=2,
            title=title or f"Before and after the change ({who}): weekly control charts",
        )
    )
