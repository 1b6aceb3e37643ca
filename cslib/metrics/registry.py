"""The KPI registry: every KPI defined once (``docs/reference/kpis.md`` is written from it).

Each entry of :data:`REGISTRY` gives what a KPI means (label, unit, better
direction, definition), what it needs (ticket columns, SLA targets, a
complaints table, economics) and how it reads a ticket: its per-ticket
``value`` and which tickets count (``among``), as SQL over the tickets' view.
Its ``kind`` says how the values aggregate (see :mod:`cslib.metrics.aggregate`).
:func:`availability` tells which KPIs given columns and inputs allow.

Examples
--------
>>> REGISTRY["fcr"].better, REGISTRY["fcr"].kind
('higher', 'proportion')
>>> availability(["created_at", "resolved_at"]).set_index("kpi").loc["fcr", "missing"]
'contacts or reopens'
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from cslib.metrics._ticket_sql import (
    _answered,
    _contacts,
    _cost,
    _first_contact,
    _repeated,
    _resolution_due,
    _resolution_met,
    _response_due,
    _response_met,
    _window_over,
)
from cslib.metrics.context import DEFINITIONS, Sql
from cslib.metrics.sla import missing_target
from cslib.metrics.standards import standard_fields


@dataclass(frozen=True)
class KPI:
    """A registered KPI: what it means, what it needs and how it reads a ticket."""

    name: str
    label: str
    unit: str
    better: str | None  # "higher", "lower" or None (context only)
    requires: tuple[str, ...]
    kind: str  # count, duration, proportion, mean, score, stock, rate
    definition: str
    source: str  # where the definition comes from
    needs: tuple[
        str, ...
    ] = ()  # other inputs: "sla.response", "complaints", "economics", "evaluations"
    requires_any: tuple[str, ...] = ()  # columns of which at least one is needed
    value: Sql | None = None  # per ticket: a number, or a condition for proportions
    among: Sql | None = None  # which tickets count (the denominator)
    weight: Sql | None = None  # a mean per unit of this (sum of values ÷ sum of weights)
    column: Sql | None = None  # an extra windowed column ``value`` reads
    uses_as_of: bool = False  # depends on when the data was extracted
    survey: bool = False  # flagged in ``<kpi>_few`` below ``min_responses`` answers

    @property
    def positive(self) -> bool:
        """Whether the KPI cannot be negative: every kind but a score (NPS runs −100…100).

        Effects on such a KPI are ratios (:func:`cslib.stats.impact.verdict`), so
        its level expected without a change stays above 0.
        """
        return self.kind != "score"

    @property
    def end(self) -> str | None:
        """A duration's end timestamp (``resolved_at``…): a ticket without one is still open."""
        return self.requires[-1] if self.kind == "duration" else None


class Registry(dict):
    """The registered KPIs by name; looking up ``standard:<criterion>`` or ``standard:overall``
    gives the KPI of a service standard (see :mod:`cslib.metrics.standards`), which iterating
    and ``in`` leave out: there is one per criterion a scorecard declares.

    >>> REGISTRY["standard:greeting"].kind, "standard:greeting" in REGISTRY
    ('proportion', False)
    """

    def __missing__(self, name: str) -> KPI:
        fields = standard_fields(name)
        if fields is None:
            raise KeyError(name)
        return KPI(**fields)


# ------------------------------------------------- SQL that depends on the context


# -------------------------------------------------------------------- registry

REGISTRY: dict[str, KPI] = Registry(
    (k.name, k)
    for k in (
        KPI(
            name="volume",
            label="Tickets",
            unit="tickets",
            better=None,
            requires=("created_at",),
            kind="count",
            definition="tickets created in the period",
            source="Zendesk ticket metrics (tickets created)",
        ),
        KPI(
            name="first_response_hours",
            label="First response time",
            unit="hours",
            better="lower",
            requires=("created_at", "first_response_at"),
            kind="duration",
            definition="first_response_at − created_at per answered ticket",
            source="Zendesk ticket metrics: first reply time",
            value=lambda ctx: ctx.hours("created_at", "first_response_at"),
            among="first_response_at IS NOT NULL AND {handled}",
        ),
        KPI(
            name="resolution_hours",
            label="Resolution time",
            unit="hours",
            better="lower",
            requires=("created_at", "resolved_at"),
            kind="duration",
            definition="resolved_at − created_at per resolved ticket",
            source="Zendesk ticket metrics: full resolution time",
            value=lambda ctx: ctx.hours("created_at", "resolved_at"),
            among="{resolved}",
        ),
        KPI(
            name="sla_response_met",
            label="First responses within SLA",
            unit="share",
            better="higher",
            requires=("created_at", "first_response_at"),
            kind="proportion",
            definition="first response within the SLA target; unanswered past the target count as missed",
            source="SLA policy targets (Zendesk SLA metric: first reply time), per channel or priority",
            needs=("sla.response",),
            value=_response_met,
            among=_response_due,
            uses_as_of=True,
        ),
        KPI(
            name="sla_resolution_met",
            label="Resolutions within SLA",
            unit="share",
            better="higher",
            requires=("created_at", "resolved_at"),
            kind="proportion",
            definition="resolved within the SLA target (or by sla_due_at, or the source's sla_met flag); unresolved past the target count as missed",
            source="SLA policy targets per channel or priority; the source system's sla_due_at or sla_met where given",
            needs=("sla.resolution",),
            value=_resolution_met,
            among=_resolution_due,
            uses_as_of=True,
        ),
        KPI(
            name="fcr",
            label="First contact resolution",
            unit="share",
            better="higher",
            requires=("resolved_at",),
            requires_any=("contacts", "reopens"),
            kind="proportion",
            definition="resolved tickets with one contact and no reopen ÷ resolved tickets (without contacts: not reopened and not transferred)",
            source="contact-centre practice (COPC, SQM Group): resolved at the first contact, not reopened",
            value=_first_contact,
            among="{resolved}",
        ),
        KPI(
            name="reopen_rate",
            label="Reopen rate",
            unit="share",
            better="lower",
            requires=("resolved_at", "reopens"),
            kind="proportion",
            definition="resolved tickets reopened at least once ÷ resolved tickets",
            source="Zendesk ticket metrics: reopens",
            value="coalesce(reopens, 0) > 0",
            among="{resolved}",
        ),
        KPI(
            name="backlog",
            label="Backlog",
            unit="tickets",
            better="lower",
            requires=("created_at", "resolved_at"),
            kind="stock",
            definition="tickets open at the end of the period (a duplicate, cancelled or abandoned ticket without a close date is not open)",
            source="contact-centre practice: open tickets at the end of the period",
        ),
        KPI(
            name="aht_seconds",
            label="Average handle time",
            unit="seconds",
            better="lower",
            requires=("handle_seconds",),
            kind="mean",
            definition="mean handle time (talk + hold + wrap) of handled contacts: answered, not abandoned",
            source="contact-centre practice (ICMI, COPC): talk + hold + after-contact work",
            value="handle_seconds",
            among="handle_seconds IS NOT NULL AND {handled}",
        ),
        KPI(
            name="abandon_rate",
            label="Abandonment",
            unit="share",
            better="lower",
            requires=("abandoned",),
            kind="proportion",
            definition="abandoned ÷ offered queue contacts (answered + abandoned); {short_abandons}",
            source="contact-centre practice (ICMI): short abandons excluded",
            value="abandoned",
            among="{queue}",
        ),
        KPI(
            name="service_level",
            label="Service level",
            unit="share",
            better="higher",
            requires=("abandoned", "wait_seconds"),
            kind="proportion",
            definition="answered within {service_level_seconds:g} s ÷ {sl_over}",
            source="contact-centre practice (ICMI): e.g. 80 % answered within 20 s",
            value="NOT abandoned AND wait_seconds <= {service_level_seconds}",
            among="{sl_offered}",
        ),
        KPI(
            name="asa_seconds",
            label="Average speed of answer",
            unit="seconds",
            better="lower",
            requires=("wait_seconds",),
            kind="mean",
            definition="mean queue wait (seconds from queue entry to answer) of answered contacts",
            source="contact-centre practice (ICMI): average speed of answer",
            value="wait_seconds",
            among=_answered,
        ),
        KPI(
            name="csat",
            label="CSAT (top-2-box)",
            unit="share",
            better="higher",
            requires=("csat",),
            kind="proportion",
            definition="ratings of 4 or 5 ÷ ratings received",
            source="top-2-box customer satisfaction on a 1–5 scale",
            value="csat >= 4",
            among="csat IS NOT NULL",
            survey=True,
        ),
        KPI(
            name="nps",
            label="Net Promoter Score",
            unit="points",
            better="higher",
            requires=("nps",),
            kind="score",
            definition="% promoters (9–10) − % detractors (0–6)",
            source="Reichheld (2003), The One Number You Need to Grow, Harvard Business Review",
            value="nps",
            among="nps IS NOT NULL",
            survey=True,
        ),
        KPI(
            name="ces",
            label="Customer effort score",
            unit="points (1–7)",
            better="higher",
            requires=("ces",),
            kind="mean",
            definition="mean 1–7 effort score (7 = made it easy)",
            source="Customer Effort Score 2.0 wording, Dixon, Toman & DeLisi (2013), The Effortless Experience",
            value="ces",
            among="ces IS NOT NULL",
            survey=True,
        ),
        KPI(
            name="complaint_rate",
            label="Complaints per 1,000 tickets",
            unit="per 1,000",
            better="lower",
            requires=("created_at",),
            kind="rate",
            definition="complaints received ÷ tickets created × 1,000",
            source="common practice for monitoring complaint handling (ISO 10002:2018)",
            needs=("complaints",),
        ),
        KPI(
            name="repeat_contact_rate",
            label="Repeat contacts",
            unit="share",
            better="lower",
            requires=("customer_id", "category"),
            kind="proportion",
            definition="tickets followed by another ticket of the same customer and category within N days ÷ tickets",
            source="contact-centre practice: repeat contacts within N days (default 7)",
            value="_repeat",
            among=_window_over,
            column=_repeated,
            uses_as_of=True,
        ),
        KPI(
            name="cost_per_contact",
            label="Cost per contact",
            unit="currency",
            better="lower",
            requires=("handle_seconds",),
            kind="mean",
            definition="handle hours × hourly cost ÷ contacts handled",
            source="contact-centre practice (ICMI, COPC): cost ÷ contacts handled",
            needs=("economics",),
            value=_cost,
            among="handle_seconds IS NOT NULL AND {handled}",
            weight=_contacts,
        ),
    )
)


# ---------------------------------------------------------------- availability


def _missing_input(
    need: str,
    columns: Collection[str],
    sla: Mapping | None,
    complaints: bool,
    economics: Mapping | None,
    evaluations: bool = False,
) -> str | None:
    """What is missing of an input other than ticket columns, or None."""
    if need.startswith("sla."):
        return missing_target(sla, need.split(".")[1], columns)
    if need == "complaints" and not complaints:
        return "a complaints table"
    if need == "economics" and not (economics and economics.get("hourly_cost")):
        return "economics.hourly_cost"
    if need == "evaluations" and not evaluations:
        return "an evaluations table"
    return None


def availability(
    columns: Sequence[str],
    *,
    sla: Mapping | None = None,
    complaints: bool = False,
    economics: Mapping | None = None,
    evaluations: bool = False,
    standards: Sequence[str] = (),
) -> pd.DataFrame:
    """Which KPIs the given ticket columns (and other inputs) allow.

    ``evaluations`` says whether there is an evaluations table; ``standards`` names the
    standard KPIs to list after the registered ones (``standard:<criterion>``…).

    Returns
    -------
    DataFrame
        One row per registered KPI (and standard KPI): ``kpi``, ``label``, ``available``
        (bool), ``missing`` (what is missing, as text; empty when available).
    """
    have = set(columns)
    rows = []
    for k in [*REGISTRY.values(), *(REGISTRY[s] for s in dict.fromkeys(standards))]:
        missing = [c for c in k.requires if c not in have]
        if k.requires_any and not (set(k.requires_any) & have):
            missing.append(" or ".join(k.requires_any))
        for need in k.needs:
            gap = _missing_input(need, have, sla, complaints, economics, evaluations)
            if gap:
                missing.append(gap)
        rows.append(
            {
                "kpi": k.name,
                "label": k.label,
                "available": not missing,
                "missing": ", ".join(missing),
            }
        )
    return pd.DataFrame(rows)


def glossary(definitions: Mapping | None = None, service_level_seconds: float = 20) -> pd.DataFrame:
    """Each KPI's definition as computed with these contact-centre ``definitions``.

    Returns
    -------
    DataFrame
        ``kpi``, ``label``, ``unit``, ``definition``.

    Examples
    --------
    >>> g = glossary({"short_abandon_seconds": 0}).set_index("kpi")
    >>> g.loc["abandon_rate", "definition"]
    'abandoned ÷ offered queue contacts (answered + abandoned); every abandoned contact counts, however short'
    >>> g.loc["service_level", "definition"]
    'answered within 20 s ÷ offered queue contacts'
    """
    d = {**DEFINITIONS, **(definitions or {})}
    limit = float(d["short_abandon_seconds"])
    short = (
        f"abandons within {limit:g} s (short abandons) excluded from both"
        if limit > 0
        else "every abandoned contact counts, however short"
    )
    over = "offered queue contacts"
    if limit > 0 and d["service_level_over"] != "offered":
        over += f" less abandons within {limit:g} s"
    fill = {
        "short_abandons": short,
        "service_level_seconds": service_level_seconds,
        "sl_over": over,
    }
    return pd.DataFrame(
        [
            {
                "kpi": k.name,
                "label": k.label,
                "unit": k.unit,
                "definition": k.definition.format(**fill),
            }
            for k in REGISTRY.values()
        ]
    )
