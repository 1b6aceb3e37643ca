"""The Act stage: adopt, adapt or abandon each objective's change, standardise, learn, plan the next cycle.

Decisions follow the Check's evidence (the ``verdicts`` artefact), never more:

- **adopt** — improved, target met and sustained: standardise it;
- **adapt** — improved but short of the target or not sustained, or a target
  met without a clear improvement: keep it and change how it is done;
- **abandon** — no detectable improvement, or worse: stop or rethink it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cslib.analyses import benefits as benefits_module
from cslib.analyses import charts as plots_analyses
from cslib.cycle import artefacts, register
from cslib.cycle.workbook import Workbook
from cslib.display import Chart, Html, Table, esc
from cslib.stages._shared import objective_chart, objective_label, pooled_weekly, treated_teams


def decide(outcome: str, target_met: bool | None, sustained: bool | None) -> tuple[str, str]:
    """The decision and its reason, from the Check's verdict of one objective.

    >>> decide("improved", True, True)
    ('adopt', 'improved, met its target and held: standardise it')
    >>> decide("no detectable change", None, None)[0]
    'abandon'
    """
    if outcome == "improved":
        if target_met is not False and sustained is not False:
            return (
                "adopt",
                "improved, met its target and held: standardise it"
                if target_met
                else "improved and held (no target set): standardise it",
            )
        why = (
            "fell short of its target" if target_met is False else "did not hold through the review"
        )
        return "adapt", f"improved but {why}: keep the change and adjust how it is done"
    if outcome == "worsened":
        return "abandon", "got worse after the change: stop it or redesign it before trying again"
    return (
        "abandon",
        "no detectable improvement: stop or rethink the change for this objective (or collect more data if the interval is wide)",
    )


def decisions(wb: Workbook) -> Table:
    """Per objective: adopt / adapt / abandon, with the evidence; saved as ``decisions``."""
    v = wb.load("verdicts", stage="check")
    rows = []
    for r in v.itertuples():
        decision, why = decide(r.verdict, _opt(r.target_met), _opt(r.sustained))
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
    return Table(
        frame,
        caption="Decisions follow the Check's evidence: only what improved with a clear interval is adopted",
    )


def _opt(value) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def standardise(wb: Workbook) -> Table:
    """New monitoring limits from the review period, for the measures to keep watching; saved as ``monitoring_limits``."""
    teams = treated_teams(wb)
    start, end = wb.window("review")
    rows = []
    for o in wb.cycle.objectives:
        series = pooled_weekly(wb, o, teams, start, end)
        chart = objective_chart(wb, o, series)
        d = chart.data
        rows.append(
            {
                "objective": o.id,
                "measure": objective_label(o),
                "chart": chart.chart,
                "from": start.date(),
                "to": end.date(),
                "centre": float(d["cl"].mean()),
                "lower limit": float(d["lcl"].mean()),
                "upper limit": float(d["ucl"].mean()),
                "weeks": len(d),
                "trial limits": bool(d["trial_limits"].any()),
            }
        )
    frame = pd.DataFrame(rows)
    wb.save("monitoring_limits", frame)
    return Table(
        frame,
        caption="Weekly limits of the new process (review period): monitor against these from now on; p-chart limits vary with weekly volume (mean shown)",
    )


def benefits(wb: Workbook):
    """The dual benefit per year: customers' KPI changes and the business value (hours, contacts, retention) against the cost; saved as ``benefits``."""
    v = wb.load("verdicts", stage="check")
    econ = wb.cycle.economics
    estimates = benefits_module.estimates_from_verdicts(v)
    if not (econ.cost_per_contact and econ.hourly_cost):
        note = "The business side cannot be valued: the cycle file's economics section needs cost_per_contact and hourly_cost. The customer side (the Check's KPI changes):"
        return Html.join(Html.text(note), Table(estimates))
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
        estimates, economics=econ, volume=per_year, cost=wb.cycle, months=12
    )
    wb.save("benefits", result.totals)
    wb.save("benefit_components", result.business)
    return Html.join(Chart.of(plots_analyses.benefit_waterfall, result), result)


def lessons(wb: Workbook) -> Html:
    """What this cycle teaches, drawn from its own evidence."""
    v = wb.load("verdicts", stage="check")
    out = []
    for r in v.itertuples():
        if r.verdict == "improved" and r.target_met is False:
            out.append(
                f"{r.objective} ({r.measure}) improved but missed its target of {r.target:g}: the target was set beyond what this change delivers."
            )
        elif r.verdict == "improved":
            out.append(
                f"{r.objective} ({r.measure}) improved as planned ({r.change:+.0%} relative to the expected level)."
            )
        elif r.verdict == "worsened":
            out.append(
                f"{r.objective} ({r.measure}) got worse: look for the cause before the next cycle."
            )
        else:
            out.append(
                f"{r.objective} ({r.measure}) showed no detectable change: the change does not act on this measure, or its effect is too small to see."
            )
    stability = _maybe(wb, "stability", "plan")
    if stability is not None and (~stability["judgement"].str.startswith("stable")).any():
        out.append(
            "Some baselines were not stable: improve the measurement before judging the next change on them."
        )
    if treated_teams(wb) and wb.cycle.rollout:
        out.append(
            "A staggered roll-out with comparison teams made the effect measurable against the trend: keep comparison teams in the next cycle."
        )
    return Html.bullets(out, title="Lessons")


def _maybe(wb: Workbook, name: str, stage: str):
    return (
        artefacts.load(wb.run_dir, stage, name)
        if artefacts.exists(wb.run_dir, stage, name)
        else None
    )


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
    )


def register_path(wb: Workbook) -> Path:
    """The cycle register of the reports folder (``reports/register.parquet`` for ``reports/<cycle>/<run>``)."""
    return artefacts.register_path(wb.run_dir)


def history(wb: Workbook) -> Table:
    """Record this run in the cycle register and show the history of cycles."""
    verdicts = wb.load("verdicts", stage="check")
    if artefacts.exists(wb.run_dir, "act", "decisions"):
        verdicts = verdicts.merge(
            wb.load("decisions")[["objective", "decision"]], on="objective", how="left"
        )
    path = register_path(wb)
    register.append(path, cycle=wb.cycle, verdicts=verdicts, run_id=wb.run_dir.name)
    past = register.history(path)
    keep = [
        "recorded_at",
        "cycle",
        "run_id",
        "review_start",
        "review_end",
        "objective",
        "kpi",
        "baseline",
        "target",
        "actual",
        "verdict",
        "decision",
    ]
    return Table(
        past[[c for c in keep if c in past]],
        caption=f"The cycle register ({path.name} in the reports folder): every run's objectives and verdicts",
    )


def next_cycle(wb: Workbook) -> Html:
    """Draft of the next cycle file: baseline = this review period, objectives carried over; saved as ``next-cycle.yaml`` in the run folder."""
    text = register.next_cycle_yaml(
        wb.cycle, wb.load("verdicts", stage="check"), absolute_paths=True
    )
    path = artefacts.next_cycle_path(wb.run_dir)
    path.write_text(text, encoding="utf-8")
    return Html(
        f"<p>Saved as {esc(path.name)} in the run folder; edit the change, roll-out and actions, then run it.</p><pre>{esc(text)}</pre>"
    )


def save(wb: Workbook) -> Html:
    d = wb.load("decisions")
    counts = d["decision"].value_counts().to_dict()
    return Html.text("Act saved: " + ", ".join(f"{n} to {k}" for k, n in counts.items()) + ".")
