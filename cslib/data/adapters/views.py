"""Read a source through its mapping, check the mapping's work, and describe it.

:func:`register_mapped` builds the view of contract columns over a source read
as stored (:mod:`cslib.data.files`): an event log collapsed to its last event
per key, joined exports added. :func:`check_mapped` finds the dates the
mapping cannot read and the labels it does not map; :func:`describe` says where
each contract column comes from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cslib._lazy import lazy
from cslib.data import sql
from cslib.data.adapters.build import Plan, column_plan, find_column, last_per_key, norm_name
from cslib.data.adapters.clean import counts
from cslib.data.adapters.criteria import CELL, found_columns, missing_columns, unpivot
from cslib.data.adapters.model import Mapping, path_under
from cslib.data.files import ReadOptions, Source, connect, label, register_renamed, register_source
from cslib.data.raw_sql import raw_types
from cslib.data.schema import SCHEMAS
from cslib.errors import DataError, Problem

if TYPE_CHECKING:
    import duckdb
else:
    duckdb = lazy("duckdb")


def _mapping_of(opts: ReadOptions) -> Mapping:
    """The :class:`~cslib.data.adapters.model.Mapping` a source is read through (``opts.mapping``).

    ``ReadOptions`` holds it untyped, since :mod:`cslib.data.files` sits below the
    adapters; a missing or foreign mapping is a programming error.
    """
    if not isinstance(opts.mapping, Mapping):
        raise TypeError(f"a mapped source needs ReadOptions.mapping, not {opts.mapping!r}")
    return opts.mapping


def register_mapped(
    con: duckdb.DuckDBPyConnection, source: Source, view: str, opts: ReadOptions
) -> list[str]:
    """Create view ``view`` (contract columns + ``_row``) over a source read through ``opts.mapping``.

    Called by :func:`cslib.data.tables.register_raw`. The raw file becomes ``<view>_source``;
    an event log is collapsed to its last event per key (``_row`` is then that
    event's row in the file), joined exports are added, and each contract column
    is computed as the mapping says.
    """
    m = _mapping_of(opts)
    name = label(source)
    src_opts = ReadOptions(
        timezone=opts.timezone,
        encoding=opts.encoding,
        delimiter=opts.delimiter,
        sheet=opts.sheet,
        header_row=opts.header_row,
        mapping=m,
    )
    columns = register_source(con, source, f"{view}_source", src_opts)
    body = f'SELECT * FROM "{view}_source"'
    if m.events is not None:
        body, _ = last_per_key(
            con, f"{view}_source", m.events.key, m.events.last_by, m, "event log", name
        )
    if m.criteria is not None:  # one row per evaluation × criterion column
        markers = m.missing_in(m.criteria.cells, CELL)
        body = unpivot(m.criteria, body, columns, markers)
    select, joins = ["s.*"], []
    for jname, join in m.joins.items():
        if join.path is None:
            continue
        jpath = path_under(join.path, m.base_dir)
        jview = f"{view}_j_{norm_name(jname)}"
        jcols = register_source(
            con, jpath, f"{jview}_source", ReadOptions(timezone=opts.timezone, mapping=m)
        )
        jbody, jkey = last_per_key(
            con, f"{jview}_source", join.key, join.last_by, m, f"'{jname}' join", str(jpath)
        )
        on = find_column(join.on, columns)
        if on is None:
            raise DataError(
                Problem(
                    f"the column {' or '.join(map(repr, join.on))} to join '{jname}' on is missing",
                    file=name,
                    values=tuple(columns[:12]),
                    fix=f"correct joins.{jname}.on in the mapping",
                )
            )
        alias = f"j_{norm_name(jname)}"
        joins.append(
            f"LEFT JOIN ({jbody}) {alias} ON NULLIF(TRIM(CAST(s.{sql.ident(on)} AS VARCHAR)), '') = NULLIF(TRIM(CAST({alias}.{sql.ident(jkey)} AS VARCHAR)), '')"
        )
        select += [
            f"{alias}.{sql.ident(c)} AS {sql.ident(f'{jname}.{c}')}"
            for c in jcols
            if f"{jname}.{c}" not in columns
        ]
    # collapsed or unpivoted once, not on every check (and in order: DuckDB < 2.0 reorders views)
    kind = "TABLE" if m.events is not None or m.criteria is not None or joins else "VIEW"
    _create_temp(
        con, kind, f"{view}_in", f"SELECT {', '.join(select)} FROM ({body}) s {' '.join(joins)}"
    )
    plan = _view_plan(con, view, opts)
    exprs = ", ".join(["_row", *(f"{e} AS {sql.ident(c)}" for c, e in plan.exprs.items())])
    con.execute(
        f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT {exprs} FROM "{view}_in" WHERE {plan.keep}'
    )
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


def _create_temp(con, kind: str, name: str, query: str) -> None:
    """Create temporary table or view ``name`` as ``query``, replacing one of either kind.

    Temporary, so the connection's own: connections share one database (:func:`cslib.data.files.connect`).
    """
    for (old,) in con.execute(
        "SELECT 'TABLE' FROM duckdb_tables() WHERE temporary AND table_name = ? "
        "UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE temporary AND view_name = ?",
        [name] * 2,
    ).fetchall():
        con.execute(f'DROP {old} temp."{name}"')
    con.execute(f'CREATE TEMP {kind} "{name}" AS {query}')


def _view_plan(con, view: str, opts: ReadOptions) -> Plan:
    """The plan of the mapped view ``view``, over its input ``<view>_in``."""
    types = raw_types(con, f"{view}_in")
    columns = [c for c in types if c != "_row"]
    m = _mapping_of(opts)
    return column_plan(m, m.table or "tickets", columns, types, opts)


def check_mapped(con, view: str, opts: ReadOptions, name: str) -> list[Problem]:
    """Problems of applying the mapping: unreadable dates, unmapped labels, named columns the file lacks."""
    m = _mapping_of(opts)
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
    problems += _cleaning_problems(m, plan, name) + _criteria_problems(con, view, m, name)
    # dropped rows are not checked: a test call may carry anything
    source = f'(SELECT * FROM "{view}_in" WHERE {plan.keep})'
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


def _cleaning_problems(m: Mapping, plan: Plan, name: str) -> list[Problem]:
    """Drop rules that name no column of the file (strict mappings), and conflicting targets."""
    problems = []
    if m.strict:
        problems += [
            Problem(
                f"the mapping {m.name!r} drops rows by a column the file does not have: {rule}",
                file=name,
                fix="correct the column name under drop: … where: in the mapping, or remove the rule",
            )
            for rule in plan.unmatched
        ]
    for col, names in plan.conflicts.items():
        problems.append(
            Problem(
                f"the mapping {m.name!r} reads {' and '.join(names)} from the same source column",
                file=name,
                column=col,
                fix=f"map each from its own column; if one column really gives both, say so with allow_same_source: [{', '.join(names)}]",
            )
        )
    return problems


def _criteria_problems(con, view: str, m: Mapping, name: str) -> list[Problem]:
    """Criterion columns the mapping names and the file lacks (whether or not the mapping is
    strict: they are the scorecard's, not candidates), or none found at all."""
    if m.criteria is None:
        return []
    header = [c for c in con.table(f"{view}_source").columns if c != "_row"]
    lacking = missing_columns(m.criteria, header)
    used = {
        *found_columns(m.criteria, header),
        *(find_column(c, header) for c in m.columns.values()),
    }
    unused = tuple(h for h in header if h not in used)  # where a renamed criterion column would be
    problems = [
        Problem(
            f"the mapping {m.name!r} names the criterion column {col!r}, which the file does not have",
            file=name,
            column=col,
            values=unused,
            fix=f"correct the column's name under criteria.columns (the file's columns that nothing maps are listed), or remove {col!r}",
        )
        for col in lacking
    ]
    if not found_columns(m.criteria, header) and not lacking:
        how = " or ".join(
            [f"named {', '.join(map(repr, m.criteria.columns))}"] * bool(m.criteria.columns)
            + [f"starting with {', '.join(map(repr, m.criteria.prefix))}"] * bool(m.criteria.prefix)
        )
        problems.append(
            Problem(
                f"the file has no criterion column ({how})",
                file=name,
                values=tuple(header[:12]),
                fix="name the file's criterion columns under criteria.columns, or give their prefix under criteria.prefix",
            )
        )
    return problems


def _where(col: str, plan: Plan) -> str:
    """A contract column and, when it differs, the source it comes from."""
    origin = plan.origin.get(col)
    return f"{col} ← {origin}" if origin and origin != col else col


def cleaning(source: Source, table: str, *, opts: ReadOptions) -> pd.DataFrame:
    """The rows a source's mapping dropped (by reason) and the durations it zeroed.

    Returns
    -------
    DataFrame
        ``step`` and ``rows``, one row per drop rule (a row meeting several counts
        under the first) and per column whose small negative durations were set to
        zero; empty without a mapping or when the mapping cleans nothing.
    """
    if opts.mapping is None:
        return counts(None, "", Plan())
    con = connect()
    try:
        register_mapped(con, source, "raw", opts)
        return counts(con, '"raw_in"', _view_plan(con, "raw", opts))
    finally:
        con.close()


def describe(source: Source, table: str, *, opts: ReadOptions) -> pd.DataFrame:
    """How a mapped source fills each contract column.

    Returns
    -------
    DataFrame
        One row per contract column: ``column``, ``required``, ``source`` (the
        source column or derivation; empty when unmapped), ``mapped`` (bool),
        ``note`` (why it is unmapped).
    """
    con = connect()
    try:
        if opts.mapping is None:
            register_renamed(con, source, "raw", opts)
            plan = None
        else:
            register_mapped(con, source, "raw", opts)
            plan = _view_plan(con, "raw", opts)
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
