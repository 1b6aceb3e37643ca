"""The data contract as SQL: parse raw columns into contract types and find every value that breaks it.

The checks run in DuckDB over the raw view (see :mod:`cslib.data.files`), one
pass counting the failures of every check and the distinct values of every key
(:mod:`cslib.data.keys`), then up to five example rows per failing check. Time zones: naive timestamps are read in the cycle's
``timezone``; zone-aware ones are converted to it; a column that mixes both is an
error. Timestamps come out naive, in local time of that zone; durations between them
are elapsed time (:func:`~cslib.data.sql.elapsed_seconds`).

Examples
--------
>>> from cslib.data.schema import TICKETS
>>> print(parse_expr(TICKETS["channel"], "VARCHAR", ReadOptions()))
replace(lower(NULLIF(TRIM("channel"), '')), ' ', '_')
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from cslib.data.files import ReadOptions
from cslib.data.keys import duplicate_keys, keys
from cslib.data.raw_sql import aware, id_text, raw_types, text, zoned
from cslib.data.schema import Column, OneOf, TableSchema, Within
from cslib.data.sql import ident, quote
from cslib.data.wall_clock import FASTER_FROM, wall_clock
from cslib.errors import Problem

ISO_FIX = "write timestamps as ISO 8601 (2026-04-01 14:30:00), or set date_format in the cycle file's data section"
#: timestamps in order are checked through the zone's offset changes over these years
#: (:mod:`cslib.data.wall_clock`), not its rules row by row, in a large table; the same answer
SPAN = ("1970-01-01", "2099-12-31")
#: the column of the view :func:`_timestamps` adds with a timestamp as its contract type
TIMED = '"_cslib_{}_timestamp"'
#: the largest whole number stored exactly (as a double and a BIGINT)
WHOLE_LIMIT = 2**53
_TRUE = ("true", "t", "yes", "y", "1", "1.0")
_FALSE = ("false", "f", "no", "n", "0", "0.0")


def _aware(col: str) -> str:
    return aware(text(col, "VARCHAR"))


def parse_expr(column: Column, raw_type: str, opts: ReadOptions) -> str:
    """SQL that turns a raw column into its contract type (NULL where it cannot)."""
    col, tz = ident(column.name), quote(opts.timezone)
    kind = column.kind
    if kind in ("datetime", "date"):
        if raw_type.startswith("TIMESTAMP WITH TIME ZONE"):
            expr = f"timezone({tz}, {col})"
        elif raw_type.startswith("TIMESTAMP") or raw_type == "DATE":
            expr = f"CAST({col} AS TIMESTAMP)"
        else:
            v = text(column.name, raw_type)
            if _NUMBER.match(raw_type):  # epoch counts are not read as timestamps
                expr = "CAST(NULL AS TIMESTAMP)"
            elif opts.date_format:
                expr = f"try_strptime({v}, {quote(opts.date_format)})"
            else:
                expr = (
                    f"CASE WHEN {aware(v)} THEN {zoned(v, opts.timezone)} "
                    f"ELSE TRY_CAST({v} AS TIMESTAMP) END"
                )
        return f"date_trunc('day', {expr})" if kind == "date" else expr
    if kind in ("int", "float"):
        if raw_type == "BOOLEAN" or raw_type == "DOUBLE" or _INTEGER.match(raw_type):
            return (
                f"CAST({col} AS DOUBLE)"  # exact: no text round trip (floats and decimals keep it)
            )
        return f"TRY_CAST({text(column.name, raw_type)} AS DOUBLE)"
    if kind == "bool":
        if raw_type == "BOOLEAN":
            return col
        v = f"lower({text(column.name, raw_type)})"
        return f"CASE WHEN {v} IN {_TRUE} THEN TRUE WHEN {v} IN {_FALSE} THEN FALSE END"
    if kind == "category":
        return f"replace(lower({text(column.name, raw_type)}), ' ', '_')"
    if kind == "id":
        return id_text(column.name, raw_type)
    return text(column.name, raw_type)


def _output_expr(column: Column, raw_type: str, opts: ReadOptions, clean: bool = False) -> str:
    """SQL of a column in its contract type; whole numbers stored as whole numbers are cast
    directly (a no-op for BIGINT), not through a double; a text column known to be ``clean``
    (:func:`cslib.data.stored_text.clean_text`) is taken as it is."""
    if clean:
        return ident(column.name)
    if column.kind == "int" and _INTEGER.match(raw_type):
        return f"CAST({ident(column.name)} AS BIGINT)"
    parsed = parse_expr(column, raw_type, opts)
    return f"CAST({parsed} AS BIGINT)" if column.kind == "int" else parsed


def typed_sql(
    con, view: str, schema: TableSchema, opts: ReadOptions, clean: Collection[str] = ()
) -> str:
    """SELECT list turning the raw view into contract types (contract columns only); the
    ``clean`` columns (:func:`cslib.data.stored_text.clean_text`) are taken as they are."""
    types = raw_types(con, view)
    exprs = [
        f"{_output_expr(c, types[c.name], opts, c.name in clean)} AS {ident(c.name)}"
        for c in schema.columns
        if c.name in types
    ]
    return f'SELECT {", ".join(exprs)} FROM "{view}"'


# -------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Check:
    column: str | None
    what: str
    fail: str  # SQL condition on the raw view
    value: str | None  # SQL for the offending value
    fix: str


_INTEGER = re.compile(r"^U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?$")
_NUMBER = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|DOUBLE|FLOAT|REAL|DECIMAL.*)$")


def _native(kind: str, raw_type: str) -> bool:
    """Whether a column is already stored with its contract type (nothing to parse)."""
    if kind in ("datetime", "date"):
        return raw_type.startswith("TIMESTAMP") or raw_type == "DATE"
    if kind in ("int", "float"):
        return bool(_NUMBER.match(raw_type)) or raw_type == "BOOLEAN"
    if kind == "bool":
        return raw_type == "BOOLEAN"
    return False


def _checks(
    schema: TableSchema, types: dict[str, str], opts: ReadOptions, span: tuple | None
) -> list[_Check]:
    """The checks of every contract column present, in contract order, then the order rules
    (over the wall times of ``span``: :func:`_span`)."""
    checks = [
        check
        for c in schema.columns
        if c.name in types
        for check in _column_checks(c, types[c.name], opts)
    ]
    checks += _rule_checks(schema, types)
    return checks + _order_checks(schema, types, opts, span)


def _column_checks(c: Column, raw: str, opts: ReadOptions) -> list[_Check]:
    """The checks of one column stored as ``raw`` (a DuckDB type name)."""
    checks: list[_Check] = []
    parsed = parse_expr(c, raw, opts)
    value = text(c.name, raw)
    native = _native(c.kind, raw)  # typed storage (Parquet): no parsing can fail
    given = f"{ident(c.name)} IS NOT NULL" if native else f"{value} IS NOT NULL"
    if c.kind in ("datetime", "date"):
        if not native:
            numbers = bool(_NUMBER.match(raw))
            checks.append(
                _Check(
                    c.name,
                    "numbers, not timestamps (seconds since 1970?)"
                    if numbers
                    else "dates cannot be read",
                    f"{given} AND ({parsed}) IS NULL",
                    value,
                    "export this column as dates and times (ISO 8601, e.g. 2026-04-01 14:30:00)"
                    if numbers
                    else ISO_FIX,
                )
            )
        if raw == "VARCHAR" and not opts.date_format:
            checks.append(
                _Check(
                    c.name,
                    "mixes timestamps with and without a time zone",
                    f"(count(*) FILTER (WHERE {_aware(c.name)})) > 0 AND (count(*) FILTER (WHERE {given} AND NOT {_aware(c.name)})) > 0",
                    None,
                    "give every timestamp the same form: all with an offset (…+01:00) or all without (then the cycle's timezone applies)",
                )
            )
    elif c.kind in ("int", "float"):
        checks += _number_checks(c, raw, parsed, value, given, native)
    elif c.kind == "bool" and not native:
        checks.append(
            _Check(
                c.name,
                "not true/false",
                f"{given} AND ({parsed}) IS NULL",
                value,
                "use true/false, yes/no or 1/0",
            )
        )
    elif c.kind == "category":
        allowed = ", ".join(c.allowed)
        checks.append(
            _Check(
                c.name,
                "unknown value",
                f"{given} AND ({parsed}) NOT IN ({', '.join(quote(a) for a in c.allowed)})",
                value,
                f"use one of: {allowed} (or map the source's labels onto these in the cycle file)",
            )
        )
    if c.required:
        checks.append(
            _Check(
                c.name,
                "empty in a required column",
                f"NOT ({given})",
                None,
                f"every row needs a {c.name}; remove the rows or fill them",
            )
        )
    return checks


def _number_checks(
    c: Column, raw: str, parsed: str, value: str, given: str, native: bool
) -> list[_Check]:
    """A number column: readable as a number, whole where it must be, within its range."""
    checks: list[_Check] = []
    if not native:
        checks.append(
            _Check(
                c.name,
                "not a number",
                f"{given} AND ({parsed}) IS NULL",
                value,
                "use plain numbers with a dot for decimals and no thousands separators",
            )
        )
    if c.kind == "int" and not _INTEGER.match(raw):
        checks.append(
            _Check(
                c.name,
                "not a whole number",
                f"({parsed}) IS NOT NULL AND ({parsed}) <> round({parsed})",
                value,
                "use whole numbers",
            )
        )
    if c.kind == "int":
        checks.append(
            _Check(
                c.name,
                f"too large for a whole number (beyond ±{WHOLE_LIMIT:,})",
                f"abs({parsed}) > {WHOLE_LIMIT}",
                value,
                f"correct the values or clear them; {c.name} must be a whole number",
            )
        )
    if c.min is not None or c.max is not None:
        low = f"({parsed}) < {c.min}" if c.min is not None else "FALSE"
        high = f"({parsed}) > {c.max}" if c.max is not None else "FALSE"
        rng = f"{c.min if c.min is not None else '−∞'} … {c.max if c.max is not None else '∞'}"
        checks.append(
            _Check(
                c.name,
                f"outside the allowed range {rng}",
                f"{low} OR {high}",
                value,
                f"correct the values or clear them; {c.name} must be within {rng}",
            )
        )
    return checks


def _order_checks(
    schema: TableSchema, types: dict, opts: ReadOptions, span: tuple | None
) -> list[_Check]:
    """Timestamps that must not come before another (resolved before created …), on elapsed time
    (each read once, in the view :func:`_timestamps` adds), counted through the zone's offset
    changes over ``span`` (None: its rules for every row)."""
    checks: list[_Check] = []
    clock = wall_clock(opts.timezone, *(span or ()))
    for rule in schema.orders:
        if rule.earlier in types and rule.later in types:
            e, lt = TIMED.format(rule.earlier), TIMED.format(rule.later)
            checks.append(
                _Check(
                    rule.later,
                    f"before {rule.earlier}",
                    clock.negative(e, lt),
                    f"CAST({lt} AS VARCHAR) || ' < ' || CAST({e} AS VARCHAR)",
                    f"{rule.later} must not be earlier than {rule.earlier}: check the export's time zones and the rows named",
                )
            )
    return checks


def _ordered(schema: TableSchema, types: dict) -> list[str]:
    """The columns the order rules compare, of those present."""
    return sorted({c for rule in schema.orders for c in (rule.earlier, rule.later) if c in types})


def _span(con, raw: str, schema: TableSchema, types: dict, rows: int) -> tuple | None:
    """The wall times the order checks count elapsed time over: None (the zone's rules on every
    row) below :data:`~cslib.data.wall_clock.FASTER_FROM` rows; the first and last of the
    compared columns when they are stored as plain timestamps (a Parquet file gives them from
    its statistics); else :data:`SPAN`."""
    ordered = _ordered(schema, types)
    if rows < FASTER_FROM or not ordered:
        return None
    if not all(types[c] == "DATE" or types[c].startswith("TIMESTAMP") for c in ordered) or any(
        types[c].startswith("TIMESTAMP WITH TIME ZONE") for c in ordered
    ):
        return SPAN
    cols = [ident(c) for c in ordered]
    first, last = con.execute(
        f"SELECT least({', '.join(f'min({c})' for c in cols)}), "
        f'greatest({", ".join(f"max({c})" for c in cols)}) FROM "{raw}"'
    ).fetchone()
    return SPAN if first is None else (first, last)


def _timestamps(con, raw: str, schema: TableSchema, types: dict, opts: ReadOptions) -> str:
    """A view of ``raw`` with the timestamps the order rules compare (:data:`TIMED`); its name."""
    parsed = "".join(
        f", {parse_expr(schema[c], types[c], opts)} AS {TIMED.format(c)}"
        for c in _ordered(schema, types)
    )
    con.execute(f'CREATE OR REPLACE TEMP VIEW "{raw}_timed" AS SELECT *{parsed} FROM "{raw}"')
    return f"{raw}_timed"


def _rule_checks(schema: TableSchema, types: dict[str, str]) -> list[_Check]:
    """Rules across columns of one row: one of several columns given, a value within its limit."""
    checks: list[_Check] = []
    for rule in schema.rules:
        if isinstance(rule, OneOf):
            names = ", ".join(rule.columns)
            present = [c for c in rule.columns if c in types]
            fail = (
                " AND ".join(f"{text(c, types[c])} IS NULL" for c in present)
                if present
                else "count(*) > 0"  # no such column at all: the whole file fails
            )
            checks.append(
                _Check(
                    names if present else None,
                    f"gives none of {names}" if present else f"has none of the columns {names}",
                    fail,
                    None,
                    f"every row needs at least one of {names}",
                )
            )
        elif isinstance(rule, Within) and rule.column in types:
            value = text(rule.column, types[rule.column])
            limit = text(rule.limit, types[rule.limit]) if rule.limit in types else "NULL"
            checks.append(
                _Check(
                    rule.column,
                    f"given without {rule.limit}",
                    f"{value} IS NOT NULL AND {limit} IS NULL",
                    value,
                    f"give {rule.limit} on every row with a {rule.column} (e.g. 5 for a 0–5 scale)",
                )
            )
            if rule.limit in types:
                checks.append(
                    _Check(
                        rule.column,
                        f"above {rule.limit}",
                        f"TRY_CAST({value} AS DOUBLE) > TRY_CAST({limit} AS DOUBLE)",
                        f"{value} || ' > ' || {limit}",
                        f"{rule.column} must not exceed {rule.limit}: check the scale of the rows named",
                    )
                )
    return checks


def contract_problems(
    con, raw: str, schema: TableSchema, opts: ReadOptions, name: str, n_rows: int
) -> list[Problem]:
    """Every value of raw view ``raw`` that breaks the contract, and every duplicated key.

    ``name`` names the source in the problems, ``n_rows`` counts its rows. Each failing check gives one
    :class:`~cslib.errors.Problem` with its count and up to five example rows.
    """
    types = {k: v for k, v in raw_types(con, raw).items() if k != "_row"}
    checks = _checks(schema, types, opts, _span(con, raw, schema, types, n_rows))
    timed = _timestamps(con, raw, schema, types, opts)
    counts, repeated = _one_pass(con, timed, checks, keys(schema, types))
    problems: list[Problem] = []
    for check, count in zip(checks, counts, strict=True):
        if not count:
            continue
        rows, values = _examples(con, timed, check)
        problems.append(
            Problem(
                check.what,
                file=name,
                column=check.column,
                rows=rows,
                n_rows=count if rows else None,
                values=values,
                fix=check.fix,
            )
        )
    return problems + duplicate_keys(con, raw, repeated, name)


def _one_pass(con, raw: str, checks: list[_Check], keys: list) -> tuple[list[int], list]:
    """In one pass over ``raw``: how many rows fail each check, and the keys of ``keys``
    (:func:`~cslib.data.keys.keys`) whose values repeat (fewer distinct than rows giving one)."""
    parts = []
    for ch in checks:
        if "count(*)" in ch.fail:  # a whole-column rule
            parts.append(f"CASE WHEN {ch.fail} THEN 1 ELSE 0 END")
        else:
            parts.append(f"count(*) FILTER (WHERE {ch.fail})")
    for _, texts in keys:
        whole = " AND ".join(f"{t} IS NOT NULL" for t in texts)
        parts.append(
            f"count(*) FILTER (WHERE {whole}), count(DISTINCT ({', '.join(texts)})) FILTER (WHERE {whole})"
        )
    if not parts:
        return [], []
    found = con.execute(f'SELECT {", ".join(parts)} FROM "{raw}"').fetchone()
    given, distinct = found[len(checks) :: 2], found[len(checks) + 1 :: 2]
    repeated = [k for k, n, d in zip(keys, given, distinct, strict=True) if n != d]
    return list(found[: len(checks)]), repeated


def _examples(con, raw: str, check: _Check) -> tuple[tuple[int, ...], tuple[object, ...]]:
    if "count(*)" in check.fail:
        return (), ()
    value = check.value or "NULL"
    rows = con.execute(
        # one example per file row: a row of criterion columns gives several table rows
        f'SELECT DISTINCT ON (_row) _row, {value} FROM "{raw}" WHERE {check.fail} ORDER BY _row LIMIT 5'
    ).fetchall()
    return tuple(r for r, _ in rows), tuple(_cut(v) for _, v in rows if v is not None)


def _cut(value: object, limit: int = 200) -> object:
    """A value to quote in a message: text longer than ``limit`` characters is cut."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"… ({len(value):,} characters)"
    return value
