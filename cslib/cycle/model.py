"""The cycle file (``cycle.yaml``): one improvement cycle as a validated model.

The file is the plan in machine-readable form: what the strategy serves, where
the data is, the baseline and review periods, the change and its roll-out, SLA
targets, SMART objectives, stakeholders, risks, actions and economics. Every
date is ISO (``2026-04-01``); unknown keys are errors naming their path.

Examples
--------
>>> from cslib.cycle.model import parse_cycle
>>> cycle = parse_cycle({"title": "Faster replies", "data": {"tickets": "tickets.csv"},
...                      "periods": {"baseline": {"start": "2026-01-01", "end": "2026-03-31"},
...                                  "review": {"start": "2026-04-01", "end": "2026-06-30"}},
...                      "change": {"date": "2026-04-01"}})
>>> cycle.change.date.isoformat(), cycle.table("tickets").path
('2026-04-01', 'tickets.csv')
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cslib._yamlfile import check_zone, problems_of, read_yaml
from cslib.cycle.standard_objectives import standard_problems
from cslib.data import database
from cslib.data import tables as io
from cslib.data.schema import SCHEMAS
from cslib.errors import ConfigError, Problem
from cslib.metrics.context import DEFINITIONS, SERVICE_LEVEL_OVER
from cslib.metrics.engine import REGISTRY
from cslib.metrics.standards import OVERALL, PREFIX, is_standard


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Goal(_Model):
    id: str
    text: str


class Organisation(_Model):
    name: str | None = None
    mission: str | None = None
    values: list[str] = []
    goals: list[Goal] = []


class TableSource(_Model):
    """Where one table is and how to read it: a file's ``path``, or a database ``url`` with a ``query`` or ``table``."""

    path: str | None = None
    url: str | None = Field(
        None,
        description="a database: postgresql://user@host/db or sqlite:///file.db; ${NAME} takes the environment variable NAME",
    )
    query: str | None = Field(None, description="the SQL that returns the table (with url)")
    table: str | None = Field(None, description="a database table or view read whole (with url)")
    columns: dict[str, str] = Field(
        default_factory=dict, description="contract column → source column"
    )
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int = Field(1, ge=1)
    date_format: str | None = None
    adapter: str | None = Field(
        None,
        description="a built-in mapping: zendesk, freshdesk, servicenow, 311 (nyc311, baltimore311), cfpb, call_log, qa_export",
    )
    mapping: str | dict[str, Any] | None = Field(
        None,
        description="a mapping file (relative to the cycle file) or an inline mapping; see cslib.data.adapters.model",
    )
    join: dict[str, str] = Field(
        default_factory=dict,
        description="files of the mapping's joins, e.g. {metrics: ticket_metrics.csv}",
    )

    @model_validator(mode="after")
    def _one_source(self):
        if (self.path is None) == (self.url is None):
            raise ValueError("give a file's path or a database url, one of them")
        if self.url is None and (self.query or self.table):
            raise ValueError("query and table read a database: give its url too")
        if self.url is not None:
            problem = database.url_problem(self.url, self.query, self.table)
            file_only = [k for k in ("encoding", "delimiter", "sheet", "join") if getattr(self, k)]
            if problem is None and file_only:
                problem = f"{', '.join(file_only)} only apply to files, not to a database url"
            if problem:
                raise ValueError(problem)
        return self


class Scope(_Model):
    teams: list[str] = []
    channels: list[str] = []
    segments: list[str] = []


class Window(_Model):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Periods(_Model):
    baseline: Window
    review: Window

    @model_validator(mode="after")
    def _baseline_first(self):
        if self.review.start <= self.baseline.end:
            raise ValueError(
                f"the review period starts ({self.review.start}) before the baseline ends ({self.baseline.end}); the two must not overlap"
            )
        return self


class Change(_Model):
    date: dt.date
    name: str | None = None
    description: str | None = None
    course: str | None = Field(
        None,
        description="the training course the change brings in (as named in the training records); the Do follows its completions and the Check compares the criteria its agents failed before and after it",
    )


class SlaTarget(_Model):
    by: Literal["channel", "priority"] | None = None
    hours: float | dict[str, float]

    @field_validator("hours")
    @classmethod
    def _positive(cls, v):
        values = v.values() if isinstance(v, dict) else [v]
        if any(h <= 0 for h in values):
            raise ValueError("SLA targets must be positive numbers of hours")
        return v


class Sla(_Model):
    response: SlaTarget | None = None
    resolution: SlaTarget | None = None
    service_level_seconds: float = Field(20, gt=0)


class Definitions(_Model):
    """Contact-centre definitions the queue KPIs are computed with (see ``cslib.metrics.glossary``)."""

    short_abandon_seconds: float = Field(
        DEFINITIONS["short_abandon_seconds"],
        ge=0,
        description="abandons with a shorter wait are left out of abandonment (and of service level unless service_level_over is offered); 0 keeps every abandon. Default 5 s, as in the KPI reference notes; contact-centre systems commonly use 5-10 s",
    )
    service_level_over: Literal[SERVICE_LEVEL_OVER] = Field(  # type: ignore[valid-type]
        DEFINITIONS["service_level_over"],
        description="the denominator of service level: offered contacts less short abandons, or all offered contacts",
    )


class Objective(_Model):
    id: str
    kpi: str = Field(
        description="a registered KPI (fcr, csat…), or a service standard from the evaluations: "
        "standard:<criterion> (compliance with a criterion the scorecard declares) or "
        "standard:overall (the mean evaluation score)"
    )
    statistic: Literal["median", "mean", "p90"] | None = None
    segment: dict[str, str] | None = None
    direction: Literal["increase", "decrease"]
    target: float | None = None
    deadline: dt.date | None = None
    owner: str | None = None
    links_to: str | None = None
    description: str | None = None

    @field_validator("kpi")
    @classmethod
    def _known(cls, v):
        if v not in REGISTRY and not is_standard(v):
            raise ValueError(
                f"unknown KPI {v!r}; use one of: {', '.join(REGISTRY)}, "
                f"or {PREFIX}<criterion> / {PREFIX}{OVERALL} for a service standard"
            )
        return v


class Stakeholder(_Model):
    group: str
    how: str | None = None
    when: dt.date | None = None
    learned: str | None = None


class Risk(_Model):
    risk: str
    likelihood: Annotated[int, Field(ge=1, le=5)]
    impact: Annotated[int, Field(ge=1, le=5)]
    mitigation: str | None = None
    contingency: str | None = None
    owner: str | None = None


class Action(_Model):
    action: str
    owner: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    resources: str | None = None
    cost: float | None = Field(None, ge=0)
    status: Literal["planned", "in progress", "done", "dropped"] = "planned"
    communication: bool = False


class Economics(_Model):
    currency: str = "GBP"
    cost_per_contact: float | None = Field(None, ge=0)
    hourly_cost: float | None = Field(None, ge=0)
    retained_customer_value: float | None = Field(None, ge=0)


class Privacy(_Model):
    key: str | None = Field(
        None, description="pseudonym key (the CSLIB_PSEUDONYM_KEY environment variable wins)"
    )
    identifiers: list[str] = ["customer_id"]


class Criterion(_Model):
    """One standard of the scorecard: what is scored, its RATER dimension and weight."""

    criterion: str
    dimension: str | None = Field(
        None, description="tangibles, reliability, responsiveness, assurance or empathy"
    )
    weight: float = Field(1.0, gt=0)
    critical: bool = Field(False, description="failing it fails the whole evaluation")
    standard: str | None = Field(None, description="the service standard the criterion measures")
    scorecard: str | None = Field(
        None, description="the form it belongs to, when there are several"
    )

    @field_validator("dimension")
    @classmethod
    def _rater(cls, v):
        allowed = SCHEMAS["evaluations"]["dimension"].allowed
        if v is not None and v.lower() not in allowed:
            raise ValueError(f"unknown dimension {v!r}; use one of: {', '.join(allowed)}")
        return v.lower() if v is not None else v


class Standards(_Model):
    """Service standards: the scorecard evaluations are scored against, and how compliance is judged."""

    criteria: list[Criterion] = []
    target: float | None = Field(None, gt=0, le=1, description="compliance target, e.g. 0.9")
    pass_mark: float = Field(
        1.0, gt=0, le=1, description="share of max_score at which a scored criterion counts as met"
    )
    margin: float = Field(0.05, gt=0, lt=0.5, description="compliance wanted to ± this share")
    confidence: float = Field(0.95, gt=0, lt=1)

    @model_validator(mode="after")
    def _once_each(self):
        seen = [(c.scorecard, c.criterion) for c in self.criteria]
        twice = sorted({name for form, name in seen if seen.count((form, name)) > 1})
        if twice:
            raise ValueError(f"criteria declared twice: {', '.join(twice)}; declare each once")
        return self

    def scorecard(self) -> list[dict[str, Any]]:
        """The criteria as plain rows, the form the standards analyses take."""
        return [c.model_dump() for c in self.criteria]


class Cycle(_Model):
    """A whole improvement cycle. ``base_dir`` (not in the file) resolves relative paths."""

    title: str
    organisation: Organisation = Organisation()
    timezone: str = "UTC"
    data: dict[str, TableSource]
    scope: Scope = Scope()
    periods: Periods
    change: Change
    rollout: dict[str, dt.date] = {}
    sla: Sla = Sla()
    definitions: Definitions = Definitions()
    objectives: list[Objective] = []
    stakeholders: list[Stakeholder] = []
    risks: list[Risk] = []
    actions: list[Action] = []
    economics: Economics = Economics()
    privacy: Privacy = Privacy()
    standards: Standards = Standards()
    min_responses: int = Field(30, ge=1)
    base_dir: Path = Field(Path("."), exclude=True)

    @field_validator("data", mode="before")
    @classmethod
    def _paths(cls, v):
        if isinstance(v, dict):
            return {k: {"path": s} if isinstance(s, str) else s for k, s in v.items()}
        return v

    @field_validator("data")
    @classmethod
    def _tables(cls, v):
        unknown = [k for k in v if k not in SCHEMAS]
        if unknown:
            raise ValueError(
                f"unknown table {', '.join(unknown)}; tables are: {', '.join(SCHEMAS)}"
            )
        if "tickets" not in v:
            raise ValueError("the tickets table is required")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v):
        return check_zone(v)

    def path(self, table: str) -> Path | database.Query:
        """The file of a table, resolved against the cycle file's folder, or its database query."""
        src = self.data[table]
        if src.url is not None:
            return database.Query(src.url, src.query, src.table, self.base_dir, table)
        p = Path(str(src.path)).expanduser()  # a table without url has a path
        return p if p.is_absolute() else self.base_dir / p

    def table(self, table: str) -> TableSource:
        return self.data[table]

    def read_options(self, table: str) -> io.ReadOptions:
        src = self.data[table]
        from cslib.data.adapters import resolve

        mapping = resolve(
            table,
            adapter=src.adapter,
            mapping=src.mapping,
            columns=src.columns,
            date_format=src.date_format,
            join=src.join,
            base_dir=self.base_dir,
        )
        if mapping is not None:  # the mapping carries the renames and the date formats
            return io.ReadOptions(
                timezone=self.timezone,
                encoding=src.encoding,
                delimiter=src.delimiter,
                sheet=src.sheet,
                header_row=src.header_row,
                mapping=mapping,
            )
        return io.ReadOptions(
            timezone=self.timezone,
            columns=tuple(src.columns.items()),
            encoding=src.encoding,
            delimiter=src.delimiter,
            sheet=src.sheet,
            header_row=src.header_row,
            date_format=src.date_format,
        )

    def sla_spec(self) -> dict[str, Any]:
        """The SLA section as the plain mapping :func:`cslib.metrics.engine.compute` takes."""
        return self.sla.model_dump()

    def queue_definitions(self) -> dict[str, Any]:
        """The service-level threshold and contact-centre definitions, as the KPI functions take them."""
        return {
            "service_level_seconds": self.sla.service_level_seconds,
            "definitions": self.definitions.model_dump(),
        }

    def treated_teams(self) -> list[str]:
        return list(self.rollout)

    def standard_kpis(self) -> list[str]:
        """The standards' KPIs the cycle can set objectives on: one per declared criterion and
        the overall quality score, when it has an evaluations table."""
        if "evaluations" not in self.data:
            return []
        names = [f"{PREFIX}{c.criterion}" for c in self.standards.criteria]
        return list(dict.fromkeys([*names, f"{PREFIX}{OVERALL}"]))


#: stand-ins for the required keys of a cycle file, to read its tables when those keys are missing or have problems
STAND_INS = {
    "title": "(the cycle file's title has a problem)",
    "periods": {
        "baseline": {"start": "1900-01-01", "end": "1900-01-01"},
        "review": {"start": "1900-01-02", "end": "1900-01-02"},
    },
    "change": {"date": "1900-01-02"},
}


def parse_cycle(raw: object, *, source: str = "cycle file", base_dir: str | Path = ".") -> Cycle:
    """Validate a cycle given as a mapping (the parsed YAML)."""
    if not isinstance(raw, dict):
        raise ConfigError(
            Problem(
                "the cycle file must be a mapping of keys (title:, data:, periods: …)", file=source
            )
        )
    try:
        cycle = Cycle.model_validate({**raw, "base_dir": Path(base_dir)})
    except ValidationError as err:
        problems = problems_of(err, source)
        raise ConfigError([*problems, *standard_problems(raw, source)], where=source) from None
    problems = standard_problems(raw, source)
    if problems:
        raise ConfigError(problems, where=source)
    return cycle


def load_cycle(path: str | Path) -> Cycle:
    """Read and validate a cycle file.

    Raises
    ------
    ConfigError
        Naming the key path of every problem and how to fix it.
    """
    path = Path(path)
    return parse_cycle(read_yaml(path), source=str(path), base_dir=path.parent)


def validate_cycle(path: str | Path) -> tuple[Cycle, list[Problem]]:
    """Check a cycle file and every table it names; return the cycle and all problems found.

    Raises ConfigError when the cycle file itself is invalid (nothing else can be checked).
    """
    cycle = load_cycle(path)
    found = check_tables(cycle, source=str(path))
    return cycle, [problem for problems in found.values() for problem in problems]


def check_tables(cycle: Cycle, *, source: str) -> dict[str, list[Problem]]:
    """Every problem of each table the cycle names (each one read and checked, whatever the others
    hold), and under ``objectives`` those whose KPI the tickets cannot give; ``source`` names the cycle file."""
    from cslib.metrics.engine import availability

    found: dict[str, list[Problem]] = {}
    columns: dict[str, list[str]] = {}
    for table in cycle.data:
        try:
            con = io.connect()
            found[table] = io.check_table(
                cycle.path(table), table, opts=cycle.read_options(table), con=con
            )
            columns[table] = [c for c in con.table("raw").columns if c != "_row"]
            con.close()
        except (ConfigError, io.DataError) as err:  # a mapping file's problem too: go on
            found[table] = err.problems
    problems = found.setdefault("objectives", [])
    if "tickets" in columns and cycle.objectives:
        avail = availability(
            columns["tickets"],
            sla=cycle.sla_spec(),
            complaints="complaints" in cycle.data,
            economics=cycle.economics.model_dump(),
            evaluations="evaluations" in cycle.data,
            standards=[o.kpi for o in cycle.objectives if is_standard(o.kpi)],
        )
        for i, obj in enumerate(cycle.objectives):
            row = avail[avail.kpi == obj.kpi].iloc[0]
            if not row.available:
                problems.append(
                    Problem(
                        f"objective {obj.id}: KPI '{obj.kpi}' cannot be computed: missing {row.missing}",
                        file=f"{source}: objectives[{i}].kpi",
                        fix="add the missing data or choose a KPI the data supports",
                    )
                )
    return found
