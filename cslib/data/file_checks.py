"""Checks that a file reads as a table: its header, delimiter, line lengths and Excel layout.

Each check either passes silently or raises (or returns) :class:`~cslib.errors.Problem` s
that say what is wrong with the file and how to export it again.

Examples
--------
>>> unique_names(["id", "category", "category", " "])
['id', 'category', 'category_1', 'column3']
>>> check_header(["Id", "id"], "export.csv")
Traceback (most recent call last):
...
cslib.errors.DataError: 1 problem in the input:
- export.csv: duplicated column names (value 'id')
  fix: rename the columns so each name appears once (or map the one you need in the cycle file)
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from cslib.errors import DataError, Problem

if TYPE_CHECKING:
    from cslib.data.files import ReadOptions

#: the longest line DuckDB's CSV reader accepts (its max_line_size default)
MAX_LINE_BYTES = 2_097_152
#: the most columns a table may have (a spreadsheet's limit)
MAX_COLUMNS = 16_384
#: the longest column name (Python's csv module refuses longer fields)
MAX_NAME_CHARS = csv.field_size_limit()


#: byte-order marks and the encodings they announce (UTF-32 first: its mark starts like UTF-16's)
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(head: bytes) -> str | None:
    """The encoding a file's first bytes announce (a byte-order mark), or None when unsure.

    UTF-16 without a mark is recognised by its zero bytes: text of Latin letters,
    digits and punctuation has one in every other byte.

    Examples
    --------
    >>> detect_encoding(codecs.BOM_UTF16_LE + "id".encode("utf-16-le"))
    'utf-16'
    >>> detect_encoding("ticket_id,created_at".encode("utf-16-be")), detect_encoding(b"ticket_id")
    ('utf-16-be', None)
    """
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding
    even, odd = head[0::2], head[1::2]
    if len(head) >= 8 and 0 not in even and odd.count(0) > 0.9 * len(odd):
        return "utf-16-le"
    if len(head) >= 8 and 0 not in odd and even.count(0) > 0.9 * len(even):
        return "utf-16-be"
    return None


def csv_header(path: Path, opts: ReadOptions, name: str | None = None) -> list[str]:
    """The header row of a CSV file, read with Python's csv module (to see duplicated names).

    ``name`` names the file in messages (default: ``path``).
    """
    encoding = opts.encoding or "utf-8-sig"
    try:
        with open(path, encoding=encoding, newline="") as handle:
            first = handle.readline(MAX_LINE_BYTES)
            handle.seek(0)
            # the header record: a quoted name may run over several lines
            return next(csv.reader(handle, delimiter=opts.delimiter or _sniff(first)), [])
    except (UnicodeDecodeError, LookupError):
        return []  # DuckDB's read reports the encoding problem
    except csv.Error as exc:
        raise DataError(
            Problem(
                f"the header cannot be read ({exc}): a column name is longer than "
                f"{MAX_NAME_CHARS // 1024} KB, or a quote in the header is never closed",
                file=name or str(path),
                fix="check that the first line of the file is the header row of a table export",
            )
        ) from None


def check_options(con, opts: ReadOptions, name: str) -> None:
    """Raise DataError for read options of the cycle file (or mapping) that cannot work.

    The delimiter must be one character other than a quote or a line break; every
    date format must be one DuckDB's ``strptime`` understands.
    """
    import duckdb

    from cslib._yamlfile import shorten
    from cslib.data.sql import quote

    problems = []
    if opts.delimiter is not None and (len(opts.delimiter) != 1 or opts.delimiter in '"\r\n'):
        problems.append(
            Problem(
                f"delimiter {shorten(opts.delimiter)} cannot separate values: it must be "
                "one character other than a double quote or a line break",
                file=name,
                fix="set delimiter for this table in the cycle file to one character, e.g. ';' or '|' (or remove it: it is detected)",
            )
        )
    mapping = getattr(opts.mapping, "dates", None)
    formats = [opts.date_format] if opts.date_format else []
    formats += [
        *getattr(mapping, "format", []),
        *(f for fs in getattr(mapping, "columns", {}).values() for f in fs),
    ]
    for fmt in dict.fromkeys(formats):
        try:
            con.execute(f"SELECT try_strptime(NULL::VARCHAR, {quote(fmt)})")
        except duckdb.Error as exc:
            reason = str(exc).splitlines()[0].split("Error: ", 1)[-1]
            problems.append(
                Problem(
                    f"date format {shorten(fmt)} cannot be used ({shorten(reason)})",
                    file=name,
                    fix="set date_format (or the mapping's dates.format) with strptime codes, e.g. %d/%m/%Y %H:%M",
                )
            )
    if problems:
        raise DataError(problems)


def allowed_duplicates(opts: ReadOptions) -> tuple[str, ...]:
    """Header names a mapping declares as repeated (DuckDB reads the second as name_1)."""
    return tuple(c.strip().lower() for c in getattr(opts.mapping, "duplicate_columns", ()))


def check_line_lengths(path: Path, name: str, opts: ReadOptions) -> None:
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


def sniff_delimiter(path: Path, opts: ReadOptions) -> str:
    """The delimiter of a CSV file, guessed from its first line (undecodable bytes replaced)."""
    with open(path, encoding=opts.encoding or "utf-8-sig", newline="", errors="replace") as handle:
        return _sniff(handle.readline(1_000_000))


def _sniff(line: str) -> str:
    """The delimiter of a header line: comma, semicolon, tab or bar (a comma when unsure)."""
    try:
        return csv.Sniffer().sniff(line, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def unique_names(header: list[str]) -> list[str]:
    """Header names made unique as DuckDB does (the second ``category`` becomes ``category_1``)."""
    out: list[str] = []
    taken: set[str] = set()
    suffix: dict[str, int] = {}  # the last number given to each repeated name
    for i, col in enumerate(header):
        name = col if col.strip() else f"column{i}"
        while name in taken:
            suffix[col] = suffix.get(col, 0) + 1
            name = f"{col}_{suffix[col]}"
        out.append(name)
        taken.add(name)
    return out


def check_header(columns: list[str], name: str, allow: tuple[str, ...] = ()) -> None:
    """Raise DataError when a header repeats a name (ignoring case and spaces), except those in ``allow``.

    A header of more than :data:`MAX_COLUMNS` columns is refused too.
    """
    if len(columns) > MAX_COLUMNS:
        raise DataError(
            Problem(
                f"the header has {len(columns):,} columns, more than the {MAX_COLUMNS:,} a table may have",
                file=name,
                fix="check that the file is a table export and that its delimiter is right",
            )
        )
    seen: set[str] = set()
    dupes: dict[str, None] = {}  # in order of appearance
    for col in columns:
        key = col.strip().lower()
        if key in seen and key not in allow:
            dupes.setdefault(col)
        seen.add(key)
    if dupes:
        raise DataError(
            Problem(
                "duplicated column names",
                file=name,
                values=tuple(c[:200] for c in dupes)[:10],
                fix="rename the columns so each name appears once (or map the one you need in the cycle file)",
            )
        )


def excel_layout_problems(path: Path, opts: ReadOptions) -> list[Problem]:
    """Merged cells and formulas without saved results in the data rows (values a reader cannot see).

    The sheet's XML is scanned once; only a sheet that holds formulas is opened with
    openpyxl (up to 20 MB) to find those without a saved result.
    """
    if path.suffix.lower() == ".xls":
        return []
    try:
        with zipfile.ZipFile(path) as book:
            member = _sheet_member(book, opts.sheet)
            merged, formulas = _scan_sheet(book, member) if member else ([], False)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return []  # the reader read it; nothing more to learn
    problems = _merged_problems(path, opts, merged)
    if formulas and path.stat().st_size <= 20_000_000:
        problems += _formula_problems(path, opts)
    return problems


def _sheet_member(book: zipfile.ZipFile, sheet: str | int | None) -> str | None:
    """The name of the sheet's XML inside the workbook (None when there is no such sheet)."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    if book.getinfo("xl/workbook.xml").file_size > 10_000_000:  # not a workbook's index
        return None
    sheets = ElementTree.fromstring(book.read("xl/workbook.xml")).iter(f"{main}sheet")
    ids = [(s.get("name"), s.get(rel)) for s in sheets]
    chosen = (
        [i for n, i in ids if n == sheet]
        if isinstance(sheet, str)
        else [i for _, i in ids][sheet or 0 :]
    )
    if not chosen:
        return None
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels if r.get("Id") == chosen[0]), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _scan_sheet(book: zipfile.ZipFile, member: str) -> tuple[list[str], bool]:
    """The merged ranges of a sheet's XML (``C2:C4``) and whether any cell holds a formula."""
    merged: dict[str, None] = {}
    formulas = False
    tail = b""
    with book.open(member) as xml:
        while block := xml.read(1 << 22):
            text = tail + block
            formulas = formulas or _FORMULA.search(text) is not None
            merged.update(dict.fromkeys(m.decode() for m in _MERGED.findall(text)))
            tail = text[-256:]
    return list(merged), formulas


_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_problems(path: Path, opts: ReadOptions, merged: list[str]) -> list[Problem]:
    """Merged ranges that reach into the data rows: only their first cell holds the value."""
    from openpyxl.utils.cell import range_boundaries

    spans = sorted(
        ((range_boundaries(m)[1], range_boundaries(m)[3], m) for m in merged),
        key=lambda span: span[0],
    )
    spans = [s for s in spans if s[1] > opts.header_row]
    if not spans:
        return []
    rows = sorted(
        {row for low, high, _ in spans for row in range(max(low, opts.header_row + 1), high + 1)}
    )
    return [
        Problem(
            "merged cells in the data rows: only the first cell of a merged range holds its value",
            file=str(path),
            rows=tuple(rows[:5]),
            n_rows=len(rows),
            values=tuple(m for _, _, m in spans[:5]),
            fix="unmerge the cells and fill the value into every row (or export the sheet as CSV)",
        )
    ]


def _formula_problems(path: Path, opts: ReadOptions) -> list[Problem]:
    """Formulas whose result was never saved (the workbook was never calculated)."""
    from openpyxl import load_workbook

    try:
        books = load_workbook(path, data_only=False), load_workbook(path, data_only=True)
    except Exception:  # the reader read it; nothing more to learn
        return []
    sheets = [
        b[opts.sheet] if isinstance(opts.sheet, str) else b.worksheets[opts.sheet or 0]
        for b in books
    ]
    formulas = [
        (c.row, c.coordinate)
        for row in sheets[0].iter_rows(min_row=opts.header_row + 1)
        for c in row
        if c.data_type == "f" and sheets[1][c.coordinate].value is None
    ]
    if not formulas:
        return []
    return [
        Problem(
            "formulas without a saved result: the workbook was never calculated, so these cells are empty",
            file=str(path),
            rows=tuple(sorted({r for r, _ in formulas}))[:5],
            n_rows=len({r for r, _ in formulas}),
            values=tuple(c for _, c in formulas[:5]),
            fix="open the workbook in Excel or LibreOffice and save it (this stores the results), or replace the formulas by values",
        )
    ]


def read_problem(path: Path, exc: Exception, opts: ReadOptions, name: str | None = None) -> Problem:
    """What DuckDB's error on reading a file means for the user, and how to fix it.

    ``name`` names the file in the message (default: ``path``).
    """
    message = str(exc)
    shown = name or str(path)
    line = re.search(r"CSV Error on Line: (\d+)", message)
    at = f" (line {line.group(1)})" if line else ""
    if "unterminated quote" in message:
        return Problem(
            f"a quoted value is never closed{at}: the file looks truncated, or a text field holds a stray double quote",
            file=shown,
            fix='export the table again (complete), or double the quotes inside quoted text ("")',
        )
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if counts:
        return Problem(
            f"a row has {counts.group(2)} fields where the header has {counts.group(1)}{at}: the file looks truncated, or the delimiter is wrong",
            file=shown,
            fix="export the table again (complete); if the values are separated by another character, set delimiter for this table in the cycle file",
        )
    if "maximum line size" in message.lower():
        return Problem(
            f"a line is longer than {MAX_LINE_BYTES // 2**20} MB{at}",
            file=shown,
            fix="export the table again as CSV with one row per line",
        )
    if "unicode" in message.lower() or "utf-8" in message.lower().split("encoding")[0]:
        bad_line = _first_bad_line(path, opts.encoding or "utf-8")
        return Problem(
            f"the file is not {opts.encoding or 'UTF-8'} text"
            + (f" (first bad byte on line {bad_line})" if bad_line else ""),
            file=shown,
            fix="save it as UTF-8, or set encoding (e.g. latin-1 or cp1252) for this table in the cycle file",
        )
    first = next((ln for ln in message.splitlines() if ln.strip()), message)
    first = re.sub(r"^[A-Za-z ]*Error: ", "", first).replace(str(path), shown)[:300]
    if path.suffix.lower() in (".parquet", ".pq"):
        return Problem(
            f"the Parquet file cannot be read: {first}",
            file=shown,
            fix="export it again: the file looks truncated or is not Parquet",
        )
    return Problem(
        f"the file cannot be read as a table: {first}",
        file=shown,
        fix="check that it is a complete export (not truncated), with one header row and the same number of fields on every line",
    )


def _first_bad_line(path: Path, encoding: str) -> int | None:
    """The line of the first byte that does not decode (None when all do)."""
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
