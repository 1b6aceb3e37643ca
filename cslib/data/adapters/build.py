"""The SQL that computes each contract column of a mapped source.

A :class:`Plan` holds, per contract column, the SQL expression over the input
view (the source, collapsed and joined as the mapping says), where it comes from
(for messages), and the date and label parses that :func:`~cslib.data.adapters.views.check_mapped`
checks. Source columns are found by name, exactly or after normalising
(``First Reply Time`` finds ``first_reply_time``).

Examples
--------
>>> find_column(["Created Date", "created_date"], ["Unique Key", "created_date"])
'created_date'
>>> norm_name(" Ticket ID ")
'ticket_id'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cslib.data import sql
from cslib.data.adapters.clean import clean
from cslib.data.adapters.model import OPS, Mapping, as_names, norm_label
from cslib.data.files import ReadOptions
from cslib.data.raw_sql import aware, zoned
from cslib.data.schema import SCHEMAS
from cslib.errors import DataError, Problem

_UNIT = {
    "add_seconds": 1,
    "add_minutes": 60,
    "add_hours": 3600,
    "add_days": 86400,
    "seconds_from_minutes": 60,
    "seconds_from_hours": 3600,
}


def norm_name(name: str) -> str:
    """A column name reduced to lower-case words joined by ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def find_column(candidates: list[str], columns: list[str]) -> str | None:
    """The first candidate present among ``columns`` (exactly, else by a normalised name)."""
    for cand in candidates:
        if cand in columns:
            return cand
    normed: dict[str, str] = {}
    for c in columns:
        normed.setdefault(norm_name(c), c)
    for cand in candidates:
        if norm_name(cand) in normed:
            return normed[norm_name(cand)]
    return None


@dataclass
class Plan:
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
    drops: list[tuple[str, str]] = field(default_factory=list)  # (reason, SQL: the row is dropped)
    zeroed: dict[str, str] = field(
        default_factory=dict
    )  # column → SQL: a small negative duration zeroed
    conflicts: dict[str, list[str]] = field(
        default_factory=dict
    )  # source column → contract columns
    unmatched: list[str] = field(default_factory=list)  # drop rules naming a column the file lacks

    @property
    def keep(self) -> str:
        """SQL: the row is kept (no drop rule holds for it)."""
        if not self.drops:
            return "TRUE"
        return "NOT (" + " OR ".join(f"coalesce({c}, FALSE)" for _, c in self.drops) + ")"


def _lit(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "'true'" if v else "'false'"
    return sql.quote(str(v))


class _Builder:
    """SQL expressions over the input view, for one mapping and contract table."""

    def __init__(
        self,
        mapping: Mapping,
        schema,
        columns: list[str],
        types: dict[str, str],
        opts: ReadOptions,
    ):
        self.m, self.schema, self.columns, self.types, self.opts = (
            mapping,
            schema,
            columns,
            types,
            opts,
        )

    # text of a source column, with its "missing" labels (and those of its contract column) cleared
    def text(self, col: str, contract: str | None = None) -> str:
        raw = self.types.get(col, "VARCHAR")
        expr = sql.ident(col) if raw == "VARCHAR" else f"CAST({sql.ident(col)} AS VARCHAR)"
        expr = f"NULLIF(TRIM({expr}), '')"
        markers = self.m.missing_in(col, *([contract] if contract else []))
        if markers:
            expr = f"(CASE WHEN {expr} IN ({', '.join(sql.quote(x) for x in markers)}) THEN NULL ELSE {expr} END)"
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
            if not any(_zoned_format(f) for f in fmts):
                listed = "[" + ", ".join(sql.quote(f) for f in fmts) + "]"
                return self._local(f"try_strptime({text}, {listed})")
            # each format on its own: a list mixing offsets with naive formats would read the
            # naive ones in the session's zone; a literal "Z" is UTC
            tries = []
            for f in fmts:
                parsed = f"try_strptime({text}, {sql.quote(f)})"
                if "%z" in f or "%Z" in f:
                    tries.append(f"timezone({tz}, {parsed})")
                elif _zoned_format(f):
                    tries.append(f"timezone({tz}, timezone('UTC', {parsed}))")
                else:
                    tries.append(self._local(parsed))
            return f"coalesce({', '.join(tries)})"
        is_zoned = aware(text)
        parsed = f"(CASE WHEN {is_zoned} THEN NULL ELSE TRY_CAST({text} AS TIMESTAMP) END)"
        aware_value = f"(CASE WHEN {is_zoned} THEN {zoned(text, self.opts.timezone)} END)"
        return f"coalesce({aware_value}, {self._local(parsed)})"

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

    def convert(self, name: str, text: str, plan: Plan, source_col: str | None) -> str:
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
                    f"WHEN {sql.quote(k)} THEN {_lit(None if v is None else norm_label(v))}"
                    for k, v in vm.map.items()
                )
                nulls = [k for k, v in vm.map.items() if v is None]
                if vm.has_default:
                    fallback = _lit(None if vm.default is None else norm_label(vm.default))
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
    def arg(self, arg: Any, want: str, plan: Plan) -> str | None:
        if isinstance(arg, bool):
            return "TRUE" if arg else "FALSE"
        if isinstance(arg, int | float):
            return repr(float(arg)) if want == "number" else sql.quote(str(arg))
        candidates = as_names(arg)
        for cand in candidates:
            if cand in plan.exprs:  # a contract column already mapped
                expr, kind = plan.exprs[cand], self.schema[cand].kind
                if want == "timestamp":
                    return expr if kind in ("datetime", "date") else None
                if want == "number":
                    return f"TRY_CAST({expr} AS DOUBLE)"
                return f"CAST({expr} AS VARCHAR)"
        col = find_column(candidates, self.columns)
        if col is None:
            return None
        if want == "timestamp":
            return self.native_timestamp(col) or self.timestamp(self.text(col), None)
        if want == "number":
            return f"TRY_CAST({self.number(self.text(col))} AS DOUBLE)"
        return self.text(col)

    def derived(self, name: str, op: str, args: list, plan: Plan) -> tuple[str | None, str]:
        want, result = OPS[op]
        if op == "equals":
            first = self.arg(args[0], "text", plan)
            if first is None:
                return None, as_names(args[0])[0]
            labels = ", ".join(sql.quote(str(a).strip().lower()) for a in args[1:])
            return (
                f"(CASE WHEN {first} IS NULL THEN NULL ELSE lower({first}) IN ({labels}) END)",
                "bool",
            )
        if op == "seconds_between":
            start = self.arg(args[0], "timestamp", plan)
            ends = [e for e in (self.arg(a, "timestamp", plan) for a in args[1:]) if e is not None]
            if start is None or not ends:
                return None, " or ".join(as_names(args[0] if start is None else args[-1]))
            end = ends[0] if len(ends) == 1 else f"coalesce({', '.join(ends)})"
            return f"(epoch({end}) - epoch({start}))", result
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
                return None, " or ".join(as_names(args[0]))
            return (present[0] if len(present) == 1 else f"coalesce({', '.join(present)})"), result
        if op == "concat":
            present = [v for v in values if v is not None]
            if not present:
                return None, as_names(args[0])[0]
            return f"NULLIF(concat_ws(' / ', {', '.join(present)}), '')", result
        missing = [
            " or ".join(as_names(a)) for a, v in zip(args, values, strict=False) if v is None
        ]
        a, b = values[0], values[-1]
        if (
            missing
            or a is None
            or b is None  # an add_ operation given no amount
            or len(values) < 2
            and op
            in ("on_or_before", "minus", "add_seconds", "add_minutes", "add_hours", "add_days")
        ):
            return None, ", ".join(missing) or "a second argument"
        if op == "on_or_before":
            return f"(CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL ELSE {a} <= {b} END)", result
        if op == "minus":
            return f"({a} - {b})", result
        if op in _UNIT and op.startswith("add_"):
            zone = sql.quote(self.opts.timezone)
            return sql.plus_seconds(a, f"{b} * {_UNIT[op]}", zone), result
        return f"({a} * {_UNIT[op]})", result


def _shown(arg: Any, plan: Plan, columns: list[str]) -> str:
    """A derived column's argument as found: the contract or source column it reads, or its value."""
    if isinstance(arg, bool | int | float):
        return str(arg)
    names = as_names(arg)
    return (
        next((n for n in names if n in plan.exprs), None) or find_column(names, columns) or names[0]
    )


def column_plan(
    m: Mapping, table: str, columns: list[str], types: dict[str, str], opts: ReadOptions
) -> Plan:
    """How the mapping computes each column of ``table`` from an input view.

    ``columns`` and ``types`` are the input view's columns and their DuckDB types.
    Source columns come first; a derived column fills only what they leave.
    """
    schema = SCHEMAS[table]
    b = _Builder(m, schema, columns, types, opts)
    plan = Plan()
    for name, candidates in m.columns.items():
        col = find_column(candidates, columns)
        if col is None:
            plan.absent[name] = f"no column {' or '.join(repr(c) for c in candidates)}"
            continue
        plan.origin[name] = col
        plan.exprs[name] = b.convert(name, b.text(col, name), plan, col)
    for name, value in m.constants.items():
        plan.origin[name] = f"constant {value!r}"
        plan.exprs[name] = b.convert(name, _lit(value), plan, None)
    for name, spec in m.derived.items():
        if name in plan.exprs:
            continue  # a source column gives it directly
        ((op, args),) = spec.items()
        expr, kind = b.derived(name, op, args, plan)
        if expr is None:
            plan.absent.setdefault(name, f"derived from {kind}, which is missing")
            continue
        plan.absent.pop(name, None)
        shown = (_shown(a, plan, columns) for a in args)
        plan.origin[name] = f"{op}({', '.join(shown)})"
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
    clean(b, plan)
    return plan


def _last_order(cols: list[str], m: Mapping, alias: str = "") -> str:
    """ORDER BY putting the latest row first: by each column as a number, a date, then text."""
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


def last_per_key(
    con, view: str, key: list[str], last_by: list[str], m: Mapping, what: str, name: str
) -> tuple[str, str]:
    """SQL selecting the last row per key of ``view``, and the key column it found.

    Rows without a key are all kept. ``what`` and ``name`` (the source) name a
    missing key column in the error.
    """
    columns = [c for c in con.table(view).columns if c != "_row"]
    k = find_column(key, columns)
    if k is None:
        raise DataError(
            Problem(
                f"the {what} key column {' or '.join(map(repr, key))} is missing",
                file=name,
                values=tuple(columns[:12]),
                fix="correct events.key / joins.<name>.key in the mapping, or export the column",
            )
        )
    order_cols = [c for c in (find_column([o], columns) for o in last_by) if c]
    key_text = f"NULLIF(TRIM(CAST({sql.ident(k)} AS VARCHAR)), '')"
    return (
        f'SELECT * FROM "{view}" QUALIFY {key_text} IS NULL OR '
        f"row_number() OVER (PARTITION BY {key_text} ORDER BY {_last_order(order_cols, m)}) = 1"
    ), k


def _zoned_format(fmt: str) -> bool:
    """Whether a strptime format reads an instant: an offset (``%z``, ``%Z``) or a literal UTC ``Z``.

    >>> _zoned_format("%Y-%m-%dT%H:%M:%SZ"), _zoned_format("%Y-%m-%d %H:%M%z"), _zoned_format("%d/%m/%Y")
    (True, True, False)
    """
    return (
        "%z" in fmt or "%Z" in fmt or fmt.replace("%%", "").endswith("Z") and not fmt.endswith("%Z")
    )
