"""The data contract: every class of bad input gives one clear error listing all problems."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from cslib.data.sample.write import CSV_TABLES
from cslib.data.tables import check_table, read_table
from cslib.errors import DataError

GOOD = "ticket_id,created_at,resolved_at,channel,csat\nT1,2026-04-01 09:00,2026-04-01 12:00,email,5\nT2,2026-04-01 10:00,,chat,\n"


def write(tmp_path, text: str, name: str = "tickets.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def problems(path, table="tickets", **opts) -> str:
    with pytest.raises(DataError) as info:
        read_table(path, table, **opts)
    return str(info.value)


def test_good_file_reads_typed(tmp_path):
    frame = read_table(write(tmp_path, GOOD), "tickets")
    assert frame["created_at"].dtype.kind == "M"
    assert frame["csat"].dtype == "Int64" and frame["csat"].isna().sum() == 1
    assert frame["channel"].tolist() == ["email", "chat"]


def test_missing_required_column(tmp_path):
    msg = problems(write(tmp_path, "ticket_id,opened\nT1,2026-04-01\n"))
    assert "missing required column created_at" in msg and "'opened'" in msg


def test_wrong_type(tmp_path):
    msg = problems(
        write(
            tmp_path, "ticket_id,created_at,handle_seconds\nT1,2026-04-01,abc\nT2,2026-04-01,12\n"
        )
    )
    assert "column 'handle_seconds': not a number (row 2; value 'abc')" in msg


def test_unparseable_dates_name_rows_and_values(tmp_path):
    msg = problems(
        write(tmp_path, "ticket_id,created_at\nT1,2026-04-01\nT2,31/02/2026\nT3,yesterday\n")
    )
    assert (
        "column 'created_at': dates cannot be read (rows 3, 4; values '31/02/2026', 'yesterday')"
        in msg
    )
    assert "ISO 8601" in msg


def test_date_format_option_reads_day_first_dates(tmp_path):
    frame = read_table(
        write(tmp_path, "ticket_id,created_at\nT1,01/02/2026 10:30\n"),
        "tickets",
        date_format="%d/%m/%Y %H:%M",
    )
    assert frame["created_at"].iloc[0] == pd.Timestamp("2026-02-01 10:30")


def test_resolved_before_created(tmp_path):
    msg = problems(write(tmp_path, "ticket_id,created_at,resolved_at\nT1,2026-04-02,2026-04-01\n"))
    assert "column 'resolved_at': before created_at (row 2" in msg


def test_duplicate_ids(tmp_path):
    msg = problems(
        write(tmp_path, "ticket_id,created_at\nT1,2026-04-01\nT2,2026-04-01\nT1,2026-04-02\n")
    )
    assert "duplicate ticket_id (rows 2, 4; value 'T1')" in msg


def test_empty_file(tmp_path):
    assert "the file is empty" in problems(write(tmp_path, ""))


def test_header_only_file(tmp_path):
    assert "header but no data rows" in problems(write(tmp_path, "ticket_id,created_at\n"))


def test_unknown_category(tmp_path):
    msg = problems(
        write(tmp_path, "ticket_id,created_at,channel\nT1,2026-04-01,Email\nT2,2026-04-01,fax\n")
    )
    assert "column 'channel': unknown value (row 3; value 'fax')" in msg  # 'Email' is accepted


def test_mixed_time_zones(tmp_path):
    msg = problems(
        write(tmp_path, "ticket_id,created_at\nT1,2026-04-01 09:00+01:00\nT2,2026-04-01 09:00\n")
    )
    assert "mixes timestamps with and without a time zone" in msg


def test_aware_timestamps_convert_to_the_cycle_zone(tmp_path):
    path = write(
        tmp_path, "ticket_id,created_at\nT1,2026-07-01T09:00:00Z\nT2,2026-01-15 09:00:00-05:00\n"
    )
    frame = read_table(path, "tickets", timezone="Europe/London")
    assert frame["created_at"].tolist() == [
        pd.Timestamp("2026-07-01 10:00"),
        pd.Timestamp("2026-01-15 14:00"),
    ]


def test_wrong_encoding_is_named_with_its_line(tmp_path):
    path = write(
        tmp_path, "ticket_id,created_at,category\nT1,2026-04-01,caf\u00e9\n", encoding="latin-1"
    )
    msg = problems(path)
    assert "not UTF-8" in msg and "line 2" in msg and "encoding" in msg
    assert read_table(path, "tickets", encoding="latin-1")["category"].item() == "caf\u00e9"


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert read_table(path, "tickets")["ticket_id"].tolist() == ["T1", "T2"]


def test_duplicated_column_names(tmp_path):
    msg = problems(write(tmp_path, "ticket_id,created_at,created_at\nT1,2026-04-01,2026-04-02\n"))
    assert "duplicated column names" in msg and "'created_at'" in msg


def test_wrong_delimiter_gets_a_hint(tmp_path):
    msg = problems(write(tmp_path, "ticket_id;created_at\nT1;2026-04-01\n"), delimiter=",")
    assert "delimiter" in msg


def test_semicolon_files_are_sniffed(tmp_path):
    frame = read_table(write(tmp_path, "ticket_id;created_at\nT1;2026-04-01\n"), "tickets")
    assert frame["ticket_id"].tolist() == ["T1"]


def test_out_of_range_and_not_whole(tmp_path):
    msg = problems(
        write(tmp_path, "ticket_id,created_at,csat,nps\nT1,2026-04-01,6,4.5\nT2,2026-04-01,0,11\n")
    )
    assert "column 'csat': outside the allowed range 1 … 5 (rows 2, 3" in msg
    assert "column 'nps': not a whole number (row 2" in msg
    assert "column 'nps': outside the allowed range 0 … 10 (row 3" in msg


def test_every_problem_is_reported_at_once(tmp_path):
    text = "ticket_id,created_at,channel,csat\nT1,bad,fax,9\nT1,2026-04-01,email,4\n"
    found = check_table(write(tmp_path, text), "tickets")
    assert {p.column for p in found} == {"created_at", "channel", "csat", "ticket_id"}


def test_problem_counts_beyond_the_examples(tmp_path):
    rows = "".join(f"T{i},not a date\n" for i in range(12))
    msg = problems(write(tmp_path, "ticket_id,created_at\n" + rows))
    assert "rows 2, 3, 4, 5, 6 … 12 rows in all" in msg


def test_excel_with_a_header_offset(tmp_path):
    path = tmp_path / "tickets.xlsx"
    frame = pd.DataFrame(
        {
            "ticket_id": ["T1", "T2"],
            "created_at": [pd.Timestamp("2026-04-01 09:00"), pd.Timestamp("2026-04-02")],
        }
    )
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame([["Helpdesk export"], [""]]).to_excel(xl, index=False, header=False)
        frame.to_excel(xl, index=False, startrow=2)
    got = read_table(path, "tickets", header_row=3)
    assert got["created_at"].tolist() == frame["created_at"].tolist()
    with pytest.raises(DataError, match="missing required column"):
        read_table(path, "tickets")


def test_parquet_and_missing_file(tmp_path):
    frame = pd.DataFrame({"ticket_id": ["T1"], "created_at": [pd.Timestamp("2026-04-01")]})
    frame.to_parquet(tmp_path / "t.parquet")
    assert read_table(tmp_path / "t.parquet", "tickets")["ticket_id"].item() == "T1"
    assert "file not found" in problems(tmp_path / "nope.csv")


def test_raw_files_are_never_written(tmp_path):
    path = write(tmp_path, "ticket_id,created_at\nT1,bad\n")

    def state():
        raw = tmp_path / "tickets.csv"
        return hashlib.sha256(raw.read_bytes()).hexdigest(), raw.stat().st_mtime_ns

    before = state()
    problems(path)
    read_table(write(tmp_path, GOOD, name="good.csv"), "tickets")
    assert state() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.csv", "tickets.csv"]


def test_other_tables_have_contracts(tmp_path):
    path = write(
        tmp_path,
        "respondent_id,item,expectation,perception\nR1,1,7,8\nR1,1,6,5\n",
        name="survey.csv",
    )
    msg = problems(path, table="survey")
    assert "column 'perception': outside the allowed range 1 … 7" in msg
    assert "duplicate respondent_id × item" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ticket_id,opened\nT1,2026-04-01\n", "missing required column created_at"),
        ("ticket_id,created_at\nT1,31/02/2026\n", "dates cannot be read"),
        ("", "the file is empty"),
    ],
)
def test_cli_validate_exits_2_without_traceback(tmp_path, sample_dir, cli, text, expected):
    (tmp_path / "tickets.csv").write_text(text)
    cycle = (
        (sample_dir / "cycle.yaml")
        .read_text()
        .replace("tickets: tickets.parquet", f"tickets: {tmp_path / 'tickets.csv'}")
    )
    cycle = cycle.replace(
        "complaints: complaints.csv", f"complaints: {sample_dir / 'complaints.csv'}"
    )
    for name in ("survey", "survey_weights", "feedback", "training", "agents", "evaluations"):
        cycle = cycle.replace(f"{name}: {name}.csv", f"{name}: {sample_dir / (name + '.csv')}")
    (tmp_path / "cycle.yaml").write_text(cycle)
    result = cli("validate", tmp_path / "cycle.yaml")
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_ids_differing_only_by_invisible_characters_are_one_id_and_are_reported(tmp_path):
    from cslib.data.tables import id_notes

    # T1 four times: plain, with a zero-width space, a byte-order mark inside, a NUL
    text = "ticket_id,created_at\nT1,2026-04-01\nT1\u200b,2026-04-01\nT\ufeff1,2026-04-01\nT1\x00,2026-04-01\nT2,2026-04-01\n"
    path = write(tmp_path, text)
    msg = problems(path)
    assert "duplicate ticket_id (rows 2, 3, 4, 5; value 'T1')" in msg
    assert id_notes(path, "tickets") == [
        "ticket_id: 3 values held invisible characters (NUL, zero-width space, byte-order mark…); "
        "they were removed before ids were compared"
    ]
    clean = write(
        tmp_path, text.replace("T1\u200b", "T3").replace("T\ufeff1", "T4").replace("T1\x00", "T5")
    )
    assert read_table(clean, "tickets")["ticket_id"].tolist() == ["T1", "T3", "T4", "T5", "T2"]
    assert id_notes(clean, "tickets") == []
    frame = read_table(
        pd.DataFrame({"ticket_id": ["A\u200b", "B"], "created_at": ["2026-04-01"] * 2}), "tickets"
    )
    assert frame["ticket_id"].tolist() == ["A", "B"]
    # letters beyond ASCII stay, with or without an invisible character beside them
    ids = ["Zoë-7", "Zoë\u00ad-8", "\u2060Ø9", " C\u200d10 "]
    frame = read_table(
        pd.DataFrame({"ticket_id": ids, "created_at": ["2026-04-01"] * 4}), "tickets"
    )
    assert frame["ticket_id"].tolist() == ["Zoë-7", "Zoë-8", "Ø9", "C10"]


def test_cli_validate_reports_ids_cleaned_of_invisible_characters(tmp_path, sample_dir, cli):
    tickets = pd.read_parquet(sample_dir / "tickets.parquet")
    tickets.loc[[3, 8], "ticket_id"] = tickets.loc[[3, 8], "ticket_id"] + "\u200b"
    tickets.to_parquet(tmp_path / "tickets.parquet")
    cycle = (sample_dir / "cycle.yaml").read_text()
    for name in CSV_TABLES:
        cycle = cycle.replace(f"{name}: {name}.csv", f"{name}: {sample_dir / (name + '.csv')}")
    (tmp_path / "cycle.yaml").write_text(cycle)
    result = cli("validate", tmp_path / "cycle.yaml")
    assert result.returncode == 0, result.stderr
    assert "tickets ticket_id: 2 values held invisible characters" in " ".join(
        result.stdout.split()
    )


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("utf-32-be", b"\x00\x00\xfe\xff"),
        ("utf-16-le", b""),  # no byte-order mark: recognised by its zero bytes
        ("utf-16-be", b""),
    ],
)
def test_utf16_and_utf32_files_are_recognised_and_read(tmp_path, encoding, bom):
    path = tmp_path / "tickets.csv"
    text = "ticket_id,created_at,comment\nT1,2026-04-01 09:00,caf\u00e9 \u2013 ok\nT\u00e92,2026-04-01 10:00,\n"
    path.write_bytes(bom + text.encode(encoding))
    for opts in ({}, {"encoding": encoding}):
        frame = read_table(path, "tickets", **opts)
        assert frame["ticket_id"].tolist() == ["T1", "T\u00e92"]
        assert frame["comment"].iloc[0] == "caf\u00e9 \u2013 ok" and frame["comment"].isna().iloc[1]
    path.write_bytes(bom + text.replace("2026-04-01 10:00", "1 April").encode(encoding))
    assert "row 3; value '1 April'" in problems(path)


def test_a_file_that_is_not_the_utf16_it_announces_is_named(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"\xff\xfe" + "ticket_id,created_at\n".encode("utf-16-le") + b"\x00\xdc")
    assert "the file is not UTF-16 text" in problems(path)


def test_a_quoted_header_name_across_two_lines_is_read(tmp_path):
    text = (
        'ticket_id,"created\nat",channel\nT1,2026-04-01 09:00,email\nT2,2026-04-02 09:00,"chat"\n'
    )
    frame = read_table(write(tmp_path, text), "tickets", columns=(("created_at", "created\nat"),))
    assert frame["ticket_id"].tolist() == ["T1", "T2"]
    assert frame["channel"].tolist() == ["email", "chat"]


def test_parquet_rows_are_numbered_as_a_spreadsheet_shows_them_even_with_a_file_row_number_column(
    tmp_path,
):
    good = pd.DataFrame({"ticket_id": ["T1", "T2", "T3"], "created_at": ["2026-04-01"] * 3})
    bad = good.assign(created_at=["2026-04-01", "nonsense", "2026-04-02"])
    for name, frame in {"plain": bad, "own": bad.assign(file_row_number=[7, 8, 9])}.items():
        frame.to_parquet(tmp_path / f"{name}.parquet")
        found = problems(tmp_path / f"{name}.parquet")
        assert "rows 3" in found or "row 3" in found, found
    good.assign(file_row_number=[7, 8, 9]).to_parquet(tmp_path / "ok.parquet")
    assert read_table(tmp_path / "ok.parquet", "tickets")["ticket_id"].tolist() == [
        "T1",
        "T2",
        "T3",
    ]


def test_a_parquet_file_changed_in_the_same_process_is_read_anew(tmp_path):
    import os

    from cslib.data.files import connect

    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": range(10)}).to_parquet(path)
    query = f"SELECT count(*), sum(a) FROM read_parquet('{path}')"
    assert connect().execute(query).fetchall() == [(10, 45)]
    assert connect().execute("SELECT current_setting('parquet_metadata_cache')").fetchall() == [
        (True,)
    ]
    mtime = path.stat().st_mtime_ns
    pd.DataFrame({"a": range(5), "b": 1}).to_parquet(path)
    os.utime(path, ns=(mtime, mtime))  # even with the old modification time
    assert connect().execute(query).fetchall() == [(5, 10)]
