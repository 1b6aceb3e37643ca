"""The run's findings read back from its artefacts: the decision, the money and one line per objective.

The shared report opens with these. Every number comes from the Check and Act
artefacts through the same formatter the stages use, so the summary and the
stages show the same figures at display precision.

Examples
--------
>>> row = {"objective": "O1", "measure": "Resolution time (median)", "unit": "hours", "verdict": "improved",
...        "baseline": 12.34, "actual": 10.81, "target": 11.0, "target_met": True, "sustained": True,
...        "change": -0.15, "change_ci_low": -0.2, "change_ci_high": -0.1, "direction": "decrease"}
>>> objective_line(row, who="Billing")
'O1 Resolution time (median): improved, from 12.3 h to 10.8 h in Billing (target 11.0 h: met); -15 % (-20 % to -10 %) against the level expected without the change; held through the review.'

When the chart and the estimate disagree
----------------------------------------
Each line carries the NHS *Making Data Count* variation of the objective's weekly
control chart, which reads the adopting teams' own weeks against the limits
they had before the change. The verdict rests on the estimate against the
level expected without the change (from the comparison teams, the trend before
the change or the baseline), which also allows for what moved every team. The
verdict decides; where the two point different ways (:func:`chart_note`), the
line says so in one plain sentence after the estimate's figures, e.g. "-2 %
(-5 % to +1 %) against the level expected without the change. The chart shows a
run of improving weeks, but against the comparison teams the difference is
within normal variation." The rules: a chart with a run of improving (deteriorating)
weeks beside *no detectable change*, or beside the opposite verdict, is named;
so is a clear change the chart does not show yet (smaller than the week-to-week
variation) and a chart with runs both ways. A target met on average while the
weeks fall on both sides of it (assurance *hit or miss*) reads "met on average,
not every week".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cslib.cycle import artefacts
from cslib.cycle.model import load_cycle
from cslib.display import counted, fmt
from cslib.errors import CslibError
from cslib.stages._shared import change_text, with_unit
from cslib.stages.decision import Decision, Money, decide, money_of, overall

#: how a verdict reads in a sentence
VERDICT_WORDS = {
    "improved": "improved",
    "worsened": "got worse",
    "no detectable change": "no detectable change",
}


#: what each before/after method compares the review with, by the start of its name
REFERENCES = {
    "difference-in-differences": "the comparison teams",
    "interrupted time series": "the trend before the change",
}


def reference_of(method: object) -> str:
    """What the estimate of a method (the ``method`` of the verdicts) compares the review with.

    >>> reference_of("difference-in-differences (group-time ATT …)"), reference_of("two-period comparison: …")
    ('the comparison teams', 'the baseline')
    """
    text = method if isinstance(method, str) else ""
    return next((ref for name, ref in REFERENCES.items() if text.startswith(name)), "the baseline")


def _interval(row: Mapping) -> str:
    """The relative change with its interval, as a sentence writes it."""
    return (
        f"{fmt(row['change'], 'change')}, 95 % interval "
        f"{fmt(row['change_ci_low'], 'change')} to {fmt(row['change_ci_high'], 'change')}"
    )


def chart_note(row: Mapping, status: Mapping | None, *, figures: bool = True) -> str:
    """One sentence where the control chart's variation and the verdict point different ways, else "".

    ``figures=False`` leaves out the estimate's figures (a line that already shows them).

    >>> row = {"verdict": "no detectable change", "change": -0.04, "change_ci_low": -0.12,
    ...        "change_ci_high": 0.05, "method": "difference-in-differences (…)"}
    >>> chart_note(row, {"variation": "improving"})
    'The chart shows a run of improving weeks, but against the comparison teams the difference is within normal variation (-4 %, 95 % interval -12 % to +5 %).'
    >>> chart_note({**row, "verdict": "improved"}, {"variation": "improving"})
    ''
    """
    if not status or pd.isna(row.get("change")):
        return ""
    seen, verdict = status.get("variation"), row["verdict"]
    against = reference_of(row.get("method"))
    shown = f" ({_interval(row)})" if figures else ""
    if seen == "mixed":
        return (
            "The chart shows both improving and deteriorating weeks since the change; "
            f"the verdict rests on the comparison with {against}{shown}."
        )
    if seen not in ("improving", "deteriorating"):
        if verdict in ("improved", "worsened"):
            return (
                f"Against {against} the difference is clear{shown}, but smaller than the "
                "week-to-week variation, so the chart shows no signal yet."
            )
        return ""
    if verdict == "no detectable change":
        return (
            f"The chart shows a run of {seen} weeks, but against {against} "
            f"the difference is within normal variation{shown}."
        )
    if (seen, verdict) in (("improving", "worsened"), ("deteriorating", "improved")):
        better = "better" if verdict == "improved" else "worse"
        return (
            f"The chart shows a run of {seen} weeks, but against {against} "
            f"the KPI did {better} than expected{shown}."
        )
    return ""


def evidence_sentence(row: Mapping, *, who: str) -> str:
    """The Check's finding for one objective, from the scorecard's figures (the ``verdicts`` row).

    >>> row = {"measure": "Resolution time (median)", "unit": "hours", "verdict": "improved",
    ...        "baseline": 14.41, "actual": 10.81, "target": 14.0, "target_met": True, "sustained": True,
    ...        "change": -0.30, "change_ci_low": -0.35, "change_ci_high": -0.24,
    ...        "method": "difference-in-differences (…)"}
    >>> evidence_sentence(row, who="Billing")
    'Resolution time (median) in Billing went from 14.4 h in the baseline to 10.8 h in the review period: -30 % (-35 % to -24 %) against the level expected without the change, estimated from the comparison teams; the improvement is statistically clear and held through the review. The target (14.0 h) was met.'
    """
    unit = row["unit"]
    moved = (
        f"{row['measure']} in {who} went from {with_unit(row['baseline'], unit)} in the baseline "
        f"to {with_unit(row['actual'], unit)} in the review period"
    )
    if not pd.isna(row.get("change")):
        moved += (
            f": {change_text(row['change'], row['change_ci_low'], row['change_ci_high'])} against the level "
            f"expected without the change, estimated from {reference_of(row.get('method'))}"
        )
    held = _opt(row.get("sustained"))
    if row["verdict"] == "improved":
        held_text = {
            True: " and held through the review",
            False: ", but it slipped back in the later part of the review: keep watching it",
            None: "",
        }
        verdict = "the improvement is statistically clear" + held_text[held]
    elif row["verdict"] == "worsened":
        verdict = "the deterioration is statistically clear: review the change"
    else:
        verdict = "the interval includes no change, so no improvement can be claimed yet (collect more data or revisit the change)"
    met = _opt(row.get("target_met"))
    target = (
        f" The target ({with_unit(row['target'], unit)}) was {'met' if met else 'not met'}."
        if met is not None
        else ""
    )
    return f"{moved}; {verdict}.{target}"


def scorecard_finding(frame: pd.DataFrame, *, who: str, comparison: bool = False) -> str:
    """The scorecard in one sentence: how many objectives improved, which did not, how many targets were met.

    >>> f = pd.DataFrame({"measure": ["Resolution time", "Handle time"], "verdict": ["improved", "no detectable change"],
    ...                   "target_met": [True, False]})
    >>> scorecard_finding(f, who="Billing")
    'In Billing, 1 of 2 objectives improved against the level expected without the change (Resolution time); Handle time showed no detectable change; 1 of 2 targets was met.'
    """
    said = {
        verdict: list(frame.loc[frame["verdict"] == verdict, "measure"])
        for verdict in ("improved", "worsened", "no detectable change")
    }
    n = len(frame)
    text = (
        f"{len(said['improved'])} of {counted(n, 'objective')} improved against the level "
        "expected without the change"
        + (f" ({', '.join(said['improved'])})" if said["improved"] else "")
    )
    if said["worsened"]:
        text += f"; {', '.join(said['worsened'])} got worse"
    if said["no detectable change"]:
        text += f"; {', '.join(said['no detectable change'])} showed no detectable change"
    judged = frame["target_met"].dropna()
    if len(judged):
        met = int(judged.astype(bool).sum())
        text += f"; {met} of {len(judged)} targets {'was' if met == 1 else 'were'} met"
    if comparison:
        return f"{who} did not adopt the change (comparison group), so no change is the expected result: {text}."
    return f"In {who}, {text}."


def objective_line(row: Mapping, *, who: str, status: Mapping | None = None) -> str:
    """One objective's result in plain English, with the scorecard's figures.

    ``status`` is the objective's *Making Data Count* variation and assurance: a
    target met while the weeks still fall on both sides of it reads "met on
    average, not every week", and a chart that disagrees with the verdict adds
    :func:`chart_note`.
    """
    unit = row["unit"]
    target = ""
    if not pd.isna(row.get("target")):
        met = {True: "met", False: "not met", None: "not judged"}[_opt(row.get("target_met"))]
        if met == "met" and (status or {}).get("assurance") == "hit or miss":
            met = "met on average, not every week"
        target = f" (target {with_unit(row['target'], unit)}: {met})"
    held = ""
    if row["verdict"] == "improved" and _opt(row.get("sustained")) is not None:
        held = (
            "; held through the review" if row["sustained"] else "; did not hold through the review"
        )
    return (
        f"{row['objective']} {row['measure']}: {VERDICT_WORDS.get(row['verdict'], row['verdict'])}, "
        f"from {with_unit(row['baseline'], unit)} to {with_unit(row['actual'], unit)} in {who}{target}; "
        f"{change_text(row['change'], row['change_ci_low'], row['change_ci_high'])} against the level expected without the change"
        f"{held}." + (f" {note}" if (note := chart_note(row, status, figures=False)) else "")
    )


#: a payback longer than this many months is said in years
LONG_PAYBACK = 60


def money_sentence(money) -> str:
    """The dual benefit's business side in plain words: one-off cost, recurring saving, payback, net benefit.

    The actions' cost is paid once; the saving recurs every month from go-live
    (the benefit over the horizon spread evenly over its months).

    >>> from cslib.stages.decision import Money
    >>> print(money_sentence(Money(-13261.4, -19743, -6840, 0.001, 30500, 21.2, "GBP", 12, 17239, 10757, 23660)))
    The change cost 30,500 GBP once and saves 1,437 GBP a month from go-live (95 % interval 896 GBP to 1,972 GBP a month): it pays back in 21.2 months. Over the 12 months valued the net benefit is -13,261 GBP (95 % interval -19,743 GBP to -6,840 GBP); it is positive in 0.1 % of simulations.
    """
    cur = money.currency
    saving, low, high = money.monthly
    if math.isnan(saving):
        recurring = f"The change cost {fmt(money.cost, cur)} once"
    elif saving > 0:
        recurring = (
            f"The change cost {fmt(money.cost, cur)} once and saves {fmt(saving, cur)} a month from go-live "
            f"(95 % interval {fmt(low, cur)} to {fmt(high, cur)} a month)"
        )
    else:
        recurring = f"The change cost {fmt(money.cost, cur)} once and saves nothing a month"
    if not math.isfinite(money.payback):
        payback = "it does not pay back"
    elif money.payback > LONG_PAYBACK:
        payback = f"it would take {fmt(money.payback / 12, 'months')} years to pay back"
    else:
        payback = f"it pays back in {fmt(money.payback, 'months')} months"
    return (
        f"{recurring}: {payback}. Over the {money.months:g} months valued the net benefit is "
        f"{fmt(money.net, cur)} (95 % interval {fmt(money.low, cur)} to {fmt(money.high, cur)}); "
        f"it is positive in {fmt(money.chance, 'share')} of simulations."
    )


def _opt(value) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


@dataclass(frozen=True)
class RunSummary:
    """What a run found: the decision, the money behind it (if valued), and one line per objective."""

    decision: Decision
    money: Money | None
    lines: list[str]
    #: each objective's *Making Data Count* variation and assurance (None when the Check drew no charts)
    status: list[dict[str, str] | None]
    who: str
    comparison: bool
    #: False when the Act stage has not run (the decision then rests on the Check alone)
    acted: bool


def teams_of(run_dir: Path) -> tuple[list[str], bool]:
    """The teams the run's figures describe and whether they are the comparison group (from the
    Plan's record, else from the run's cycle file and teams)."""
    if artefacts.exists(run_dir, "plan", "plan"):
        plan = artefacts.load(run_dir, "plan", "plan")
        rollout, teams = list(plan.get("rollout") or {}), list(plan.get("teams") or [])
    else:
        rollout, teams = _run_teams(run_dir)
    adopted = [t for t in rollout if not teams or t in teams]
    return adopted or teams, bool(rollout) and not adopted


def _run_teams(run_dir: Path) -> tuple[list[str], list[str]]:
    """The roll-out and the teams of a run without the Plan's record, from ``run.json`` and its cycle file."""
    if not artefacts.manifest_path(run_dir).exists():
        return [], []
    manifest = artefacts.read_manifest(run_dir)
    try:
        cycle = load_cycle(manifest["cycle"])
    except (KeyError, TypeError, OSError, CslibError):  # the cycle file has moved or changed
        return [], []
    teams = str((manifest.get("parameters") or {}).get("teams") or "")
    return list(cycle.rollout), [t.strip() for t in teams.split(",") if t.strip()] or list(
        cycle.scope.teams
    )


def summarise(run_dir: str | Path) -> RunSummary | None:
    """The run's findings from its artefacts, or None when the Check has not run."""
    run_dir = Path(run_dir)
    if not artefacts.exists(run_dir, "check", "verdicts"):
        return None
    v = artefacts.load(run_dir, "check", "verdicts")
    teams, comparison = teams_of(run_dir)
    who = ", ".join(teams) or "all teams in scope"
    status = _status(run_dir, list(v["objective"]))
    lines = [
        objective_line(r, who=who, status=st)
        for r, st in zip(v.to_dict("records"), status, strict=True)
    ]
    money = None if comparison else _money(run_dir)  # the comparison teams did not pay for it
    if artefacts.exists(run_dir, "act", "decision"):
        record = artefacts.load(run_dir, "act", "decision")
        decision = Decision(record["decision"], record["why"], int(record["rule"]))
        return RunSummary(decision, money, lines, status, who, comparison, acted=True)
    each = [
        decide(
            r["verdict"],
            _opt(r["target_met"]),
            _opt(r["sustained"]),
            interval=(r["change_ci_low"], r["change_ci_high"]),
            direction=r["direction"],
            comparison=comparison,
        )[0]
        for r in v.to_dict("records")
    ]
    decision = overall(each, list(v["verdict"]), money=money, comparison=comparison)
    return RunSummary(decision, money, lines, status, who, comparison, acted=False)


def _status(run_dir: Path, objectives: list[str]) -> list[dict[str, str] | None]:
    """Each objective's variation and assurance from the Check's charts (None where not drawn)."""
    if not artefacts.exists(run_dir, "check", "spc_status"):
        return [None] * len(objectives)
    found = artefacts.load(run_dir, "check", "spc_status").set_index("objective")
    return [found.loc[o].to_dict() if o in found.index else None for o in objectives]


def _money(run_dir: Path) -> Money | None:
    """The dual benefit's business side from the Act's artefacts (None when it was not valued)."""
    if not (
        artefacts.exists(run_dir, "act", "benefits")
        and artefacts.exists(run_dir, "act", "decision")
    ):
        return None
    record = artefacts.load(run_dir, "act", "decision")
    return money_of(
        artefacts.load(run_dir, "act", "benefits"),
        currency=record["currency"],
        months=record["months"],
    )
