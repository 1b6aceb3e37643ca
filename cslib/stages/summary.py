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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cslib.cycle import artefacts
from cslib.cycle.model import load_cycle
from cslib.display import fmt
from cslib.errors import CslibError
from cslib.stages._shared import change_text, with_unit
from cslib.stages.decision import Decision, Money, decide, money_of, overall

#: how a verdict reads in a sentence
VERDICT_WORDS = {
    "improved": "improved",
    "worsened": "got worse",
    "no detectable change": "no detectable change",
}


def objective_line(row: Mapping, *, who: str) -> str:
    """One objective's result in plain English, with the scorecard's figures."""
    unit = row["unit"]
    target = ""
    if not pd.isna(row.get("target")):
        met = {True: "met", False: "not met"}.get(_opt(row.get("target_met")), "not judged")
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
        f"{held}."
    )


def money_sentence(money) -> str:
    """The dual benefit's business side in one sentence, at display precision.

    >>> from cslib.stages.decision import Money
    >>> money_sentence(Money(-13261.4, -19743, -6840, 0.0, 20000, float("inf"), "GBP", 12))[:60]
    'Over 12 months the net benefit is -13,261 GBP (95 % interval'
    """
    payback = (
        f"it pays back in {fmt(money.payback, 'months')} months"
        if math.isfinite(money.payback)
        else "it does not pay back"
    )
    return (
        f"Over {money.months:g} months the net benefit is {fmt(money.net, money.currency)} "
        f"(95 % interval {fmt(money.low, money.currency)} to {fmt(money.high, money.currency)}) "
        f"for a one-off cost of {fmt(money.cost, money.currency)}; {payback}; "
        f"the return is positive in {fmt(money.chance, 'share')} of simulations."
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
    lines = [objective_line(r, who=who) for r in v.to_dict("records")]
    status = _status(run_dir, list(v["objective"]))
    money = _money(run_dir)
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
