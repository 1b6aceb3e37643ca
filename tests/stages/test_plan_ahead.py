"""A cycle planned ahead: the Act stage's draft of the next cycle validates, and the stages
that need its review period say what they wait for instead of failing."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from cslib.cycle import artefacts, register
from cslib.cycle.model import load_cycle
from cslib.cycle.workbook import open_workbook
from cslib.run import preflight
from cslib.run.notebooks import NOTEBOOKS
from cslib.stages import act, check, do

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "cycle.yaml"


def helpdesk_cycle(root: Path) -> Path:
    """A cycle whose tickets are read through a mapping file kept in another folder than the cycle file."""
    days = pd.date_range("2026-01-05 09:00", "2026-06-28 09:00", freq="6h")
    exports = root / "exports"
    exports.mkdir()
    pd.DataFrame(
        {
            "Number": [f"T{i}" for i in range(len(days))],
            "Opened": days.strftime("%d/%m/%Y %H:%M"),
            "Closed": (days + pd.Timedelta(hours=5)).strftime("%d/%m/%Y %H:%M"),
        }
    ).to_csv(exports / "helpdesk.csv", index=False)
    (exports / "helpdesk-map.yaml").write_text(
        "columns: {ticket_id: Number, created_at: Opened, resolved_at: Closed}\n"
        'dates: {format: "%d/%m/%Y %H:%M"}\n'
    )
    cycles = root / "cycles"
    cycles.mkdir()
    path = cycles / "cycle.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "title": "Faster resolution",
                "data": {
                    "tickets": {
                        "path": "../exports/helpdesk.csv",
                        "mapping": "../exports/helpdesk-map.yaml",
                    }
                },
                "periods": {
                    "baseline": {"start": "2026-01-05", "end": "2026-03-29"},
                    "review": {"start": "2026-03-30", "end": "2026-06-28"},
                },
                "change": {"date": "2026-03-30"},
                "objectives": [
                    {
                        "id": "O1",
                        "kpi": "resolution_hours",
                        "statistic": "median",
                        "direction": "decrease",
                        "target": 4,
                    }
                ],
            }
        )
    )
    return path


def drafted_next_cycle(root: Path) -> Path:
    """The next cycle as the Act stage drafts it, in the run folder."""
    wb = open_workbook(helpdesk_cycle(root), run_dir=root / "reports" / "run", stage="act")
    verdicts = pd.DataFrame(
        {"objective": ["O1"], "actual": [5.0], "verdict": ["improved"], "target_met": [False]}
    )
    artefacts.save(wb.run_dir, "check", "verdicts", verdicts)
    act.next_cycle(wb)
    return artefacts.next_cycle_path(wb.run_dir)


def test_the_drafted_next_cycle_finds_its_mapping_file_and_validates(tmp_path):
    path = drafted_next_cycle(tmp_path)
    source = yaml.safe_load(path.read_text(encoding="utf-8"))["data"]["tickets"]
    assert source["mapping"] == "../../exports/helpdesk-map.yaml"  # relative to the run folder
    cycle = preflight.checked_cycle(path)  # before: "mapping file not found"
    assert cycle.periods.review.start.isoformat() == "2026-06-29"
    found = preflight.check_evidence(cycle, path)  # the review is still to come: a warning
    review = found[found["item"] == "periods.review"]
    assert review["level"].tolist() == ["warning"]
    assert "2026-06-29" in review["fix"].iloc[0]


def test_validate_warns_that_the_review_is_still_to_come(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one table row per line
    result = cli("validate", drafted_next_cycle(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "no tickets in the review period (2026-06-29 to 2026-09-27) yet" in result.stdout
    assert "error" not in result.stdout + result.stderr


def test_do_check_and_act_say_what_they_wait_for(tmp_path):
    path = drafted_next_cycle(tmp_path)
    cycle = load_cycle(path)
    for stage, cell in [("do", do.volumes), ("check", check.scorecard), ("act", act.decisions)]:
        wb = open_workbook(cycle, run_dir=tmp_path / "next", stage=stage)
        shown = cell(wb).markup
        assert "Waiting for the review period (29 Jun 2026 – 27 Sep 2026)" in shown
        assert f"Run the {stage.capitalize()} stage again" in shown and "29 Jun 2026 on" in shown
    check.save(wb)  # nothing to save yet, and no error
    assert not artefacts.table_path(tmp_path / "next", "check", "verdicts").exists()


@pytest.mark.notebook
def test_the_samples_next_cycle_runs_before_its_review_period(tmp_path, cli):
    """Plan on the baseline alone; Do, Check and Act wait for the review's tickets; exit 0."""
    cycle = load_cycle(SAMPLE)
    verdicts = pd.DataFrame(
        {"objective": [o.id for o in cycle.objectives], "verdict": "improved", "target_met": True}
    ).assign(actual=[13.0, 0.74, 0.83, 560.0, 0.89])
    path = tmp_path / "next-cycle.yaml"
    path.write_text(register.next_cycle_yaml(cycle, verdicts, absolute_paths=True))
    result = cli("run", path, "--out", tmp_path / "reports")
    assert result.returncode == 0, result.stderr
    run = next((tmp_path / "reports").glob("*/*/"))
    plan = nbformat.read(run / NOTEBOOKS["plan"], as_version=4)
    assert not [o for c in plan.cells for o in c.get("outputs", []) if o.output_type == "error"]
    for stage in ("do", "check", "act"):
        text = (run / NOTEBOOKS[stage]).read_text(encoding="utf-8")
        assert "Waiting for the review period (1 Nov 2026 – 2 Apr 2027)" in text
    assert (run / "report.html").is_file()
