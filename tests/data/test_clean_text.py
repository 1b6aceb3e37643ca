"""Text columns already clean in a Parquet file are taken as they are, with the same result."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from cslib.data import contract, tables
from cslib.data.contract import clean_text
from cslib.data.files import ReadOptions, connect
from cslib.data.schema import TICKETS
from cslib.data.tables import open_table, read_table


def tickets(channel: list, team: list) -> pd.DataFrame:
    n = len(channel)
    return pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(n)],
            "created_at": pd.date_range("2026-04-01", periods=n, freq="h"),
            "channel": channel,
            "team": team,
            "status": ["resolved"] * n,
        }
    )


def typed_view(con, view: str = "tickets") -> str:
    return con.execute("SELECT sql FROM duckdb_views() WHERE view_name = ?", [view]).fetchone()[0]


@pytest.fixture(autouse=True)
def _fresh_cache():
    tables._clean_text.cache_clear()
    yield
    tables._clean_text.cache_clear()


def test_clean_columns_are_read_as_stored_and_give_what_cleaning_gives(tmp_path):
    frame = tickets(["phone", "chat", None, "walk_in"], ["Billing", "Returns", "Billing", None])
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    con, view = open_table(path, "tickets")
    sql = typed_view(con, view)
    assert all(f" {c} AS {c}" in sql for c in ("status", "channel", "team"))
    # a DataFrame source is always cleaned: the same table either way
    pd.testing.assert_frame_equal(read_table(path, "tickets"), read_table(frame, "tickets"))


def test_text_that_needs_cleaning_is_cleaned(tmp_path):
    frame = tickets([" Phone", "chat", "", "Walk In"], ["Billing ", "Returns", "", None])
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    con = connect()
    tables.register_raw(con, path, "raw", ReadOptions())
    assert clean_text(con, "raw", TICKETS, ReadOptions()) == {"status"}
    read = read_table(path, "tickets")
    assert read["channel"].tolist()[:2] == ["phone", "chat"]
    assert read["channel"].isna().tolist() == [False, False, True, False]
    assert read["channel"].iloc[3] == "walk_in"
    assert read["team"].tolist()[:2] == ["Billing", "Returns"]
    assert read["team"].isna().tolist() == [False, False, True, True]


def test_a_column_of_many_values_is_not_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(contract, "FEW_VALUES", 2)
    path = tmp_path / "t.parquet"
    tickets(["phone", "chat", "web", "email"], ["Billing"] * 4).to_parquet(path)
    con = connect()
    tables.register_raw(con, path, "raw", ReadOptions())
    assert clean_text(con, "raw", TICKETS, ReadOptions()) == {"team", "status"}


def test_a_changed_file_is_checked_again(tmp_path):
    path = tmp_path / "t.parquet"
    tickets(["phone", "chat"], ["Billing", "Returns"]).to_parquet(path)
    assert read_table(path, "tickets", validate=False)["channel"].tolist() == ["phone", "chat"]
    tickets(["Phone ", "chat"], ["Billing", "Returns"]).to_parquet(path)
    os.utime(path, ns=(1, 1))  # another version, whatever the clock's resolution
    assert read_table(path, "tickets", validate=False)["channel"].tolist() == ["phone", "chat"]
