"""Is the cycle complete? SMART objectives and the evidence a PDCA cycle needs.

:func:`check_cycle` reads the cycle file against ``reference/cycle-evidence.md``
(and, with data, against what the baseline shows) and returns one finding per
gap: an **error** where evaluation is impossible (no baseline data, no
objective with a target…), a **warning** where evidence will be missing.

Examples
--------
>>> from cslib.cycle.model import parse_cycle
>>> cycle = parse_cycle({"title": "t", "data": {"tickets": "t.csv"},
...     "periods": {"baseline": {"start": "2026-01-01", "end": "2026-03-31"},
...                 "review": {"start": "2026-04-01", "end": "2026-06-30"}},
...     "change": {"date": "2026-04-01"}})
>>> found = check_cycle(cycle, data=False)
>>> found.loc[found.level == "error", "finding"].tolist()
['no objectives: there is nothing to evaluate']
"""

from __future__ import annotations

import re

import pandas as pd

from cslib.cycle.model import Cycle

PEAK_WORDS = re.compile(r"peak|staff|volume|surge|capacity|absence|outage|unexpected", re.I)
GROUPS = {
    "customers": r"customer|client|user",
    "staff": r"staff|agent|employee|team",
    "management": r"manage|board|leader|executive|director",
}
MIN_WEEKS = 8


def _finding(level: str, area: str, item: str, finding: str, fix: str) -> dict:
    return {"level": level, "area": area, "item": item, "finding": finding, "fix": fix}


def check_cycle(cycle: Cycle, *, data: bool = True, wb=None) -> pd.DataFrame:
    """Every gap in the cycle's evidence, errors first.

    Parameters
    ----------
    cycle : Cycle
        The parsed cycle file.
    data : bool
        Also check against the data: baseline tickets, KPI availability, and
        whether each target is achievable given the baseline.
    wb : Workbook, optional
        An open workbook to reuse (its cached KPIs); one is opened when needed.

    Returns
    -------
    DataFrame
        ``level`` (error / warning), ``area`` (strategy, SMART, plan, do, check,
        act), ``item``, ``finding``, ``fix``.
    """
    out: list[dict] = []
    out += _strategy(cycle)
    out += _objectives(cycle)
    out += _plan(cycle)
    if data:
        out += _with_data(cycle, wb)
    frame = pd.DataFrame(out, columns=["level", "area", "item", "finding", "fix"])
    frame["_order"] = frame["level"].map({"error": 0, "warning": 1})
    return frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def _strategy(c: Cycle) -> list[dict]:
    out = []
    if not c.organisation.mission:
        out.append(
            _finding(
                "warning",
                "strategy",
                "organisation.mission",
                "no mission: the strategy cannot be linked to what the organisation is for",
                "add organisation.mission",
            )
        )
    if not c.organisation.goals:
        out.append(
            _finding(
                "warning",
                "strategy",
                "organisation.goals",
                "no organisational goals: objectives cannot show what they serve",
                "add organisation.goals with id and text",
            )
        )
    return out


def _objectives(c: Cycle) -> list[dict]:
    if not c.objectives:
        return [
            _finding(
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
                _finding(
                    "warning",
                    "SMART",
                    item,
                    f"no numeric target for {o.kpi}: 'improve {o.kpi}' is not measurable",
                    "add target: the level to reach",
                )
            )
        if o.deadline is None:
            out.append(
                _finding(
                    "warning",
                    "SMART",
                    item,
                    "no deadline: the objective is not time-bound",
                    "add deadline: an ISO date",
                )
            )
        elif o.deadline < c.periods.review.start:
            out.append(
                _finding(
                    "warning",
                    "SMART",
                    item,
                    f"deadline {o.deadline} falls before the review period starts",
                    "move the deadline into or after the review period",
                )
            )
        if not o.owner:
            out.append(
                _finding("warning", "SMART", item, "no owner: nobody is accountable", "add owner")
            )
        if not o.links_to:
            out.append(
                _finding(
                    "warning",
                    "SMART",
                    item,
                    "not linked to an organisational goal (relevance not shown)",
                    "add links_to: a goal id",
                )
            )
        elif goals and o.links_to not in goals:
            out.append(
                _finding(
                    "warning",
                    "SMART",
                    item,
                    f"links to goal '{o.links_to}', which organisation.goals does not have",
                    f"use one of: {', '.join(sorted(goals))}",
                )
            )
    return out


def _plan(c: Cycle) -> list[dict]:
    out = []
    found = {g: any(re.search(p, s.group, re.I) for s in c.stakeholders) for g, p in GROUPS.items()}
    if not c.stakeholders:
        out.append(
            _finding(
                "warning",
                "plan",
                "stakeholders",
                "no stakeholder consultation recorded",
                "add stakeholders: customers, staff and management (who, how, when, what was learned)",
            )
        )
    else:
        for group, ok in found.items():
            if not ok:
                out.append(
                    _finding(
                        "warning",
                        "plan",
                        "stakeholders",
                        f"{group} were not consulted",
                        f"add a stakeholders entry for {group}",
                    )
                )
    if not c.scope.segments:
        out.append(
            _finding(
                "warning",
                "plan",
                "scope.segments",
                "no customer segments named: the analysis risks being one-size-fits-all",
                "list the segments in scope.segments (and give tickets a segment column)",
            )
        )
    if not c.risks:
        out.append(
            _finding(
                "warning",
                "plan",
                "risks",
                "no risk assessment",
                "add risks with likelihood, impact (1–5), mitigation and contingency",
            )
        )
    else:
        for i, r in enumerate(c.risks):
            if not r.mitigation or not r.contingency:
                out.append(
                    _finding(
                        "warning",
                        "plan",
                        f"risks[{i}]",
                        f"risk '{r.risk}' has no {'mitigation' if not r.mitigation else 'contingency'}",
                        "add mitigation and contingency",
                    )
                )
        if not any(
            PEAK_WORDS.search(" ".join(filter(None, (r.risk, r.mitigation, r.contingency))))
            for r in c.risks
        ):
            out.append(
                _finding(
                    "warning",
                    "plan",
                    "risks",
                    "no peak-time or unexpected-event contingency (staffing)",
                    "add a risk for peaks or staff absence with its contingency",
                )
            )
    if not c.actions:
        out.append(
            _finding(
                "warning",
                "plan",
                "actions",
                "no implementation plan",
                "add actions with owner, dates, resources and cost",
            )
        )
    else:
        for i, a in enumerate(c.actions):
            missing = [
                k for k in ("owner", "start", "end", "resources") if getattr(a, k) in (None, "")
            ]
            if missing:
                out.append(
                    _finding(
                        "warning",
                        "plan",
                        f"actions[{i}]",
                        f"action '{a.action}' has no {', '.join(missing)}",
                        "complete the action's owner, dates and resources",
                    )
                )
        if not any(a.communication for a in c.actions):
            out.append(
                _finding(
                    "warning",
                    "plan",
                    "actions",
                    "no communication plan to staff and stakeholders",
                    "add an action with communication: true",
                )
            )
    if "training" not in c.data:
        out.append(
            _finding(
                "warning",
                "do",
                "data.training",
                "no training records: staff preparation cannot be tied to outcomes",
                "add the training table",
            )
        )
    if "feedback" not in c.data:
        out.append(
            _finding(
                "warning",
                "check",
                "data.feedback",
                "no customer comments: the Check has no qualitative evidence",
                "add the feedback table",
            )
        )
    if c.change.date < c.periods.baseline.end or c.change.date > c.periods.review.end:
        out.append(
            _finding(
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
                _finding(
                    "warning",
                    "check",
                    f"periods.{name}",
                    f"the {name} lasts {weeks:.0f} weeks: {what}",
                    f"make it at least {MIN_WEEKS} weeks",
                )
            )
    if "economics" not in c.model_fields_set or not (
        c.economics.cost_per_contact or c.economics.hourly_cost
    ):
        out.append(
            _finding(
                "warning",
                "act",
                "economics",
                "no costs: the business side of the benefit cannot be valued",
                "add economics.cost_per_contact and economics.hourly_cost",
            )
        )
    return out


def _with_data(c: Cycle, wb) -> list[dict]:
    from cslib.cycle.workbook import Workbook

    wb = wb or Workbook(c, c.base_dir, "plan")
    out = []
    avail = wb.availability().set_index("kpi")
    columns = set(wb.ticket_columns)
    if c.scope.segments and "segment" not in columns:
        out.append(
            _finding(
                "warning",
                "plan",
                "data.tickets",
                "scope.segments is set but the tickets have no segment column",
                "add or map a segment column",
            )
        )
    missing_teams = [
        t
        for t in c.rollout
        if "team" in columns
        and t not in set(wb.kpis(kpis=["volume"], freq="all", by="team")["team"])
    ]
    if "team" not in columns and c.rollout:
        out.append(
            _finding(
                "error",
                "check",
                "rollout",
                "rollout names teams but the tickets have no team column",
                "add or map a team column, or remove rollout",
            )
        )
    elif missing_teams:
        out.append(
            _finding(
                "error",
                "check",
                "rollout",
                f"rollout names teams with no tickets: {', '.join(missing_teams)}",
                "correct the team names to match the data",
            )
        )
    base = wb.kpis(
        kpis=["volume"], freq="all", start=c.periods.baseline.start, end=c.periods.baseline.end
    )
    if base.empty or int(base["volume"].sum()) == 0:
        return [
            *out,
            _finding(
                "error",
                "check",
                "periods.baseline",
                "no tickets in the baseline period: no baseline, no evaluation",
                "move the baseline to dates the data covers",
            ),
        ]
    review = wb.kpis(
        kpis=["volume"], freq="all", start=c.periods.review.start, end=c.periods.review.end
    )
    if review.empty or int(review["volume"].sum()) == 0:
        out.append(
            _finding(
                "error",
                "check",
                "periods.review",
                "no tickets in the review period yet",
                "move the review to dates the data covers",
            )
        )
    for o in c.objectives:
        item = f"objective {o.id}"
        if not avail.loc[o.kpi, "available"]:
            out.append(
                _finding(
                    "error",
                    "SMART",
                    item,
                    f"{o.kpi} cannot be measured: missing {avail.loc[o.kpi, 'missing']}",
                    "add the data or choose a KPI the data supports",
                )
            )
            continue
        if o.target is None:
            continue
        weekly = wb.objective_kpis(
            o, freq="W", start=c.periods.baseline.start, end=c.periods.baseline.end
        )["value"].dropna()
        level = wb.objective_value(o, "baseline")["value"].iloc[0]
        if weekly.empty or pd.isna(level):
            out.append(
                _finding(
                    "error",
                    "check",
                    item,
                    f"{o.kpi} has no baseline values",
                    "check the baseline period and the data",
                )
            )
            continue
        better = (o.target < level) if o.direction == "decrease" else (o.target > level)
        if not better:
            out.append(
                _finding(
                    "warning",
                    "SMART",
                    item,
                    f"target {o.target:g} is already met at baseline ({level:.3g}): not an improvement",
                    "set a target beyond the baseline level",
                )
            )
        best = weekly.min() if o.direction == "decrease" else weekly.max()
        beyond = o.target < best if o.direction == "decrease" else o.target > best
        if better and beyond:
            out.append(
                _finding(
                    "warning",
                    "SMART",
                    item,
                    f"target {o.target:g} is beyond every baseline week (best {best:.3g}, baseline {level:.3g}): achievable only if the change shifts the whole process",
                    "check the target against the baseline chart; aim within reach or plan a larger change",
                )
            )
    return out
