"""Read tables (CSV, Parquet, Excel or a DataFrame) and check them against the data contract.

Validation runs as SQL in DuckDB over the file itself, so a ten-million-row
export is checked with flat memory, and row numbers refer to the raw file as a
spreadsheet shows it (the header is row 1, the first data row is row 2).
Every problem is collected before one :class:`~cslib.errors.DataError` is raised.

A source is read as stored (:mod:`cslib.data.files`), through its mapping when
it has one (:mod:`cslib.data.adapters`), then checked and typed by the contract's
SQL (:mod:`cslib.data.contract`). Time zones: naive timestamps are read in the
cycle's ``timezone``; zone-aware ones are converted to it; a column that mixes
both is an error. Timestamps come out naive, in local time of that zone; durations between them
are elapsed time (:func:`~cslib.data.sql.elapsed_seconds`).

Raw files are only ever opened for reading.

Examples
--------
>>> import pandas as pd
>>> from cslib.data.tables import read_table
>>> raw = pd.DataFrame({"ticket_id": [1, 2], "created_at": ["2026-04-01 09:00", "2026-04-01 10:30"]})
>>> read_table(raw, "tickets").dtypes["created_at"].kind
'M'
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cslib.data.adapters.views import check_mapped, register_mapped
from cslib.data.cache import digest, recall, remember
from cslib.data.contract import contract_problems, typed_sql
from cslib.data.database import Query
from cslib.data.file_checks import check_options
from cslib.data.files import (
    ReadOptions,
    Source,
    connect,
    label,
    parquet_identity,
    register_renamed,
)
from cslib.data.keys import invisible_ids
from cslib.data.schema import SCHEMAS
from cslib.data.sql import quote
from cslib.data.stored_text import clean_text, text_rules
from cslib.errors import DataError, Problem

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "ReadOptions",
    "check_table",
    "connect",
    "id_notes",
    "label",
    "open_table",
    "read_table",
    "register_raw",
]


def register_raw(
    con: duckdb.DuckDBPyConnection, source: Source, view: str, opts: ReadOptions
) -> list[str]:
    """Create view ``view`` over the source, with a ``_row`` number column.

    A source with a mapping is read through it (contract columns only); otherwise
    the columns named in ``opts.columns`` are renamed to their contract names.
    Returns the column names. Raises DataError for unreadable files.
    """
    check_options(con, opts, label(source))
    if opts.mapping is not None:
        return register_mapped(con, source, view, opts)
    return register_renamed(con, source, view, opts)


def check_table(
    source: Source, table: str, *, opts: ReadOptions | None = None, con=None, raw: str = "raw"
) -> list[Problem]:
    """Every problem of a table against its contract, without raising for data problems.

    Unreadable files (missing, empty, wrong encoding) still raise :class:`DataError`
    because nothing more can be checked.
    """
    opts = opts or ReadOptions()
    schema = SCHEMAS[table]
    con = con or connect()
    name = label(source)
    columns = register_raw(con, source, raw, opts)
    problems: list[Problem] = []
    if opts.mapping is not None:
        problems += check_mapped(con, raw, opts, name)
    missing = [c.name for c in schema.required if c.name not in columns]
    if missing:
        hint = ""
        if len(columns) == 1 and re.search(r"[;\t|]", columns[0]):
            hint = f"; the header is one column '{columns[0][:60]}': is the delimiter right?"
        elif sum(c.startswith("Unnamed: ") for c in columns) > len(columns) / 2:
            hint = "; the header is not on the first row of the sheet: set header_row for this table in the cycle file"
        problems.append(
            Problem(
                f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}{hint}",
                file=name,
                values=tuple(columns[:12]),
                fix=f"the file has the columns listed; rename or map them onto {', '.join(missing)} in the cycle file",
            )
        )
    n_rows = con.execute(f'SELECT count(*) FROM "{raw}"').fetchone()[0]
    if n_rows == 0:
        query = isinstance(source, Query)
        problems.append(
            Problem(
                "the query returned no rows" if query else "the file has a header but no data rows",
                file=name,
                fix="check the query's conditions (dates, names)"
                if query
                else "export the table again with its rows",
            )
        )
        return problems
    return problems + contract_problems(con, raw, schema, opts, name, n_rows)


def id_notes(source: Source, table: str, *, opts: ReadOptions | None = None) -> list[str]:
    """What was changed in the table's ids before they were compared, in plain words.

    Ids that differ only by characters that do not show (a NUL, a zero-width space,
    a byte-order mark…) are one id: those characters are removed.

    Examples
    --------
    >>> raw = pd.DataFrame({"ticket_id": ["T1", "T1\\u200b"], "created_at": ["2026-04-01", "2026-04-02"]})
    >>> id_notes(raw, "tickets")
    ['ticket_id: 1 value held invisible characters (NUL, zero-width space, byte-order mark…); they were removed before ids were compared']
    """
    con = connect()
    register_raw(con, source, "raw", opts or ReadOptions())
    counts = invisible_ids(con, "raw", SCHEMAS[table])
    con.close()
    return [
        f"{column}: {n:,} value{'s' if n > 1 else ''} held invisible characters (NUL, zero-width "
        "space, byte-order mark…); they were removed before ids were compared"
        for column, n in counts.items()
    ]


def open_table(
    source: Source,
    table: str,
    *,
    opts: ReadOptions | None = None,
    con=None,
    validate: bool = True,
    view: str | None = None,
):
    """Check a table and expose it in DuckDB as a typed view; returns ``(con, view_name)``.

    Nothing is loaded into pandas: use this for large files.
    """
    opts = opts or ReadOptions()
    con = con or connect()
    con.execute(f"SET TimeZone = {quote(opts.timezone)}")  # durations are elapsed time in it
    view = view or table
    raw = f"{view}_raw"
    if validate:
        problems = check_table(source, table, opts=opts, con=con, raw=raw)
        if problems:
            raise DataError(
                problems,
                where=f"{table} ({label(source)})",
            )
    else:
        register_raw(con, source, raw, opts)
    file = parquet_identity(source) if opts.mapping is None else None
    clean = _clean_text(table, file, opts) if file else frozenset()
    con.execute(
        f'CREATE OR REPLACE TEMP VIEW "{view}" AS {typed_sql(con, raw, SCHEMAS[table], opts, clean)}'
    )
    return con, view


@functools.lru_cache(maxsize=64)
def _clean_text(table: str, file: tuple, opts: ReadOptions) -> frozenset[str]:
    """The text columns of one version of a Parquet file (``file``: its identity) already
    clean (:func:`~cslib.data.stored_text.clean_text`): found once per process, as a stage opens
    the same file dozens of times, and remembered in the cache folder for the next process."""
    schema = SCHEMAS[table]
    name = digest("clean-text-1", table, file, repr(opts), text_rules(schema, opts))
    known = recall("text", name)
    if isinstance(known, list) and all(isinstance(c, str) for c in known):
        return frozenset(known)
    con = connect()
    try:
        register_raw(con, Path(file[0]), "raw", opts)
        clean = clean_text(con, "raw", schema, opts)
    finally:
        con.close()
    remember("text", name, sorted(clean))
    return clean


def read_table(
    source: Source,
    table: str,
    *,
    opts: ReadOptions | None = None,
    validate: bool = True,
    **options,
) -> pd.DataFrame:
    """Read and check a table; return it as a typed pandas DataFrame with contract columns.

    Parameters
    ----------
    source : path or DataFrame
        A CSV, Parquet or Excel file, or a DataFrame already in memory.
    table : str
        The contract name: ``tickets``, ``complaints``, ``survey``, ``survey_weights``,
        ``feedback``, ``training`` or ``agents``.
    opts : ReadOptions, optional
        Time zone, encoding, sheet…; or give them as keyword arguments.
    validate : bool
        Check the table against its contract (False: it was checked already, unchanged since).

    Returns
    -------
    DataFrame
        The contract columns present in the source, typed: timestamps (naive, in
        the cycle's time zone), nullable integers, floats, booleans, lower-case
        categories and text.

    Raises
    ------
    DataError
        Listing every problem found (file, column, rows, values and how to fix).
    """
    opts = opts or ReadOptions(**options)
    con, view = open_table(source, table, opts=opts, validate=validate)
    frame = con.table(view).df()
    for col in SCHEMAS[table].columns:
        if col.name in frame and col.kind == "int":
            frame[col.name] = frame[col.name].astype("Int64")
        if col.name in frame and col.kind == "bool":
            frame[col.name] = frame[col.name].astype("boolean")
    con.close()
    return frame
