"""Read a table from a database (PostgreSQL or SQLite) through its ADBC driver into DuckDB.

A cycle file names a database table with a ``url`` and either a ``query`` or a
``table``. The result streams as Arrow record batches into a Parquet file in a
private temporary folder, once per process, and is then read like any other
source: same mapping, same contract checks, same messages. A run reads each query
once, before any stage starts, into a snapshot its stages share (the folder named
by ``CSLIB_SNAPSHOT_DIR``, :func:`fetch`): every stage sees the same rows, even
when the table changes during the run.

Credentials never sit in the cycle file: ``${NAME}`` in the url takes the value
of the environment variable ``NAME`` when the database is opened, and libpq's own
``PGPASSWORD``, ``PGPASSFILE`` and ``~/.pgpass`` work as usual. A password written
literally in the url is refused. Messages, ``run.json`` and reports show the url
as written, with any password part replaced by ``***``.

PostgreSQL sessions are read-only; SQLite files are opened read-only.

Examples
--------
>>> q = Query("postgresql://cs:${PGPASSWORD}@db.example/helpdesk", table="tickets")
>>> print(q)
postgresql://cs:***@db.example/helpdesk, query SELECT * FROM tickets
>>> url_problem("postgresql://cs:hunter2@db.example/helpdesk", None, "tickets")[:48]
'the url holds a password written in the cycle fi'
>>> redact("connection to postgresql://cs:hunter2@db failed", secrets=("hunter2",))
'connection to postgresql://cs:***@db failed'
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlsplit

from cslib._lazy import lazy
from cslib.data.file_checks import check_header
from cslib.data.sql import file_literal, ident
from cslib.errors import ConfigError, DataError, Problem

if TYPE_CHECKING:
    import duckdb
else:
    duckdb = lazy("duckdb")

__all__ = [
    "SNAPSHOT_DIR",
    "Query",
    "fetch",
    "redact",
    "register_query",
    "result_hash",
    "snapshot_name",
    "url_problem",
]

#: url schemes read, and the driver package each needs
DRIVERS = {
    "postgresql": "adbc_driver_postgresql",
    "postgres": "adbc_driver_postgresql",
    "sqlite": "adbc_driver_sqlite",
}
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ONLY_ENV = re.compile(r"^(\$\{[A-Za-z_][A-Za-z0-9_]*\})+$")
_USERINFO_PASSWORD = re.compile(r"(://[^:/@\s]*:)([^@\s]+)(@)")
_PARAM_PASSWORD = re.compile(r"((?:^|[?&\s])\w*password=)([^&\s]+)", re.IGNORECASE)
#: how much of a query a message shows
SHOW_QUERY = 160
#: a folder shared by the processes of one run (its kernels): each query is read once, there
SNAPSHOT_DIR = "CSLIB_SNAPSHOT_DIR"


@dataclass(frozen=True)
class Query:
    """A table read from a database: ``url`` and either a ``query`` or a ``table`` name.

    ``url`` is kept as written (``${NAME}`` references unresolved); a relative
    SQLite file (``sqlite:///helpdesk.db``) is found from ``base_dir``; ``name``, the
    contract table it gives, opens its messages.
    """

    url: str
    query: str | None = None
    table: str | None = None
    base_dir: Path = field(default=Path("."), compare=False)
    name: str | None = field(default=None, compare=False)

    def __post_init__(self):
        problem = url_problem(self.url, self.query, self.table)
        if problem:
            raise ConfigError(Problem(problem, file=redact(self.url)))

    @property
    def sql(self) -> str:
        """The statement sent to the database; a table name other than letters, digits and ``_`` is quoted.

        >>> Query("sqlite:///exports.db", table="main.Ticket export").sql
        'SELECT * FROM main."Ticket export"'
        """
        if self.query is not None:
            return self.query.strip().rstrip(";")
        assert self.table is not None  # a query or a table, checked when the Query is made
        parts = self.table.split(".")  # plain names as typed, so the database folds their case
        return "SELECT * FROM " + ".".join(p if _PLAIN.fullmatch(p) else ident(p) for p in parts)

    def url_for(self, folder: Path | None) -> str:
        """The url as a cycle file in ``folder`` must write it (None: with an absolute path).

        Only a relative SQLite file changes: it is found from the cycle file's folder.

        >>> q = Query("sqlite:///helpdesk.db", table="t", base_dir=Path("/data"))
        >>> q.url_for(Path("/data/reports")), q.url_for(None)
        ('sqlite:///../helpdesk.db', 'sqlite:////data/helpdesk.db')
        """
        file = _sqlite_file(self.url)
        if file is None or file.is_absolute():
            return self.url
        path = (self.base_dir / file).resolve()
        return "sqlite:///" + (os.path.relpath(path, folder.resolve()) if folder else str(path))

    def __str__(self) -> str:
        text = " ".join(self.sql.split())
        if len(text) > SHOW_QUERY:
            text = text[: SHOW_QUERY - 1] + "…"
        return f"{self.name + ' from ' if self.name else ''}{redact(self.url)}, query {text}"


def url_problem(url: str, query: str | None, table: str | None) -> str | None:
    """What is wrong with a database url (as written in a cycle file) and its query or table, or None.

    >>> url_problem("postgresql://cs@db/helpdesk?password=${DB_PASSWORD}", None, "tickets") is None
    True
    >>> url_problem("mysql://cs@db/helpdesk", None, "tickets")[:42]
    'mysql databases are not read: use a postgr'
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in DRIVERS:
        what = f"{scheme} databases are not read" if scheme else "not a database url"
        return (
            f"{what}: use a postgresql://user@host/database or sqlite:///file.db url, "
            "or export the table to Parquet or CSV"
        )
    parts = urlsplit(url)
    passwords = [parts.password or ""] + [
        v for k, v in parse_qsl(parts.query) if k.lower().endswith("password")
    ]
    if any(p and not _ONLY_ENV.match(p) for p in passwords):
        return (
            "the url holds a password written in the cycle file; write ${NAME} in its place "
            "to take it from the environment variable NAME, or leave it out and use libpq's "
            "PGPASSWORD or ~/.pgpass"
        )
    if (query is None) == (table is None):
        return "give the url a query or a table, one of them"
    return None


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with the passwords of urls, ``password=`` values and each secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _USERINFO_PASSWORD.sub(r"\1***\3", text)
    return _PARAM_PASSWORD.sub(r"\1***", text)


def _resolved(source: Query) -> tuple[str, str, tuple[str, ...]]:
    """The driver module, the url to open (environment values filled in) and those values."""
    names = _ENV.findall(source.url)
    unset = [n for n in dict.fromkeys(names) if n not in os.environ]
    if unset:
        raise DataError(
            Problem(
                f"the environment variable{'s' if len(unset) > 1 else ''} {', '.join(unset)} "
                f"named in the url {'are' if len(unset) > 1 else 'is'} not set",
                file=str(source),
                fix=f"set {unset[0]} before running cslib (export {unset[0]}=…)",
            )
        )
    secrets = tuple(os.environ[n] for n in names)
    url = _ENV.sub(lambda m: os.environ[m.group(1)], source.url)
    module = DRIVERS[url.split(":", 1)[0].lower()]
    file = _sqlite_file(url)
    if file is None:
        return module, url, secrets
    path = file if file.is_absolute() else source.base_dir / file
    if not path.is_file():
        raise DataError(
            Problem(
                "the SQLite file is not found",
                file=str(source),
                fix="check the path in the url: sqlite:///relative/to/the/cycle/file.db or "
                "sqlite:////absolute/path.db",
            )
        )
    return module, f"file:{quote(str(path.resolve()))}?mode=ro", secrets


def _sqlite_file(url: str) -> Path | None:
    """The file a ``sqlite:`` url names (relative or absolute), None for other databases."""
    scheme, _, rest = url.partition(":")
    return Path(rest.removeprefix("///") or ".") if scheme.lower() == "sqlite" else None


def _connect(source: Query, module: str, url: str, secrets: tuple[str, ...]):
    """An open DB-API connection through the ADBC driver, read-only."""
    import importlib

    try:
        dbapi = importlib.import_module(f"{module}.dbapi")
    except ImportError:
        package = module.replace("_", "-")
        raise DataError(
            Problem(
                f"reading this database needs the {package} package, which is not installed",
                file=str(source),
                fix="pip install 'cslib[db]'",
            )
        ) from None
    try:
        connection = dbapi.connect(url, autocommit=True)  # each statement its own transaction
        if module == DRIVERS["postgresql"]:
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    except Exception as exc:  # each driver raises its own error types
        raise DataError(
            Problem(
                f"the database cannot be opened: {_message(exc, secrets)}",
                file=str(source),
                fix="check the url, that the server runs and accepts this user, and that the "
                "password is in the environment variable the url names or in ~/.pgpass",
            )
        ) from None
    return connection


def _message(exc: Exception, secrets: tuple[str, ...]) -> str:
    """The driver's message on one line, credentials removed."""
    return redact(" ".join(str(exc).split()), secrets)


_FETCHED: dict[tuple, Path] = {}
_HASHES: dict[Path, str] = {}
_TMP: list[Path] = []


def snapshot_name(source: Query) -> str:
    """The file name of a query's snapshot: the same url (as written) and statement, the same name.

    >>> snapshot_name(Query("sqlite:////data/helpdesk.db", table="tickets"))
    '83576df6374ecade.parquet'
    """
    key = f"{source.url_for(None)}\n{source.sql}"
    return hashlib.sha256(key.encode()).hexdigest()[:16] + ".parquet"


def fetch(source: Query) -> Path:
    """Run the query once; the Parquet file holding its result.

    Once per run when the run names a shared folder in ``CSLIB_SNAPSHOT_DIR``: a
    snapshot already there is read without opening the database. Otherwise once per
    process, into a private temporary folder removed when the process ends.
    Raises DataError naming the url (redacted) and query when the database cannot
    be opened or the query fails.
    """
    shared = os.environ.get(SNAPSHOT_DIR)
    if shared and (Path(shared) / snapshot_name(source)).is_file():
        return Path(shared) / snapshot_name(source)
    module, url, secrets = _resolved(source)
    key = (hashlib.sha256(url.encode()).hexdigest(), source.sql, shared)
    if key in _FETCHED and _FETCHED[key].exists():
        return _FETCHED[key]
    if shared:
        target = Path(shared) / snapshot_name(source)
    else:
        if not _TMP:
            _TMP.append(Path(tempfile.mkdtemp(prefix="cslib-query-")))
            atexit.register(shutil.rmtree, _TMP[0], True)
        target = _TMP[0] / f"{len(_FETCHED)}.parquet"
    partial = target.with_suffix(".part")  # whole or not at all: another process may look
    connection = _connect(source, module, url, secrets)
    try:
        with connection.cursor() as cursor:
            cursor.execute(source.sql)
            batches = cursor.fetch_record_batch()
            check_header(batches.schema.names, str(source))
            con = duckdb.connect()
            con.register("result", batches)
            con.execute(f"COPY (SELECT * FROM result) TO {file_literal(partial)} (FORMAT parquet)")
            con.close()
        partial.replace(target)
    except DataError:
        partial.unlink(missing_ok=True)
        raise
    except Exception as exc:  # driver and conversion errors: the query is at fault
        partial.unlink(missing_ok=True)
        raise DataError(
            Problem(
                f"the query failed: {_message(exc, secrets)}",
                file=str(source),
                fix="run the query in the database's own client (psql, sqlite3) and correct it "
                "in the cycle file",
            )
        ) from None
    finally:
        connection.close()
    _FETCHED[key] = target
    return target


def register_query(con: duckdb.DuckDBPyConnection, source: Query, view: str) -> list[str]:
    """Create view ``view`` over the query's result with a ``_row`` column (1 = the first row).

    Returns the column names.
    """
    path = fetch(source)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS "
        "SELECT file_row_number + 1 AS _row, * EXCLUDE (file_row_number) "
        f"FROM read_parquet({file_literal(path)}, file_row_number = true)"
    )
    return [c for c in con.table(view).columns if c != "_row"]


def result_hash(source: Query) -> str:
    """SHA-256 of the query's result, whatever order the database returns its rows in.

    The rows, sorted on every column, are written as CSV (header first) and hashed:
    the same rows give the same hash, any changed value another.
    """
    path = fetch(source)
    if path not in _HASHES:
        text = path.with_suffix(".csv")
        con = duckdb.connect()
        con.execute(
            f"COPY (SELECT * FROM read_parquet({file_literal(path)}) ORDER BY ALL) "
            f"TO {file_literal(text)} (FORMAT csv, HEADER)"
        )
        con.close()
        with open(text, "rb") as handle:
            _HASHES[path] = hashlib.file_digest(handle, "sha256").hexdigest()
        text.unlink()
    return _HASHES[path]
