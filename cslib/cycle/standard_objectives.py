"""Objectives on a service standard: checked against the scorecard and the tables the cycle declares.

An objective may target ``standard:<criterion>`` (compliance with one criterion)
or ``standard:overall`` (the quality score); both are measured from the
evaluations table, and a criterion must be one the scorecard
(``standards.criteria``) declares. The check reads the cycle file as written
(a mapping), so that its problems are reported together with every other.

Examples
--------
>>> raw = {"data": {"tickets": "t.csv"}, "standards": {"criteria": [{"criterion": "greeting"}]},
...        "objectives": [{"id": "O1", "kpi": "standard:greting"}]}
>>> [p.what.split(",")[0] for p in standard_problems(raw, "cycle.yaml")]
["objective O1: KPI 'standard:greting' is measured from quality evaluations", "objective O1: KPI 'standard:greting' names the criterion 'greting'"]
"""

from __future__ import annotations

from cslib.errors import Problem
from cslib.metrics.standards import OVERALL, PREFIX, criterion_of, is_standard

__all__ = ["standard_problems"]


def _section(raw: dict, key: str, kind: type):
    value = raw.get(key) if isinstance(raw, dict) else None
    return value if isinstance(value, kind) else kind()


def standard_problems(raw: dict, source: str) -> list[Problem]:
    """Objectives on a service standard (``kpi: standard:<criterion>``) whose criterion the
    scorecard does not declare, or without an evaluations table to measure them."""
    criteria = _section(_section(raw, "standards", dict), "criteria", list)
    declared = [str(c["criterion"]) for c in criteria if isinstance(c, dict) and "criterion" in c]
    data = _section(raw, "data", dict)
    problems = []
    for i, obj in enumerate(_section(raw, "objectives", list)):
        kpi = obj.get("kpi") if isinstance(obj, dict) else None
        if not is_standard(kpi):
            continue
        where, ident, criterion = (
            f"{source}: objectives[{i}].kpi",
            obj.get("id", i),
            criterion_of(kpi),
        )
        if "evaluations" not in data:
            problems.append(
                Problem(
                    f"objective {ident}: KPI '{kpi}' is measured from quality evaluations, "
                    "but the cycle names no evaluations table",
                    file=where,
                    fix="add the table under data (evaluations: evaluations.csv) or choose another KPI",
                )
            )
        if criterion != OVERALL and criterion not in declared:
            problems.append(
                Problem(
                    f"objective {ident}: KPI '{kpi}' names the criterion '{criterion}', which "
                    "the scorecard (standards.criteria) does not declare; it declares: "
                    + (", ".join(declared) or "no criterion"),
                    file=where,
                    fix=f"declare '{criterion}' under standards.criteria (with its dimension, "
                    f"weight and critical flag), correct the name, or use {PREFIX}{OVERALL}",
                )
            )
    return problems
