"""What one KPI computation knows, and the per-ticket SQL conditions the KPIs share.

A :class:`Context` carries the tickets' columns and the options of a
computation; the KPI definitions of :mod:`cslib.metrics.registry` read it to
write their SQL, through :meth:`Context.render`.

Examples
--------
>>> ctx = Context(columns={"created_at", "resolved_at"}, by=[], sla=None, as_of=None,
...               repeat_days=7, sl=20, economics={})
>>> ctx.resolved
'resolved_at IS NOT NULL AND (TRUE) AND (TRUE)'
>>> ctx.render("{resolved} AND created_at IS NOT NULL")
'resolved_at IS NOT NULL AND (TRUE) AND (TRUE) AND created_at IS NOT NULL'
>>> "epoch(timezone(current_setting('TimeZone'), resolved_at))" in hours("created_at", "resolved_at")
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cslib.data import sql
from cslib.data.schema import NOT_RESOLUTIONS
from cslib.data.wall_clock import WallClock

#: the channels whose contacts wait in a queue (and may abandon it)
QUEUE_CHANNELS = ("phone", "chat")

#: SQL text, or a function of the context that writes it
Sql = str | Callable[["Context"], str]

#: the contact-centre definitions a computation uses unless told otherwise (the
#: cycle file's ``definitions``): abandons sooner than ``short_abandon_seconds``
#: are left out of abandonment (reference/kpis.md: 5 s; contact-centre systems
#: let it be set, often 5–10 s; 0 keeps every abandon), and service level is
#: over ``offered`` contacts or those ``offered_less_short_abandons``
DEFINITIONS: dict[str, Any] = {
    "short_abandon_seconds": 5.0,
    "service_level_over": "offered_less_short_abandons",
}
#: the choices of ``service_level_over``
SERVICE_LEVEL_OVER = ("offered_less_short_abandons", "offered")


def hours(a: str, b: str) -> str:
    """SQL of the calendar hours elapsed from timestamp ``a`` to ``b`` (absolute time: see
    :func:`~cslib.data.sql.elapsed_seconds`; the tables' time zone is the session's)."""
    return f"({sql.elapsed_seconds(a, b)} / 3600.0)"


@dataclass(frozen=True)
class Context:
    """The tickets' columns and the options one computation runs with."""

    columns: set
    by: list
    sla: Mapping | None
    as_of: pd.Timestamp | None
    repeat_days: int
    sl: float  # service level threshold in seconds
    economics: Mapping
    unit: str = "day"  # day, week, month or all
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    stat: str = "median"  # of durations
    definitions: Mapping = field(default_factory=dict)  # over DEFINITIONS
    clock: WallClock | None = None  # the tables' zone and its offset changes over their span

    def hours(self, a: str, b: str) -> str:
        """SQL of the hours elapsed from ``a`` to ``b``: :func:`hours`, or the same figure
        faster through the offset changes of ``clock``."""
        return f"({self.clock.seconds(a, b)} / 3600.0)" if self.clock else hours(a, b)

    def definition(self, key: str):
        """A contact-centre definition: the one given, else the default of :data:`DEFINITIONS`."""
        return self.definitions.get(key, DEFINITIONS[key])

    @property
    def handled(self) -> str:
        """Not an abandoned queue contact."""
        return "NOT coalesce(abandoned, FALSE)" if "abandoned" in self.columns else "TRUE"

    @property
    def counts(self) -> str:
        """A status that may count as a resolution (not a duplicate, cancelled…)."""
        if "status" not in self.columns:
            return "TRUE"
        return (
            f"status IS NULL OR status NOT IN ({', '.join(sql.quote(s) for s in NOT_RESOLUTIONS)})"
        )

    @property
    def resolved(self) -> str:
        """A handled ticket resolved with a status that counts."""
        if "resolved_at" not in self.columns:
            return "FALSE"
        return f"resolved_at IS NOT NULL AND ({self.handled}) AND ({self.counts})"

    @property
    def offered(self) -> str:
        """A contact offered to a queue: answered or abandoned."""
        offered = "abandoned IS NOT NULL"
        if "channel" in self.columns:
            offered += f" AND channel IN ({', '.join(sql.quote(c) for c in QUEUE_CHANNELS)})"
        return offered

    @property
    def queue(self) -> str:
        """A contact offered to a queue, short abandons left out (without wait times none is short)."""
        limit = float(self.definition("short_abandon_seconds"))
        if "wait_seconds" not in self.columns or limit <= 0:
            return self.offered
        return f"{self.offered} AND NOT (abandoned AND coalesce(wait_seconds, 0) < {limit!r})"

    @property
    def sl_offered(self) -> str:
        """The contacts service level is over (``service_level_over``)."""
        return self.offered if self.definition("service_level_over") == "offered" else self.queue

    @property
    def as_of_sql(self) -> str:
        """SQL of when the data was extracted (NULL when unknown)."""
        return f"TIMESTAMP '{self.as_of.isoformat(sep=' ')}'" if self.as_of is not None else "NULL"

    def render(self, text: Sql) -> str:
        """SQL of a KPI definition's field: a function of the context, or text whose
        ``{handled}``, ``{counts}``, ``{resolved}``, ``{offered}``, ``{queue}``,
        ``{sl_offered}`` and ``{service_level_seconds}`` are filled in."""
        if callable(text):
            return text(self)
        return text.format(
            handled=self.handled,
            counts=self.counts,
            resolved=self.resolved,
            offered=self.offered,
            queue=self.queue,
            sl_offered=self.sl_offered,
            service_level_seconds=self.sl,
        )
