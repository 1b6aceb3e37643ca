"""The Plan stage keeps ticket rows in DuckDB: every step of the real notebook runs with row loading forbidden."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from cslib.cycle.workbook import open_workbook
from cslib.data import tables as io
from cslib.metrics import engine as kpi
from cslib.stages import check, plan
from cslib.stages._open_tickets import km_level

ROOT = Path(__file__).resolve().parents[2]


def shown(table) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", table._repr_html_())).split())


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

    cases = kpi.cases

    def refuse(*args, **kw):
        # only the Kaplan–Meier medians of durations with tickets still open need each duration
        if kw.get("still_open") and kpi.REGISTRY[args[1]].end:
            return cases(*args, **kw)
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


def test_the_baseline_describes_the_teams_the_check_judges(tmp_path):
    """Roll-out teams resolve in hours, the comparison group in days: the Plan's baseline is the
    roll-out teams' level (the Check's baseline, the teams of its actual), the comparison group's
    beside it — never the two pooled."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data, ignore=shutil.ignore_patterns("review.yaml"))
    tickets = pd.read_parquet(data / "tickets.parquet")
    slow = tickets["team"].isin(["Accounts", "Returns", "Onboarding"])
    took = tickets["resolved_at"] - tickets["created_at"]
    tickets.loc[slow, "resolved_at"] = tickets.loc[slow, "created_at"] + 10 * took[slow]
    tickets.to_parquet(data / "tickets.parquet")
    wb = open_workbook(data / "cycle.yaml", run_dir=tmp_path / "run", stage="plan")
    said = shown(plan.baseline(wb))
    assert "in the roll-out teams (Billing, Technical, Orders)" in said
    assert "the comparison group (Accounts, Onboarding, Returns) beside it" in said
    base = wb.load("baseline").set_index("objective")
    for o in wb.cycle.objectives:
        assert base.at[o.id, "baseline"] == pytest.approx(check.level(wb, o, "baseline")), o.id
    start, end = wb.window("baseline")
    o1 = wb.cycle.objectives[0]
    assert o1.kpi == "resolution_hours"
    every = wb.objective_kpis(o1, freq="all", start=start, end=end)["value"].iloc[0]
    others = ["Accounts", "Returns", "Onboarding"]
    closed = wb.objective_kpis(o1, freq="all", start=start, end=end, filters={"team": others})
    # tickets still open count as at least their age (Kaplan–Meier), as in the roll-out teams
    comparison = km_level(wb, o1, others, start, end)
    assert comparison is not None and comparison > closed["value"].iloc[0]
    assert base.at["O1", "comparison baseline"] == pytest.approx(comparison)
    assert comparison > 5 * base.at["O1", "baseline"]
    assert every > 1.5 * base.at["O1", "baseline"]  # the pooled level is neither group's


def test_a_comparison_team_run_baselines_its_own_teams(tmp_path):
    wb = open_workbook(
        ROOT / "data" / "sample" / "cycle.yaml", run_dir=tmp_path, stage="plan", teams=("Accounts",)
    )
    said = shown(plan.baseline(wb))
    assert (
        "in this run's teams (Accounts), which did not adopt the change (comparison group)" in said
    )
    base = wb.load("baseline").set_index("objective")
    for o in wb.cycle.objectives:
        assert base.at[o.id, "baseline"] == pytest.approx(check.level(wb, o, "baseline")), o.id
    assert base["comparison baseline"].isna().all()


def test_the_cycle_checks_name_kpis_by_their_labels(tmp_path):
    wb = open_workbook(ROOT / "data" / "sample" / "cycle.yaml", run_dir=tmp_path, stage="plan")
    untargeted = [o.model_copy(update={"target": None}) for o in wb.cycle.objectives[:1]]
    wb.cycle = wb.cycle.model_copy(update={"objectives": untargeted})
    said = shown(plan.cycle_checks(wb))
    assert (
        "no numeric target for Resolution time: 'improve Resolution time' is not measurable" in said
    )
    assert "resolution_hours" not in said and "resolution_hours" in wb.load("checks")["finding"][0]
