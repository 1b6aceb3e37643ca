"""The mapping file format: how a real export (Zendesk, Freshdesk, ServiceNow, 311, CFPB, anything) maps onto the data contract.

An adapter is a *mapping*: which source column gives each contract column, how
source labels translate into the contract's vocabularies, how dates are written,
which columns are derived from others, and whether the file is an event log to
collapse to one row per ticket. The built-in adapters
(:data:`cslib.data.adapters.catalog.BUILTIN`) are mapping files in this format
(``cslib/data/adapters/builtin/*.yaml``), so any other export maps without code.

A mapping file (YAML; every key optional except ``columns``)::

    name: Acme helpdesk export
    table: tickets                  # the contract table it maps onto
    columns:                        # contract column: source column (a list = candidates, first present wins)
      ticket_id: Case Number
      created_at: [Opened, Created Date]
      resolved_at: Closed
      status: State
      channel: Origin
      sla_due_at: Due
    missing: ["?", "N/A", "-"]      # source values that mean "no value", in every column
    # or per column (contract or source column; all: every column):
    # missing: {all: ["?"], customer_id: ["0", "ANONYMOUS"]}
    constants: {channel: phone}     # a contract column with one value on every row
    drop:                           # rows to leave out, each with its reason (counted by `cslib validate`)
      - {reason: test calls, where: {customer_id: [TEST, "999"]}}
      - {reason: before the new phone system, where: {created_at: {before: 2026-01-01}}}
    tolerance: {negative_seconds: 5}   # durations at most this far below zero are zeroed (and counted)
    allow_same_source: [category, journey_stage]   # contract columns that may share one source column
    dates:
      format: "%d/%m/%Y %H:%M"      # or a list, tried in turn; default: ISO 8601
      columns: {sla_due_at: "%d/%m/%Y"}   # per contract column
      timezone: America/New_York    # zone of naive source timestamps (default: the cycle's)
    numbers: {thousands: ",", decimal: "."}
    values:                         # source label (case-insensitive) → contract value
      status:
        map: {Solved: resolved, "Closed (Duplicate)": duplicate, Spam: ~}
        default: open               # labels not listed; without a default they are errors
      channel: {map: {Web Form: web, Phone: phone}}
    derived:                        # fill contract columns no source column gives
      sla_met: {on_or_before: [resolved_at, sla_due_at]}
      first_response_at: {add_minutes: [created_at, First reply time in minutes]}
    events: {key: number, last_by: [sys_mod_count]}   # an event log: keep the last event per key
    joins:                          # other exports of the same tickets, one row per key kept
      metrics: {on: Id, key: ticket_id, last_by: [updated_at], path: ticket_metrics.csv}
    duplicate_columns: [category]   # names the header repeats (the second is read as category_1)
    criteria:                       # evaluations: one column per criterion (cslib.data.adapters.criteria)
      columns: {Greeting: greeting, Empathy (0-5): empathy}
      max_score: {greeting: 1, empathy: 5}
    strict: true                    # named source columns must exist (built-in adapters: false)

Derived operations (arguments name contract columns already mapped, or source
columns; ``joined.col`` names a column of a join):
``on_or_before: [a, b]`` (true when a ≤ b), ``equals: [col, label, …]``,
``add_seconds|add_minutes|add_hours|add_days: [timestamp, number]``,
``seconds_from_minutes|seconds_from_hours: [number]``, ``minus: [number, number]``,
``coalesce: [a, b, …]`` (first value present), ``concat: [a, b, …]`` (joined
with `` / ``) and ``seconds_between: [start, end, …]`` (seconds from ``start`` to
the first of the later timestamps that has a value).

Every key, with examples: ``docs/mapping.md``; the JSON Schema of the format:
:func:`cslib.data.adapters.json_schema.mapping_schema`.

Examples
--------
>>> m = parse_mapping({"columns": {"ticket_id": "Id", "created_at": "Opened", "channel": "Via"},
...                    "values": {"channel": {"map": {"Web Form": "web"}}}})
>>> m.columns["created_at"], m.values["channel"].map
(['Opened'], {'web form': 'web'})
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cslib.data.adapters.criteria import Criteria, contract_columns
from cslib.data.schema import SCHEMAS
from cslib.errors import ConfigError, Problem


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def as_names(v: Any) -> list[str]:
    """One name or a list of names (candidates) as a list of strings."""
    if v is None:
        return []
    if isinstance(v, str | int | float):
        return [str(v)]
    return [str(x) for x in v]


class ValueMap(_M):
    """Source label → contract value; labels are matched trimmed and case-insensitively."""

    map: dict[str, Any] = {}
    default: Any = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v):
        if isinstance(v, dict) and not set(v) <= {"map", "default"}:
            return {"map": v}
        return v

    @field_validator("map", mode="before")
    @classmethod
    def _keys(cls, v):
        return {str(k).strip().lower(): x for k, x in (v or {}).items()}

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set


class Dates(_M):
    format: list[str] = []
    columns: dict[str, list[str]] = {}
    timezone: str | None = None

    @field_validator("format", mode="before")
    @classmethod
    def _fmt(cls, v):
        return as_names(v)

    @field_validator("columns", mode="before")
    @classmethod
    def _cols(cls, v):
        return {k: as_names(x) for k, x in (v or {}).items()}

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v):
        from cslib._yamlfile import check_zone

        return check_zone(v)


class Numbers(_M):
    thousands: str | None = None
    decimal: str = "."


class Events(_M):
    key: list[str]
    last_by: list[str] = []

    @field_validator("key", "last_by", mode="before")
    @classmethod
    def _list(cls, v):
        return as_names(v)


class Join(_M):
    on: list[str]
    key: list[str]
    last_by: list[str] = []
    path: str | None = None

    @field_validator("on", "key", "last_by", mode="before")
    @classmethod
    def _list(cls, v):
        return as_names(v)


#: derived operations: name → (kind of each argument, kind of the result)
OPS: dict[str, tuple[str, str]] = {
    "on_or_before": ("timestamp", "bool"),
    "equals": ("text", "bool"),
    "add_seconds": ("timestamp", "timestamp"),
    "add_minutes": ("timestamp", "timestamp"),
    "add_hours": ("timestamp", "timestamp"),
    "add_days": ("timestamp", "timestamp"),
    "seconds_from_minutes": ("number", "number"),
    "seconds_from_hours": ("number", "number"),
    "minus": ("number", "number"),
    "coalesce": ("text", "text"),
    "concat": ("text", "text"),
    "seconds_between": ("timestamp", "number"),
}

#: conditions of a ``drop`` rule on one column, besides a list of labels
CONDITIONS = ("before", "after", "below", "above", "empty")


class Condition(_M):
    """When a column's value drops its row: earlier than ``before``, later than ``after``
    (a date alone means the whole day), a number ``below`` or ``above`` a limit, or ``empty``."""

    before: dt.datetime | None = None
    after: dt.datetime | None = None
    below: float | None = None
    above: float | None = None
    empty: bool = False
    labels: list[str] = Field([], description="the values (trimmed, any case) that drop the row")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v):
        if isinstance(v, dict):
            v = dict(v)
            after = v.get("after")
            if isinstance(after, str) and len(after.strip()) == 10:
                with contextlib.suppress(ValueError):  # else pydantic names the bad value
                    after = dt.date.fromisoformat(after.strip())
            if isinstance(after, dt.date) and not isinstance(after, dt.datetime):
                # after a day: from the start of the next one
                v["after"] = dt.datetime.combine(after, dt.time.max)
            return v
        return {"labels": v}

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, v):
        return [str(x).strip().lower() for x in as_names(v)]

    @model_validator(mode="after")
    def _something(self):
        if not (self.model_fields_set & {"before", "after", "below", "above", "empty", "labels"}):
            raise ValueError(
                f"say when the row is dropped: a list of values, or one of {', '.join(CONDITIONS)}"
            )
        return self


class Drop(_M):
    """A row filter: rows meeting every condition of ``where`` are left out, counted under ``reason``."""

    reason: str
    where: dict[str, Condition] = Field(min_length=1)


class Tolerance(_M):
    """Small negative durations, clock skew between systems, zeroed rather than refused."""

    negative_seconds: float = Field(
        0,
        ge=0,
        le=3600,
        description="a duration (wait, handle time, creation to response or resolution) at most this many seconds below zero becomes 0 and is counted; larger ones stay errors",
    )


class Mapping(_M):
    """A validated mapping (see the module docstring for the file format)."""

    name: str = "mapping"
    table: str | None = None
    columns: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    constants: dict[str, Any] = {}
    drop: list[Drop] = []
    tolerance: Tolerance = Tolerance()
    allow_same_source: list[str] = []
    dates: Dates = Dates()
    numbers: Numbers = Numbers()
    values: dict[str, ValueMap] = {}
    derived: dict[str, dict[str, list[Any]]] = {}
    events: Events | None = None
    joins: dict[str, Join] = {}
    duplicate_columns: list[str] = []
    criteria: Criteria | None = None
    strict: bool = True
    description: str | None = None
    base_dir: Path = Field(Path("."), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _criteria(cls, v):
        """Criterion columns fill ``criterion``, the cell's column and ``max_score`` (see :mod:`~cslib.data.adapters.criteria`)."""
        if not isinstance(v, dict) or not isinstance(v.get("criteria"), dict):
            return v
        with contextlib.suppress(ValueError):  # else pydantic names what is wrong with the key
            filled = contract_columns(Criteria.model_validate(v["criteria"]))
            v = {**v, "columns": {**(v.get("columns") or {}), **filled}}
        return v

    @field_validator("columns", mode="before")
    @classmethod
    def _cols(cls, v):
        return {k: as_names(x) for k, x in (v or {}).items()}

    @field_validator("duplicate_columns", "allow_same_source", mode="before")
    @classmethod
    def _list(cls, v):
        return as_names(v)

    @field_validator(
        "missing", mode="before", json_schema_input_type=list[str] | dict[str, list[str] | str]
    )
    @classmethod
    def _missing(cls, v):
        if isinstance(v, dict):
            return {str(k): as_names(x) for k, x in v.items()}
        return {"all": as_names(v)} if v else {}

    def missing_in(self, *columns: str) -> list[str]:
        """The markers of "no value" in these columns (contract or source names), every column's included."""
        return list(dict.fromkeys(x for c in ("all", *columns) for x in self.missing.get(c, [])))

    @field_validator("derived", mode="before")
    @classmethod
    def _ops(cls, v):
        out = {}
        for col, spec in (v or {}).items():
            if not isinstance(spec, dict) or len(spec) != 1:
                raise ValueError(
                    f"derived.{col}: give one operation, e.g. {{on_or_before: [resolved_at, sla_due_at]}}"
                )
            ((op, args),) = spec.items()
            if op not in OPS:
                raise ValueError(
                    f"derived.{col}: unknown operation {op!r}; use one of: {', '.join(OPS)}"
                )
            args = args if isinstance(args, list) else [args]
            if not args:
                raise ValueError(f"derived.{col}: {op} needs arguments")
            if any(isinstance(a, float) and not math.isfinite(a) for a in args):
                raise ValueError(
                    f"derived.{col}: {op} has an argument that is not a finite number (.inf or .nan)"
                )
            out[col] = {op: args}
        return out

    @model_validator(mode="after")
    def _contract(self):
        twice = [c for c in self.constants if c in self.columns or c in self.derived]
        if twice:
            raise ValueError(
                f"constants: {', '.join(twice)} also mapped under columns or derived; give each contract column one source"
            )
        if self.criteria is not None and self.table not in (None, "evaluations"):
            raise ValueError(
                f"criteria: criterion columns fill the evaluations table, not {self.table}"
            )
        if self.table is None:
            return self
        if self.table not in SCHEMAS:
            raise ValueError(f"unknown table {self.table!r}; tables are: {', '.join(SCHEMAS)}")
        schema = SCHEMAS[self.table]
        for section, cols in (
            ("columns", self.columns),
            ("values", self.values),
            ("derived", self.derived),
            ("dates.columns", self.dates.columns),
            ("constants", self.constants),
            ("allow_same_source", self.allow_same_source),
        ):
            unknown = [c for c in cols if c not in schema]
            if unknown:
                raise ValueError(
                    f"{section}: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in the {self.table} contract; its columns are: {', '.join(schema.names)}"
                )
        for col, vm in self.values.items():
            column = schema[col]
            if column.kind != "category":
                continue
            targets = [*vm.map.values(), *([vm.default] if vm.has_default else [])]
            bad = [t for t in targets if t is not None and norm_label(t) not in column.allowed]
            if bad:
                raise ValueError(
                    f"values.{col}: {', '.join(map(repr, bad))} {'is' if len(bad) == 1 else 'are'} not a {col} the contract knows; use one of: {', '.join(column.allowed)} (or ~ for missing)"
                )
        return self

    def for_table(self, table: str) -> Mapping:
        """This mapping checked against ``table``'s contract."""
        if self.table not in (None, table):
            raise ConfigError(
                Problem(
                    f"the mapping {self.name!r} is for the {self.table} table, not {table}",
                    fix=f"use a mapping written for {table}",
                )
            )
        return _validate(
            {**self.model_dump(exclude_unset=True), "table": table, "base_dir": self.base_dir},
            source=self.name,
        )


def norm_label(v: Any) -> str:
    """A label as the contract writes its values: trimmed, lower case, ``_`` for spaces."""
    return str(v).strip().lower().replace(" ", "_")


def _validate(raw: dict, *, source: str) -> Mapping:
    try:
        return Mapping.model_validate(raw)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            key = (
                ".".join(str(p) for p in e["loc"] if p not in ("function-after", "function-before"))
                or "(top level)"
            )
            if e["type"] == "extra_forbidden":
                what, fix = (
                    f"unknown key '{e['loc'][-1]}'",
                    "remove it or correct its spelling (see the mapping file format in cslib.data.adapters.model)",
                )
            else:
                what, fix = e["msg"].removeprefix("Value error, "), "correct the mapping"
            problems.append(Problem(what, file=f"{source}: {key}", fix=fix))
        raise ConfigError(
            problems,
            where=f"the mapping {source}",
        ) from None


def parse_mapping(raw: dict, *, source: str = "mapping", base_dir: str | Path = ".") -> Mapping:
    """Validate a mapping given as a dict (the parsed YAML)."""
    if not isinstance(raw, dict):
        raise ConfigError(
            Problem("a mapping must be a set of keys (columns:, values:, dates: …)", file=source)
        )
    return _validate({**raw, "base_dir": Path(base_dir)}, source=source)


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file (YAML)."""
    from cslib._yamlfile import read_yaml

    path = Path(path)
    raw = read_yaml(
        path,
        what="mapping file",
        fix="give the path of the mapping YAML, relative to the cycle file",
    )
    if isinstance(raw, dict):
        raw.setdefault("name", path.name)  # messages name the file
    return parse_mapping(raw, source=str(path), base_dir=path.parent)


def merge(base: Mapping, extra: Mapping) -> Mapping:
    """``extra`` on top of ``base``: its columns, value labels, formats and derived columns win."""
    # dumps keep only what was set: a value map's default stays absent unless given
    b, e = base.model_dump(exclude_unset=True), extra.model_dump(exclude_unset=True)
    out = dict(b)
    for key in ("columns", "derived", "joins"):
        out[key] = {**b.get(key, {}), **e.get(key, {})}
    out["values"] = dict(b.get("values", {}))
    for col, vm in extra.values.items():
        old = base.values.get(col)
        merged = {"map": {**(old.map if old else {}), **vm.map}}
        if vm.has_default:
            merged["default"] = vm.default
        elif old is not None and old.has_default:
            merged["default"] = old.default
        out["values"][col] = merged
    out["missing"] = {
        c: list(dict.fromkeys([*base.missing.get(c, []), *extra.missing.get(c, [])]))
        for c in {**base.missing, **extra.missing}
    }
    for key in ("duplicate_columns", "allow_same_source"):
        out[key] = list(dict.fromkeys([*b.get(key, []), *e.get(key, [])]))
    # a column given one way on top replaces the other way beneath it
    out["constants"] = {
        **{
            c: v
            for c, v in b.get("constants", {}).items()
            if c not in extra.columns and c not in extra.derived
        },
        **e.get("constants", {}),
    }
    for key in ("columns", "derived"):
        out[key] = {c: v for c, v in out[key].items() if c not in extra.constants}
    out["drop"] = [*b.get("drop", []), *e.get("drop", [])]
    dates = dict(b.get("dates", {}))
    for k, v in e.get("dates", {}).items():
        dates[k] = {**dates.get("columns", {}), **v} if k == "columns" else v
    out["dates"] = dates
    for key in (
        "numbers",
        "events",
        "criteria",
        "strict",
        "table",
        "name",
        "description",
        "tolerance",
    ):
        if key in e:
            out[key] = e[key]
    out["base_dir"] = extra.base_dir
    return _validate(out, source=extra.name)


def path_under(path: str, base: Path) -> Path:
    """``path`` with ``~`` expanded; a relative path starts at the folder ``base``."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else base / p
