"""How the registry's KPIs read a ticket, as SQL fragments over the tickets' view.

Each function takes the query's :class:`~cslib.metrics.context.Context` (the
columns present, SLA targets, definitions, the data's end) and returns SQL.
"""

from __future__ import annotations

from cslib.data.sql import plus_seconds
from cslib.metrics.context import Context
from cslib.metrics.sla import sla_targets, target_sql


def _response_target(ctx: Context) -> str:
    targets = sla_targets(ctx.sla, "response")
    assert targets is not None, "availability leaves the SLA response KPI out without a target"
    return target_sql(targets)


def _response_met(ctx: Context) -> str:
    answered = ctx.hours("created_at", "first_response_at")
    return f"first_response_at IS NOT NULL AND {answered} <= {_response_target(ctx)}"


def _response_due(ctx: Context) -> str:
    """Answered tickets, and unanswered ones already past their target (not those closed as
    duplicate, cancelled…: they are no longer waiting)."""
    target = _response_target(ctx)
    due = f"{ctx.hours('created_at', ctx.as_of_sql)} > {target} AND ({ctx.counts})"
    return f"{ctx.handled} AND {target} IS NOT NULL AND (first_response_at IS NOT NULL OR {due})"


def _resolution_due_at(ctx: Context) -> str:
    """The ticket's own ``sla_due_at`` where given, else creation + the target."""
    targets = sla_targets(ctx.sla, "resolution")
    if targets is None:
        return "sla_due_at" if "sla_due_at" in ctx.columns else "NULL"
    due_at = plus_seconds("created_at", f"{target_sql(targets)} * 3600")
    return f"coalesce(sla_due_at, {due_at})" if "sla_due_at" in ctx.columns else due_at


def _resolution_met(ctx: Context) -> str:
    met = f"resolved_at IS NOT NULL AND resolved_at <= {_resolution_due_at(ctx)}"
    # the source system's own verdict wins where it gave one
    return f"coalesce(sla_met, {met})" if "sla_met" in ctx.columns else met


def _resolution_due(ctx: Context) -> str:
    """Resolved tickets, and open ones already past their due time."""
    due_at = _resolution_due_at(ctx)
    among = f"{due_at} IS NOT NULL AND (resolved_at IS NOT NULL OR {due_at} < {ctx.as_of_sql})"
    if "sla_met" in ctx.columns:
        among = f"(sla_met IS NOT NULL OR ({among}))"
    return f"{ctx.handled} AND ({ctx.counts}) AND {among}"


def _first_contact(ctx: Context) -> str:
    if "contacts" in ctx.columns:
        return "contacts = 1" + (
            " AND coalesce(reopens, 0) = 0" if "reopens" in ctx.columns else ""
        )
    return "coalesce(reopens, 0) = 0" + (
        " AND coalesce(transfers, 0) = 0" if "transfers" in ctx.columns else ""
    )


def _answered(ctx: Context) -> str:
    return "wait_seconds IS NOT NULL" + (
        " AND abandoned = FALSE" if "abandoned" in ctx.columns else ""
    )


def _repeat_window(ctx: Context) -> str:
    return f"created_at + INTERVAL {int(ctx.repeat_days)} DAY"


def _repeated(ctx: Context) -> str:
    """``_repeat``: the customer's next ticket of the category comes within the window."""
    later = (
        "lead(created_at) OVER (PARTITION BY customer_id, category ORDER BY created_at, ticket_id)"
    )
    return f"coalesce({later} <= {_repeat_window(ctx)}, FALSE) AS _repeat"


def _window_over(ctx: Context) -> str:
    """Tickets whose whole repeat window is in the data."""
    return f"customer_id IS NOT NULL AND category IS NOT NULL AND {_repeat_window(ctx)} <= {ctx.as_of_sql}"


def _cost(ctx: Context) -> str:
    return f"handle_seconds / 3600.0 * {float(ctx.economics['hourly_cost'])}"


def _contacts(ctx: Context) -> str:
    return "coalesce(contacts, 1)" if "contacts" in ctx.columns else "1"
