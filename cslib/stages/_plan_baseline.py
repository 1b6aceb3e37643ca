"""The Plan's baseline: each objective's level, control charts and stability in the teams the Check judges.

The baseline describes the roll-out teams (with the comparison group's level
beside it), so that the Check's "actual" compares with it like for like.
"""

from __future__ import annotations

import pandas as pd

from cslib.cycle.workbook import Workbook
from cslib.display import Chart, Html, Table
from cslib.stages import _open_tickets as open_tickets
from cslib.stages._shared import (
    CHART_NAMES,
    WEEKS,
    by_row_unit,
    comparison_run,
    grid_columns,
    kpi_unit,
    objective_chart,
    objective_label,
    pooled_weekly,
    treated_teams,
)
from cslib.stats.spc.draw import spc_grid


def baseline_groups(wb: Workbook) -> dict[str, list[str]]:
    """The teams the baseline describes: ``roll-out`` (the teams the Check judges) and ``comparison``.

    ``roll-out`` is empty when the figures pool every team in scope: the cycle has no
    roll-out list, or this run's teams are all comparison teams. ``comparison`` holds
    the teams in scope that did not adopt the change, when some did.
    """
    adopting = treated_teams(wb)
    if not adopting or "team" not in wb.ticket_columns:
        return {"roll-out": adopting, "comparison": []}
    start, end = wb.window("baseline")
    seen = wb.kpis(kpis=["volume"], freq="all", by="team", start=start, end=end)["team"]
    return {"roll-out": adopting, "comparison": sorted(set(seen.dropna()) - set(adopting))}


def _in_teams(wb: Workbook, obj, teams: list[str], freq: str) -> pd.DataFrame:
    """The objective's KPI over the baseline in ``teams`` together (every team in scope when empty)."""
    return pooled_weekly(wb, obj, teams, *wb.window("baseline"), freq=freq)


def _level(wb: Workbook, obj, teams: list[str]) -> float:
    """The objective's KPI over the whole baseline in ``teams`` (missing when there are none): for a
    duration with tickets still open, the Kaplan–Meier median the Check states too."""
    if not teams:
        return float("nan")
    km = open_tickets.km_level(wb, obj, teams, *wb.window("baseline"))
    return km if km is not None else _in_teams(wb, obj, teams, "all")["value"].iloc[0]


def _baseline_who(wb: Workbook, groups: dict[str, list[str]]) -> str:
    """Which teams the baseline figures describe, in words."""
    if groups["roll-out"]:
        who = f"in the roll-out teams ({', '.join(groups['roll-out'])}), the teams the Check judges"
        if groups["comparison"]:
            who += f"; the comparison group ({', '.join(groups['comparison'])}) beside it"
        return who
    if comparison_run(wb):
        return f"in this run's teams ({', '.join(wb.scope_teams)}), which did not adopt the change (comparison group)"
    return "in all teams in scope"


def baseline(wb: Workbook) -> Table:
    """Each objective's KPI over the baseline in the roll-out teams (the comparison group's beside it): level,
    answers/tickets behind it, weekly range; saved as ``baseline``.

    The baseline describes the same teams as the Check's actual, so that the two compare.
    """
    start, end = wb.window("baseline")
    groups = baseline_groups(wb)
    rows = []
    for o in wb.cycle.objectives:
        whole = _in_teams(wb, o, groups["roll-out"], "all").iloc[0]
        km = open_tickets.km_level(wb, o, groups["roll-out"], start, end)  # tickets still open
        whole["value"] = whole["value"] if km is None else km  # the Check's baseline
        weekly = _in_teams(wb, o, groups["roll-out"], WEEKS)["value"].dropna()
        needed = (
            (o.target - whole["value"]) / abs(whole["value"])
            if o.target is not None and whole["value"]
            else float("nan")
        )
        rows.append(
            {
                "objective": o.id,
                "kpi": o.kpi,
                "measure": objective_label(o),
                "unit": kpi_unit(o.kpi, wb.cycle.economics.currency),
                "baseline": whole["value"],
                "comparison baseline": _level(wb, o, groups["comparison"]),
                "n": whole["n"],
                "weeks": len(weekly),
                "best week": weekly.min() if o.direction == "decrease" else weekly.max(),
                "worst week": weekly.max() if o.direction == "decrease" else weekly.min(),
                "target": o.target,
                "change needed": needed,
            }
        )
    frame = pd.DataFrame(rows)
    wb.save("baseline", frame)
    shown = by_row_unit(
        frame.assign(
            **{"change needed": pd.to_numeric(frame["target"]) - pd.to_numeric(frame["baseline"])}
        ),
        ["baseline", "comparison baseline", "best week", "worst week", "target"],
        differences=["change needed"],
    )
    if not groups["comparison"]:
        shown = shown.drop(columns="comparison baseline")
    body = ["objective", "measure", "baseline", "comparison baseline", "target", "change needed"]
    return Table(
        shown,
        caption=f"Baseline {start:%d %b %Y} – {end:%d %b %Y} {_baseline_who(wb, groups)}; best and worst week in the same teams; the full table (all columns) adds the tickets or answers behind each value",
        columns={
            "baseline": ("baseline" + (" (roll-out teams)" if groups["comparison"] else ""), ""),
            "comparison baseline": ("baseline (comparison group)", ""),
            "change needed": ("change needed to meet the target", ""),
        },
        body=[c for c in body if c in shown] + ["best week", "worst week"],
    )


def baseline_charts(wb: Workbook) -> Chart:
    """Weekly control charts of each objective's KPI over the baseline in the baseline's teams (NHS rules)."""
    teams = baseline_groups(wb)["roll-out"]
    results = {
        f"{o.id}: {objective_label(o)}": objective_chart(wb, o, _in_teams(wb, o, teams, WEEKS))
        for o in wb.cycle.objectives
    }
    return Chart(
        spc_grid(results, ncols=grid_columns(len(results)), title="Baseline: weekly control charts")
    )


def stability(wb: Workbook) -> Html:
    """Is each baseline process stable enough to evaluate a change against? Saved as ``stability``."""
    teams = baseline_groups(wb)["roll-out"]
    rows = []
    for o in wb.cycle.objectives:
        chart = objective_chart(wb, o, _in_teams(wb, o, teams, WEEKS))
        s = chart.summary().iloc[0]
        special = int(chart.data["special_cause"].sum())
        verdict = (
            "stable: common-cause variation only"
            if not special and not s["runs_signal"]
            else f"not stable: {special} special-cause point(s)"
            + (", unusual runs" if s["runs_signal"] else "")
        )
        rows.append(
            {
                "objective": o.id,
                "measure": objective_label(o),
                "unit": kpi_unit(o.kpi, wb.cycle.economics.currency),
                "chart": chart.chart,
                "centre": s["cl"],
                "lower limit": chart.data["lcl"].mean(),
                "upper limit": chart.data["ucl"].mean(),
                "special causes": special,
                "runs signal": bool(s["runs_signal"]),
                "trial limits": bool(s["trial_limits"]),
                "judgement": verdict,
            }
        )
    frame = pd.DataFrame(rows)
    wb.save("stability", frame)
    shown = by_row_unit(frame, ["centre", "lower limit", "upper limit"]).assign(
        chart=frame["chart"].map(CHART_NAMES).fillna(frame["chart"])
    )
    unstable = frame.loc[frame["judgement"].str.startswith("not stable"), "objective"].tolist()
    said = (
        f"Not stable: {', '.join(unstable)}. A before/after difference there may reflect the "
        "special causes, not the change: read the Check with care."
        if unstable
        else "Every baseline shows common-cause variation only: a stable base to judge the change against."
    )
    return Html.join(
        Html.text(said),
        Table(
            shown,
            folded="The control limits and the judgement per objective",
            body=[
                "objective",
                "measure",
                "chart",
                "centre",
                "lower limit",
                "upper limit",
                "judgement",
            ],
            caption="An unstable baseline means a before/after difference may reflect the special causes, not the change",
        ),
    )
