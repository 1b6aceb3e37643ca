"""The Plan stage: strategy, consultation, baseline, stability, segments, SMART objectives, risks and actions.

Each function takes the open :class:`~cslib.cycle.workbook.Workbook` and returns one
displayable object; results the later stages need are saved as artefacts.
"""

from __future__ import annotations

import re

import pandas as pd

from cslib.analyses import charts as plots_analyses
from cslib.analyses import complaints as complaints_module
from cslib.analyses import journey as journey_module
from cslib.analyses import risks_actions as planning
from cslib.analyses import servqual as servqual_module
from cslib.cycle.evidence import check_cycle
from cslib.cycle.workbook import Workbook
from cslib.display import Chart, Html, Table, counted
from cslib.metrics.engine import REGISTRY
from cslib.stages._plan_baseline import baseline as baseline
from cslib.stages._plan_baseline import baseline_charts as baseline_charts
from cslib.stages._plan_baseline import stability as stability
from cslib.stages._plan_operation import segments as segments
from cslib.stages._plan_operation import staffing as staffing
from cslib.stages._shared import (
    by_row_unit,
    columns,
    kpi_labels,
    kpi_unit,
    objective_label,
)
from cslib.stages._shared import objective_chart as objective_chart  # kept for the notebooks' users
from cslib.stages.data_notes import cleaning_note, definitions_of, definitions_used
from cslib.stages.plan_power import power as power
from cslib.stages.standards.plan import standards as standards

#: a KPI's snake_case registry name inside a sentence
KPI_NAME = re.compile(
    r"\b(?:" + "|".join(sorted((k for k in REGISTRY if "_" in k), key=len, reverse=True)) + r")\b"
)


def cycle_checks(wb: Workbook) -> Table:
    """SMART and completeness findings (errors first), KPIs named by their labels; saved as ``checks``."""
    found = check_cycle(wb.cycle, wb=wb)
    wb.save("checks", found)
    for col in ("finding", "fix"):
        if col in found:
            found[col] = found[col].str.replace(
                KPI_NAME, lambda m: REGISTRY[m[0]].label, regex=True
            )
    if found.empty:
        return Table(
            pd.DataFrame(
                {"finding": ["The cycle file evidences every item of a complete PDCA cycle."]}
            )
        )
    return Table(found, caption=checks_sentence(found))


def checks_sentence(found: pd.DataFrame) -> str:
    """The cycle checks' findings in one plain sentence: what blocks the evaluation, what is missing.

    >>> f = pd.DataFrame({"level": ["warning", "warning"], "area": ["SMART", "risks"],
    ...                   "item": ["objective O2", "risk register"]})
    >>> checks_sentence(f)
    'Nothing blocks the evaluation; 2 pieces of evidence are missing or weak: objective O2 (SMART), risk register (risks).'
    """

    def items(rows: pd.DataFrame) -> str:
        return ", ".join(f"{r.item} ({r.area})" for r in rows.itertuples())

    errors, warnings = found[found["level"] == "error"], found[found["level"] == "warning"]
    first = (
        f"{counted(len(errors), 'problem')} {'blocks' if len(errors) == 1 else 'block'} the evaluation "
        f"and must be fixed first: {items(errors)}"
        if len(errors)
        else "Nothing blocks the evaluation"
    )
    if warnings.empty:
        return first + "."
    missing = counted(len(warnings), "piece of evidence is", "pieces of evidence are")
    return f"{first}; {missing} missing or weak: {items(warnings)}."


def measures(wb: Workbook) -> Html:
    """Which KPIs the data can give, and for the others what is missing (never shown as zero)."""
    avail = wb.availability()
    avail["available"] = avail["available"].map({True: "yes", False: "no"})
    missing = (avail["available"] == "no").sum()
    caption = (
        f"{len(avail) - missing} KPIs can be measured from this data; {missing} are not available and appear nowhere as numbers"
        if missing
        else "Every registered KPI can be measured from this data"
    )
    defined = avail.merge(definitions_of(wb), on="kpi")
    return Html.join(
        Html.text(caption + "."),
        definitions_used(wb, avail),
        cleaning_note(wb),
        Html.appendix(
            "Which KPIs, how each is defined, and what data each one misses",
            {"": defined[["label", "available", "definition", "missing"]]},
            {"label": ("KPI", ""), "missing": ("missing data", "")},
        ),
    )


def strategy(wb: Workbook) -> Html:
    """Mission, values and goals, each goal with the objectives that serve it."""
    org = wb.cycle.organisation
    parts = [
        Html.card(
            "Organisation",
            {"name": org.name, "mission": org.mission, "values": ", ".join(org.values) or None},
        )
    ]
    rows = []
    for g in org.goals:
        linked = [
            f"{o.id}: {REGISTRY[o.kpi].label} ({o.direction})"
            for o in wb.cycle.objectives
            if o.links_to == g.id
        ]
        rows.append(
            {
                "goal": g.id,
                "text": g.text,
                "objectives serving it": "; ".join(linked)
                or "none — no objective serves this goal",
            }
        )
    orphans = [o.id for o in wb.cycle.objectives if not o.links_to]
    parts.append(pd.DataFrame(rows) if rows else Html.text("No organisational goals are recorded."))
    if orphans:
        parts.append(Html.text(f"Objectives not linked to a goal: {', '.join(orphans)}."))
    return Html.join(*parts)


def stakeholders(wb: Workbook) -> Table:
    """Who was consulted, how, when and what was learned."""
    rows = [s.model_dump() for s in wb.cycle.stakeholders]
    frame = pd.DataFrame(rows, columns=["group", "how", "when", "learned"])
    return Table(
        frame,
        caption="Stakeholder consultation"
        if rows
        else "No consultation recorded in the cycle file",
    )


#: the columns of the SERVQUAL gaps shown
GAP_COLUMNS = (
    "dimension",
    "expectation",
    "perception",
    "gap",
    "ci_low",
    "ci_high",
    "importance",
    "n",
)


def servqual(wb: Workbook) -> Html:
    """SERVQUAL / RATER gaps of the baseline survey wave, with the importance customers give each dimension."""
    survey = wb.table("survey")
    if survey is None:
        return Html.text("No SERVQUAL survey in the cycle's data.")
    start, end = wb.window("baseline")
    wave = (
        survey[(survey["date"] >= start) & (survey["date"] < end + pd.Timedelta(days=1))]
        if "date" in survey
        else survey
    )
    if wave.empty:
        return Html.text("No SERVQUAL answers dated within the baseline period.")
    weights = wb.table("survey_weights")
    gaps = servqual_module.gaps(wave, weights=weights)
    wb.save("servqual_gaps", gaps)
    parts = [
        Chart.of(plots_analyses.servqual_gap_chart, gaps),
        Table(
            gaps,
            folded="The gaps in figures",
            body=GAP_COLUMNS,
            caption=f"Perception − expectation per RATER dimension (negative = shortfall), {wave['respondent_id'].nunique()} respondents, 95 % intervals",
        ),
    ]
    if weights is not None:
        grid = servqual_module.importance_performance(wave, weights)
        parts.append(
            Html.folded(
                "Importance against performance: where to act first",
                Chart.of(plots_analyses.importance_performance_chart, grid),
                Table(
                    grid,
                    caption="Importance (points out of 100) against the gap: high importance with a large gap is where to act first",
                ),
            )
        )
    return Html.join(*parts)


def complaints(wb: Workbook) -> Html:
    """Complaints of the baseline: root-cause Pareto, handling against the complaint SLA, recurrence, and the recovery paradox tested."""
    table = wb.table("complaints")
    if table is None or table.empty:
        return Html.text("No complaints log in the cycle's data.")
    start, end = wb.window("baseline")
    base = table[
        (table["received_at"] >= start) & (table["received_at"] < end + pd.Timedelta(days=1))
    ]
    pareto = complaints_module.pareto(base, by="root_cause")
    wb.save("complaint_pareto", pareto)
    parts = [
        Chart.of(plots_analyses.pareto_chart, pareto, title="Complaints by root cause (baseline)"),
        Table(
            pareto,
            folded="The root causes in figures",
            columns={"vital_few": ("vital few", "")},
            caption="Root causes by frequency; 'vital few' = the causes within the first 80 % of complaints",
        ),
        Html.appendix(
            "Handling times and recurrence",
            {
                "Time to acknowledge (target 24 h) and to resolve (target 8 weeks)": complaints_module.handling_times(
                    base
                ),
                "Complaints that come back within 30 days: same customer, or same root cause": complaints_module.recurrence(
                    base
                ).table,
            },
        ),
    ]
    if {"customer_id", "nps"} <= set(wb.ticket_columns):
        paradox = complaints_module.recovery_paradox(  # loyalty is followed over all the data
            table, **wb.ticket_scan(), validate=False
        )
        parts += [
            Html.text(f"Service recovery paradox: {paradox.finding}"),
            Html.folded(
                "The recovery paradox in detail",
                Chart.of(plots_analyses.recovery_chart, paradox),
                Table(paradox.table, caption=paradox.definition),
                Table(paradox.tests),
            ),
        ]
    return Html.join(*parts)


def journey(wb: Workbook) -> Html:
    """The customer journey in the baseline: each stage's volume, durations, satisfaction and complaints; pain points ranked."""
    if "journey_stage" not in wb.ticket_columns:
        return Html.text("The tickets have no journey_stage column: the journey cannot be mapped.")
    profile = journey_module.journey_profile(
        **wb.ticket_scan("baseline"), complaints=wb.table("complaints"), validate=False
    )
    wb.save("journey", profile)
    return Html.join(
        Chart.of(plots_analyses.journey_chart, profile),
        Table(
            kpi_labels(journey_module.pain_ranking(profile)),
            folded="The stages ranked by pain",
            columns=columns(wb),
            caption="Stages ranked by pain score: the larger a stage's shortfalls against the best stage and its volume, the higher",
        ),
    )


def objectives(wb: Workbook) -> Table:
    """The SMART objectives with their baseline, target and deadline."""
    base = wb.load("baseline").set_index("objective") if _has(wb, "baseline") else None
    rows = []
    for o in wb.cycle.objectives:
        rows.append(
            {
                "objective": o.id,
                "unit": kpi_unit(o.kpi, wb.cycle.economics.currency),
                "specific": objective_label(o)
                + (
                    f" ({', '.join(f'{k} {v}' for k, v in o.segment.items())})" if o.segment else ""
                ),
                "measurable: baseline": base.loc[o.id, "baseline"] if base is not None else None,
                "target": o.target,
                "direction": o.direction,
                "time-bound": o.deadline,
                "owner": o.owner,
                "relevant: goal": o.links_to,
            }
        )
    frame = by_row_unit(pd.DataFrame(rows), ["measurable: baseline", "target"])
    return Table(
        frame.drop(columns="unit"),
        caption="SMART objectives: each serves the goal it names (see Strategy); achievability is judged in the checks above",
    )


def risks(wb: Workbook) -> Html:
    """The risk assessment: likelihood × impact (1–5 each), rated, with mitigation and contingency; saved as ``risks``."""
    frame = planning.risk_matrix(wb.cycle)
    wb.save("risks", frame)
    gaps = int(frame["needs_contingency"].sum()) if len(frame) else 0
    caption = "Risks by score (likelihood × impact)" + (
        f"; {gaps} high risk(s) without a contingency" if gaps else ""
    )
    if frame.empty:
        return Html.text("No risks recorded in the cycle file.")
    return Html.join(
        Table(frame.drop(columns="needs_contingency"), caption=caption),
        Html.folded("The risk matrix", Chart.of(plots_analyses.risk_matrix_chart, frame)),
    )


def actions(wb: Workbook) -> Html | Table:
    """The implementation plan: actions with owners, planned dates, resources, cost and communication."""
    frame = planning.action_timeline(wb.cycle)
    if frame.empty:
        return Table(pd.DataFrame({"note": ["No actions recorded in the cycle file."]}))
    shown = frame[
        [
            "action",
            "owner",
            "planned_start",
            "planned_end",
            "resources",
            "cost",
            "status",
            "communication",
        ]
    ]
    return Html.join(
        Table(
            shown,
            columns={"cost": ("cost", wb.cycle.economics.currency)},
            caption=f"Total planned cost {frame['cost'].sum():,.0f} {wb.cycle.economics.currency}",
        ),
    )


def _has(wb: Workbook, name: str) -> bool:
    from cslib.cycle import artefacts

    return artefacts.exists(wb.run_dir, wb.stage, name)


def save(wb: Workbook) -> None:
    """Record the plan's facts for the later stages (shows nothing)."""
    c = wb.cycle
    wb.save(
        "plan",
        {
            "title": c.title,
            "change": c.change.date,
            "rollout": {k: v for k, v in c.rollout.items()},
            "teams": wb.scope_teams,
            "objectives": [o.model_dump() for o in c.objectives],
        },
    )
