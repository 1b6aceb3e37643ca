"""The Plan stage keeps ticket rows in DuckDB: every step of the real notebook runs with row loading forbidden."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from cslib.cycle.workbook import open_workbook
from cslib.data import tables as io
from cslib.metrics import engine as kpi
from cslib.stages import plan

ROOT = Path(__file__).resolve().parents[2]


def notebook_steps() -> list[str]:
    """The plan functions the Plan notebook calls, in order."""
    nb = nbformat.read(ROOT / "notebooks" / "1-plan.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return re.findall(r"plan\.(\w+)\(wb\)", code)


def test_every_plan_step_aggregates_without_loading_tickets(tmp_path, monkeypatch):
    read_table = io.read_table

    def read_small_tables(source, table, **kw):
        assert table != "tickets", "the Plan stage loaded ticket rows into pandas"
        return read_table(source, table, **kw)

    def refuse(*_, **__):
        raise AssertionError("the Plan stage loaded ticket-level KPI values into pandas")

    monkeypatch.setattr(io, "read_table", read_small_tables)
    monkeypatch.setattr(kpi, "cases", refuse)
    wb = open_workbook(ROOT / "data" / "sample" / "cycle.yaml", run_dir=tmp_path, stage="plan")
    steps = notebook_steps()
    assert {"segments", "complaints", "journey", "staffing"} <= set(steps)
    for step in steps:
        shown = getattr(plan, step)(wb)
        # every step shows something, except saving the plan's record (no status line in the report)
        assert (shown is None) == (step == "save"), step
    journey = wb.load("journey")
    assert journey["volume"].sum() > 0
    segments = wb.load("segments_by_channel")
    assert set(segments["channel"]) == {"chat", "email", "phone", "web"}


@pytest.mark.parametrize("teams", [("Billing",), ("Accounts", "Returns")])
def test_plan_steps_keep_to_the_run_teams(tmp_path, teams):
    wb = open_workbook(
        ROOT / "data" / "sample" / "cycle.yaml", run_dir=tmp_path, stage="plan", teams=teams
    )
    plan.segments(wb)
    plan.journey(wb)
    start, end = wb.window("baseline")
    volume = wb.kpis(kpis=["volume"], freq="all", start=start, end=end)["volume"].sum()
    assert wb.load("segments_by_channel")["volume"].sum() == volume
    assert wb.load("journey")["volume"].sum() == volume
