"""Read tables (CSV, Parquet, Excel or a DataFrame) and check them against the data contract.

Validation runs as SQL in DuckDB over the file itself, so a ten-million-row
export is checked with flat memory, and row numbers refer to the raw file as a
spreadsheet shows it (the header is row 1, the first data row is row 2).
Every problem is collected before one :class:`~cslib.errors.DataError` is raised.

Time zones: naive timestamps are read in the cycle's ``timezone``; zone-aware
ones are converted to it; a column that mixes both is an error. Timestamps come
out naive, in local time of that zone.

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

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from cslib.data.schema import SCHEMAS, Column, TableSchema
from cslib.data.sql import ident, quote
from cslib.errors import DataError, Problem

Source = str | Path | pd.DataFrame

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".gz"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
ISO_FIX = "write timestamps as ISO 8601 (2026-04-01 14:30:00), or set date_format in the cycle file's data section"
_AWARE = r"(Z|[+-]\d{2}(:?\d{2})?)$"
_TRUE = ("true", "t", "yes", "y", "1", "1.0")
_FALSE = ("false", "f", "no", "n", "0", "0.0")


@dataclass(frozen=True)
class ReadOptions:
    """How to read one source: options a cycle file can set per table."""

    timezone: str = "UTC"
    columns: tuple[tuple[str, str], ...] = ()  # (contract column, source column) renames
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int = 1
    date_format: str | None = None
    mapping: object | None = (
        None  # a cslib.data.adapters.engine.Mapping: the source is read through it
    )


def connect() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection with the session time zone set to UTC."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def label(source: Source) -> str:
    """How a source is named in messages."""
    return "the DataFrame" if isinstance(source, pd.DataFrame) else str(source)


# --------------------------------------------------------------------------- raw


def register_raw(
    con: duckdb.DuckDBPyConnection, source: Source, view: str, opts: ReadOptions
) -> list[str]:
    """Create view ``view`` over the source as stored, with a ``_row`` number column.

    Columns named in ``opts.columns`` are renamed to their contract names.
    Returns the column names. Raises DataError for unreadable files.
    """
    if opts.mapping is not None:
        from cslib.data.adapters.engine import register_mapped

        return register_mapped(con, source, view, opts)
    if not opts.columns:
        return _register_source(con, source, view, opts)
    columns = _register_source(con, source, f"{view}_source", opts)
    renames = {src: dst for dst, src in opts.columns}
    missing = [src for src in renames if src not in columns]
    if missing:
        raise DataError(
            Problem(
                f"the column mapping names columns the file does not have: {', '.join(missing)}",
                file=label(source),
                values=tuple(columns[:12]),
                fix="correct the source column names under data.<table>.columns in the cycle file",
            )
        )
    select = ", ".join(
        [
            "_row",
            *(
                f"{ident(c)} AS {ident(renames.get(c, c))}"
                for c in columns
                if renames.get(c, c) not in renames.values() or c in renames
            ),
        ]
    )
    con.execute(f'CREATE OR REPLACE VIEW "{view}" AS SELECT {select} FROM "{view}_source"')
    return [c for c in con.table(view).columns if c != "_row"]


def _register_source(
    con: duckdb.DuckDBPyConnection, source: Source, view: str, opts: ReadOptions
) -> list[str]:
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True)
        _check_header(list(map(str, frame.columns)), label(source))
        frame = frame.set_axis(list(map(str, frame.columns)), axis=1)
        frame.insert(0, "_row", range(2, len(frame) + 2))
        con.register(f"{view}_frame", frame)
        con.execute(f'CREATE OR REPLACE VIEW "{view}" AS SELECT * FROM "{view}_frame"')
        return [c for c in frame.columns if c != "_row"]

    path = Path(source)
    name = str(source)
    if not path.exists():
        raise DataError(
            Problem(
                "file not found",
                file=name,
                fix="check the path in the cycle file (relative paths start at the cycle file's folder)",
            )
        )
    if path.is_dir():
        raise DataError(Problem("is a folder, not a file", file=name, fix="name the file itself"))
    if path.stat().st_size == 0:
        raise DataError(
            Problem(
                "the file is empty",
                file=name,
                fix="export the table again; the file has no header and no rows",
            )
        )
    suffix = _suffix(path)
    if suffix == ".zip":
        from cslib.data.adapters.engine import unzipped

        path = unzipped(path)
        name, suffix = str(path), _suffix(path)
        if path.stat().st_size == 0:
            raise DataError(
                Problem(
                    "the table in the zip archive is empty",
                    file=str(source),
                    fix="export the table again",
                )
            )
    if suffix in PARQUET_SUFFIXES:
        sql = f"SELECT * FROM read_parquet({quote(name)})"
    elif suffix in EXCEL_SUFFIXES:
        return _register_excel(con, path, view, opts)
    elif suffix in CSV_SUFFIXES:
        _check_line_lengths(path, name, opts)
        header = _csv_header(path, opts)
        _check_header(header, name, allow=_allowed_duplicates(opts))
        extra = "".join(
            f", {k}={quote(v)}"
            for k, v in (("encoding", opts.encoding), ("delim", opts.delimiter))
            if v
        )
        if (
            header
        ):  # the dialect is known: parse strictly, so truncated rows and open quotes are errors
            delim = opts.delimiter or _sniff_delimiter(path, opts)
            extra = "".join(
                f", {k}={quote(v)}" for k, v in (("encoding", opts.encoding), ("delim", delim)) if v
            )
            struct = "{" + ", ".join(f"{quote(c)}: 'VARCHAR'" for c in _unique_names(header)) + "}"
            extra += f", auto_detect=false, quote='\"', escape='\"', columns={struct}"
        sql = f"SELECT * FROM read_csv({quote(name)}, all_varchar=true, header=true{extra})"
    else:
        raise DataError(
            Problem(f"unknown file type '{suffix}'", file=name, fix="use .csv, .parquet or .xlsx")
        )
    try:
        con.execute(
            f'CREATE OR REPLACE VIEW "{view}" AS SELECT row_number() OVER () + 1 AS _row, * FROM ({sql})'
        )
        columns = [c for c in con.table(view).columns if c != "_row"]
        con.execute(f'SELECT count(*) FROM "{view}"').fetchone()
    except (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException) as exc:
        raise DataError(_read_problem(path, exc, opts)) from None
    return columns


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".gz"] and len(suffixes) > 1:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _csv_header(path: Path, opts: ReadOptions) -> list[str]:
    """The header row of a CSV file, read with Python's csv module (to see duplicated names)."""
    encoding = opts.encoding or "utf-8-sig"
    try:
        with open(path, encoding=encoding, newline="") as handle:
            first = handle.readline(1_000_000)
    except (UnicodeDecodeError, LookupError):
        return []  # DuckDB's read reports the encoding problem
    if opts.delimiter:
        delimiter = opts.delimiter
    else:
        try:
            delimiter = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    return next(csv.reader([first], delimiter=delimiter), [])


def _allowed_duplicates(opts: ReadOptions) -> tuple[str, ...]:
    """Header names a mapping declares as repeated (DuckDB reads the second as name_1)."""
    return tuple(c.strip().lower() for c in getattr(opts.mapping, "duplicate_columns", ()))


#: the longest line DuckDB's CSV reader accepts (its max_line_size default)
MAX_LINE_BYTES = 2_097_152


def _check_line_lengths(path: Path, name: str, opts: ReadOptions) -> None:
    """Fail fast on a line longer than the CSV reader accepts (a 100 MB single line, a binary file)."""
    import numpy as np

    if (opts.encoding or "utf-8").lower().replace("-", "").startswith("utf16"):
        return
    line, gap = 1, 0  # bytes since the last newline
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 23):
            ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
            lengths = (
                np.diff(ends, prepend=-1 - gap) - 1 if len(ends) else np.array([gap + len(chunk)])
            )
            too_long = np.flatnonzero(lengths > MAX_LINE_BYTES)
            if len(too_long):
                where = line + int(too_long[0])
                raise DataError(
                    Problem(
                        f"line {where} is longer than {MAX_LINE_BYTES // 2**20} MB: this is not a table export (a single huge line, or a binary file)",
                        file=name,
                        fix="export the table again as CSV with one row per line, or check that the path names the right file",
                    )
                )
            line += len(ends)
            gap = len(chunk) - 1 - int(ends[-1]) if len(ends) else gap + len(chunk)


def _sniff_delimiter(path: Path, opts: ReadOptions) -> str:
    with open(path, encoding=opts.encoding or "utf-8-sig", newline="", errors="replace") as handle:
        first = handle.readline(1_000_000)
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _unique_names(header: list[str]) -> list[str]:
    """Header names made unique as DuckDB does (the second ``category`` becomes ``category_1``)."""
    out: list[str] = []
    for i, col in enumerate(header):
        name, k = (col if col.strip() else f"column{i}"), 0
        while name in out:
            k += 1
            name = f"{col}_{k}"
        out.append(name)
    return out


def _check_header(columns: list[str], name: str, allow: tuple[str, ...] = ()) -> None:
    seen, dupes = set(), []
    for col in columns:
        key = col.strip().lower()
        if key in seen and col not in dupes and key not in allow:
            dupes.append(col)
        seen.add(key)
    if dupes:
        raise DataError(
            Problem(
                "duplicated column names",
                file=name,
                values=tuple(dupes),
                fix="rename the columns so each name appears once (or map the one you need in the cycle file)",
            )
        )


def _register_excel(con, path: Path, view: str, opts: ReadOptions) -> list[str]:
    try:
        frame = pd.read_excel(
            path,
            sheet_name=opts.sheet if opts.sheet is not None else 0,
            header=opts.header_row - 1,
            dtype=object,
            engine="openpyxl" if path.suffix.lower() != ".xls" else None,
        )
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise DataError(
            Problem(
                f"the workbook cannot be read ({type(exc).__name__}: {exc})",
                file=str(path),
                fix="save it again as .xlsx or export the sheet as CSV",
            )
        ) from None
    columns = [str(c) for c in frame.columns]
    _check_header(columns, str(path))
    layout = _excel_layout_problems(path, opts)
    if layout:
        raise DataError(layout)
    text = frame.apply(lambda col: col.map(lambda v: None if pd.isna(v) else str(v))).astype(object)
    text.columns = columns
    text.insert(0, "_row", range(opts.header_row + 1, opts.header_row + 1 + len(text)))
    con.register(f"{view}_frame", text)
    con.execute(f'CREATE OR REPLACE VIEW "{view}" AS SELECT * FROM "{view}_frame"')
    return columns


def _excel_layout_problems(path: Path, opts: ReadOptions) -> list[Problem]:
    """Merged cells and formulas without saved results in the data rows (values pandas cannot see)."""
    from openpyxl import load_workbook

    if path.suffix.lower() == ".xls" or path.stat().st_size > 20_000_000:
        return []
    try:
        books = load_workbook(path, data_only=False), load_workbook(path, data_only=True)
    except Exception:  # pandas already read it; nothing more to learn
        return []
    sheets = [
        b[opts.sheet] if isinstance(opts.sheet, str) else b.worksheets[opts.sheet or 0]
        for b in books
    ]
    problems = []
    merged = sorted(
        (r for r in sheets[0].merged_cells.ranges if r.max_row > opts.header_row),
        key=lambda r: r.min_row,
    )
    if merged:
        rows = sorted(
            {
                row
                for r in merged
                for row in range(max(r.min_row, opts.header_row + 1), r.max_row + 1)
            }
        )
        problems.append(
            Problem(
                "merged cells in the data rows: only the first cell of a merged range holds its value",
                file=str(path),
                rows=tuple(rows[:5]),
                n_rows=len(rows),
                values=tuple(str(r) for r in merged[:5]),
                fix="unmerge the cells and fill the value into every row (or export the sheet as CSV)",
            )
        )
    formulas = [
        (c.row, c.coordinate)
        for row in sheets[0].iter_rows(min_row=opts.header_row + 1)
        for c in row
        if c.data_type == "f" and sheets[1][c.coordinate].value is None
    ]
    if formulas:
        problems.append(
            Problem(
                "formulas without a saved result: the workbook was never calculated, so these cells are empty",
                file=str(path),
                rows=tuple(sorted({r for r, _ in formulas}))[:5],
                n_rows=len({r for r, _ in formulas}),
                values=tuple(c for _, c in formulas[:5]),
                fix="open the workbook in Excel or LibreOffice and save it (this stores the results), or replace the formulas by values",
            )
        )
    return problems


def _read_problem(path: Path, exc: Exception, opts: ReadOptions) -> Problem:
    message = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", message)
    at = f" (line {line.group(1)})" if line else ""
    if "unterminated quote" in message:
        return Problem(
            f"a quoted value is never closed{at}: the file looks truncated, or a text field holds a stray double quote",
            file=str(path),
            fix='export the table again (complete), or double the quotes inside quoted text ("")',
        )
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if counts:
        return Problem(
            f"a row has {counts.group(2)} fields where the header has {counts.group(1)}{at}: the file looks truncated, or the delimiter is wrong",
            file=str(path),
            fix="export the table again (complete); if the values are separated by another character, set delimiter for this table in the cycle file",
        )
    if "maximum line size" in message.lower():
        return Problem(
            f"a line is longer than {MAX_LINE_BYTES // 2**20} MB{at}",
            file=str(path),
            fix="export the table again as CSV with one row per line",
        )
    if "unicode" in message.lower() or "utf-8" in message.lower().split("encoding")[0]:
        line = _first_bad_line(path, opts.encoding or "utf-8")
        return Problem(
            f"the file is not {opts.encoding or 'UTF-8'} text"
            + (f" (first bad byte on line {line})" if line else ""),
            file=str(path),
            fix="save it as UTF-8, or set encoding (e.g. latin-1 or cp1252) for this table in the cycle file",
        )
    first = next((ln for ln in message.splitlines() if ln.strip()), message)
    first = re.sub(r"^[A-Za-z ]*Error: ", "", first)
    return Problem(
        f"the file cannot be read as a table: {first}",
        file=str(path),
        fix="check that it is a complete export (not truncated), with one header row and the same number of fields on every line",
    )


def _first_bad_line(path: Path, encoding: str) -> int | None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return None
    line = 1
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 16):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                return line + chunk[: err.start].count(b"\n")
            line += chunk.count(b"\n")
    return None


# ------------------------------------------------------------------------- typed


def _raw_types(con, view: str) -> dict[str, str]:
    rel = con.table(view)
    return {c: str(t).upper() for c, t in zip(rel.columns, rel.types, strict=True)}


def _text(col: str, raw_type: str) -> str:
    expr = ident(col) if raw_type == "VARCHAR" else f"CAST({ident(col)} AS VARCHAR)"
    return f"NULLIF(TRIM({expr}), '')"


def _aware(col: str) -> str:
    v = _text(col, "VARCHAR")
    return f"({v} LIKE '%:%' AND regexp_matches({v}, '{_AWARE}'))"


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
            v = _text(column.name, raw_type)
            if opts.date_format:
                expr = f"try_strptime({v}, {quote(opts.date_format)})"
            else:
                expr = (
                    f"CASE WHEN {_aware(column.name)} THEN timezone({tz}, TRY_CAST({v} AS TIMESTAMPTZ)) "
                    f"ELSE TRY_CAST({v} AS TIMESTAMP) END"
                )
        return f"date_trunc('day', {expr})" if kind == "date" else expr
    if kind in ("int", "float"):
        if raw_type in ("BOOLEAN",):
            return f"CAST({col} AS DOUBLE)"
        return f"TRY_CAST({_text(column.name, raw_type)} AS DOUBLE)"
    if kind == "bool":
        if raw_type == "BOOLEAN":
            return col
        v = f"lower({_text(column.name, raw_type)})"
        return f"CASE WHEN {v} IN {_TRUE} THEN TRUE WHEN {v} IN {_FALSE} THEN FALSE END"
    if kind == "category":
        return f"replace(lower({_text(column.name, raw_type)}), ' ', '_')"
    return _text(column.name, raw_type)


def _output_expr(column: Column, parsed: str) -> str:
    if column.kind == "int":
        return f"CAST({parsed} AS BIGINT)"
    return parsed


def typed_sql(con, view: str, schema: TableSchema, opts: ReadOptions) -> str:
    """SELECT list turning the raw view into contract types (contract columns only)."""
    types = _raw_types(con, view)
    exprs = [
        f"{_output_expr(c, parse_expr(c, types[c.name], opts))} AS {ident(c.name)}"
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


def _checks(schema: TableSchema, types: dict[str, str], opts: ReadOptions) -> list[_Check]:
    checks: list[_Check] = []
    present = [c for c in schema.columns if c.name in types]
    for c in present:
        raw = types[c.name]
        parsed = parse_expr(c, raw, opts)
        value = _text(c.name, raw)
        native = _native(c.kind, raw)  # typed storage (Parquet): no parsing can fail
        given = f"{ident(c.name)} IS NOT NULL" if native else f"{value} IS NOT NULL"
        if c.kind in ("datetime", "date"):
            if not native:
                checks.append(
                    _Check(
                        c.name,
                        "dates cannot be read",
                        f"{given} AND ({parsed}) IS NULL",
                        value,
                        ISO_FIX,
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
    for rule in schema.orders:
        if rule.earlier in types and rule.later in types:
            e = parse_expr(schema[rule.earlier], types[rule.earlier], opts)
            lt = parse_expr(schema[rule.later], types[rule.later], opts)
            checks.append(
                _Check(
                    rule.later,
                    f"before {rule.earlier}",
                    f"({lt}) < ({e})",
                    f"CAST({lt} AS VARCHAR) || ' < ' || CAST({e} AS VARCHAR)",
                    f"{rule.later} must not be earlier than {rule.earlier}: check the export's time zones and the rows named",
                )
            )
    return checks


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
        from cslib.data.adapters.engine import check_mapped

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
        problems.append(
            Problem(
                "the file has a header but no data rows",
                file=name,
                fix="export the table again with its rows",
            )
        )
        return problems
    types = {k: v for k, v in _raw_types(con, raw).items() if k != "_row"}
    checks = _checks(schema, types, opts)
    counts = _count_failures(con, raw, checks)
    for check, count in zip(checks, counts, strict=True):
        if not count:
            continue
        rows, values = _examples(con, raw, check)
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
    problems += _duplicate_keys(con, raw, schema, types, name)
    return problems


def _count_failures(con, raw: str, checks: list[_Check]) -> list[int]:
    if not checks:
        return []
    parts = []
    for ch in checks:
        if "count(*)" in ch.fail:  # a whole-column rule
            parts.append(f"CASE WHEN {ch.fail} THEN 1 ELSE 0 END")
        else:
            parts.append(f"count(*) FILTER (WHERE {ch.fail})")
    return list(con.execute(f'SELECT {", ".join(parts)} FROM "{raw}"').fetchone())


def _examples(con, raw: str, check: _Check) -> tuple[tuple[int, ...], tuple[object, ...]]:
    if "count(*)" in check.fail:
        return (), ()
    value = check.value or "NULL"
    rows = con.execute(
        f'SELECT _row, {value} FROM "{raw}" WHERE {check.fail} ORDER BY _row LIMIT 5'
    ).fetchall()
    return tuple(r for r, _ in rows), tuple(v for _, v in rows if v is not None)


def _duplicate_keys(
    con, raw: str, schema: TableSchema, types: dict[str, str], name: str
) -> list[Problem]:
    keys = [(c.name,) for c in schema.columns if c.unique and c.name in types]
    if schema.key and len(schema.key) > 1 and all(k in types for k in schema.key):
        keys.append(schema.key)
    problems = []
    for key in keys:
        cols = ", ".join(_text(k, types[k]) for k in key)
        total, distinct = con.execute(
            f'SELECT count(*), count(DISTINCT ({cols})) FROM "{raw}" WHERE {" AND ".join(f"{_text(k, types[k])} IS NOT NULL" for k in key)}'
        ).fetchone()
        if total == distinct:  # the common case: one cheap pass, no row lists
            continue
        sql = (
            f'SELECT {cols}, count(*) AS n, list(_row ORDER BY _row)[1:5] AS rows FROM "{raw}" '
            f"GROUP BY ALL HAVING count(*) > 1 ORDER BY min(_row)"
        )
        dupes = con.execute(f"SELECT *, sum(n) OVER () AS total FROM ({sql}) LIMIT 5").fetchall()
        if dupes:
            rows = tuple(r for d in dupes for r in d[len(key) + 1])[:5]
            values = tuple(d[0] if len(key) == 1 else tuple(d[: len(key)]) for d in dupes)
            problems.append(
                Problem(
                    f"duplicate {' × '.join(key)}",
                    file=name,
                    column=", ".join(key),
                    rows=rows,
                    n_rows=int(dupes[0][-1]),
                    values=values,
                    fix=f"each {' × '.join(key)} must appear once: remove repeated rows or give them distinct ids",
                )
            )
    return problems


# ----------------------------------------------------------------------- loading


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
    con.execute(f'CREATE OR REPLACE VIEW "{view}" AS {typed_sql(con, raw, SCHEMAS[table], opts)}')
    return con, view


def read_table(
    source: Source, table: str, *, opts: ReadOptions | None = None, **options
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
    con, view = open_table(source, table, opts=opts)
    frame = con.table(view).df()
    for col in SCHEMAS[table].columns:
        if col.name in frame and col.kind == "int":
            frame[col.name] = frame[col.name].astype("Int64")
        if col.name in frame and col.kind == "bool":
            frame[col.name] = frame[col.name].astype("boolean")
    con.close()
    return frame
