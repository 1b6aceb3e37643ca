"""Is the cycle complete? SMART objectives and the evidence a PDCA cycle needs.

:func:`check_cycle` reads the cycle file against ``docs/reference/cycle-evidence.md``
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

from difflib import get_close_matches
from typing import TYPE_CHECKING

import pandas as pd

from cslib.cycle._file_evidence import CYCLE_FILE_CHECKS, GROUPS, MIN_WEEKS, PEAK_WORDS, finding
from cslib.cycle.model import Cycle, Objective
from cslib.display import with_unit
from cslib.metrics.registry import REGISTRY

if TYPE_CHECKING:
    from cslib.cycle.workbook import Workbook

__all__ = ["GROUPS", "MAX_TEAMS_SHOWN", "MIN_WEEKS", "PEAK_WORDS", "check_cycle", "teams_fix"]

#: the most team labels of the data a message lists
MAX_TEAMS_SHOWN = 30


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
    out = [found for check in CYCLE_FILE_CHECKS for found in check(cycle)]
    if data:
        out += _with_data(cycle, wb)
    frame = pd.DataFrame(out, columns=["level", "area", "item", "finding", "fix"])
    frame["_order"] = frame["level"].map({"error": 0, "warning": 1})
    return frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def _with_data(c: Cycle, wb: Workbook | None) -> list[dict]:
    """What the data shows: the columns the cycle file relies on, tickets in both periods, reachable targets."""
    from cslib.cycle.workbook import Workbook

    wb = wb or Workbook(c, c.base_dir, "plan")
    avail = wb.availability().set_index("kpi")
    out = _columns(c, wb) + _criteria(c, wb)
    if any(f["item"] == "scope.teams" for f in out):  # the scope selects no tickets at all
        return out
    if not wb.holds_tickets("baseline"):
        return [
            *out,
            finding(
                "error",
                "check",
                "periods.baseline",
                "no tickets in the baseline period: no baseline, no evaluation",
                "move the baseline to dates the data covers",
            ),
        ]
    if not wb.holds_tickets("review"):
        review = c.periods.review
        out.append(
            finding(
                "warning",
                "check",
                "periods.review",
                f"no tickets in the review period ({review.start} to {review.end}) yet: "
                "the Plan runs on the baseline; the Do, Check and Act stages wait for them",
                f"run those stages once the data holds tickets from {review.start} on",
            )
        )
    for o in c.objectives:
        out += _against_baseline(c, wb, o, avail)
    return out


def _columns(c: Cycle, wb: Workbook) -> list[dict]:
    """The segment and team columns the scope and the roll-out need, and tickets for every roll-out team."""
    out = []
    columns = set(wb.ticket_columns)
    if c.scope.segments and "segment" not in columns:
        out.append(
            finding(
                "warning",
                "plan",
                "data.tickets",
                "scope.segments is set but the tickets have no segment column",
                "add or map a segment column",
            )
        )
    if "team" not in columns and c.rollout:
        out.append(
            finding(
                "error",
                "check",
                "rollout",
                "rollout names teams but the tickets have no team column",
                "add or map a team column, or remove rollout",
            )
        )
    if "team" in columns and (c.rollout or c.scope.teams):
        known = wb.labels("team")
        for item, teams in (("scope.teams", c.scope.teams), ("rollout", list(c.rollout))):
            missing = [t for t in teams if t not in known]
            if missing:
                names = ", ".join(repr(t) for t in missing)
                text = f"{item} names teams with no tickets: {names}"
                out.append(finding("error", "check", item, text, teams_fix(missing, known)))
    return out


#: the most undeclared criteria a warning lists
MAX_CRITERIA_SHOWN = 10


def _criteria(c: Cycle, wb: Workbook) -> list[dict]:
    """Criteria the evaluations score that the scorecard does not declare (a warning: they are
    still measured, without the scorecard's weight, critical flag and dimension)."""
    evaluations = wb.table("evaluations")
    if evaluations is None or "criterion" not in evaluations:
        return []
    declared = [k.criterion for k in c.standards.criteria]
    extra = sorted(set(evaluations["criterion"].dropna().astype(str)) - set(declared))
    if not extra:
        return []
    more = len(extra) - MAX_CRITERIA_SHOWN
    shown = ", ".join(extra[:MAX_CRITERIA_SHOWN]) + (f" and {more} more" if more > 0 else "")
    return [
        finding(
            "warning",
            "plan",
            "standards.criteria",
            f"the evaluations ({c.path('evaluations')}) score criteria the scorecard does not "
            f"declare: {shown}; they are measured without a declared weight, critical flag or dimension",
            "declare them under standards.criteria (with their dimension, weight and critical "
            "flag) or correct their spelling in the data"
            + (f"; the scorecard declares: {', '.join(declared)}" if declared else ""),
        )
    ]


def teams_fix(missing: list[str], known: list[str]) -> str:
    """How to correct team names the data does not have: the nearest labels it has, then all of them.

    >>> teams_fix(["Housing"], ["Housing,", "Solid Waste"])
    "the data's nearest labels: 'Housing,' for 'Housing'; the data has the teams: 'Housing,', 'Solid Waste' (correct the name, or map the data's labels to it in a mapping file's values: team)"
    """
    near = [(t, get_close_matches(t, known, n=1, cutoff=0.6)) for t in missing]
    hints = "; ".join(f"{m[0]!r} for {t!r}" for t, m in near if m)
    shown = ", ".join(repr(k) for k in known[:MAX_TEAMS_SHOWN])
    more = f" and {len(known) - MAX_TEAMS_SHOWN} more" if len(known) > MAX_TEAMS_SHOWN else ""
    return (
        (f"the data's nearest labels: {hints}; " if hints else "")
        + f"the data has the teams: {shown}{more} "
        "(correct the name, or map the data's labels to it in a mapping file's values: team)"
    )


def _against_baseline(c: Cycle, wb: Workbook, o: Objective, avail: pd.DataFrame) -> list[dict]:
    """The objective's KPI measurable, and its target an improvement within reach of the baseline."""
    item = f"objective {o.id}"
    if not avail.loc[o.kpi, "available"]:
        return [
            finding(
                "error",
                "SMART",
                item,
                f"{REGISTRY[o.kpi].label} cannot be measured: missing {avail.loc[o.kpi, 'missing']}",
                "add the data or choose a KPI the data supports",
            )
        ]
    if o.target is None:
        return []
    # the roll-out teams' baseline, as the Plan's baseline and the Check's "actual" describe them
    adopting = [t for t in c.rollout if not wb.scope_teams or t in wb.scope_teams]
    teams = adopting if "team" in wb.ticket_columns else []
    filters = {**(o.segment or {}), **({"team": teams} if teams else {})}
    start, end = c.periods.baseline.start, c.periods.baseline.end
    weekly = wb.objective_kpis(o, freq="W", start=start, end=end, filters=filters)["value"].dropna()
    level = wb.objective_kpis(o, freq="all", start=start, end=end, filters=filters)["value"].iloc[0]
    if weekly.empty or pd.isna(level):
        return [
            finding(
                "error",
                "check",
                item,
                f"{REGISTRY[o.kpi].label} has no baseline values",
                "check the baseline period and the data",
            )
        ]
    unit = REGISTRY[o.kpi].unit
    unit = c.economics.currency if unit == "currency" else unit
    target = with_unit(o.target, unit)
    out = []
    better = (o.target < level) if o.direction == "decrease" else (o.target > level)
    if not better:
        out.append(
            finding(
                "warning",
                "SMART",
                item,
                f"target {target} is already met at baseline ({with_unit(level, unit)}): not an improvement",
                "set a target beyond the baseline level",
            )
        )
    best = weekly.min() if o.direction == "decrease" else weekly.max()
    beyond = o.target < best if o.direction == "decrease" else o.target > best
    if better and beyond:
        out.append(
            finding(
                "warning",
                "SMART",
                item,
                f"target {target} is beyond every baseline week (best {with_unit(best, unit)}, baseline {with_unit(level, unit)}): "
                "achievable only if the change shifts the whole process",
                "check the target against the baseline chart; aim within reach or plan a larger change",
            )
        )
    return out
