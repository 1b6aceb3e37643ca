"""Read a sheet of a workbook once: its text is kept as Parquet in a cache folder, found by the file's hash.

Reading a large workbook is slow (a million rows take a minute) and every stage's
kernel, and ``cslib validate``, open the same export. The first read (with the
calamine reader) checks the sheet's layout and stores the sheet's values as text,
with the row numbers the spreadsheet shows, in
cslib's cache folder (:mod:`cslib.data.cache`: ``~/.cache/cslib/excel`` on Linux),
readable by the user only; later reads of the same file contents,
sheet and header row take the copy. The 20 most recently used copies are kept.

Examples
--------
>>> import tempfile
>>> from unittest import mock
>>> from openpyxl import Workbook
>>> from cslib.data.cache import CACHE_ENV
>>> from cslib.data.files import ReadOptions, connect
>>> folder = Path(tempfile.mkdtemp())
>>> book = Workbook(); book.active.append(["ticket_id", "created_at"]); book.active.append([7, "2026-04-01"])
>>> book.save(folder / "t.xlsx")
>>> con = connect()
>>> with mock.patch.dict(os.environ, {CACHE_ENV: str(folder / "cache")}):
...     columns = register_excel(con, folder / "t.xlsx", "raw", ReadOptions(), "t.xlsx")
>>> columns, con.execute("SELECT * FROM raw").fetchall()
(['ticket_id', 'created_at'], [(2, '7', '2026-04-01')])
>>> len(list((folder / "cache" / "excel").glob("*.parquet")))
1
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cslib.data.cache import KEEP, cache_folder, prune
from cslib.data.file_checks import check_header, excel_layout_problems
from cslib.data.sql import file_literal
from cslib.errors import DataError, Problem

if TYPE_CHECKING:
    from cslib.data.files import ReadOptions

#: changes when the copies' layout changes, so older copies are not read
FORMAT = "text-1"


def register_excel(con, path: Path, view: str, opts: ReadOptions, name: str) -> list[str]:
    """Create view ``view`` over a sheet of the workbook as text, rows numbered as the spreadsheet shows them.

    ``name`` names the file in messages. Returns the column names.
    """
    copy = sheet_copy(path, opts, name)
    con.execute(
        f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT * FROM read_parquet({file_literal(copy)})'
    )
    return [c for c in con.table(view).columns if c != "_row"]


def sheet_copy(path: Path, opts: ReadOptions, name: str) -> Path:
    """The Parquet copy of the sheet ``opts`` names, made on the first read of these file contents."""
    digest = hashlib.sha256(f"{FORMAT}|{opts.sheet!r}|{opts.header_row}|".encode())
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    try:
        folder = cache_folder("excel")
    except OSError:  # no cache folder can be made: keep the copy for this process only
        folder = Path(tempfile.mkdtemp(prefix="cslib-excel-"))
    target = folder / f"{digest.hexdigest()}.parquet"
    if target.exists():
        os.utime(target)  # recently used
        return target
    frame = read_sheet(path, opts, name)
    part = target.with_name(f"{target.stem}.{os.getpid()}.part")
    frame.to_parquet(part, index=False)
    os.chmod(part, 0o600)
    os.replace(part, target)  # complete copies only, even with several kernels at once
    prune(folder, "*.parquet", KEEP["excel"])
    return target


def read_sheet(path: Path, opts: ReadOptions, name: str) -> pd.DataFrame:
    """The sheet's values as text (None where empty), after ``_row``; DataError when it cannot be used."""
    try:
        frame = pd.read_excel(
            path,
            sheet_name=opts.sheet if opts.sheet is not None else 0,
            header=opts.header_row - 1,
            dtype=object,
            engine="calamine",
        )
    except Exception as exc:  # the reader raises many types for broken workbooks
        raise DataError(
            Problem(
                f"the workbook cannot be read ({type(exc).__name__}: {exc})",
                file=name,
                fix="save it again as .xlsx or export the sheet as CSV",
            )
        ) from None
    columns = [str(c) for c in frame.columns]
    check_header(columns, name)
    layout = excel_layout_problems(path, opts)
    if layout:
        raise DataError(layout)
    text = pd.DataFrame(
        {c: frame.iloc[:, i].map(_text) for i, c in enumerate(columns)},
        dtype=object,
    )
    text.insert(0, "_row", range(opts.header_row + 1, opts.header_row + 1 + len(text)))
    return text


def _text(value: object) -> str | None:
    """A cell as text (None when empty): whole numbers without a decimal point (7, not 7.0)."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
