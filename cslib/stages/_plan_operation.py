"""The Plan's view of the operation in the baseline: its segments and the staff its peaks need.

Both cells of the Plan notebook (:func:`cslib.stages.plan.segments`,
:func:`cslib.stages.plan.staffing`) say what thin data cannot show — one channel or
segment, hours in which nobody answered — and carry on.
"""

from __future__ import annotations

import pandas as pd

from cslib.analyses import capacity
from cslib.analyses import segments as segments_module
from cslib.cycle.workbook import Workbook
from cslib.display import Html, Table
from cslib.stages._shared import kpi_settings, objective_label, profile_view


def segments(wb: Workbook) -> Html:
    """Baseline KPIs by customer segment and by channel — every objective's KPI the data allows, then
    the usual ones — with tests of which differ (not one-size-fits-all)."""
    kpis, left_out = _profiled_kpis(wb)
    dims = [d for d in ("segment", "channel") if d in wb.ticket_columns]
    profiles = (
        segments_module.segment_profiles(
            **wb.ticket_scan("baseline"),
            by=dims,
            kpis=kpis,
            settings=kpi_settings(wb),
            validate=False,
        )
        if dims
        else {}
    )
    parts = []
    for dim, profile in profiles.items():
        wb.save(f"segments_by_{dim}", profile.table)
        parts.append(profile_view(wb, profile, dim))
    if not parts:
        return Html.text(
            "The tickets have no segment or channel column: segments cannot be compared."
        )
    return Html.join(*parts, Html.text(*left_out))


def _profiled_kpis(wb: Workbook) -> tuple[list[str], list[str]]:
    """The KPIs of the segment profiles (the objectives' first), and why an objective's KPI is not among them."""
    avail = wb.availability().set_index("kpi")
    wanted = [o.kpi for o in wb.cycle.objectives] + list(segments_module.DEFAULT_KPIS)
    kpis = [
        k for k in dict.fromkeys(wanted) if segments_module.profiled(k) and avail.at[k, "available"]
    ]
    left_out = [
        f"{o.id} ({objective_label(o)}) is not profiled by segment: "
        + (
            "it is counted per period, not measured ticket by ticket."
            if not segments_module.profiled(o.kpi)
            else f"the data lacks {avail.at[o.kpi, 'missing']}."
        )
        for o in wb.cycle.objectives
        if o.kpi not in kpis
    ]
    return kpis, left_out


#: the half-hours of the staffing table shown
STAFFING_ROWS = 8


def staffing(wb: Workbook) -> Html | Table:
    """Peak-hour contingency: agents needed per weekday × hour at the service-level target, from the baseline's own arrivals."""
    needed = {"created_at", "channel", "handle_seconds"}
    if not needed <= set(wb.ticket_columns):
        return Table(
            pd.DataFrame({"note": [f"Staffing needs {', '.join(sorted(needed))} in the tickets."]})
        )
    table = capacity.peak_staffing(
        **wb.ticket_scan("baseline"),
        threshold=wb.cycle.sla.service_level_seconds,
        validate=False,
    )
    wb.save("staffing", table)
    staffed = table[table["agents_typical"].notna()]
    if staffed.empty:
        return Html.text(
            "Staffing cannot be estimated: "
            + (
                "no phone or chat contact in the baseline has a handle time."
                if len(table)
                else "the baseline has no phone or chat contacts, the channels that queue."
            )
        )
    closed = len(table) - len(staffed)
    note = (
        f"{closed} weekday-hour(s) had contacts but none was answered in the whole baseline (the centre closed?): "
        "they are left unstaffed."
        if closed
        else None
    )
    return Html.join(_peak_table(wb, staffed), Html.text(note))


def _peak_table(wb: Workbook, table: pd.DataFrame) -> Table:
    """The half-hours that need most extra agents on a busy day."""
    peaks = table.sort_values(["extra_agents", "calls_peak"], ascending=False).head(STAFFING_ROWS)
    shown = peaks[
        [
            "channel",
            "day",
            "hour",
            "calls_typical",
            "calls_peak",
            "agents_typical",
            "agents_peak",
            "extra_agents",
            "service_level_if_typical",
        ]
    ]
    return Table(
        shown,
        columns={
            "calls_typical": ("calls per half-hour, typical day", ""),
            "calls_peak": ("calls per half-hour, busy day", ""),
            "agents_typical": ("agents, typical day", "count"),
            "agents_peak": ("agents, busy day", "count"),
            "extra_agents": ("extra agents", "count"),
            "service_level_if_typical": ("service level if staffed for a typical day", "share"),
        },
        caption=f"Peak-time contingency (Erlang C, 80 % answered within {wb.cycle.sla.service_level_seconds:g} s): the {STAFFING_ROWS} half-hours that need most extra agents on a busy (90th-percentile) day, and the service level if staffed for a typical day; the full table is saved with the run",
    )
