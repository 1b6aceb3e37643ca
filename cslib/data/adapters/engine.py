"""Adapters: map a real export (Zendesk, Freshdesk, ServiceNow, 311, CFPB, anything) onto the data contract.

An adapter is a *mapping*: which source column gives each contract column, how
source labels translate into the contract's vocabularies, how dates are written,
which columns are derived from others, and whether the file is an event log to
collapse to one row per ticket. The built-in adapters (:data:`BUILTIN`) are
mappings written in the same format as a user's mapping file, so any other
export maps without code.

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
    missing: ["?", "N/A", "-"]      # source values that mean "no value"
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
    strict: true                    # named source columns must exist (built-in adapters: false)

Derived operations (arguments name contract columns already mapped, or source
columns; ``joined.col`` names a column of a join):
``on_or_before: [a, b]`` (true when a ≤ b), ``equals: [col, label, …]``,
``add_seconds|add_minutes|add_hours|add_days: [timestamp, number]``,
``seconds_from_minutes|seconds_from_hours: [number]``, ``minus: [number, number]``,
``coalesce: [a, b, …]`` (first value present) and ``concat: [a, b, …]``.

Examples
--------
>>> m = parse_mapping({"columns": {"ticket_id": "Id", "created_at": "Opened", "channel": "Via"},
...                    "values": {"channel": {"map": {"Web Form": "web"}}}})
>>> m.columns["created_at"], m.values["channel"].map
(['Opened'], {'web form': 'web'})
>>> sorted(BUILTIN)
['311', 'baltimore311', 'cfpb', 'freshdesk', 'nyc311', 'servicenow', 'zendesk']
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cslib.data import sql
from cslib.data import tables as io
from cslib.data.schema import SCHEMAS
from cslib.errors import ConfigError, DataError, Problem

# ------------------------------------------------------------------ the format


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _names(v: Any) -> list[str]:
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
        return _names(v)

    @field_validator("columns", mode="before")
    @classmethod
    def _cols(cls, v):
        return {k: _names(x) for k, x in (v or {}).items()}

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
        return _names(v)


class Join(_M):
    on: list[str]
    key: list[str]
    last_by: list[str] = []
    path: str | None = None

    @field_validator("on", "key", "last_by", mode="before")
    @classmethod
    def _list(cls, v):
        return _names(v)


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
}
_UNIT = {
    "add_seconds": 1,
    "add_minutes": 60,
    "add_hours": 3600,
    "add_days": 86400,
    "seconds_from_minutes": 60,
    "seconds_from_hours": 3600,
}


class Mapping(_M):
    """A validated mapping (see the module docstring for the file format)."""

    name: str = "mapping"
    table: str | None = None
    columns: dict[str, list[str]] = {}
    missing: list[str] = []
    dates: Dates = Dates()
    numbers: Numbers = Numbers()
    values: dict[str, ValueMap] = {}
    derived: dict[str, dict[str, list[Any]]] = {}
    events: Events | None = None
    joins: dict[str, Join] = {}
    duplicate_columns: list[str] = []
    strict: bool = True
    description: str | None = None
    base_dir: Path = Field(Path("."), exclude=True)

    @field_validator("columns", mode="before")
    @classmethod
    def _cols(cls, v):
        return {k: _names(x) for k, x in (v or {}).items()}

    @field_validator("missing", "duplicate_columns", mode="before")
    @classmethod
    def _list(cls, v):
        return _names(v)

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
            out[col] = {op: args}
        return out

    @model_validator(mode="after")
    def _contract(self):
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
            bad = [t for t in targets if t is not None and _norm_label(t) not in column.allowed]
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


def _norm_label(v: Any) -> str:
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
                    "remove it or correct its spelling (see the mapping file format in cslib.data.adapters.engine)",
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
    out["missing"] = list(dict.fromkeys([*b.get("missing", []), *e.get("missing", [])]))
    out["duplicate_columns"] = list(
        dict.fromkeys([*b.get("duplicate_columns", []), *e.get("duplicate_columns", [])])
    )
    dates = dict(b.get("dates", {}))
    for k, v in e.get("dates", {}).items():
        dates[k] = {**dates.get("columns", {}), **v} if k == "columns" else v
    out["dates"] = dates
    for key in ("numbers", "events", "strict", "table", "name", "description"):
        if key in e:
            out[key] = e[key]
    out["base_dir"] = extra.base_dir
    return _validate(out, source=extra.name)


def resolve(
    table: str,
    *,
    adapter: str | None = None,
    mapping: str | dict | None = None,
    columns: dict[str, str] | None = None,
    date_format: str | None = None,
    join: dict[str, str] | None = None,
    base_dir: str | Path = ".",
) -> Mapping | None:
    """The mapping a cycle file's table entry asks for (None when it asks for none).

    ``adapter`` names a built-in mapping; ``mapping`` is a mapping file (relative
    to ``base_dir``) or an inline mapping, applied on top of the adapter;
    ``columns`` (contract → source) and ``date_format`` override both; ``join``
    gives the files of the mapping's joins.
    """
    if adapter is None and mapping is None:
        return None
    base_dir = Path(base_dir)
    result: Mapping | None = None
    if adapter is not None:
        key = adapter.strip().lower()
        if key not in BUILTIN:
            raise ConfigError(
                Problem(
                    f"unknown adapter {adapter!r}",
                    fix=f"use one of: {', '.join(sorted(BUILTIN))}, or write a mapping file (mapping: my_export.yaml)",
                )
            )
        result = BUILTIN[key]
    if mapping is not None:
        if isinstance(mapping, dict):
            extra = parse_mapping(mapping, source=f"data.{table}.mapping", base_dir=base_dir)
        else:
            p = Path(mapping).expanduser()
            extra = load_mapping(p if p.is_absolute() else base_dir / p)
        result = extra if result is None else merge(result, extra)
    overrides: dict[str, Any] = {}
    if columns:
        overrides["columns"] = dict(columns)
    if date_format:
        overrides["dates"] = {"format": [date_format, *result.dates.format]}
    if join:
        unknown = [j for j in join if j not in result.joins]
        if unknown:
            raise ConfigError(
                Problem(
                    f"data.{table}.join names {', '.join(unknown)}, which the mapping does not join",
                    fix=f"the joins of {result.name} are: {', '.join(result.joins) or 'none'}",
                )
            )
        overrides["joins"] = {
            name: {**result.joins[name].model_dump(), "path": str(_abs(path, base_dir))}
            for name, path in join.items()
        }
    if overrides:
        result = merge(
            result,
            parse_mapping(
                overrides,
                source=f"data.{table}",
                base_dir=result.base_dir if not mapping else base_dir,
            ),
        )
    return result.for_table(table)


def _abs(path: str, base: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else base / p


# ------------------------------------------------------------------- zip input

_UNZIPPED: dict[tuple, Path] = {}
_TMP: list[Path] = []
#: the largest table a zip may unpack to (protects the disk from zip bombs)
MAX_UNZIPPED = 20 * 2**30


def unzipped(path: Path) -> Path:
    """The one table inside a zip archive, unpacked once per process into a temporary folder."""
    tables = io.CSV_SUFFIXES | io.PARQUET_SUFFIXES | io.EXCEL_SUFFIXES
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                i
                for i in archive.infolist()
                if not i.is_dir()
                and "__MACOSX" not in i.filename
                and Path(i.filename).suffix.lower() in tables
            ]
            if len(members) != 1:
                names = [i.filename for i in archive.infolist() if not i.is_dir()][:10]
                raise DataError(
                    Problem(
                        f"the zip archive holds {len(members)} tables; cslib reads a zip with exactly one",
                        file=str(path),
                        values=tuple(names),
                        fix="unzip it and name the table file in the cycle file",
                    )
                )
            info = members[0]
            key = (str(path.resolve()), path.stat().st_mtime_ns, path.stat().st_size, info.filename)
            if key in _UNZIPPED and _UNZIPPED[key].exists():
                return _UNZIPPED[key]
            if not _TMP:
                _TMP.append(Path(tempfile.mkdtemp(prefix="cslib-unzip-")))
                atexit.register(shutil.rmtree, _TMP[0], True)
            free = shutil.disk_usage(_TMP[0]).free
            if info.file_size > min(MAX_UNZIPPED, free):
                raise DataError(
                    Problem(
                        f"the table in the zip unpacks to {info.file_size / 1e9:.1f} GB, more than cslib will unpack",
                        file=str(path),
                        fix="unzip it yourself and name the table file in the cycle file",
                    )
                )
            target = _TMP[0] / f"{len(_UNZIPPED)}-{Path(info.filename).name}"
            with archive.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        OSError,
        EOFError,
    ) as exc:
        raise DataError(
            Problem(
                f"the zip archive cannot be read ({type(exc).__name__}: {exc})",
                file=str(path),
                fix="download it again, or unzip it and name the table file",
            )
        ) from None
    _UNZIPPED[key] = target
    return target


# -------------------------------------------------------------------- mapping SQL


def _norm_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _find(candidates: list[str], columns: list[str]) -> str | None:
    """The first candidate present among ``columns`` (exactly, else by a normalised name)."""
    for cand in candidates:
        if cand in columns:
            return cand
    normed = {}
    for c in columns:
        normed.setdefault(_norm_name(c), c)
    for cand in candidates:
        if _norm_name(cand) in normed:
            return normed[_norm_name(cand)]
    return None


@dataclass
class _Plan:
    """How each contract column is computed from the input view."""

    exprs: dict[str, str] = field(default_factory=dict)  # contract column → SQL
    origin: dict[str, str] = field(
        default_factory=dict
    )  # contract column → where it comes from (for messages)
    dates: dict[str, tuple[str, str, list[str]]] = field(
        default_factory=dict
    )  # column → (text, parsed, formats)
    labels: dict[str, tuple[str, str, list[str]]] = field(
        default_factory=dict
    )  # column → (text, mapped, labels mapped to missing)
    absent: dict[str, str] = field(default_factory=dict)  # contract column → why it is not mapped


def _lit(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "'true'" if v else "'false'"
    return sql.quote(str(v))


class _Builder:
    def __init__(
        self,
        mapping: Mapping,
        schema,
        columns: list[str],
        types: dict[str, str],
        opts: io.ReadOptions,
    ):
        self.m, self.schema, self.columns, self.types, self.opts = (
            mapping,
            schema,
            columns,
            types,
            opts,
        )

    # text of a source column, with "missing" labels cleared
    def text(self, col: str) -> str:
        raw = self.types.get(col, "VARCHAR")
        expr = sql.ident(col) if raw == "VARCHAR" else f"CAST({sql.ident(col)} AS VARCHAR)"
        expr = f"NULLIF(TRIM({expr}), '')"
        if self.m.missing:
            expr = f"(CASE WHEN {expr} IN ({', '.join(sql.quote(x) for x in self.m.missing)}) THEN NULL ELSE {expr} END)"
        return expr

    def number(self, text: str) -> str:
        n = self.m.numbers
        if n.thousands:
            text = f"replace({text}, {sql.quote(n.thousands)}, '')"
        if n.decimal != ".":
            text = f"replace({text}, {sql.quote(n.decimal)}, '.')"
        return text

    def formats(self, col: str | None) -> list[str]:
        return [*(self.m.dates.columns.get(col, []) if col else []), *self.m.dates.format]

    def timestamp(self, text: str, col: str | None) -> str:
        tz = sql.quote(self.opts.timezone)
        fmts = self.formats(col)
        if fmts:
            listed = "[" + ", ".join(sql.quote(f) for f in fmts) + "]"
            parsed = f"try_strptime({text}, {listed})"
            if any("%z" in f or "%Z" in f for f in fmts):
                return f"timezone({tz}, {parsed})"
        else:
            aware = f"({text} LIKE '%:%' AND regexp_matches({text}, '{io._AWARE}'))"
            parsed = f"(CASE WHEN {aware} THEN NULL ELSE TRY_CAST({text} AS TIMESTAMP) END)"
            aware_value = (
                f"(CASE WHEN {aware} THEN timezone({tz}, TRY_CAST({text} AS TIMESTAMPTZ)) END)"
            )
            parsed = f"coalesce({aware_value}, {self._local(parsed)})"
            return parsed
        return self._local(parsed)

    def _local(self, naive: str) -> str:
        zone = self.m.dates.timezone
        if zone and zone != self.opts.timezone:
            return (
                f"timezone({sql.quote(self.opts.timezone)}, timezone({sql.quote(zone)}, {naive}))"
            )
        return naive

    def native_timestamp(self, col: str) -> str | None:
        raw = self.types.get(col, "VARCHAR")
        if raw.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"timezone({sql.quote(self.opts.timezone)}, {sql.ident(col)})"
        if raw.startswith("TIMESTAMP") or raw == "DATE":
            return f"CAST({sql.ident(col)} AS TIMESTAMP)"
        return None

    def convert(self, name: str, text: str, plan: _Plan, source_col: str | None) -> str:
        """SQL turning a text expression into what contract column ``name`` needs."""
        column = self.schema[name]
        vm = self.m.values.get(name)
        if column.kind in ("datetime", "date"):
            native = self.native_timestamp(source_col) if source_col else None
            if native:
                return native
            parsed = self.timestamp(text, name)
            plan.dates[name] = (text, parsed, self.formats(name))
            return parsed
        if column.kind == "category":
            norm = f"replace(lower({text}), ' ', '_')"
            allowed = ", ".join(sql.quote(a) for a in column.allowed)
            fallback = f"(CASE WHEN {norm} IN ({allowed}) THEN {norm} END)"
            nulls: list[str] = []
            if vm is not None:
                cases = " ".join(
                    f"WHEN {sql.quote(k)} THEN {_lit(None if v is None else _norm_label(v))}"
                    for k, v in vm.map.items()
                )
                nulls = [k for k, v in vm.map.items() if v is None]
                if vm.has_default:
                    fallback = _lit(None if vm.default is None else _norm_label(vm.default))
                mapped = (
                    f"(CASE WHEN {text} IS NULL THEN NULL ELSE (CASE lower({text}) {cases} ELSE {fallback} END) END)"
                    if cases
                    else f"(CASE WHEN {text} IS NULL THEN NULL ELSE {fallback} END)"
                )
                if vm.has_default:
                    return mapped
            else:
                mapped = fallback
            plan.labels[name] = (text, mapped, nulls)
            return mapped
        if vm is not None and vm.map:
            cases = " ".join(f"WHEN {sql.quote(k)} THEN {_lit(v)}" for k, v in vm.map.items())
            fallback = _lit(vm.default) if vm.has_default else text
            text = f"(CASE WHEN {text} IS NULL THEN NULL ELSE (CASE lower({text}) {cases} ELSE {fallback} END) END)"
        if column.kind in ("int", "float"):
            return self.number(text)
        return text

    # an argument of a derived operation
    def arg(self, arg: Any, want: str, plan: _Plan) -> str | None:
        if isinstance(arg, bool):
            return "TRUE" if arg else "FALSE"
        if isinstance(arg, int | float):
            return repr(float(arg)) if want == "number" else sql.quote(str(arg))
        candidates = _names(arg)
        for cand in candidates:
            if cand in plan.exprs:  # a contract column already mapped
                expr, kind = plan.exprs[cand], self.schema[cand].kind
                if want == "timestamp":
                    return expr if kind in ("datetime", "date") else None
                if want == "number":
                    return f"TRY_CAST({expr} AS DOUBLE)"
                return f"CAST({expr} AS VARCHAR)"
        col = _find(candidates, self.columns)
        if col is None:
            return None
        if want == "timestamp":
            return self.native_timestamp(col) or self.timestamp(self.text(col), None)
        if want == "number":
            return f"TRY_CAST({self.number(self.text(col))} AS DOUBLE)"
        return self.text(col)

    def derived(self, name: str, op: str, args: list, plan: _Plan) -> tuple[str | None, str]:
        want, result = OPS[op]
        if op == "equals":
            first = self.arg(args[0], "text", plan)
            if first is None:
                return None, _names(args[0])[0]
            labels = ", ".join(sql.quote(str(a).strip().lower()) for a in args[1:])
            return (
                f"(CASE WHEN {first} IS NULL THEN NULL ELSE lower({first}) IN ({labels}) END)",
                "bool",
            )
        if op in ("add_seconds", "add_minutes", "add_hours", "add_days"):
            values = [
                self.arg(args[0], "timestamp", plan),
                self.arg(args[1] if len(args) > 1 else None, "number", plan),
            ]
        else:
            values = [self.arg(a, want, plan) for a in args]
        if op == "coalesce":
            present = [v for v in values if v is not None]
            if not present:
                return None, " or ".join(_names(args[0]))
            return (present[0] if len(present) == 1 else f"coalesce({', '.join(present)})"), result
        if op == "concat":
            present = [v for v in values if v is not None]
            if not present:
                return None, _names(args[0])[0]
            return f"NULLIF(concat_ws(' / ', {', '.join(present)}), '')", result
        missing = [" or ".join(_names(a)) for a, v in zip(args, values, strict=False) if v is None]
        if (
            missing
            or len(values) < 2
            and op
            in ("on_or_before", "minus", "add_seconds", "add_minutes", "add_hours", "add_days")
        ):
            return None, ", ".join(missing) or "a second argument"
        a, b = values[0], values[-1]
        if op == "on_or_before":
            return f"(CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL ELSE {a} <= {b} END)", result
        if op == "minus":
            return f"({a} - {b})", result
        if op in _UNIT and op.startswith("add_"):
            return f"({a} + to_microseconds(CAST({b} * {_UNIT[op]}e6 AS BIGINT)))", result
        return f"({a} * {_UNIT[op]})", result


def _plan(
    m: Mapping, table: str, columns: list[str], types: dict[str, str], opts: io.ReadOptions
) -> _Plan:
    schema = SCHEMAS[table]
    b = _Builder(m, schema, columns, types, opts)
    plan = _Plan()
    for name, candidates in m.columns.items():
        col = _find(candidates, columns)
        if col is None:
            plan.absent[name] = f"no column {' or '.join(repr(c) for c in candidates)}"
            continue
        plan.origin[name] = col
        plan.exprs[name] = b.convert(name, b.text(col), plan, col)
    for name, spec in m.derived.items():
        if name in plan.exprs:
            continue  # a source column gives it directly
        ((op, args),) = spec.items()
        expr, kind = b.derived(name, op, args, plan)
        if expr is None:
            plan.absent.setdefault(name, f"derived from {kind}, which is missing")
            continue
        plan.absent.pop(name, None)
        plan.origin[name] = f"{op}({', '.join(' | '.join(_names(a)) for a in args)})"
        plan.exprs[name] = (
            b.convert(name, expr, plan, None)
            if kind == "text"
            else (
                f"CAST({expr} AS VARCHAR)"
                if kind == "bool" and schema[name].kind == "text"
                else expr
            )
        )
    for name in list(plan.exprs):
        if not plan.exprs[name]:
            del plan.exprs[name]
    return plan


def _last_order(cols: list[str], types: dict[str, str], m: Mapping, alias: str = "") -> str:
    parts = []
    for c in cols:
        ident = f"{alias}{sql.ident(c)}"
        text = f"NULLIF(TRIM(CAST({ident} AS VARCHAR)), '')"
        parts.append(f"TRY_CAST({text} AS DOUBLE) DESC NULLS LAST")
        if m.dates.format:
            parts.append(
                f"try_strptime({text}, [{', '.join(sql.quote(f) for f in m.dates.format)}]) DESC NULLS LAST"
            )
        parts.append(f"TRY_CAST({text} AS TIMESTAMP) DESC NULLS LAST")
        parts.append(f"{text} DESC NULLS LAST")
    return ", ".join([*parts, f"{alias}_row DESC"])


def _latest(
    con, view: str, key: list[str], last_by: list[str], m: Mapping, what: str, name: str
) -> str:
    """SQL selecting the last row per key of ``view``."""
    columns = [c for c in con.table(view).columns if c != "_row"]
    types = {
        c: str(t).upper()
        for c, t in zip(con.table(view).columns, con.table(view).types, strict=True)
    }
    k = _find(key, columns)
    if k is None:
        raise DataError(
            Problem(
                f"the {what} key column {' or '.join(map(repr, key))} is missing",
                file=name,
                values=tuple(columns[:12]),
                fix="correct events.key / joins.<name>.key in the mapping, or export the column",
            )
        )
    order_cols = [c for c in (_find([o], columns) for o in last_by) if c]
    key_text = f"NULLIF(TRIM(CAST({sql.ident(k)} AS VARCHAR)), '')"
    return (
        f'SELECT * FROM "{view}" QUALIFY {key_text} IS NULL OR '
        f"row_number() OVER (PARTITION BY {key_text} ORDER BY {_last_order(order_cols, types, m)}) = 1"
    ), k


def register_mapped(
    con: duckdb.DuckDBPyConnection, source: io.Source, view: str, opts: io.ReadOptions
) -> list[str]:
    """Create view ``view`` (contract columns + ``_row``) over a source read through ``opts.mapping``.

    Called by :func:`cslib.data.tables.register_raw`. The raw file becomes ``<view>_source``;
    an event log is collapsed to its last event per key (``_row`` is then that
    event's row in the file), joined exports are added, and each contract column
    is computed as the mapping says.
    """
    m: Mapping = opts.mapping
    name = io.label(source)
    src_opts = io.ReadOptions(
        timezone=opts.timezone,
        encoding=opts.encoding,
        delimiter=opts.delimiter,
        sheet=opts.sheet,
        header_row=opts.header_row,
        mapping=m,
    )
    columns = io._register_source(con, source, f"{view}_source", src_opts)
    body = f'SELECT * FROM "{view}_source"'
    if m.events is not None:
        body, _ = _latest(
            con, f"{view}_source", m.events.key, m.events.last_by, m, "event log", name
        )
    select, joins = ["s.*"], []
    for jname, join in m.joins.items():
        if join.path is None:
            continue
        jpath = _abs(join.path, m.base_dir)
        jview = f"{view}_j_{_norm_name(jname)}"
        jcols = io._register_source(
            con, jpath, f"{jview}_source", io.ReadOptions(timezone=opts.timezone, mapping=m)
        )
        jbody, jkey = _latest(
            con, f"{jview}_source", join.key, join.last_by, m, f"'{jname}' join", str(jpath)
        )
        on = _find(join.on, columns)
        if on is None:
            raise DataError(
                Problem(
                    f"the column {' or '.join(map(repr, join.on))} to join '{jname}' on is missing",
                    file=name,
                    values=tuple(columns[:12]),
                    fix=f"correct joins.{jname}.on in the mapping",
                )
            )
        alias = f"j_{_norm_name(jname)}"
        joins.append(
            f"LEFT JOIN ({jbody}) {alias} ON NULLIF(TRIM(CAST(s.{sql.ident(on)} AS VARCHAR)), '') = NULLIF(TRIM(CAST({alias}.{sql.ident(jkey)} AS VARCHAR)), '')"
        )
        select += [
            f"{alias}.{sql.ident(c)} AS {sql.ident(f'{jname}.{c}')}"
            for c in jcols
            if f"{jname}.{c}" not in columns
        ]
    # an event log or joins are collapsed once (one row per ticket) rather than on every check
    kind = "TABLE" if m.events is not None or joins else "VIEW"
    for old in con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE table_name = ? UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE view_name = ?",
        [f"{view}_in"] * 2,
    ).fetchall():
        con.execute(f'DROP {old[1]} "{view}_in"')
    con.execute(
        f'CREATE {kind} "{view}_in" AS SELECT {", ".join(select)} FROM ({body}) s {" ".join(joins)}'
    )
    plan = _view_plan(con, view, opts)
    exprs = ", ".join(["_row", *(f"{e} AS {sql.ident(c)}" for c, e in plan.exprs.items())])
    con.execute(f'CREATE OR REPLACE VIEW "{view}" AS SELECT {exprs} FROM "{view}_in"')
    try:
        con.execute(f'SELECT * FROM "{view}" LIMIT 0')
    except (
        duckdb.Error
    ) as exc:  # a mapping that yields invalid SQL types (e.g. adding minutes to text)
        raise DataError(
            Problem(
                f"the mapping {m.name!r} cannot be applied: {str(exc).splitlines()[0]}",
                file=name,
                fix="check the derived columns and formats of the mapping",
            )
        ) from None
    return list(plan.exprs)


def _view_plan(con, view: str, opts: io.ReadOptions) -> _Plan:
    rel = con.table(f"{view}_in")
    types = {c: str(t).upper() for c, t in zip(rel.columns, rel.types, strict=True)}
    columns = [c for c in rel.columns if c != "_row"]
    table = opts.mapping.table or "tickets"
    return _plan(opts.mapping, table, columns, types, opts)


def check_mapped(con, view: str, opts: io.ReadOptions, name: str) -> list[Problem]:
    """Problems of applying the mapping: unreadable dates, unmapped labels, named columns the file lacks."""
    m: Mapping = opts.mapping
    plan = _view_plan(con, view, opts)
    problems: list[Problem] = []
    if m.strict:
        for col, why in plan.absent.items():
            problems.append(
                Problem(
                    f"the mapping {m.name!r} maps {col} from a column the file does not have ({why})",
                    file=name,
                    column=col,
                    fix="correct the source column name in the mapping (the header is listed by `cslib validate`), or remove the line",
                )
            )
    source = f'"{view}_in"'
    for col, (text, parsed, fmts) in plan.dates.items():
        (n,) = con.execute(
            f"SELECT count(*) FROM {source} WHERE {text} IS NOT NULL AND ({parsed}) IS NULL"
        ).fetchone()
        if n:
            rows = con.execute(
                f"SELECT _row, {text} FROM {source} WHERE {text} IS NOT NULL AND ({parsed}) IS NULL ORDER BY _row LIMIT 5"
            ).fetchall()
            how = (
                f"the format{'s' if len(fmts) > 1 else ''} {', '.join(repr(f) for f in fmts)}"
                if fmts
                else "ISO 8601 (2026-04-01 14:30)"
            )
            problems.append(
                Problem(
                    f"dates cannot be read with {how}",
                    file=name,
                    column=_where(col, plan),
                    rows=tuple(r for r, _ in rows),
                    n_rows=n,
                    values=tuple(v for _, v in rows),
                    fix=f"add the source's date format under dates.columns.{col} (or dates.format) in the mapping, e.g. '%d/%m/%Y %H:%M'; codes as in Python's strftime",
                )
            )
    for col, (text, mapped, nulls) in plan.labels.items():
        skip = (
            f" AND lower({text}) NOT IN ({', '.join(sql.quote(x) for x in nulls)})" if nulls else ""
        )
        found = con.execute(
            f"SELECT {text} AS label, count(*) AS n, min(_row) AS first FROM {source} WHERE {text} IS NOT NULL AND ({mapped}) IS NULL{skip} GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        if found:
            allowed = SCHEMAS[m.table or "tickets"][col].allowed
            shown = ", ".join(f"{label!r} ({n:,} rows)" for label, n, _ in found[:20]) + (
                f" and {len(found) - 20} more" if len(found) > 20 else ""
            )
            example = found[0][0]
            problems.append(
                Problem(
                    f"{len(found)} label{'s' if len(found) > 1 else ''} with no {col} mapping: {shown}",
                    file=name,
                    column=_where(col, plan),
                    rows=tuple(sorted(r for *_, r in found))[:5],
                    n_rows=sum(n for _, n, _ in found),
                    fix=f"map each label onto one of {', '.join(allowed)} (or ~ for missing) in the mapping, e.g. values: {{{col}: {{map: {{{example!r}: {allowed[0]}}}}}}}; "
                    f"or send every unlisted label to one value with values.{col}.default",
                )
            )
    return problems


def _where(col: str, plan: _Plan) -> str:
    origin = plan.origin.get(col)
    return f"{col} ← {origin}" if origin and origin != col else col


def describe(source: io.Source, table: str, *, opts: io.ReadOptions) -> pd.DataFrame:
    """How a mapped source fills each contract column.

    Returns
    -------
    DataFrame
        One row per contract column: ``column``, ``required``, ``source`` (the
        source column or derivation; empty when unmapped), ``mapped`` (bool),
        ``note`` (why it is unmapped).
    """
    con = io.connect()
    try:
        io.register_raw(con, source, "raw", opts)
        plan = _view_plan(con, "raw", opts) if opts.mapping is not None else None
        cols = [c for c in con.table("raw").columns if c != "_row"]
    finally:
        con.close()
    rows = []
    for c in SCHEMAS[table].columns:
        if plan is not None:
            mapped = c.name in plan.exprs
            src = plan.origin.get(c.name, "")
            note = plan.absent.get(c.name, "" if mapped else "not in the mapping")
        else:
            mapped = c.name in cols
            src, note = (c.name if mapped else ""), ("" if mapped else "no such column")
        rows.append(
            {
                "column": c.name,
                "required": c.required,
                "source": src,
                "mapped": mapped,
                "note": note,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- the built-ins

_SN_DATES = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]
_US_DATES = [
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y",
]

_RAW_BUILTIN: dict[str, dict] = {
    "zendesk": {
        "description": "Zendesk Support: the tickets export (CSV export or API fields), optionally joined with the ticket metrics and satisfaction ratings exports",
        "columns": {
            "ticket_id": ["Id", "id", "Ticket ID"],
            "created_at": ["Created at", "created_at"],
            "resolved_at": ["Solved at", "solved_at", "metrics.solved_at"],
            "status": ["Status", "status"],
            "priority": ["Priority", "priority"],
            "channel": ["Via", "via", "via.channel", "via_channel"],
            "team": ["Group", "group", "group_id"],
            "agent_id": ["Assignee id", "assignee_id", "Assignee"],
            "customer_id": ["Requester id", "requester_id"],
            "category": ["Ticket type", "type"],
            "reopens": ["Reopens", "metrics.reopens"],
            "csat": ["Satisfaction Score", "satisfaction_rating.score", "ratings.score"],
            "comment": ["satisfaction_rating.comment", "ratings.comment"],
        },
        "derived": {
            "first_response_at": {
                "add_minutes": [
                    "created_at",
                    [
                        "First reply time in minutes",
                        "metrics.reply_time_in_minutes.calendar",
                        "metrics.reply_time_in_minutes_calendar",
                        "metrics.reply_time_in_minutes",
                    ],
                ]
            },
            "transfers": {"minus": [["Group stations", "metrics.group_stations"], 1]},
        },
        "missing": ["-", "null"],
        "values": {
            "status": {
                "new": "new",
                "open": "open",
                "pending": "pending",
                "hold": "on_hold",
                "on-hold": "on_hold",
                "solved": "resolved",
                "closed": "closed",
                "deleted": "cancelled",
            },
            "priority": {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"},
            "channel": {
                "email": "email",
                "mail": "email",
                "web": "web",
                "web form": "web",
                "web_form": "web",
                "web widget": "web",
                "web_widget": "web",
                "help center": "web",
                "mobile": "web",
                "mobile_sdk": "web",
                "chat": "chat",
                "native_messaging": "chat",
                "messaging": "chat",
                "voice": "phone",
                "phone call (incoming)": "phone",
                "phone call (outgoing)": "phone",
                "voicemail": "phone",
                "sms": "sms",
                "twitter": "social",
                "facebook": "social",
                "whatsapp": "social",
                "instagram_dm": "social",
                "api": None,
                "closed ticket": None,
                "rule": None,
                "linked problem": None,
            },
            "csat": {"good": 5, "bad": 1, "offered": None, "unoffered": None, "not offered": None},
        },
        "dates": {
            "format": [
                "%Y-%m-%dT%H:%M:%SZ",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%S%z",
                "%d %b %Y %H:%M",
            ]
        },
        "joins": {
            "metrics": {"on": ["Id", "id"], "key": "ticket_id", "last_by": ["updated_at"]},
            "ratings": {
                "on": ["Id", "id"],
                "key": "ticket_id",
                "last_by": ["updated_at", "created_at"],
            },
        },
        "strict": False,
    },
    "freshdesk": {
        "description": "Freshdesk: the tickets export (CSV from the ticket list, or API v2 fields)",
        "columns": {
            "ticket_id": ["Ticket ID", "Ticket Id", "id"],
            "created_at": ["Created time", "created_at"],
            "first_response_at": [
                "Initial response time",
                "stats.first_responded_at",
                "first_responded_at",
            ],
            "sla_due_at": ["Due by Time", "due_by"],
            "status": ["Status", "status"],
            "priority": ["Priority", "priority"],
            "channel": ["Source", "source"],
            "team": ["Group", "group_id"],
            "agent_id": ["Agent", "responder_id"],
            "customer_id": ["Contact ID", "Requester ID", "requester_id", "Email"],
            "category": ["Type", "type"],
            "sla_met": ["Resolution status"],
        },
        "derived": {
            "resolved_at": {
                "coalesce": [
                    ["Resolved time", "stats.resolved_at", "resolved_at"],
                    ["Closed time", "stats.closed_at", "closed_at"],
                ]
            },
        },
        "values": {
            "status": {
                "open": "open",
                "2": "open",
                "pending": "pending",
                "3": "pending",
                "resolved": "resolved",
                "4": "resolved",
                "closed": "closed",
                "5": "closed",
                "waiting on customer": "pending",
                "waiting on third party": "on_hold",
            },
            "priority": {
                "low": "low",
                "1": "low",
                "medium": "normal",
                "2": "normal",
                "high": "high",
                "3": "high",
                "urgent": "urgent",
                "4": "urgent",
            },
            "channel": {
                "email": "email",
                "1": "email",
                "portal": "web",
                "2": "web",
                "phone": "phone",
                "3": "phone",
                "forum": "social",
                "4": "social",
                "twitter": "social",
                "5": "social",
                "facebook": "social",
                "6": "social",
                "chat": "chat",
                "7": "chat",
                "mobihelp": "web",
                "8": "web",
                "feedback widget": "web",
                "9": "web",
                "outbound email": "email",
                "10": "email",
                "whatsapp": "social",
                "ecommerce": "web",
                "bot": "chat",
            },
            "sla_met": {"within sla": True, "sla violated": False},
        },
        "dates": {
            "format": [
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%SZ",
                "%Y-%m-%d %H:%M",
                "%d/%m/%Y %H:%M",
                "%d-%m-%Y %H:%M:%S",
            ]
        },
        "strict": False,
    },
    "servicenow": {
        "description": "ServiceNow incidents: an event log (one row per update) collapsed to the last event per incident number",
        "columns": {
            "ticket_id": ["number", "Number"],
            "created_at": ["opened_at", "Opened"],
            "first_response_at": ["u_first_response_at"],
            "status": ["ident_state", "incident_state", "state", "State"],
            "channel": ["contact_type", "Contact type"],
            "priority": ["priority", "Priority"],
            "team": ["assignment_group", "Assignment group"],
            "agent_id": ["assigned_to", "Assigned to"],
            "customer_id": ["caller_id", "Caller"],
            "category": ["category", "Category"],
            "reopens": ["reopen_count", "Reopen count"],
            "transfers": ["reassignment_count", "Reassignment count"],
            "sla_met": ["made_sla", "Made SLA"],
        },
        "derived": {
            "resolved_at": {"coalesce": [["resolved_at", "Resolved"], ["closed_at", "Closed"]]}
        },
        "missing": ["?"],
        "events": {"key": ["number", "Number"], "last_by": ["sys_mod_count", "sys_updated_at"]},
        "duplicate_columns": ["category"],
        "values": {
            "status": {
                "new": "new",
                "1": "new",
                "active": "open",
                "in progress": "open",
                "2": "open",
                "awaiting user info": "pending",
                "awaiting caller": "pending",
                "awaiting vendor": "on_hold",
                "awaiting problem": "on_hold",
                "awaiting evidence": "on_hold",
                "awaiting change": "on_hold",
                "on hold": "on_hold",
                "3": "on_hold",
                "resolved": "resolved",
                "6": "resolved",
                "closed": "closed",
                "7": "closed",
                "canceled": "cancelled",
                "cancelled": "cancelled",
                "8": "cancelled",
                "-100": None,
            },
            "channel": {
                "phone": "phone",
                "ivr": "phone",
                "email": "email",
                "e-mail": "email",
                "self service": "web",
                "self-service": "web",
                "web": "web",
                "chat": "chat",
                "walk-in": "walk_in",
                "walk in": "walk_in",
                "direct opening": None,
            },
            "priority": {
                "1": "urgent",
                "1 - critical": "urgent",
                "2": "high",
                "2 - high": "high",
                "3": "normal",
                "3 - moderate": "normal",
                "4": "low",
                "4 - low": "low",
                "5": "low",
                "5 - planning": "low",
            },
        },
        "dates": {"format": _SN_DATES},
        "strict": False,
    },
    "311": {
        "description": "311 service requests: NYC Open Data (portal export 'Created Date' or API 'created_date' headers) and Baltimore (CreatedDate, DueDate, CloseDate…)",
        "columns": {
            "ticket_id": [
                "ServiceRequestNum",
                "Unique Key",
                "unique_key",
                "service_request_id",
                "SRRecordID",
            ],
            "created_at": ["CreatedDate", "Created Date", "created_date", "requested_datetime"],
            "resolved_at": ["CloseDate", "Closed Date", "closed_date"],
            "sla_due_at": ["DueDate", "Due Date", "due_date"],
            "status": ["SRStatus", "Status", "status"],
            "channel": ["MethodReceived", "Open Data Channel Type", "open_data_channel_type"],
            "team": ["Agency", "agency"],
            "category": ["SRType", "Complaint Type", "complaint_type", "service_name"],
        },
        "derived": {"sla_met": {"on_or_before": ["resolved_at", "sla_due_at"]}},
        "values": {
            "status": {
                "closed": "closed",
                "closed (duplicate)": "duplicate",
                "closed (transferred)": "closed",
                "open": "open",
                "new": "new",
                "pending": "pending",
                "in progress": "open",
                "assigned": "open",
                "started": "open",
                "open (duplicate)": "duplicate",
                "new (duplicate)": "duplicate",
                "email sent": "open",
                "draft": "new",
                "unspecified": None,
                "cancel": "cancelled",
                "cancelled": "cancelled",
            },
            "channel": {
                "phone": "phone",
                "api": "web",
                "web": "web",
                "online": "web",
                "mobile": "web",
                "email": "email",
                "e-mail": "email",
                "mail": "letter",
                "walk-in": "walk_in",
                "walk in": "walk_in",
                "internal": None,
                "system": None,
                "other": None,
                "unknown": None,
            },
        },
        "dates": {"format": _US_DATES},
        "strict": False,
    },
    "cfpb": {
        "table": "complaints",
        "description": "US Consumer Financial Protection Bureau complaint database (CSV download)",
        "columns": {
            "complaint_id": ["Complaint ID", "complaint_id"],
            "received_at": ["Date received", "date_received"],
            "channel": ["Submitted via", "submitted_via"],
            "category": ["Product", "product"],
            "outcome": ["Company response to consumer", "company_response"],
            "timely": ["Timely response?", "timely"],
        },
        "values": {
            "channel": {
                "web": "web",
                "web referral": "web",
                "referral": None,
                "phone": "phone",
                "postal mail": "letter",
                "fax": "letter",
                "email": "email",
            },
        },
        "missing": ["N/A"],
        "dates": {"format": ["%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%dT%H:%M:%S"]},
        "strict": False,
    },
}
_RAW_BUILTIN["nyc311"] = {
    **_RAW_BUILTIN["311"],
    "description": "NYC 311 service requests (portal export or API headers)",
}
_RAW_BUILTIN["baltimore311"] = {
    **_RAW_BUILTIN["311"],
    "description": "Baltimore 311 customer service requests",
}

#: the built-in adapters by name (each a :class:`Mapping`)
BUILTIN: dict[str, Mapping] = {
    name: parse_mapping({"name": name, **raw}, source=f"adapter {name}")
    for name, raw in _RAW_BUILTIN.items()
}
