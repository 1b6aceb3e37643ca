"""A stage reads its tables checked, unless the runner checked them before the stage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cslib.cycle.workbook import CHECKED_INPUTS, open_workbook
from cslib.errors import DataError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def duplicated(tmp_path):
    """The sample cycle with a complaint listed twice (a contract problem)."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data, ignore=shutil.ignore_patterns("tickets*"))
    (data / "tickets.parquet").symlink_to(ROOT / "data" / "sample" / "tickets.parquet")
    lines = (data / "complaints.csv").read_text().splitlines()
    (data / "complaints.csv").write_text("\n".join([*lines, lines[1]]) + "\n")
    return data / "cycle.yaml", len(lines)


def test_a_stage_checks_the_tables_it_reads(duplicated, tmp_path, monkeypatch):
    monkeypatch.delenv(CHECKED_INPUTS, raising=False)
    wb = open_workbook(duplicated[0], run_dir=tmp_path / "run", stage="plan")
    with pytest.raises(DataError, match="complaint_id"):
        wb.table("complaints")


def test_tables_the_runner_checked_are_read_without_checking_again(
    duplicated, tmp_path, monkeypatch
):
    monkeypatch.setenv(CHECKED_INPUTS, "1")
    wb = open_workbook(duplicated[0], run_dir=tmp_path / "run", stage="plan")
    assert len(wb.table("complaints")) == duplicated[1]  # the header's line holds the copy
