"""Hostile and broken input: one case per file of ``tests/hostile/`` (big and binary files
are generated into tmp_path). Each either gives a clear error — ``cslib validate`` exits 2
without a traceback and the message names the problem — or is read correctly and safely.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from cslib.data import adapters
from cslib.data import tables as io
from cslib.data.privacy import neutralise_frame
from cslib.errors import CslibError

HOSTILE = Path(__file__).parent / "hostile"


def _cycle(folder: Path, path: Path, **source) -> Path:
    extra = "".join(f", {k}: {v!r}" for k, v in source.items())
    cycle = folder / "cycle.yaml"
    cycle.write_text(
        textwrap.dedent(
            f"""
            title: Hostile input
            data:
              tickets: {{path: {str(path)!r}{extra}}}
            periods:
              baseline: {{start: 2026-01-01, end: 2026-01-31}}
              review: {{start: 2026-02-01, end: 2026-02-28}}
            change: {{date: 2026-02-01}}
            objectives: [{{id: O1, kpi: volume, direction: increase}}]
            """
        ),
        encoding="utf-8",
    )
    return cycle


def _refused(cli, tmp_path, path, *phrases, **source):
    result = cli("validate", _cycle(tmp_path, path, **source))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith("error:")
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr
    return result.stderr


def _read(path, **options):
    return io.read_table(path, "tickets", **options)


# ------------------------------------------------------------------ refused files


def test_truncated_inside_a_quoted_value(cli, tmp_path):
    _refused(
        cli,
        tmp_path,
        HOSTILE / "truncated.csv",
        "a quoted value is never closed (line 3)",
        "looks truncated",
    )


def test_truncated_inside_a_row(cli, tmp_path):
    _refused(
        cli,
        tmp_path,
        HOSTILE / "truncated_row.csv",
        "a row has 3 fields where the header has 6 (line 3)",
        "truncated",
    )


def test_wrong_delimiter_in_the_cycle_file(cli, tmp_path):
    _refused(
        cli,
        tmp_path,
        HOSTILE / "wrong_delimiter.csv",
        "missing required columns ticket_id, created_at",
        "is the delimiter right?",
        delimiter=",",
    )


def test_wrong_delimiter_is_detected_when_not_set():
    out = _read(HOSTILE / "wrong_delimiter.csv")
    assert out["team"].tolist() == ["Billing", "Orders"] and out["handle_seconds"].iloc[0] == 300


def test_latin1_without_encoding(cli, tmp_path):
    _refused(
        cli,
        tmp_path,
        HOSTILE / "latin1.csv",
        "not UTF-8 text (first bad byte on line 2)",
        "set encoding",
    )


def test_latin1_with_encoding():
    out = _read(HOSTILE / "latin1.csv", encoding="latin-1")
    assert out["team"].tolist() == ["Café"] and out["comment"].tolist() == ["résumé reçu"]


def test_bom_is_not_part_of_the_first_column():
    out = _read(HOSTILE / "bom.csv")
    assert list(out.columns) == ["ticket_id", "created_at", "team"] and out[
        "ticket_id"
    ].tolist() == ["1"]
    assert out["team"].tolist() == ["Café"]


def test_empty_file(cli, tmp_path):
    _refused(cli, tmp_path, HOSTILE / "empty.csv", "the file is empty")


def test_header_only(cli, tmp_path):
    _refused(cli, tmp_path, HOSTILE / "header_only.csv", "header but no data rows")


def test_duplicated_column_names(cli, tmp_path):
    _refused(cli, tmp_path, HOSTILE / "duplicate_columns.csv", "duplicated column names", "'team'")


def test_dates_in_three_formats(cli, tmp_path):
    _refused(
        cli,
        tmp_path,
        HOSTILE / "dates_three_formats.csv",
        "column 'created_at': dates cannot be read",
        "rows 3, 4",
        "'05/01/2026 10:00'",
        "'Jan 5, 2026 10:00'",
    )
    # a mapping that names the formats reads all three
    m = adapters.parse_mapping(
        {
            "columns": {"ticket_id": "ticket_id", "created_at": "created_at"},
            "dates": {"format": ["%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%b %d, %Y %H:%M"]},
        }
    ).for_table("tickets")
    out = io.read_table(
        HOSTILE / "dates_three_formats.csv", "tickets", opts=io.ReadOptions(mapping=m)
    )
    assert out["created_at"].tolist() == [pd.Timestamp("2026-01-05 10:00")] * 3


def test_numbers_with_thousands_separators(cli, tmp_path):
    _refused(
        cli,
        tmp_path,
        HOSTILE / "thousands.csv",
        "column 'handle_seconds': not a number",
        "'1,234'",
        "no thousands separators",
    )
    m = adapters.parse_mapping(
        {
            "columns": {
                "ticket_id": "ticket_id",
                "created_at": "created_at",
                "handle_seconds": "handle_seconds",
            },
            "numbers": {"thousands": ","},
        }
    ).for_table("tickets")
    out = io.read_table(HOSTILE / "thousands.csv", "tickets", opts=io.ReadOptions(mapping=m))
    assert out["handle_seconds"].tolist() == [1234, 12500.5, 95]


def test_negative_and_absurd_durations(cli, tmp_path):
    err = _refused(
        cli,
        tmp_path,
        HOSTILE / "durations.csv",
        "column 'handle_seconds': outside the allowed range",
        "'-5'",
        "'999999999'",
        "column 'wait_seconds': outside the allowed range",
        "column 'resolved_at': before created_at (row 2",
    )
    assert "3 problems" in err


def test_dates_after_2038():
    out = _read(HOSTILE / "dates_2038.csv")
    assert out["created_at"].tolist()[:2] == [
        pd.Timestamp("2038-01-19 03:14:07"),
        pd.Timestamp("2099-12-31 23:59:59"),
    ]
    assert out["resolved_at"].iloc[0] == pd.Timestamp("2038-01-19 03:14:08") and out[
        "resolved_at"
    ].iloc[2] == pd.Timestamp("2240-02-29 12:00")
    hours = (out["resolved_at"] - out["created_at"]).dt.total_seconds() / 3600
    assert hours.iloc[0] == pytest.approx(1 / 3600)


def test_a_100_mb_single_line_fails_fast(cli, tmp_path):
    big = tmp_path / "one_line.csv"
    with open(big, "w", encoding="utf-8") as handle:
        handle.write("ticket_id,created_at,comment\n1,2026-01-05 10:00,")
        block = "x" * (1 << 20)
        for _ in range(100):
            handle.write(block)
    assert big.stat().st_size > 100e6
    start = time.perf_counter()
    with pytest.raises(CslibError, match="line 2 is longer than 2 MB"):
        _read(big)
    assert time.perf_counter() - start < 5
    _refused(cli, tmp_path, big, "line 2 is longer than 2 MB", "not a table export")


def test_excel_header_offset(cli, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Tickets exported 2026-02-01"])
    sheet.append([])
    sheet.append(["ticket_id", "created_at", "team"])
    sheet.append([1, "2026-01-05 10:00", "Billing"])
    sheet.append([2, "2026-01-05 11:00", "Orders"])
    book.save(tmp_path / "offset.xlsx")
    _refused(
        cli,
        tmp_path,
        tmp_path / "offset.xlsx",
        "missing required columns",
        "header is not on the first row",
        "header_row",
    )
    out = _read(tmp_path / "offset.xlsx", header_row=3)
    assert out["ticket_id"].tolist() == ["1", "2"] and out["team"].tolist() == ["Billing", "Orders"]
    assert out["created_at"].iloc[1] == pd.Timestamp("2026-01-05 11:00")


def test_excel_formulas_without_results(cli, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["ticket_id", "created_at", "handle_seconds"])
    sheet.append([1, "2026-01-05 10:00", "=60*5"])
    sheet.append([2, "2026-01-05 11:00", 120])
    book.save(tmp_path / "formulas.xlsx")
    _refused(
        cli,
        tmp_path,
        tmp_path / "formulas.xlsx",
        "formulas without a saved result",
        "row 2",
        "'C2'",
        "save it",
    )


def test_excel_merged_cells(cli, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["ticket_id", "created_at", "team"])
    for i in range(3):
        sheet.append([i + 1, f"2026-01-05 1{i}:00", "Billing" if i == 0 else None])
    sheet.merge_cells("C2:C4")
    book.save(tmp_path / "merged.xlsx")
    _refused(
        cli,
        tmp_path,
        tmp_path / "merged.xlsx",
        "merged cells in the data rows",
        "rows 2, 3, 4",
        "'C2:C4'",
        "unmerge",
    )


# ------------------------------------------------------------ text that could run


def test_html_and_javascript_stay_inert_text():
    out = _read(HOSTILE / "html_js.csv")
    assert out["comment"].tolist() == [
        "<script>alert('x')</script> thanks",
        "<img src=x onerror=alert(1)> & 'quotes' \"too\"",
    ]
    assert out["team"].iloc[0] == "<b>Billing</b>"  # kept verbatim: escaping is the report's job
    html = out.to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html


def test_csv_injection_is_neutralised_in_csv_and_excel(tmp_path):
    out = _read(HOSTILE / "csv_injection.csv")
    assert (
        out["comment"].iloc[0] == "=cmd|' /C calc'!A0" and out["team"].iloc[1] == "@SUM(A1)"
    )  # read verbatim
    safe = neutralise_frame(out)
    assert safe["comment"].tolist() == ["'=cmd|' /C calc'!A0", "'+44 7700 900123", "'-2+3"]
    assert safe["team"].tolist() == ["'=1+1", "'@SUM(A1)", "Orders"]
    safe.to_csv(tmp_path / "out.csv", index=False)
    written = pd.read_csv(tmp_path / "out.csv", dtype=str)
    for col in ("team", "comment"):
        assert not written[col].str.match(r"^[=+\-@\t\r]").any()
    safe.to_excel(tmp_path / "out.xlsx", index=False)
    sheet = load_workbook(tmp_path / "out.xlsx").active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not any(c.data_type == "f" for c in cells)  # no cell is a formula
    assert sheet["D2"].value == "'=cmd|' /C calc'!A0"


# ------------------------------------------------------------------ defects found by hostile testing


def test_square_brackets_in_a_path_name_one_file(cli, tmp_path):
    (tmp_path / "tickets[1].csv").write_text("ticket_id,created_at\nA,2026-01-05 10:00\n")
    (tmp_path / "tickets1.csv").write_text(
        "ticket_id,created_at\nB,2026-01-05 10:00\nC,2026-01-06 10:00\n"
    )
    assert _read(tmp_path / "tickets[1].csv")["ticket_id"].tolist() == ["A"]
    pd.DataFrame({"ticket_id": ["P"], "created_at": [pd.Timestamp("2026-01-05")]}).to_parquet(
        tmp_path / "t[a].parquet"
    )
    pd.DataFrame({"ticket_id": ["Q"], "created_at": [pd.Timestamp("2026-01-05")]}).to_parquet(
        tmp_path / "ta.parquet"
    )
    assert _read(tmp_path / "t[a].parquet")["ticket_id"].tolist() == ["P"]


def _nested_aliases(levels: int = 8) -> str:
    """A YAML "billion laughs": each level repeats the one below nine times."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _cli_refuses(cli, cycle: Path, *phrases) -> str:
    start = time.perf_counter()
    result = cli("validate", cycle)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith("error:")
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr
    assert len(result.stderr) < 3000 and time.perf_counter() - start < 120
    return result.stderr


def test_alias_bomb_in_a_cycle_file(cli, tmp_path):
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text(_nested_aliases() + "title: *a8\n", encoding="utf-8")
    _cli_refuses(cli, cycle, "cycle.yaml", "aliases (*name) expand to more than 100,000 values")


def test_alias_bomb_in_a_mapping_file(cli, tmp_path):
    (tmp_path / "mapping.yaml").write_text(_nested_aliases() + "columns: *a8\n", encoding="utf-8")
    cycle = _cycle(tmp_path, HOSTILE / "bom.csv", mapping="mapping.yaml")
    _cli_refuses(cli, cycle, "mapping.yaml", "aliases (*name) expand")


def test_a_few_aliases_are_still_read(tmp_path):
    from cslib._yamlfile import read_yaml

    (tmp_path / "ok.yaml").write_text("a: &x [1, 2]\nb: *x\n", encoding="utf-8")
    assert read_yaml(tmp_path / "ok.yaml") == {"a": [1, 2], "b": [1, 2]}


def test_a_huge_value_is_cut_in_the_message(cli, tmp_path):
    cycle = _cycle(tmp_path, HOSTILE / "bom.csv")
    cycle.write_text(
        cycle.read_text() + f"timezone: {'Z' * 1_000_000}\n{'k' * 1000}: 1\n", encoding="utf-8"
    )
    _cli_refuses(cli, cycle, "unknown time zone 'ZZZ", "unknown key 'kkk")


def test_200k_columns_are_refused_quickly(cli, tmp_path):
    from cslib.data.file_checks import check_header, unique_names

    names = ["ticket_id", "created_at"] + [f"c{i}" for i in range(200_000)]
    start = time.perf_counter()
    assert len(unique_names(["x"] * 200_000)) == 200_000
    with pytest.raises(CslibError, match="200,002 columns"):
        check_header(names, "wide.csv")
    assert time.perf_counter() - start < 5
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(names) + "\n" + ",".join(["A", "2026-01-05 10:00"] + ["x"] * 200_000))
    _cli_refuses(cli, _cycle(tmp_path, wide), "wide.csv", "200,002 columns, more than the 16,384")


def test_a_header_cell_over_128_kb(cli, tmp_path):
    wide = tmp_path / "long_name.csv"
    wide.write_text(f"ticket_id,created_at,{'n' * 200_000}\nA,2026-01-05 10:00,x\n")
    _cli_refuses(cli, _cycle(tmp_path, wide), "long_name.csv", "longer than 128 KB")


@pytest.mark.parametrize(
    ("source", "phrases"),
    [
        ({"delimiter": ";;"}, ["tickets.csv", "delimiter ';;' cannot separate values"]),
        ({"delimiter": '"'}, ["tickets.csv", "delimiter '\"' cannot separate values"]),
        ({"date_format": "%Q%"}, ["tickets.csv", "date format '%Q%' cannot be used"]),
    ],
)
def test_read_options_that_cannot_work(cli, tmp_path, source, phrases):
    data = tmp_path / "tickets.csv"
    data.write_text("ticket_id,created_at\nA,2026-01-05 10:00\n")
    _cli_refuses(cli, _cycle(tmp_path, data, **source), *phrases)


@pytest.mark.parametrize("zone", ["right/UTC", "posixrules", "localtime"])
def test_time_zones_duckdb_does_not_know(cli, tmp_path, zone):
    cycle = _cycle(tmp_path, HOSTILE / "bom.csv")
    cycle.write_text(cycle.read_text() + f"timezone: {zone}\n", encoding="utf-8")
    _cli_refuses(cli, cycle, "cycle.yaml: timezone", f"unknown time zone '{zone}'")


def test_a_count_too_large_for_a_whole_number(cli, tmp_path):
    data = tmp_path / "tickets.csv"
    data.write_text("ticket_id,created_at,reopens\nA,2026-01-05 10:00,1e20\n")
    _cli_refuses(cli, _cycle(tmp_path, data), "column 'reopens': too large", "'1e20'")


def test_parquet_timestamps_as_epoch_numbers(cli, tmp_path):
    data = tmp_path / "tickets.parquet"
    pd.DataFrame({"ticket_id": ["A", "B"], "created_at": [1767600000, 1770300000]}).to_parquet(data)
    _cli_refuses(
        cli, _cycle(tmp_path, data), "column 'created_at': numbers, not timestamps", "1767600000"
    )


@pytest.mark.parametrize("cut", [0.5, 0.98])
def test_a_truncated_parquet_file(cli, tmp_path, cut):
    full = tmp_path / "full.parquet"
    pd.DataFrame(
        {"ticket_id": [f"T{i}" for i in range(2000)], "created_at": pd.Timestamp("2026-01-05")}
    ).to_parquet(full)
    data = tmp_path / "tickets.parquet"
    data.write_bytes(full.read_bytes()[: int(full.stat().st_size * cut)])
    _cli_refuses(cli, _cycle(tmp_path, data), "tickets.parquet", "Parquet file cannot be read")


def test_a_non_finite_argument_of_a_derived_column(cli, tmp_path):
    (tmp_path / "mapping.yaml").write_text(
        "columns: {ticket_id: ticket_id, created_at: created_at}\n"
        "derived: {handle_seconds: {minus: [mins, .inf]}}\n"
    )
    data = tmp_path / "tickets.csv"
    data.write_text("ticket_id,created_at,mins\nA,2026-01-05 10:00,3\n")
    _cli_refuses(
        cli, _cycle(tmp_path, data, mapping="mapping.yaml"), "derived.handle_seconds", "finite"
    )


def test_a_zip_bomb_is_refused_before_it_is_unpacked(cli, tmp_path):
    import zipfile

    bomb = tmp_path / "export.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("incident.csv", "w", force_zip64=True) as member,
    ):
        member.write(b"number,opened_at\n")
        for _ in range(256):
            member.write(b"0" * (1 << 20))
    assert bomb.stat().st_size < 2e6
    start = time.perf_counter()
    err = _cli_refuses(
        cli,
        _cycle(tmp_path, bomb, adapter="servicenow"),
        "export.zip: incident.csv in the zip archive unpacks to more than",
        "zip bomb",
    )
    assert "cslib-unzip" not in err and time.perf_counter() - start < 60


def test_messages_about_a_zipped_table_name_the_archive(cli, tmp_path):
    import zipfile

    archive = tmp_path / "tickets.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(HOSTILE / "truncated.csv", "tickets.csv")
    err = _cli_refuses(cli, _cycle(tmp_path, archive), "tickets.zip (tickets.csv)", "never closed")
    assert "cslib-unzip" not in err
