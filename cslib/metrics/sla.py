"""SLA targets: the cycle file's ``sla`` section read as hours per ticket.

The section sets a response and a resolution target, each a single number of
hours or hours by channel or by priority::

    sla:
      response: {by: channel, hours: {email: 8, chat: 0.05}}
      resolution: {hours: 48}

Examples
--------
>>> targets = sla_targets({"response": {"hours": {"email": 8, "chat": 0.05}}}, "response")
>>> targets
('channel', {'email': 8.0, 'chat': 0.05})
>>> print(target_sql(targets))
(CASE "channel" WHEN 'email' THEN 8.0 WHEN 'chat' THEN 0.05 END)
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from cslib.data import sql
from cslib.data.schema import CHANNELS, PRIORITIES
from cslib.errors import ParameterError


def sla_targets(sla: Mapping | None, which: str) -> tuple[str, dict[str, float]] | None:
    """``(column, {value: hours})`` of an SLA spec, or None when it sets no target.

    The spec is the cycle file's ``sla`` section, e.g.
    ``{"response": {"by": "channel", "hours": {"email": 8, "chat": 0.05}},
    "resolution": {"hours": 48}}`` (a single number applies to every ticket).

    >>> sla_targets({"resolution": {"by": "priority", "hours": {"high": 8}}}, "resolution")
    ('priority', {'high': 8.0})
    """
    if not sla or not sla.get(which):
        return None
    spec = sla[which]
    hours = spec.get("hours")
    if hours is None:
        return None
    if isinstance(hours, int | float):
        return "", {"": float(hours)}
    by = spec.get("by")
    if by is None:
        keys = set(hours)
        by = "channel" if keys <= set(CHANNELS) else "priority" if keys <= set(PRIORITIES) else None
        if by is None:
            raise ParameterError(
                f"sla.{which}: say which column the targets are by (by: channel or by: priority); keys {sorted(keys)}"
            )
    return by, {str(k).lower(): float(v) for k, v in hours.items()}


def target_sql(targets: tuple[str, dict[str, float]]) -> str:
    """SQL of a ticket's target in hours: a number, or a CASE over the targets' column."""
    by, hours = targets
    if by == "":
        return str(hours[""])
    cases = " ".join(f"WHEN {sql.quote(k)} THEN {v}" for k, v in hours.items())
    return f"(CASE {sql.ident(by)} {cases} END)"


def missing_target(sla: Mapping | None, which: str, columns: Collection[str]) -> str | None:
    """What keeps the ``which`` SLA KPI from being computed on these columns, or None.

    A resolution KPI can do without a target when the tickets carry their own due
    time (``sla_due_at``) or verdict (``sla_met``).

    >>> missing_target({"response": {"by": "channel", "hours": {"email": 8}}}, "response", ["created_at"])
    'channel (the SLA response targets are by channel)'
    >>> missing_target(None, "resolution", ["sla_due_at"]) is None
    True
    """
    targets = sla_targets(sla, which)
    if targets is None and not (which == "resolution" and {"sla_due_at", "sla_met"} & set(columns)):
        return f"an SLA {which} target (sla.{which} in the cycle file)"
    if targets and targets[0] and targets[0] not in columns:
        return f"{targets[0]} (the SLA {which} targets are by {targets[0]})"
    return None
