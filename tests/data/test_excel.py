"""Excel exports are read once: later reads of the same file take a Parquet copy of the sheet."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pandas as pd
import pytest
from openpyxl import Workbook

from cslib.data import cache as cache_module
from cslib.data import excel
from cslib.data.tables import read_table
from cslib.errors import DataError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache_module.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "excel"


def _book(path, rows, title="Tickets"):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


ROWS = [
    ["ticket_id", "created_at", "handle_seconds", "category"],
    [7, dt.datetime(2026, 1, 5, 10, 0), 90.5, "billing"],
    ["T8", "2026-01-05 11:00", 120, None],
]


def test_a_workbook_is_read_once_then_from_its_copy(tmp_path, cache, monkeypatch):
    path = _book(tmp_path / "t.xlsx", ROWS)
    first = read_table(path, "tickets")
    assert first["ticket_id"].tolist() == ["7", "T8"]
    assert first["created_at"].tolist() == [
        pd.Timestamp("2026-01-05 10:00"),
        pd.Timestamp("2026-01-05 11:00"),
    ]
    assert first["handle_seconds"].tolist() == [90.5, 120.0]
    assert first["category"].iloc[0] == "billing" and pd.isna(first["category"].iloc[1])
    (copy,) = cache.glob("*.parquet")
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600

    def no_reading(*_, **__):
        raise AssertionError("the workbook was read again")

    monkeypatch.setattr(pd, "read_excel", no_reading)
    pd.testing.assert_frame_equal(read_table(path, "tickets"), first)
    _book(path, [*ROWS, ["T9", "2026-01-06 09:00", 30, "orders"]])  # new contents: read again
    with pytest.raises(DataError, match="the workbook was read again"):
        read_table(path, "tickets")


def test_copies_are_per_sheet_and_header_row_and_the_oldest_go(tmp_path, cache, monkeypatch):
    path = _book(tmp_path / "t.xlsx", [["Exported 2026-02-01"], [], *ROWS])
    assert read_table(path, "tickets", header_row=3)["ticket_id"].tolist() == ["7", "T8"]
    assert read_table(path, "tickets", header_row=3, sheet="Tickets")["ticket_id"].tolist() == [
        "7",
        "T8",
    ]
    assert len(list(cache.glob("*.parquet"))) == 2
    monkeypatch.setitem(excel.KEEP, "excel", 2)
    for i in range(3):
        read_table(_book(tmp_path / f"other{i}.xlsx", ROWS), "tickets")
    assert len(list(cache.glob("*.parquet"))) == 2


def test_a_workbook_with_layout_problems_is_not_copied(tmp_path, cache):
    book = Workbook()
    sheet = book.active
    sheet.append(["ticket_id", "created_at", "team"])
    for i in range(3):
        sheet.append([i + 1, f"2026-01-05 1{i}:00", "Billing" if i == 0 else None])
    sheet.merge_cells("C2:C4")
    sheet.merge_cells("A1:B1")  # in the header: harmless
    book.save(tmp_path / "merged.xlsx")
    with pytest.raises(DataError, match=r"merged cells .* \(rows 2, 3, 4; value 'C2:C4'\)"):
        read_table(tmp_path / "merged.xlsx", "tickets")
    assert not list(cache.glob("*.parquet"))
