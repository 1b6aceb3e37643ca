"""What the cycle file alone must record: a strategy, SMART objectives, and the evidence of each PDCA stage.

Each check takes the parsed :class:`~cslib.cycle.model.Cycle` and returns its
findings; :func:`cslib.cycle.evidence.check_cycle` runs them all in the order of
:data:`CYCLE_FILE_CHECKS`, then checks against the data.
"""

from __future__ import annotations

import re

from cslib.cycle.model import Cycle

#: words of a risk that covers peaks, absences or other unexpected events
PEAK_WORDS = re.compile(r"peak|staff|volume|surge|capacity|absence|outage|unexpected", re.I)
#: the groups a consultation reaches, each recognised by its name
GROUPS = {
    "customers": r"customer|client|user",
    "staff": r"staff|agent|employee|team",
    "management": r"manage|board|leader|executive|director",
}
#: the shortest baseline or review that gives stable limits and sustained monitoring
MIN_WEEKS = 8


def finding(level: str, area: str, item: str, text: str, fix: str) -> dict:
    """One row of :func:`cslib.cycle.evidence.check_cycle`'s table.

    >>> finding("warning", "plan", "risks", "no risk assessment", "add risks")["finding"]
    'no risk assessment'
    """
    return {"level": level, "area": area, "item": item, "finding": text, "fix": fix}


def _strategy(c: Cycle) -> list[dict]:
    """A mission and goals the objectives can serve."""
    out = []
    if not c.organisation.mission:
        out.append(
            finding(
                "warning",
                "strategy",
                "organisation.mission",
                "no mission: the strategy cannot be linked to what the organisation is for",
                "add organisation.mission",
            )
        )
    if not c.organisation.goals:
        out.append(
            finding(
                "warning",
                "strategy",
                "organisation.goals",
                "no organisational goals: objectives cannot show what they serve",
                "add organisation.goals with id and text",
            )
        )
    return out


def _objectives(c: Cycle) -> list[dict]:
    """Objectives that are SMART: a target, a deadline within the review, an owner, a goal served."""
    if not c.objectives:
        return [
            finding(
                "error",
                "SMART",
                "objectives",
                "no objectives: there is nothing to evaluate",
                "add objectives with a KPI, direction, target, deadline, owner and links_to",
            )
        ]
    out = []
    goals = {g.id for g in c.organisation.goals}
    for o in c.objectives:
        item = f"objective {o.id}"
        if o.target is None:
            out.append(
                finding(
                    "warning",
                    "SMART",
                    item,
                    f"no numeric target for {o.kpi}: 'improve {o.kpi}' is not measurable",
                    "add target: the level to reach",
                )
            )
        if o.deadline is None:
            out.append(
                finding(
                    "warning",
                    "SMART",
                    item,
                    "no deadline: the objective is not time-bound",
                    "add deadline: an ISO date",
                )
            )
        elif o.deadline < c.periods.review.start:
            out.append(
                finding(
                    "warning",
                    "SMART",
                    item,
                    f"deadline {o.deadline} falls before the review period starts",
                    "move the deadline into or after the review period",
                )
            )
        if not o.owner:
            out.append(
                finding("warning", "SMART", item, "no owner: nobody is accountable", "add owner")
            )
        if not o.links_to:
            out.append(
                finding(
                    "warning",
                    "SMART",
                    item,
                    "not linked to an organisational goal (relevance not shown)",
                    "add links_to: a goal id",
                )
            )
        elif goals and o.links_to not in goals:
            out.append(
                finding(
                    "warning",
                    "SMART",
                    item,
                    f"links to goal '{o.links_to}', which organisation.goals does not have",
                    f"use one of: {', '.join(sorted(goals))}",
                )
            )
    return out


def _consultation(c: Cycle) -> list[dict]:
    """Customers, staff and management each consulted."""
    if not c.stakeholders:
        return [
            finding(
                "warning",
                "plan",
                "stakeholders",
                "no stakeholder consultation recorded",
                "add stakeholders: customers, staff and management (who, how, when, what was learned)",
            )
        ]
    return [
        finding(
            "warning",
            "plan",
            "stakeholders",
            f"{group} were not consulted",
            f"add a stakeholders entry for {group}",
        )
        for group, pattern in GROUPS.items()
        if not any(re.search(pattern, s.group, re.I) for s in c.stakeholders)
    ]


def _segments(c: Cycle) -> list[dict]:
    """Customer segments named, so the analysis is not one-size-fits-all."""
    if c.scope.segments:
        return []
    return [
        finding(
            "warning",
            "plan",
            "scope.segments",
            "no customer segments named: the analysis risks being one-size-fits-all",
            "list the segments in scope.segments (and give tickets a segment column)",
        )
    ]


def _risks(c: Cycle) -> list[dict]:
    """A risk assessment: each risk mitigated with a contingency, peaks and absences among them."""
    if not c.risks:
        return [
            finding(
                "warning",
                "plan",
                "risks",
                "no risk assessment",
                "add risks with likelihood, impact (1–5), mitigation and contingency",
            )
        ]
    out = [
        finding(
            "warning",
            "plan",
            f"risks[{i}]",
            f"risk '{r.risk}' has no {'mitigation' if not r.mitigation else 'contingency'}",
            "add mitigation and contingency",
        )
        for i, r in enumerate(c.risks)
        if not r.mitigation or not r.contingency
    ]
    if not any(
        PEAK_WORDS.search(" ".join(filter(None, (r.risk, r.mitigation, r.contingency))))
        for r in c.risks
    ):
        out.append(
            finding(
                "warning",
                "plan",
                "risks",
                "no peak-time or unexpected-event contingency (staffing)",
                "add a risk for peaks or staff absence with its contingency",
            )
        )
    return out


def _actions(c: Cycle) -> list[dict]:
    """An implementation plan: each action owned, dated and resourced, one of them communicating."""
    if not c.actions:
        return [
            finding(
                "warning",
                "plan",
                "actions",
                "no implementation plan",
                "add actions with owner, dates, resources and cost",
            )
        ]
    out = []
    for i, a in enumerate(c.actions):
        missing = [k for k in ("owner", "start", "end", "resources") if getattr(a, k) in (None, "")]
        if missing:
            out.append(
                finding(
                    "warning",
                    "plan",
                    f"actions[{i}]",
                    f"action '{a.action}' has no {', '.join(missing)}",
                    "complete the action's owner, dates and resources",
                )
            )
    if not any(a.communication for a in c.actions):
        out.append(
            finding(
                "warning",
                "plan",
                "actions",
                "no communication plan to staff and stakeholders",
                "add an action with communication: true",
            )
        )
    return out


def _records(c: Cycle) -> list[dict]:
    """The training records and customer comments the Do and Check stages read."""
    out = []
    if "training" not in c.data:
        out.append(
            finding(
                "warning",
                "do",
                "data.training",
                "no training records: staff preparation cannot be tied to outcomes",
                "add the training table",
            )
        )
    if "feedback" not in c.data:
        out.append(
            finding(
                "warning",
                "check",
                "data.feedback",
                "no customer comments: the Check has no qualitative evidence",
                "add the feedback table",
            )
        )
    return out


def _timing(c: Cycle) -> list[dict]:
    """The change between the baseline and the review's end, each period long enough."""
    out = []
    if c.change.date < c.periods.baseline.end or c.change.date > c.periods.review.end:
        out.append(
            finding(
                "error",
                "check",
                "change.date",
                f"the change ({c.change.date}) is not between the baseline end and the review end",
                "set change.date after the baseline and within the review period",
            )
        )
    for name, w in (("baseline", c.periods.baseline), ("review", c.periods.review)):
        weeks = ((w.end - w.start).days + 1) / 7
        if weeks < MIN_WEEKS:
            what = (
                "too short for stable baseline limits"
                if name == "baseline"
                else "too short to show sustained monitoring"
            )
            out.append(
                finding(
                    "warning",
                    "check",
                    f"periods.{name}",
                    f"the {name} lasts {weeks:.0f} weeks: {what}",
                    f"make it at least {MIN_WEEKS} weeks",
                )
            )
    return out


def _economics(c: Cycle) -> list[dict]:
    """Costs, so the Act stage can value the business side of the benefit."""
    if "economics" in c.model_fields_set and (
        c.economics.cost_per_contact or c.economics.hourly_cost
    ):
        return []
    return [
        finding(
            "warning",
            "act",
            "economics",
            "no costs: the business side of the benefit cannot be valued",
            "add economics.cost_per_contact and economics.hourly_cost",
        )
    ]


#: what the cycle file alone must show, in the order the findings are listed
CYCLE_FILE_CHECKS = (
    _strategy,
    _objectives,
    _consultation,
    _segments,
    _risks,
    _actions,
    _records,
    _timing,
    _economics,
)
