"""Tables read from databases: a real PostgreSQL server started for the session, and SQLite files.

The server is Debian's ``postgresql`` package, run from a temporary folder (as the
``postgres`` user when the tests run as root) on a free local port; a password is
required over TCP, so the credential handling is the one users get.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from cslib.cycle import artefacts
from cslib.cycle.model import load_cycle, parse_cycle, validate_cycle
from cslib.cycle.workbook import open_workbook
from cslib.data.database import Query, result_hash
from cslib.data.tables import check_table, read_table
from cslib.errors import ConfigError, DataError
from cslib.stages import plan

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PASSWORD = "Tr0ub4dor-and-3"  # the reader's password: must never appear in an output
ENV = "CSLIB_TEST_PGPASSWORD"
DOC = ROOT / "docs" / "database.md"


def _pg_bin() -> Path | None:
    """The newest PostgreSQL server binaries of Debian's package, or those on PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(command: list) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed: {done.stderr}{done.stdout}"


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session: ``admin`` (socket, trust) and ``reader`` urls."""
    pytest.importorskip("adbc_driver_postgresql")
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server")
        as_user = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="cslib-pg-"))
    if as_user:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, port = base / "data", _free_port()
    pg_ctl = [*as_user, bin_dir / "pg_ctl", "-D", data]
    options = f"-k {base} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    admin = f"postgresql://admin@/postgres?host={base}&port={port}"
    try:
        _run([*as_user, bin_dir / "initdb", "-D", data, "-U", "admin", "-N", "--auth-local=trust",
              "--auth-host=scram-sha-256"])  # fmt: skip
        _run([*pg_ctl, "-l", base / "log", "-w", "-o", options, "start"])
        _execute(
            admin,
            f"CREATE ROLE reader LOGIN PASSWORD '{PASSWORD}'",
            "CREATE SCHEMA helpdesk",
            "GRANT USAGE ON SCHEMA helpdesk TO reader",
        )
        yield {
            "admin": admin,
            "reader": f"postgresql://reader:${{{ENV}}}@127.0.0.1:{port}/postgres",
            "port": port,
        }
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def password(monkeypatch):
    """The reader's password in the environment variable the urls name."""
    monkeypatch.setenv(ENV, PASSWORD)


def _execute(url: str, *statements: str) -> None:
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(url) as con, con.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
        con.commit()


def _load(url: str, name: str, table, driver: str = "postgresql") -> None:
    """Write an Arrow table into the database (replacing it); in PostgreSQL into the schema
    ``helpdesk``, readable by the reader."""
    import importlib

    dbapi = importlib.import_module(f"adbc_driver_{driver}.dbapi")
    with dbapi.connect(url) as con, con.cursor() as cur:
        if driver == "postgresql":
            cur.adbc_ingest(name, table, mode="replace", db_schema_name="helpdesk")
            cur.execute(f"GRANT SELECT ON helpdesk.{name} TO reader")
        else:
            cur.adbc_ingest(name, table, mode="replace")
        con.commit()


@pytest.fixture(scope="session")
def tickets():
    """Every eighth ticket of the sample operation (about 5,600, all teams and months)."""
    table = pq.read_table(SAMPLE / "tickets.parquet")
    return table.take(list(range(0, table.num_rows, 8))).replace_schema_metadata(None)


def _tickets_only_sample() -> dict:
    """The sample cycle file without what needs tables other than the tickets (its objective on
    a service standard is measured from quality evaluations)."""
    raw = yaml.safe_load((SAMPLE / "cycle.yaml").read_text(encoding="utf-8"))
    raw["objectives"] = [o for o in raw["objectives"] if not o["kpi"].startswith("standard:")]
    return raw


def _cycle(folder: Path, tickets_source: dict | str) -> Path:
    """The sample cycle with only its tickets, taken from ``tickets_source``."""
    raw = _tickets_only_sample()
    raw["data"] = {"tickets": tickets_source}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cycle.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def parquet_cycle(tickets, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("parquet-cycle")
    pq.write_table(tickets, folder / "tickets.parquet")
    return _cycle(folder, "tickets.parquet")


@pytest.fixture(scope="session")
def pg_cycle(postgres, tickets, tmp_path_factory) -> Path:
    _load(postgres["admin"], "tickets", tickets)
    return _cycle(
        tmp_path_factory.mktemp("pg-cycle"),
        {"url": postgres["reader"], "table": "helpdesk.tickets"},
    )


def _weekly_kpis(cycle: Path, run_dir: Path) -> pd.DataFrame:
    wb = open_workbook(cycle, run_dir=run_dir, stage="plan")
    return wb.kpis(freq="W", by="team")  # every KPI the tickets support


@pytest.mark.notebook
def test_postgres_cycle_runs_the_plan_and_matches_parquet(
    pg_cycle, parquet_cycle, password, cli, tmp_path
):
    """`cslib run --stages plan` on tickets from PostgreSQL: same baseline as from Parquet,
    run.json hashes the query's result, and the password appears in none of the run's files."""
    done = cli("run", pg_cycle, "--stages", "plan", "--out", tmp_path / "reports")
    assert done.returncode == 0, done.stderr + done.stdout
    run_dir = next((tmp_path / "reports").glob("*/*/run.json")).parent
    from_db = artefacts.load(run_dir, "plan", "baseline")

    wb = open_workbook(parquet_cycle, run_dir=tmp_path / "parquet-run", stage="plan")
    plan.baseline(wb)
    from_file = artefacts.load(wb.run_dir, "plan", "baseline")
    assert len(from_file) == len(load_cycle(pg_cycle).objectives) > 0
    pd.testing.assert_frame_equal(from_db, from_file)

    record = json.loads((run_dir / "run.json").read_text())["inputs"]["tickets"]
    assert record["url"].startswith("postgresql://reader:***@127.0.0.1:")
    assert record["query"] == "SELECT * FROM helpdesk.tickets"
    assert record["sha256"] == result_hash(load_cycle(pg_cycle).path("tickets"))
    for path in [*run_dir.rglob("*"), *tmp_path.rglob("*.log")]:
        if path.is_file() and path.suffix in {".json", ".html", ".ipynb", ".log", ".yaml"}:
            assert PASSWORD not in path.read_text(encoding="utf-8", errors="replace"), path
    assert PASSWORD not in done.stdout + done.stderr


def test_postgres_kpis_equal_parquet(pg_cycle, parquet_cycle, password, tmp_path):
    """Every KPI, weekly by team, is the same read from PostgreSQL as from the Parquet file."""
    from_db = _weekly_kpis(pg_cycle, tmp_path / "db")
    from_file = _weekly_kpis(parquet_cycle, tmp_path / "file")
    assert len(from_db) > 100 and from_db.shape[1] > 20 and from_db["csat"].notna().sum() > 100
    pd.testing.assert_frame_equal(from_db, from_file)


def test_sqlite_kpis_equal_parquet(tickets, parquet_cycle, tmp_path):
    pytest.importorskip("adbc_driver_sqlite")
    _load(str(tmp_path / "helpdesk.db"), "tickets", tickets, driver="sqlite")
    cycle = _cycle(tmp_path, {"url": "sqlite:///helpdesk.db", "query": "SELECT * FROM tickets"})
    pd.testing.assert_frame_equal(
        _weekly_kpis(cycle, tmp_path / "db"), _weekly_kpis(parquet_cycle, tmp_path / "file")
    )


def test_hash_is_of_the_rows_not_their_order(tmp_path):
    """Two databases holding the same rows in another order hash alike; one changed value does not."""
    pytest.importorskip("adbc_driver_sqlite")
    import pyarrow as pa

    rows = pa.table({"ticket_id": ["T1", "T2", "T3"], "created_at": ["2026-04-01"] * 3})
    hashes = []
    for name, table in (
        ("a", rows),
        ("b", rows.take([2, 0, 1])),
        ("c", rows.set_column(0, "ticket_id", pa.array(["T1", "T2", "T4"]))),
    ):
        _load(str(tmp_path / f"{name}.db"), "t", table, driver="sqlite")
        hashes.append(result_hash(Query(f"sqlite:///{name}.db", table="t", base_dir=tmp_path)))
    assert hashes[0] == hashes[1] != hashes[2]


def test_a_password_written_in_the_cycle_file_is_refused():
    raw = _tickets_only_sample()
    raw["data"] = {"tickets": {"url": f"postgresql://reader:{PASSWORD}@db/x", "table": "t"}}
    with pytest.raises(ConfigError) as err:
        parse_cycle(raw)
    assert "data.tickets" in str(err.value) and "${NAME}" in str(err.value)
    assert PASSWORD not in str(err.value)
    raw["data"]["tickets"]["url"] = f"postgresql://reader@db/x?password={PASSWORD}"
    with pytest.raises(ConfigError, match="password written in the cycle file"):
        parse_cycle(raw)


def test_database_errors_name_table_url_and_query_but_no_password(
    postgres, pg_cycle, monkeypatch, tmp_path
):
    """A wrong password, a failing query and an unset variable: each message names the table,
    the url (password hidden) and the query, and never the password."""
    monkeypatch.setenv(ENV, PASSWORD + "x")
    _, problems = validate_cycle(pg_cycle)
    text = "\n".join(map(str, problems))
    assert "cannot be opened" in text and "password authentication failed" in text
    url = f"postgresql://reader:***@127.0.0.1:{postgres['port']}/postgres"
    assert f"tickets from {url}, query SELECT * FROM helpdesk.tickets" in text
    assert PASSWORD not in text

    monkeypatch.setenv(ENV, PASSWORD)
    bad = Query(postgres["reader"], query="SELECT ticket_id, opened FROM helpdesk.tickets")
    with pytest.raises(DataError) as err:
        read_table(bad, "tickets")
    message = str(err.value)
    assert (
        f"{url}, query SELECT ticket_id, opened FROM helpdesk.tickets: the query failed" in message
    )
    assert '"opened" does not exist' in message and PASSWORD not in message

    _execute(
        postgres["admin"],
        "CREATE SEQUENCE IF NOT EXISTS helpdesk.ids",
        "GRANT USAGE ON SEQUENCE helpdesk.ids TO reader",
    )
    writes = Query(
        postgres["reader"], query="SELECT nextval('helpdesk.ids') AS ticket_id, now() AS created_at"
    )
    with pytest.raises(DataError, match="read-only transaction"):
        read_table(writes, "tickets")

    empty = Query(postgres["reader"], query="SELECT * FROM helpdesk.tickets WHERE false")
    with pytest.raises(DataError, match="query returned no rows"):
        read_table(empty, "tickets")

    monkeypatch.delenv(ENV)
    with pytest.raises(DataError, match=f"environment variable {ENV} named in the url is not set"):
        read_table(Query(postgres["reader"], table="tickets_unset"), "tickets")


def test_pgpass_file_gives_the_password(postgres, pg_cycle, tickets, monkeypatch, tmp_path):
    """libpq's password file works: the url names no password at all."""
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{postgres['port']}:postgres:reader:{PASSWORD}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    url = f"postgresql://reader@127.0.0.1:{postgres['port']}/postgres"
    frame = read_table(
        Query(url, query="SELECT ticket_id, created_at FROM helpdesk.tickets"), "tickets"
    )
    assert len(frame) == tickets.num_rows


def test_query_rows_get_the_same_checks_as_a_file(postgres, password):
    """Bad values in a query's result give the problems the same rows give in a DataFrame;
    rows count from 1, the result's first row."""
    frame = pd.DataFrame(
        {
            "ticket_id": ["T1", "T2", "T2", "T4"],
            "created_at": ["2026-04-01 09:00", "yesterday", "2026-04-02 10:00", None],
            "csat": [5, 9, 4, 3],
        }
    )
    import pyarrow as pa

    _load(postgres["admin"], "bad_tickets", pa.Table.from_pandas(frame, preserve_index=False))
    query = Query(postgres["reader"], query="SELECT * FROM helpdesk.bad_tickets ORDER BY ticket_id")
    from_db = check_table(query, "tickets")
    from_frame = check_table(frame, "tickets")
    assert len(from_db) >= 3
    assert [(p.what, p.column, p.values) for p in from_db] == [
        (p.what, p.column, p.values) for p in from_frame
    ]
    assert [tuple(r - 1 for r in p.rows) for p in from_frame] == [p.rows for p in from_db]


def test_the_documented_request_tracker_query(postgres, password):
    """The example query of docs/database.md reads Request Tracker's tables into the contract."""
    _execute(
        postgres["admin"],
        "CREATE TABLE queues (id int, name text)",
        "CREATE TABLE users (id int, name text)",
        "CREATE TABLE tickets (id int, effectiveid int, type text, queue int, owner int,"
        " status text, priority int, created timestamp, resolved timestamp)",
        "CREATE TABLE transactions (id int, objecttype text, objectid int, type text,"
        " created timestamp)",
        "INSERT INTO queues VALUES (1, 'Billing'), (2, 'Technical')",
        "INSERT INTO users VALUES (6, 'Nobody'), (22, 'alice')",
        "INSERT INTO tickets VALUES"
        " (101, 101, 'ticket', 1, 22, 'resolved', 50, '2026-04-01 09:00', '2026-04-02 09:00'),"
        " (102, 102, 'ticket', 2, 6, 'stalled', 90, '2026-04-01 10:00', '1970-01-01 00:00'),"
        " (103, 101, 'ticket', 2, 6, 'resolved', 10, '2026-04-01 10:00', '2026-04-01 12:00'),"
        " (104, 104, 'ticket', 1, 22, 'deleted', 10, '2026-04-01 11:00', '1970-01-01 00:00')",
        "INSERT INTO transactions VALUES"
        " (1, 'RT::Ticket', 101, 'Create', '2026-04-01 09:00'),"
        " (2, 'RT::Ticket', 101, 'Correspond', '2026-04-01 11:30'),"
        " (3, 'RT::Ticket', 101, 'Correspond', '2026-04-01 15:00'),"
        " (4, 'RT::Ticket', 102, 'Comment', '2026-04-01 10:30')",
        "GRANT SELECT ON queues, users, tickets, transactions TO reader",
    )
    sql = re.search(r"query: \|\n((?: {6}.*\n)+)", DOC.read_text(encoding="utf-8")).group(1)
    frame = read_table(Query(postgres["reader"], query=sql), "tickets").set_index("ticket_id")
    assert frame.index.tolist() == ["101", "102"]  # merged and deleted tickets left out
    assert frame.loc["101", "first_response_at"] == pd.Timestamp("2026-04-01 11:30")
    assert pd.isna(frame.loc["102", "first_response_at"]) and pd.isna(
        frame.loc["102", "resolved_at"]
    )
    assert frame["status"].tolist() == ["resolved", "on_hold"]
    assert frame["team"].tolist() == ["Billing", "Technical"]
    assert frame["priority"].tolist() == ["normal", "urgent"]
    assert frame["agent_id"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("reading", "columns"),
    [
        ({"table": "tickets", "adapter": "zendesk"}, None),
        (
            {"query": "SELECT id, created_at FROM tickets", "columns": {"ticket_id": "id"}},
            ["id", "created_at"],
        ),
    ],
)
def test_a_query_maps_like_a_file(reading, columns, tmp_path):
    """An adapter or column mapping reads a database table exactly as it reads the same export."""
    pytest.importorskip("adbc_driver_sqlite")
    import pyarrow as pa

    export = pd.DataFrame(
        {
            "id": [11, 12, 13],
            "created_at": ["2026-04-01T09:00:00Z", "2026-04-01T10:00:00Z", "2026-04-02T08:00:00Z"],
            "solved_at": ["2026-04-01T12:00:00Z", None, "2026-04-03T08:00:00Z"],
            "status": ["solved", "hold", "closed"],
            "First reply time in minutes": [30, None, 90],
        }
    )
    _load(str(tmp_path / "zendesk.db"), "tickets", pa.Table.from_pandas(export), driver="sqlite")
    raw = _tickets_only_sample()
    raw["data"] = {"tickets": {"url": "sqlite:///zendesk.db", **reading}}
    cycle = parse_cycle(raw, base_dir=tmp_path)
    opts = cycle.read_options("tickets")
    from_db = read_table(cycle.path("tickets"), "tickets", opts=opts)
    (export[columns] if columns else export).to_csv(tmp_path / "export.csv", index=False)
    from_file = read_table(tmp_path / "export.csv", "tickets", opts=opts)
    pd.testing.assert_frame_equal(from_db, from_file)
    assert from_db["ticket_id"].tolist() == ["11", "12", "13"]
    if not columns:
        assert from_db["status"].tolist() == ["resolved", "on_hold", "closed"]
        assert from_db["first_response_at"].iloc[0] == pd.Timestamp("2026-04-01 10:30")


def test_the_next_cycle_finds_a_relative_sqlite_file(tmp_path):
    """The drafted next cycle names the SQLite file so that it is found from wherever it is saved."""
    from cslib.cycle import register

    raw = _tickets_only_sample()
    raw["data"] = {"tickets": {"url": "sqlite:///db/helpdesk.db", "table": "tickets"}}
    cycle = parse_cycle(raw, base_dir=tmp_path)
    no_verdicts = pd.DataFrame({"objective": [], "verdict": []})
    draft = register.draft_next_cycle(cycle, no_verdicts, absolute_paths=True)
    assert draft["data"]["tickets"]["url"] == f"sqlite:///{tmp_path.resolve()}/db/helpdesk.db"
    assert "path" not in draft["data"]["tickets"]
    assert cycle.path("tickets").url_for(tmp_path / "reports") == "sqlite:///../db/helpdesk.db"


def test_cli_names_a_missing_database_and_exits_2(cli, tmp_path):
    cycle = _cycle(tmp_path, {"url": "sqlite:///missing.db", "table": "tickets"})
    done = cli("validate", cycle)
    text = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2 and "Traceback" not in text
    assert "tickets from sqlite:///missing.db, query SELECT * FROM tickets" in text
    assert "the SQLite file is not found" in text


READS_THE_TICKETS = """
from pathlib import Path
from cslib.cycle.model import load_cycle
from cslib.data.tables import read_table
ids = read_table(load_cycle(cycle).path("tickets"), "tickets")["ticket_id"]
Path(run_dir, f"read-{len(list(Path(run_dir).glob('read-*')))}.txt").write_text(str(len(ids)))
"""


def test_a_run_reads_a_query_once_and_every_stage_reads_that_snapshot(
    postgres, tickets, password, tmp_path, monkeypatch
):
    """The table loses rows while the run is between its stages: both stages' kernels read the
    rows the run started with, from the snapshot run.json records, without the password."""
    import nbformat

    from cslib.run import runner

    _load(postgres["admin"], "changing", tickets)
    cycle = _cycle(tmp_path, {"url": postgres["reader"], "table": "helpdesk.changing"})
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in runner.NOTEBOOKS.values():
        nb = nbformat.v4.new_notebook()
        parameters = nbformat.v4.new_code_cell('cycle = ""\nrun_dir = ""\nteams = ""')
        parameters.metadata["tags"] = ["parameters"]
        nb.cells = [parameters, nbformat.v4.new_code_cell(READS_THE_TICKETS)]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, str(notebooks / name))

    def between_stages(stage, event):
        if stage == "plan" and event == "done":
            _execute(postgres["admin"], "DELETE FROM helpdesk.changing WHERE team = 'Billing'")
            monkeypatch.delenv(ENV)  # the stages after it need no password

    result = runner.run_cycle(
        cycle, out=tmp_path / "out", stages=["plan", "do"], notebooks=notebooks,
        report=False, on_stage=between_stages,
    )  # fmt: skip
    run_dir = result.run_dir
    assert sorted(p.read_text() for p in run_dir.glob("read-*.txt")) == [str(len(tickets))] * 2
    record = json.loads((run_dir / "run.json").read_text())["inputs"]["tickets"]
    snapshot = run_dir / record["snapshot"]
    assert record["snapshot"].startswith("snapshots/") and snapshot.is_file()
    assert pq.read_table(snapshot).num_rows == len(tickets)
    assert PASSWORD not in (run_dir / "run.json").read_text() and "***" in record["url"]
    monkeypatch.setenv(ENV, PASSWORD)
    changed = result_hash(load_cycle(cycle).path("tickets"))  # a new process would read again
    assert changed != record["sha256"]
