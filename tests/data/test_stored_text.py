"""Text columns already clean in a Parquet file are taken as they are, with the same result."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from cslib.data import stored_text, tables
from cslib.data.cache import CACHE_ENV
from cslib.data.files import ReadOptions, connect
from cslib.data.schema import TICKETS
from cslib.data.stored_text import clean_text
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


def channels(path) -> list:
    return read_table(path, "tickets", validate=False)["channel"].tolist()


def typed_view(con, view: str = "tickets") -> str:
    return con.execute("SELECT sql FROM duckdb_views() WHERE view_name = ?", [view]).fetchone()[0]


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
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
    monkeypatch.setattr(stored_text, "FEW_VALUES", 2)
    path = tmp_path / "t.parquet"
    tickets(["phone", "chat", "web", "email"], ["Billing"] * 4).to_parquet(path)
    con = connect()
    tables.register_raw(con, path, "raw", ReadOptions())
    assert clean_text(con, "raw", TICKETS, ReadOptions()) == {"team", "status"}


def test_a_changed_file_is_checked_again(tmp_path):
    path = tmp_path / "t.parquet"
    tickets(["phone", "chat"], ["Billing", "Returns"]).to_parquet(path)
    assert channels(path) == ["phone", "chat"]
    tickets(["Phone ", "chat"], ["Billing", "Returns"]).to_parquet(path)
    os.utime(path, ns=(1, 1))  # another version, whatever the clock's resolution
    assert channels(path) == ["phone", "chat"]


def test_what_was_found_is_remembered_for_the_next_process(tmp_path, monkeypatch):
    path = tmp_path / "t.parquet"
    tickets(["phone", "chat"], ["Billing", "Returns"]).to_parquet(path)
    read_table(path, "tickets", validate=False)
    (record,) = (Path(os.environ[CACHE_ENV]) / "text").glob("*.json")
    assert sorted(json.loads(record.read_text())) == ["channel", "status", "team"]

    def no_check(*args):
        raise AssertionError("checked again")

    tables._clean_text.cache_clear()  # as a new process
    monkeypatch.setattr(tables, "clean_text", no_check)
    con, view = open_table(path, "tickets")
    assert " channel AS channel" in typed_view(con, view)


def test_a_file_rewritten_with_its_old_time_and_size_is_checked_again(tmp_path):
    path = tmp_path / "t.parquet"
    tickets(["phone", "chat"], ["Billing", "Returns"]).to_parquet(path)
    size = path.stat().st_size
    read_table(path, "tickets", validate=False)
    tickets(["Phone", "chat"], ["Billing", "Returns"]).to_parquet(path)
    os.utime(path, ns=(1, 1))
    assert path.stat().st_size == size  # only the footer tells the versions apart
    tables._clean_text.cache_clear()
    assert channels(path) == ["phone", "chat"]


def test_an_unreadable_record_or_cache_folder_is_passed_over(tmp_path, monkeypatch):
    path = tmp_path / "t.parquet"
    tickets(["Phone", "chat"], ["Billing", "Returns"]).to_parquet(path)
    read_table(path, "tickets", validate=False)
    (record,) = (Path(os.environ[CACHE_ENV]) / "text").glob("*.json")
    for unreadable in ("[not json", '[{"not": "a column name"}]', '{"channel": true}'):
        record.write_text(unreadable)
        tables._clean_text.cache_clear()
        assert channels(path) == ["phone", "chat"]
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "a-file"))  # no folder can be made there
    tables._clean_text.cache_clear()
    assert channels(path) == ["phone", "chat"]
