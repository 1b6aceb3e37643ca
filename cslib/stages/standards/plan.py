"""Service standards in the Plan: the baseline of compliance, the weakest criteria, whether there are
enough evaluations, and how far evaluators agree (one notebook cell, ``plan.standards(wb)``)."""

from __future__ import annotations

import pandas as pd

from cslib.analyses.standards import (
    agreement,
    compliance,
    mean_scores,
    sampling_adequacy,
    score_agreement,
)
from cslib.cycle.workbook import Workbook
from cslib.display import Html, Table, counted, fmt
from cslib.stages.standards._common import (
    COLUMNS,
    NO_EVALUATIONS,
    alpha,
    evaluations,
    held,
    label,
    settings,
    share,
)

__all__ = ["standards"]

#: the levels of the sampling table as people read them
LEVELS = {"all": "all evaluations", "agent_id": "agent"}
#: the weakest criteria named in the Plan's sentence
WEAKEST = 3


def standards(wb: Workbook) -> Html:
    """The standards baseline: compliance per criterion, the overall weighted score, the weakest criteria,
    too few evaluations behind a team's figure, and how far evaluators agree; saved as ``standards_baseline``."""
    if evaluations(wb) is None:
        return Html.text(NO_EVALUATIONS)
    table = held(wb, "baseline")
    if table.empty:
        return Html.text("No quality evaluation is dated within the baseline period.")
    s, common = wb.cycle.standards, {**settings(wb), "alpha": alpha(wb)}
    per_criterion = compliance(table, target=s.target, **common)
    wb.save("standards_baseline", per_criterion)
    overall = mean_scores(table, **common).iloc[0]
    start, end = wb.window("baseline")
    weakest = per_criterion.sort_values(["compliance", "n"], ascending=[True, False]).head(WEAKEST)
    named = ", ".join(f"{label(r.criterion)} ({share(r.compliance)})" for r in weakest.itertuples())
    sentence = (
        f"From {start:%d %b %Y} to {end:%d %b %Y}, {int(overall['n'])} evaluations scored "
        f"{len(per_criterion)} criteri{'on' if len(per_criterion) == 1 else 'a'}: the overall weighted score is {fmt(overall['mean'])} out of 100 "
        f"({100 * s.confidence:g} % interval {fmt(overall['ci_low'])} to {fmt(overall['ci_high'])}; "
        f"{share(overall['critical_fail_share'])} of evaluations failed a critical criterion "
        f"and score 0). Weakest: {named}."
    )
    body = ["criterion", "standard", "n", "compliance", "ci_low", "ci_high", "against_target"]
    shown = per_criterion.assign(criterion=per_criterion["criterion"].map(label))
    return Html.join(
        Html.text(sentence),
        _sampling(wb, table),
        _agreement(wb),
        Html.folded(
            "Compliance per criterion over the baseline",
            Table(
                shown,
                columns=_shares(COLUMNS),
                body=[c for c in body if c in shown],
                caption="Compliance per criterion over the baseline: checks met ÷ checks, Wilson "
                f"{100 * s.confidence:g} % intervals"
                + (f"; target {share(s.target)}" if s.target else ""),
            ),
        ),
    )


def _shares(columns: dict) -> dict:
    """The columns with the intervals in shares."""
    return columns | {
        "ci_low": ("95 % interval from", "share"),
        "ci_high": ("95 % interval to", "share"),
    }


def _who(row) -> str:
    """A sampling-adequacy group in words: a team's name, or every team together."""
    return "all teams together" if row.level == "all" else str(row.group)


def _sampling(wb: Workbook, table: pd.DataFrame) -> Html:
    """The warning when a team's compliance rests on too few evaluations; every team and agent on demand."""
    s = wb.cycle.standards
    levels = [c for c in ("team", "agent_id") if c in table]
    result = sampling_adequacy(
        table, by=levels or None, margin=s.margin, confidence=s.confidence, **settings(wb)
    )
    teams = result.warnings[result.warnings["level"].isin(["all", "team"])]
    notes = (
        Html.text(
            f"{counted(len(teams), 'figure')} rest{'s' if len(teams) == 1 else ''} on too few evaluations for ± {s.margin:.0%}: "
            f"{', '.join(_who(r) for r in teams.itertuples())} (see the table below)."
        )
        if len(teams)
        else Html.text(f"Every team's compliance rests on enough evaluations for ± {s.margin:.0%}.")
    )
    shown = result.table.assign(level=result.table["level"].map(lambda v: LEVELS.get(v, v)))
    return Html.join(
        notes,
        Html.appendix(
            "Evaluations per team and agent against what ± "
            f"{s.margin:.0%} needs ({result.formula})",
            {"": shown},
            {
                "n_evaluations": ("evaluations", "count"),
                "per_period": ("per week", ""),
                "compliance": ("compliance", "share"),
                "p_used": ("compliance planned for", "share"),
                "n_needed": ("evaluations needed", "count"),
                "margin_achieved": ("± achieved", "share"),
                "more_needed": ("more needed", "count"),
                "periods_to_enough": ("weeks to enough", "count"),
            },
        ),
    )


def _agreement(wb: Workbook) -> Html | None:
    """Evaluator agreement on the interactions several evaluators scored: kappa, ICC and who scores high or low."""
    table = held(wb)
    if not {"evaluator", "ticket_id"} <= set(table):
        return None
    common = {**settings(wb), "alpha": alpha(wb)}
    found = agreement(table, **common)
    scores = score_agreement(table, **common)
    words = [found.summary]
    if len(scores):
        pooled = scores.iloc[-1]
        words.append(
            f"On the points of the scored criteria agreement is {pooled['reading']} "
            f"({pooled['method'].split(' ')[0]} {pooled['icc']:.2f}, 95 % interval "
            f"{pooled['ci_low']:.2f} to {pooled['ci_high']:.2f}, over {pooled['n_items']} "
            "items; Koo & Li)."
        )
    leaning = found.evaluators[found.evaluators["flag"].isin(["scores high", "scores low"])]
    points_columns = {
        "n_shared": ("shared interactions", "count"),
        "mean_diff": ("difference from the others (points of 100)", ""),
    }
    return Html.join(
        Html.text("Evaluator agreement (every calibration in the data)", level="h4"),
        Html.text(" ".join(words)),
        Table(
            leaning,
            columns=COLUMNS
            | points_columns
            | {"mean_diff": ("difference from the others", "points")}
            | {
                "ci_low": ("95 % interval from", "points"),
                "ci_high": ("95 % interval to", "points"),
            },
            caption="Evaluators who score high or low: their evaluation score minus the mean of the "
            "others on the same interactions, in points out of 100 (Holm-adjusted)",
        )
        if len(leaning)
        else None,
        Html.appendix(
            "Agreement per criterion and per evaluator",
            {
                "Verdicts (met or not): kappa": found.kappas.assign(
                    criterion=found.kappas["criterion"].map(label)
                ),
                "Points of the scored criteria: intraclass correlation": scores.assign(
                    criterion=scores["criterion"].map(label)
                ),
                "Each evaluator against the others on the same interactions": found.evaluators,
            },
            COLUMNS
            | points_columns
            | {"n_items": ("items", "count"), "n_evaluators": ("evaluators", "count")},
        ),
    )
