"""Read a file (CSV, Parquet, Excel, or a zip archive holding one), a DataFrame or a
database query (:mod:`cslib.data.database`) into DuckDB.

A source becomes a *raw view*: its columns as stored (text for CSV and Excel),
plus ``_row``, the row number a spreadsheet shows (the header is row 1, the first
data row is row 2). Raw files are only ever opened for reading; a zip archive is
unpacked once per process into a temporary folder.

Examples
--------
>>> import pandas as pd
>>> con = connect()
>>> register_source(con, pd.DataFrame({"ticket_id": ["T1", "T2"]}), "raw", ReadOptions())
['ticket_id']
>>> con.execute('SELECT _row, ticket_id FROM raw').fetchall()
[(2, 'T1'), (3, 'T2')]
>>> label(pd.DataFrame()), label("exports/tickets.csv")
('the DataFrame', 'exports/tickets.csv')
"""

from __future__ import annotations

import atexit
import codecs
import hashlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import pandas as pd

from cslib._lazy import lazy
from cslib.data.database import Query, register_query
from cslib.data.excel import register_excel
from cslib.data.file_checks import (
    allowed_duplicates,
    check_header,
    check_line_lengths,
    csv_header,
    detect_encoding,
    read_problem,
    sniff_delimiter,
    unique_names,
)
from cslib.data.sql import file_literal, ident, quote
from cslib.errors import DataError, Problem

if TYPE_CHECKING:
    import duckdb
else:
    duckdb = lazy("duckdb")

Source: TypeAlias = str | Path | pd.DataFrame | Query

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".gz"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


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
        None  # a cslib.data.adapters.model.Mapping: the source is read through it
    )


_DATABASES: dict[int, duckdb.DuckDBPyConnection] = {}  # the process's database, by process id


def connect() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's in-memory DuckDB database, session time zone UTC.

    Opening a database costs about 35 ms and a stage opens dozens of connections, so they
    share one database per process (a new connection to it costs well under 1 ms). Each
    connection keeps its settings, registered frames and temporary views to itself:
    cslib creates only temporary views and tables, and closing a connection drops them.
    The database keeps the Parquet files' metadata it read (DuckDB reads it again when a
    file changes): a stage opens the same files dozens of times.

    Examples
    --------
    >>> a, b = connect(), connect()
    >>> _ = a.execute("CREATE TEMP VIEW v AS SELECT 1 AS x")
    >>> "v" in {name for (name,) in b.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    False
    """
    database = _DATABASES.get(os.getpid())
    if database is None:  # first use here, or a forked child: never share a parent's database
        _DATABASES.clear()
        database = _DATABASES[os.getpid()] = duckdb.connect()
        database.execute("SET GLOBAL parquet_metadata_cache = true")
    con = database.cursor()
    con.execute("SET TimeZone = 'UTC'")
    return con


def label(source: Source) -> str:
    """How a source is named in messages."""
    return "the DataFrame" if isinstance(source, pd.DataFrame) else str(source)


def register_renamed(
    con: duckdb.DuckDBPyConnection, source: Source, view: str, opts: ReadOptions
) -> list[str]:
    """Create view ``view`` over the source as stored, with a ``_row`` number column.

    Columns named in ``opts.columns`` are renamed to their contract names.
    Returns the column names. Raises DataError for unreadable files.
    """
    if not opts.columns:
        return register_source(con, source, view, opts)
    columns = register_source(con, source, f"{view}_source", opts)
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
    con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT {select} FROM "{view}_source"')
    return [c for c in con.table(view).columns if c != "_row"]


def register_source(
    con: duckdb.DuckDBPyConnection, source: Source, view: str, opts: ReadOptions
) -> list[str]:
    """Create view ``view`` over the source exactly as stored, with a ``_row`` number column.

    Returns the column names. Raises DataError for unreadable files.
    """
    if isinstance(source, Query):
        return register_query(con, source, view)
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True)
        check_header(list(map(str, frame.columns)), label(source))
        frame = frame.set_axis(list(map(str, frame.columns)), axis=1)
        frame.insert(0, "_row", range(2, len(frame) + 2))
        con.register(f"{view}_frame", frame)
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT * FROM "{view}_frame"')
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
    numbered = ""
    if suffix == ".zip":  # read the unpacked table, name the archive in messages
        path = unzipped(path)
        name, suffix = f"{source} ({path.name.split('-', 1)[1]})", _suffix(path)
        if path.stat().st_size == 0:
            raise DataError(
                Problem(
                    "the table in the zip archive is empty",
                    file=str(source),
                    fix="export the table again",
                )
            )
    if suffix in PARQUET_SUFFIXES:
        sql = f"SELECT * FROM read_parquet({file_literal(path)})"
        numbered = (  # the reader numbers rows in parallel; a window over the whole file cannot
            "SELECT file_row_number + 2 AS _row, * EXCLUDE (file_row_number) "
            f"FROM read_parquet({file_literal(path)}, file_row_number = true)"
        )
    elif suffix in EXCEL_SUFFIXES:
        return register_excel(con, path, view, opts, name)
    elif suffix in CSV_SUFFIXES:
        path, opts = _as_utf8(path, opts, name)
        sql = _csv_sql(path, opts, name)
    else:
        raise DataError(
            Problem(f"unknown file type '{suffix}'", file=name, fix="use .csv, .parquet or .xlsx")
        )
    windowed = f"SELECT row_number() OVER () + 1 AS _row, * FROM ({sql})"
    try:
        try:
            con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS {numbered or windowed}')
        except duckdb.BinderException:
            if not numbered:
                raise
            # a Parquet file with a file_row_number column of its own
            con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS {windowed}')
        columns = [c for c in con.table(view).columns if c != "_row"]
        con.execute(f'SELECT count(*) FROM "{view}"').fetchone()
    except (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException) as exc:
        raise DataError(read_problem(path, exc, opts, name)) from None
    return columns


def _csv_sql(path: Path, opts: ReadOptions, name: str) -> str:
    """The ``read_csv`` call for a checked text file: strict once its header and dialect are known."""
    check_line_lengths(path, name, opts)
    header = csv_header(path, opts, name)
    check_header(header, name, allow=allowed_duplicates(opts))
    delim = opts.delimiter
    if header:  # the dialect is known: parse strictly, so truncated rows and open quotes are errors
        delim = delim or sniff_delimiter(path, opts)
    extra = "".join(
        f", {k}={quote(v)}" for k, v in (("encoding", opts.encoding), ("delim", delim)) if v
    )
    if header:
        struct = "{" + ", ".join(f"{quote(c)}: 'VARCHAR'" for c in unique_names(header)) + "}"
        extra += f", auto_detect=false, quote='\"', escape='\"', columns={struct}"
    return f"SELECT * FROM read_csv({file_literal(path)}, all_varchar=true, header=true{extra})"


def _suffix(path: Path) -> str:
    """The file type, looking through ``.gz`` (``tickets.csv.gz`` is a ``.csv``)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".gz"] and len(suffixes) > 1:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _as_utf8(path: Path, opts: ReadOptions, name: str) -> tuple[Path, ReadOptions]:
    """A UTF-16 or UTF-32 text file (set, or announced by its first bytes) as a UTF-8 copy.

    Other files are read as they are. The copy is made once per process.
    """
    if path.suffix.lower() == ".gz":
        return path, opts
    with open(path, "rb") as handle:
        encoding = opts.encoding or detect_encoding(handle.read(4096))
    if not encoding or not encoding.lower().replace("-", "").startswith(("utf16", "utf32")):
        return path, opts
    key = ("utf-8", encoding, *_identity(path))
    if key not in _COPIES or not _COPIES[key].exists():
        target = _temp_folder() / f"utf8-{len(_COPIES)}-{path.stem}.csv"
        try:
            _transcode(path, encoding, target)
        except (UnicodeDecodeError, LookupError) as exc:
            target.unlink(missing_ok=True)
            raise DataError(
                Problem(
                    f"the file is not {encoding.upper()} text ({type(exc).__name__}: {exc})",
                    file=name,
                    fix="export it again as UTF-8 text, or set the right encoding for this table in the cycle file",
                )
            ) from None
        _COPIES[key] = target
    return _COPIES[key], replace(opts, encoding=None)


def _transcode(path: Path, encoding: str, target: Path) -> None:
    """Write ``path`` (text in ``encoding``) to ``target`` as UTF-8, without a byte-order mark."""
    decoder = codecs.getincrementaldecoder(encoding)()
    first = True
    with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while block := src.read(1 << 22):
            text = decoder.decode(block)
            if first and text:
                text, first = text.removeprefix("\ufeff"), False
            dst.write(text)
        dst.write(decoder.decode(b"", final=True))


def parquet_identity(source: Source) -> tuple | None:
    """What names one version of a Parquet file source: its identity (:func:`_identity`) and
    the digest of its footer (the row groups' places, sizes and statistics); None for any
    other source (a CSV, Excel or zipped file, a DataFrame, a database query)."""
    if isinstance(source, str | Path) and _suffix(Path(source)) in PARQUET_SUFFIXES:
        path = Path(source)
        if path.is_file():
            return (*_identity(path), _footer_digest(path))
    return None


def _footer_digest(path: Path) -> str:
    """SHA-256 of a Parquet file's footer ('' when the file has none)."""
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size < 12:
            return ""
        handle.seek(size - 8)
        tail = handle.read(8)
        length = int.from_bytes(tail[:4], "little")
        if tail[4:] != b"PAR1" or length > size - 12:
            return ""
        handle.seek(size - 8 - length)
        return hashlib.sha256(handle.read(length)).hexdigest()


def _identity(path: Path) -> tuple:
    """What names one version of a file: its full path, modification time and size."""
    stat = path.stat()
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def _temp_folder() -> Path:
    """This process's private temporary folder (unpacked archives, UTF-8 copies), removed at exit."""
    if not _TMP:
        _TMP.append(Path(tempfile.mkdtemp(prefix="cslib-unzip-")))
        atexit.register(shutil.rmtree, _TMP[0], True)
    return _TMP[0]


_UNZIPPED: dict[tuple, Path] = {}
_COPIES: dict[tuple, Path] = {}
_TMP: list[Path] = []
#: the largest table a zip may unpack to (protects the disk from zip bombs)
MAX_UNZIPPED = 20 * 2**30
#: how many times its archive's size a table may unpack to, beyond UNZIP_SMALL bytes
MAX_RATIO = 100
UNZIP_SMALL = 64 * 2**20
#: a folder shared by the processes of one run (its kernels): a table is unpacked there once
UNZIP_DIR = "CSLIB_UNZIP_DIR"


def unzipped(path: Path) -> Path:
    """The one table inside a zip archive, unpacked once into a temporary folder: once per
    process, or once per run when the run names a shared folder in ``CSLIB_UNZIP_DIR``."""
    tables = CSV_SUFFIXES | PARQUET_SUFFIXES | EXCEL_SUFFIXES
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
            key = (*_identity(path), info.filename)
            if key in _UNZIPPED and _UNZIPPED[key].exists():
                return _UNZIPPED[key]
            folder = _unzip_folder()
            digest = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
            target = folder / f"{digest}-{Path(info.filename).name}"
            if not target.exists():  # another process of the run may have unpacked it
                limit = min(
                    MAX_UNZIPPED,
                    shutil.disk_usage(folder).free,
                    max(UNZIP_SMALL, MAX_RATIO * path.stat().st_size),
                )
                _unpack(archive, info, target, limit, path)
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


def _unzip_folder() -> Path:
    """The run's shared folder (``CSLIB_UNZIP_DIR``), else this process's, removed at its exit."""
    if os.environ.get(UNZIP_DIR):
        return Path(os.environ[UNZIP_DIR])
    if not _TMP:
        _TMP.append(Path(tempfile.mkdtemp(prefix="cslib-unzip-")))
        atexit.register(shutil.rmtree, _TMP[0], True)
    return _TMP[0]


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limit: int, path: Path):
    """Copy one member to ``target`` (whole or not at all), stopping once it passes ``limit`` bytes."""
    too_big = DataError(
        Problem(
            f"{info.filename} in the zip archive unpacks to more than {limit / 1e6:,.0f} MB "
            f"({info.file_size / 1e6:,.0f} MB declared for {path.stat().st_size / 1e6:,.1f} MB "
            "compressed): cslib does not unpack it, it looks like a zip bomb",
            file=str(path),
            fix="unzip it yourself if you trust it and name the table file in the cycle file",
        )
    )
    if info.file_size > limit:
        raise too_big
    written = 0
    part = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        with archive.open(info) as src, open(part, "wb") as dst:
            while block := src.read(1 << 20):
                written += len(block)
                if written > limit:
                    raise too_big
                dst.write(block)
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)
