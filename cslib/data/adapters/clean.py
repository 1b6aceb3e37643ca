"""The cleaning a mapping does: rows dropped with a reason, small negative durations zeroed, conflicts found.

:func:`clean` completes a column plan (:mod:`cslib.data.adapters.build`):
each ``drop`` rule of the mapping becomes an SQL condition over the input view,
each duration that may be slightly negative is zeroed within the mapping's
``tolerance``, and contract columns read from one source column without
``allow_same_source`` are noted as conflicts. :func:`counts` says how many rows
each step touched, for ``cslib validate`` and the report.

Examples
--------
>>> condition_sql("ts", "timestamp", Condition(before="2026-01-01"))
"(ts < TIMESTAMP '2026-01-01 00:00:00')"
>>> condition_sql("x", "text", Condition(labels=["Test", "phantom"]))
"(lower(x) IN ('test', 'phantom'))"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cslib.data import sql
from cslib.data.adapters.model import Condition

if TYPE_CHECKING:
    from cslib.data.adapters.build import Plan


def condition_sql(expr: str, want: str, cond: Condition) -> str:
    """SQL true when the value ``expr`` (text, timestamp or number, as ``want``) meets ``cond``."""
    parts = []
    if cond.labels:
        parts.append(f"lower({expr}) IN ({', '.join(sql.quote(x) for x in cond.labels)})")
    for key, op in (("before", "<"), ("after", ">")):
        when = getattr(cond, key)
        if when is not None:
            parts.append(f"{expr} {op} TIMESTAMP '{when.isoformat(sep=' ')}'")
    for key, op in (("below", "<"), ("above", ">")):
        limit = getattr(cond, key)
        if limit is not None:
            parts.append(f"{expr} {op} {float(limit)!r}")
    if cond.empty:
        parts.append(f"{expr} IS NULL")
    return "(" + " OR ".join(parts) + ")"


def _kind(cond: Condition) -> str:
    """What a condition compares: timestamps, numbers or text."""
    if cond.before is not None or cond.after is not None:
        return "timestamp"
    if cond.below is not None or cond.above is not None:
        return "number"
    return "text"


def _drops(b, plan: Plan) -> None:
    """Each drop rule as SQL over the input view; a rule naming a column the file lacks drops nothing."""
    for rule in b.m.drop:
        conds = []
        for column, cond in rule.where.items():
            want = _kind(cond)
            expr = b.arg(column, want, plan)
            if expr is None:
                plan.unmatched.append(f"{rule.reason!r} ({column})")
                break
            conds.append(condition_sql(expr, want, cond))
        else:
            plan.drops.append((rule.reason, " AND ".join(conds)))


def _tolerate(b, plan: Plan) -> None:
    """Zero the durations at most ``tolerance.negative_seconds`` below zero, noting each condition."""
    tol = float(b.m.tolerance.negative_seconds)
    if tol <= 0:
        return
    for rule in b.schema.orders:
        early, late = plan.exprs.get(rule.earlier), plan.exprs.get(rule.later)
        if early is None or late is None or rule.later in plan.labels:
            continue
        skew = f"({late}) < ({early}) AND ({late}) >= ({early}) - to_microseconds(CAST({tol * 1e6!r} AS BIGINT))"
        plan.zeroed[rule.later] = skew
        plan.exprs[rule.later] = f"(CASE WHEN {skew} THEN ({early}) ELSE ({late}) END)"
    for column in b.schema.columns:
        expr = plan.exprs.get(column.name)
        if expr is None or column.kind != "float" or not column.name.endswith("_seconds"):
            continue
        number = f"TRY_CAST({expr} AS DOUBLE)"
        skew = f"{number} < 0 AND {number} >= {-tol!r}"
        plan.zeroed[column.name] = skew
        plan.exprs[column.name] = f"(CASE WHEN {skew} THEN '0' ELSE CAST({expr} AS VARCHAR) END)"


def _conflicts(b, plan: Plan) -> None:
    """Source columns that give several contract columns not all allowed to share one."""
    users: dict[str, list[str]] = {}
    for name in b.m.columns:
        if name in plan.exprs and name in plan.origin:
            users.setdefault(plan.origin[name], []).append(name)
    allowed = set(b.m.allow_same_source)
    for source, names in users.items():
        if len(names) > 1 and not set(names) <= allowed:
            plan.conflicts[source] = names


def clean(b, plan: Plan) -> None:
    """Add the mapping's drop rules, tolerated durations and conflicts to ``plan`` (``b``: its builder)."""
    _drops(b, plan)
    _tolerate(b, plan)
    _conflicts(b, plan)


def counts(con, source: str, plan: Plan) -> pd.DataFrame:
    """Rows each cleaning step touched in the view ``source``: ``step``, ``rows``.

    A row meeting several drop rules counts under the first; zeroed durations
    count among the rows kept.
    """
    parts: list[str] = []
    steps: list[str] = []
    earlier: list[str] = []
    for reason, cond in plan.drops:
        before = " AND ".join(f"NOT coalesce({c}, FALSE)" for c in earlier) or "TRUE"
        parts.append(f"count(*) FILTER (WHERE coalesce({cond}, FALSE) AND {before})")
        steps.append(f"dropped: {reason}")
        earlier.append(cond)
    for column, cond in plan.zeroed.items():
        parts.append(f"count(*) FILTER (WHERE coalesce({cond}, FALSE) AND {plan.keep})")
        steps.append(f"{column}: a small negative duration set to zero")
    if not parts:
        return pd.DataFrame({"step": [], "rows": []})
    found = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
    return pd.DataFrame({"step": steps, "rows": [int(n) for n in found]})
