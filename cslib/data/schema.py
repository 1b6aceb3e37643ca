"""The data contract: one declared schema per table.

Adapters map every source onto these column names; :mod:`cslib.data.tables` checks a
table against its schema and reports every problem at once.

Column kinds
------------
``id``        text identifier (kept as text even when it looks numeric)
``datetime``  a timestamp; naive values are read in the cycle's time zone
``date``      a calendar date
``int``       whole number (``min``/``max`` give the range)
``float``     number
``bool``      true/false (also 1/0, yes/no)
``category``  text from a fixed vocabulary (``allowed``), matched case-insensitively
``text``      free text

Examples
--------
>>> from cslib.data.schema import SCHEMAS
>>> [c.name for c in SCHEMAS["tickets"].required]
['ticket_id', 'created_at']
>>> SCHEMAS["tickets"]["csat"].max
5
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: the channels the workbook knows; adapters map source labels onto these
CHANNELS = ("email", "chat", "phone", "web", "social", "sms", "walk_in", "letter")
STATUSES = (
    "new",
    "open",
    "pending",
    "on_hold",
    "resolved",
    "closed",
    "abandoned",
    "duplicate",
    "cancelled",
)
#: statuses of tickets that never count as resolved work (see docs/reference/kpis.md)
NOT_RESOLUTIONS = ("abandoned", "duplicate", "cancelled")
PRIORITIES = ("low", "normal", "high", "urgent")


@dataclass(frozen=True)
class Column:
    """One column of a table contract."""

    name: str
    kind: str
    required: bool = False
    allowed: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    unique: bool = False
    description: str = ""


@dataclass(frozen=True)
class Order:
    """Cross-field rule: ``later`` must not be before ``earlier`` when both are present."""

    earlier: str
    later: str


@dataclass(frozen=True)
class OneOf:
    """Row rule: every row gives at least one of ``columns`` (so the file has one of them)."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class Within:
    """Row rule: a row that gives ``column`` gives ``limit`` too, and ``column`` does not exceed it."""

    column: str
    limit: str


@dataclass(frozen=True)
class TableSchema:
    """The contract of one table: its columns and cross-field rules."""

    name: str
    columns: tuple[Column, ...]
    orders: tuple[Order, ...] = ()
    description: str = ""
    key: tuple[str, ...] = field(default=())
    rules: tuple[OneOf | Within, ...] = ()

    def __getitem__(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.columns)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


def _c(name, kind, **kw) -> Column:
    return Column(name, kind, **kw)


TICKETS = TableSchema(
    "tickets",
    (
        _c("ticket_id", "id", required=True, unique=True, description="ticket number"),
        _c("created_at", "datetime", required=True, description="when the customer got in touch"),
        _c("first_response_at", "datetime", description="first reply or answer"),
        _c("resolved_at", "datetime", description="when the ticket was solved or closed"),
        _c("status", "category", allowed=STATUSES),
        _c("channel", "category", allowed=CHANNELS),
        _c("team", "text"),
        _c("agent_id", "id"),
        _c("customer_id", "id"),
        _c("segment", "text", description="customer segment"),
        _c("category", "text", description="contact reason"),
        _c("priority", "category", allowed=PRIORITIES),
        _c("journey_stage", "text"),
        _c("reopens", "int", min=0),
        _c("transfers", "int", min=0, description="reassignments between teams or agents"),
        _c("contacts", "int", min=1, description="customer contacts needed for this issue"),
        _c("handle_seconds", "float", min=0, max=86_400, description="talk + hold + wrap"),
        _c("wait_seconds", "float", min=0, max=86_400, description="queue wait (phone/chat)"),
        _c("abandoned", "bool", description="the customer left the queue before an answer"),
        _c("sla_due_at", "datetime", description="resolution due time set by the source system"),
        _c(
            "sla_met",
            "bool",
            description="the source system's own verdict: resolved within its SLA (ServiceNow made_sla)",
        ),
        _c("csat", "int", min=1, max=5),
        _c("nps", "int", min=0, max=10),
        _c("ces", "int", min=1, max=7),
        _c("comment", "text"),
    ),
    orders=(
        Order("created_at", "first_response_at"),
        Order("created_at", "resolved_at"),
    ),
    key=("ticket_id",),
    description="one row per ticket (case, request, incident)",
)

COMPLAINTS = TableSchema(
    "complaints",
    (
        _c("complaint_id", "id", required=True, unique=True),
        _c("received_at", "datetime", required=True),
        _c("ticket_id", "id"),
        _c("customer_id", "id"),
        _c("channel", "category", allowed=CHANNELS),
        _c("team", "text"),
        _c("category", "text"),
        _c("root_cause", "text"),
        _c("severity", "category", allowed=("low", "medium", "high")),
        _c("acknowledged_at", "datetime"),
        _c("resolved_at", "datetime"),
        _c("outcome", "text"),
        _c("compensation", "float", min=0),
        _c(
            "timely",
            "bool",
            description="answered within the complaint-handling deadline (CFPB 'Timely response?')",
        ),
    ),
    orders=(Order("received_at", "acknowledged_at"), Order("received_at", "resolved_at")),
    key=("complaint_id",),
    description="one row per complaint",
)

SURVEY = TableSchema(
    "survey",
    (
        _c("respondent_id", "id", required=True),
        _c("item", "int", required=True, min=1),
        _c("expectation", "int", required=True, min=1, max=7),
        _c("perception", "int", required=True, min=1, max=7),
        _c("date", "date"),
        _c(
            "dimension",
            "category",
            allowed=("tangibles", "reliability", "responsiveness", "assurance", "empathy"),
        ),
        _c("reversed", "bool"),
        _c("segment", "text"),
    ),
    key=("respondent_id", "item"),
    description="SERVQUAL answers: one row per respondent × item",
)

SURVEY_WEIGHTS = TableSchema(
    "survey_weights",
    (
        _c("respondent_id", "id", required=True),
        _c("dimension", "category", required=True, allowed=SURVEY["dimension"].allowed),
        _c("points", "float", required=True, min=0, max=100),
    ),
    key=("respondent_id", "dimension"),
    description="SERVQUAL importance: 100 points split over the five dimensions",
)

FEEDBACK = TableSchema(
    "feedback",
    (
        _c("feedback_id", "id", required=True, unique=True),
        _c("date", "datetime", required=True),
        _c("text", "text", required=True),
        _c("channel", "category", allowed=CHANNELS),
        _c("team", "text"),
        _c("score", "int", min=0, max=10),
        _c("customer_id", "id"),
        _c("ticket_id", "id"),
    ),
    key=("feedback_id",),
    description="free-text customer comments",
)

TRAINING = TableSchema(
    "training",
    (
        _c("agent_id", "id", required=True),
        _c("course", "text", required=True),
        _c("completed_at", "date", required=True),
        _c("competency", "text"),
        _c("team", "text"),
    ),
    key=("agent_id", "course"),
    description="one row per agent × course completed",
)

AGENTS = TableSchema(
    "agents",
    (
        _c("agent_id", "id", required=True, unique=True),
        _c("team", "text"),
        _c("start_date", "date"),
    ),
    key=("agent_id",),
    description="one row per agent",
)

#: where an evaluation comes from: quality assurance, a paid mystery shopper, a peer, the agent
EVALUATION_SOURCES = ("qa", "mystery_shop", "peer", "self")

EVALUATIONS = TableSchema(
    "evaluations",
    (
        _c(
            "evaluation_id",
            "id",
            required=True,
            description="one evaluation (form) of one interaction",
        ),
        _c("date", "date", required=True, description="when the interaction was evaluated"),
        _c("criterion", "text", required=True, description="the standard scored, e.g. greeting"),
        _c("score", "float", min=0, description="points given (with max_score)"),
        _c("max_score", "float", min=0, description="the most points the criterion can get"),
        _c("met", "bool", description="pass/fail verdict (instead of or beside score)"),
        _c("source", "category", allowed=EVALUATION_SOURCES),
        _c("team", "text"),
        _c("agent_id", "id"),
        _c("channel", "category", allowed=CHANNELS),
        _c("ticket_id", "id", description="the interaction evaluated"),
        _c("evaluator", "id"),
        _c("scorecard", "text", description="the form used"),
        _c(
            "dimension",
            "category",
            allowed=SURVEY["dimension"].allowed,
            description="RATER dimension",
        ),
        _c("critical", "bool", description="failing it fails the whole evaluation"),
        _c("weight", "float", min=0, description="the criterion's weight in the evaluation score"),
    ),
    key=("evaluation_id", "criterion"),
    rules=(OneOf(("score", "met")), Within("score", "max_score")),
    description="quality evaluations and mystery shops: one row per evaluation × criterion",
)

SCHEMAS: dict[str, TableSchema] = {
    s.name: s for s in (TICKETS, COMPLAINTS, SURVEY, SURVEY_WEIGHTS, FEEDBACK, TRAINING, AGENTS)
}
SCHEMAS[EVALUATIONS.name] = EVALUATIONS
