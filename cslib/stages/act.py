"""The Act stage: adopt, adapt or abandon the change, standardise, learn, plan the next cycle.

Decisions follow the Check's evidence (the ``verdicts`` artefact) and the dual
benefit, never more; the rules are those of :mod:`cslib.stages.decision`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from cslib.analyses import benefits as benefits_module
from cslib.analyses import charts as plots_analyses
from cslib.cycle import artefacts, register
from cslib.cycle.sources import rebase_sources
from cslib.cycle.workbook import Workbook
from cslib.display import Chart, Html, Table, counted, esc, fmt, rounded
from cslib.metrics.engine import REGISTRY
from cslib.stages._shared import (
    CHART_NAMES,
    WEEKS,
    by_row_unit,
    comparison_run,
    kpi_labels,
    kpi_unit,
    objective_chart,
    objective_label,
    pooled_weekly,
    treated_teams,
    with_unit,
)
from cslib.stages._waiting import after_review_starts
from cslib.stages.decision import Decision, decide, money_of, overall
from cslib.stages.standards.act import standards as standards
from cslib.stages.summary import money_sentence

#: the horizon of the dual benefit, in months
HORIZON_MONTHS = 12


@after_review_starts
def decisions(wb: Workbook) -> Html:
    """The decision on the change, then per objective adopt / adapt / abandon / wait with the evidence.

    Saved as ``decisions`` (per objective) and ``decision`` (the change as a whole).
    """
    v = wb.load("verdicts", stage="check")
    comparison = comparison_run(wb)
    rows = []
    for r in v.itertuples():
        decision, why = decide(
            r.verdict,
            _opt(r.target_met),
            _opt(r.sustained),
            interval=(r.change_ci_low, r.change_ci_high),
            direction=r.direction,
            comparison=comparison,
        )
        rows.append(
            {
                "objective": r.objective,
                "measure": r.measure,
                "decision": decision,
                "why": why,
                "evidence": r.sentence,
                "method": r.method,
            }
        )
    frame = pd.DataFrame(rows)
    wb.save("decisions", frame)
    result = _benefit(wb)
    money = (
        money_of(result.totals, currency=result.currency, months=HORIZON_MONTHS)
        if result is not None
        else None
    )
    verdict = overall(frame["decision"], v["verdict"], money=money, comparison=comparison)
    wb.save(
        "decision",
        {
            "decision": verdict.decision,
            "why": verdict.why,
            "rule": verdict.rule,
            "currency": wb.cycle.economics.currency,
            "months": HORIZON_MONTHS,
        },
    )
    return Html.join(
        decision_html(verdict),
        Table(
            frame,
            body=["objective", "measure", "decision", "why"],
            caption="Per objective, on the Check's evidence: only what improved with a clear interval is adopted",
        ),
    )


def decision_html(verdict: Decision) -> Html:
    """The decision on the change in one highlighted sentence."""
    return Html(
        f'<p class="cslib-decision"><strong>Decision: {esc(verdict.decision)}</strong> — {esc(verdict.why)}.</p>'
    )


def _opt(value) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


@after_review_starts
def standardise(wb: Workbook) -> Html:
    """New monitoring limits from the review period, for the measures to keep watching; saved as ``monitoring_limits``."""
    teams = treated_teams(wb)
    start, end = wb.window("review")
    wb.prefetch(wb.cycle.objectives, teams=teams, freq=WEEKS, start=start, end=end)
    rows = []
    for o in wb.cycle.objectives:
        series = pooled_weekly(wb, o, teams, start, end)
        chart = objective_chart(wb, o, series)
        d = chart.data
        rows.append(
            {
                "objective": o.id,
                "measure": objective_label(o),
                "unit": kpi_unit(o.kpi, wb.cycle.economics.currency),
                "chart": CHART_NAMES.get(chart.chart, chart.chart),
                "from": start.date(),
                "to": end.date(),
                "centre": float(d["cl"].mean()),
                # a KPI that cannot be negative never falls below zero, whatever the limit's arithmetic
                "lower limit": max(float(d["lcl"].mean()), 0.0)
                if REGISTRY[o.kpi].kind != "score"
                else float(d["lcl"].mean()),
                "upper limit": float(d["ucl"].mean()),
                "weeks": len(d),
                "trial limits": bool(d["trial_limits"].any()),
            }
        )
    frame = pd.DataFrame(rows)
    wb.save("monitoring_limits", frame)
    centres = ", ".join(
        f"{r.objective} {with_unit(r.centre, r.unit)}" for r in frame.itertuples(index=False)
    )
    finding = (
        f"From now on each objective is monitored against the new process's level ({centres}): "
        "a week outside the limits below is a signal to act on."
    )
    return Html.join(
        Html.text(finding),
        Table(
            by_row_unit(frame, ["centre", "lower limit", "upper limit"]),
            body=["objective", "measure", "chart", "centre", "lower limit", "upper limit", "weeks"],
            caption="Weekly limits of the new process (review period): monitor against these from now on; p-chart limits vary with weekly volume (mean shown)",
        ),
    )


@after_review_starts
def benefits(wb: Workbook) -> Html:
    """The dual benefit over a year: customers' KPI changes and the business value (hours, contacts, retention) against the cost."""
    if comparison_run(wb):
        return Html.text(
            "These teams did not adopt the change and paid nothing for it (comparison group): "
            "the benefit is valued in the roll-out teams' report."
        )
    result = _benefit(wb)
    if result is None:
        estimates = benefits_module.estimates_from_verdicts(wb.load("verdicts", stage="check"))
        note = "The business side cannot be valued: the cycle file's economics section needs cost_per_contact and hourly_cost. The customer side (the Check's KPI changes):"
        return Html.join(Html.text(note), Table(kpi_labels(estimates)))
    money = money_of(result.totals, currency=result.currency, months=HORIZON_MONTHS)
    cash = {
        c: (c.replace("_", " "), result.currency)
        for c in ("value", "value_ci_low", "value_ci_high", "unit_value")
    }
    return Html.join(
        Html.text(money_sentence(money)),
        Chart.of(plots_analyses.benefit_waterfall, result),
        Table(
            kpi_labels(result.business),
            columns=cash
            | {"value_ci_low": ("95 % interval from", result.currency)}
            | {"value_ci_high": ("95 % interval to", result.currency)},
            body=[
                "component",
                "driver",
                "quantity",
                "unit",
                "value",
                "value_ci_low",
                "value_ci_high",
            ],
            caption=f"Business value per component over {HORIZON_MONTHS} months",
            folded="The business value in figures",
        ),
        Html.appendix(
            "The customer side and the totals",
            {"Customer": kpi_labels(result.customer), "Totals": result.totals},
            {"p_positive": ("chance of a positive return", "share")},
        ),
    )


def _benefit(wb: Workbook):
    """The dual benefit of the change over ``HORIZON_MONTHS`` (computed once per kernel), saved as ``benefits``
    and ``benefit_components``; None when the cycle's economics cannot value it or the teams did not adopt it."""
    key = ("benefit",)
    if key in wb._cache:
        return wb._cache[key]
    econ = wb.cycle.economics
    result = None
    if econ.cost_per_contact and econ.hourly_cost and not comparison_run(wb):
        teams = treated_teams(wb)
        start, end = wb.window("review")
        review = wb.kpis(
            kpis=["volume"],
            freq="all",
            start=start,
            end=end,
            filters={"team": teams} if teams else None,
        )
        per_year = float(review["volume"].sum()) * 365 / ((end - start).days + 1)
        result = benefits_module.dual_benefit(
            benefits_module.estimates_from_verdicts(wb.load("verdicts", stage="check")),
            economics=econ,
            volume=per_year * HORIZON_MONTHS / 12,
            cost=wb.cycle,
            months=HORIZON_MONTHS,
        )
        wb.save("benefits", result.totals)
        wb.save("benefit_components", result.business)
    wb._cache[key] = result
    return result


@after_review_starts
def lessons(wb: Workbook) -> Html:
    """What this cycle teaches, drawn from its own evidence."""
    v = wb.load("verdicts", stage="check")
    out, planned = [], []
    for r in v.itertuples():
        if r.verdict == "improved" and r.target_met is False:
            out.append(
                f"{r.objective} {r.measure} improved but missed its target of {with_unit(r.target, r.unit)}: the target was set beyond what this change delivers."
            )
        elif r.verdict == "improved":
            planned.append(f"{r.objective} {r.measure} ({fmt(r.change, 'change')})")
        elif r.verdict == "worsened":
            out.append(
                f"{r.objective} {r.measure} got worse: look for the cause before the next cycle."
            )
        else:
            out.append(
                f"{r.objective} {r.measure} showed no detectable change: the change does not act on this measure, or its effect is too small to see."
            )
    if planned:  # relative to the level expected without the change, as the scorecard says
        out.insert(0, f"Improved as planned: {'; '.join(planned)}.")
    stability = _maybe(wb, "stability", "plan")
    if stability is not None and (~stability["judgement"].str.startswith("stable")).any():
        out.append(
            "Some baselines were not stable: improve the measurement before judging the next change on them."
        )
    if treated_teams(wb) and wb.cycle.rollout:
        out.append(
            "A staggered roll-out with comparison teams made the effect measurable against the trend: keep comparison teams in the next cycle."
        )
    return Html.bullets(out)


def _maybe(wb: Workbook, name: str, stage: str):
    return (
        artefacts.load(wb.run_dir, stage, name)
        if artefacts.exists(wb.run_dir, stage, name)
        else None
    )


@after_review_starts
def integrate(wb: Workbook) -> Table:
    """Where the adopted changes belong in the wider quality system."""
    rows = [
        {
            "standard": "ISO 9001 (quality management)",
            "what to update": "process documentation, the monitoring limits above as process measures, the next management review",
        },
        {
            "standard": "ISO 18295 (contact centres)",
            "what to update": "service levels, staff competence records (the training course), customer feedback handling",
        },
        {
            "standard": "ISO 10002 (complaints handling)",
            "what to update": "complaint handling steps changed by the adopted actions; recurrence monitoring",
        },
        {
            "standard": "EFQM model",
            "what to update": "results and learning: this cycle's evidence and lessons",
        },
    ]
    return Table(
        pd.DataFrame(rows),
        caption="Standardise what worked and integrate it with the wider quality system",
        folded="Where the adopted changes belong in the quality system (ISO 9001, ISO 18295, ISO 10002, EFQM)",
    )


def register_path(wb: Workbook) -> Path:
    """The cycle register of the reports folder (``reports/register.parquet`` for ``reports/<cycle>/<run>``)."""
    return artefacts.register_path(wb.run_dir)


@after_review_starts
def history(wb: Workbook) -> Table:
    """Record this run in the cycle register and show this cycle's latest runs (the whole register on demand)."""
    verdicts = wb.load("verdicts", stage="check")
    if artefacts.exists(wb.run_dir, "act", "decisions"):
        verdicts = verdicts.merge(
            wb.load("decisions")[["objective", "decision"]], on="objective", how="left"
        )
    path = register_path(wb)
    rows = register.record(wb.run_dir, cycle=wb.cycle, verdicts=verdicts)
    past = register.history(path, cycle=wb.cycle.title, pending=rows)
    currency = wb.cycle.economics.currency
    shown = by_row_unit(
        past.assign(unit=[kpi_unit(k, currency) for k in past["kpi"]]),
        ["baseline", "target", "actual"],
    ).drop(columns="unit")
    latest = shown["run_id"].drop_duplicates().tail(HISTORY_RUNS)
    body = [
        "recorded_at",
        "run_id",
        "objective",
        "baseline",
        "target",
        "actual",
        "verdict",
        "decision",
    ]
    return Table(
        shown[shown["run_id"].isin(latest)],
        folded="This run in the cycle register",
        body=[c for c in body if c in shown],
        caption=f"The cycle register ({path.name} in the reports folder): this run's results; "
        f"the file holds {counted(shown['run_id'].nunique(), 'run')} of this cycle",
    )


#: runs of the cycle register shown in the report
HISTORY_RUNS = 1


@after_review_starts
def next_cycle(wb: Workbook) -> Html:
    """Draft of the next cycle file: baseline = this review period, objectives carried over; saved as ``next-cycle.yaml`` in the run folder and linked."""
    draft = register.draft_next_cycle(wb.cycle, wb.load("verdicts", stage="check"))
    path = artefacts.next_cycle_path(wb.run_dir)
    draft["data"] = rebase_sources(draft["data"], wb.cycle.base_dir, relative_to=path.parent)
    currency = wb.cycle.economics.currency
    for objective in draft["objectives"]:
        if "target" in objective:
            objective["target"] = rounded(objective["target"], kpi_unit(objective["kpi"], currency))
    head = f"# Next improvement cycle, drafted from '{wb.cycle.title}'. Review the change, dates and targets before use.\n"
    path.write_text(
        head + yaml.safe_dump(draft, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    return Html(
        f'<p>The next cycle is drafted in <a href="{esc(path.name)}">{esc(path.name)}</a> (in the run folder): '
        "its baseline is this review period and its objectives are carried over with their targets stretched or kept. "
        "Edit the change, roll-out and actions, then run it.</p>"
    )


def save(wb: Workbook) -> None:
    """The Act stage's results are saved as they are shown: nothing is left to record or show."""
