"""`cslib validate` in one pass: the cycle file, its tables and what they say about each other."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from cslib.errors import CslibError
from cslib.run import preflight


def write_cycle(root: Path, **changes) -> Path:
    """Tickets of two teams (their labels end in a comma, as one real export's did) and a cycle file."""
    days = pd.date_range("2026-01-05 09:00", "2026-06-28 09:00", freq="12h")
    pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(len(days))],
            "created_at": days.strftime("%Y-%m-%d %H:%M"),
            "team": ["Housing,", "Solid Waste,"] * (len(days) // 2)
            + ["Housing,"] * (len(days) % 2),
        }
    ).to_csv(root / "tickets.csv", index=False)
    pd.DataFrame(
        {"complaint_id": ["C1", "C2"], "received_at": ["2026-03-02", "2026-04-05"]}
    ).to_csv(root / "complaints.csv", index=False)
    pd.DataFrame({"feedback_id": ["F1"], "date": ["2026-03-02"], "text": ["Quick, thanks"]}).to_csv(
        root / "feedback.csv", index=False
    )
    raw = {
        "title": "Faster resolution",
        "data": {"tickets": "tickets.csv", "complaints": {"path": "complaints.csv"}},
        "scope": {"teams": ["Housing,", "Solid Waste,"]},
        "periods": {
            "baseline": {"start": "2026-01-05", "end": "2026-03-29"},
            "review": {"start": "2026-03-30", "end": "2026-06-28"},
        },
        "change": {"date": "2026-03-30"},
        "rollout": {"Housing,": "2026-03-30"},
        "objectives": [{"id": "O1", "kpi": "volume", "direction": "increase", "target": 2}],
        **changes,
    }
    path = root / "cycle.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False).replace("'2026-13-05'", "2026-13-05"))
    return path


def test_a_valid_cycle_passes(tmp_path):
    cycle, warnings = preflight.validated(write_cycle(tmp_path))
    assert cycle.title == "Faster resolution" and set(warnings["level"]) <= {"warning"}


def test_every_problem_is_reported_in_one_pass(tmp_path, cli):
    """A calendar date that does not exist, a misspelt key, a date-format error in one table, a
    misspelt mapping file in another, and team names the data spells differently: all at once."""
    path = write_cycle(
        tmp_path,
        data={
            "tickets": "tickets.csv",
            "complaints": "complaints.csv",
            "feedback": {"path": "feedback.csv", "date_format": "%d/%m/%Y"},
            "agents": {"path": "agents.csv", "mapping": "agent-map.yaml"},
        },
        change={"date": "2026-13-05"},
        scope={"teams": ["Housing", "Solid Waste,"]},
        rollout={"Housng,": "2026-03-30"},
        objectivs=[],
    )
    result = cli("validate", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "valid" not in result.stdout
    err = " ".join(result.stderr.split())
    for expected in [
        "change.date: not a date: '2026-13-05'",
        "unknown key 'objectivs'",
        "feedback.csv, column 'date': dates cannot be read",
        "agent-map.yaml: mapping file not found",
        "scope.teams names teams with no tickets: 'Housing'",
        "the data's nearest labels: 'Housing,' for 'Housing'",
        "rollout names teams with no tickets: 'Housng,'",
    ]:
        assert expected in err, expected


def test_team_names_are_checked_against_all_the_data_not_the_scope(tmp_path):
    """A scope that selects no tickets is named (it used to print 'valid', then 'no tickets to compute KPIs from')."""
    path = write_cycle(tmp_path, scope={"teams": ["Housing", "Solid Waste"]}, rollout={})
    with pytest.raises(CslibError) as caught:
        preflight.validated(path)
    found = [(p.file, p.what) for p in caught.value.problems]
    assert found == [
        (
            f"{path}: scope.teams",
            "scope.teams names teams with no tickets: 'Housing', 'Solid Waste'",
        )
    ]


def test_a_baseline_without_tickets_is_named_with_the_other_problems(tmp_path):
    path = write_cycle(
        tmp_path,
        periods={
            "baseline": {"start": "2025-01-06", "end": "2025-03-30"},
            "review": {"start": "2026-03-30", "end": "2026-06-28"},
        },
        rollout={"Housng,": "2026-03-30"},
    )
    with pytest.raises(CslibError) as caught:
        preflight.validated(path)
    text = str(caught.value)
    assert "no tickets in the baseline period" in text and "'Housng,'" in text


def test_a_notebooks_folder_without_kernel_metadata_is_refused_with_the_file(tmp_path):
    import nbformat

    from cslib.run.notebooks import NOTEBOOKS

    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in NOTEBOOKS.values():  # notebooks written by a tool that left no kernel metadata
        cell = nbformat.v4.new_code_cell("cycle = ''")
        cell.metadata["tags"] = ["parameters"]
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), folder / name)
    (folder / NOTEBOOKS["check"]).write_text("{not json", encoding="utf-8")
    for stage in ("plan", "check"):
        with pytest.raises(CslibError) as err:
            preflight.declared_parameters(folder, stage)
        assert err.value.exit_code == 2
        assert NOTEBOOKS[stage] in str(err.value)
        assert "Python kernel" in str(err.value)


def test_tables_a_batch_checked_are_checked_again_only_once_their_files_change(
    tmp_path, monkeypatch
):
    from cslib.cycle.model import load_cycle
    from cslib.run.inputs import table_hashes

    path = write_cycle(tmp_path)
    checked = table_hashes(load_cycle(path))
    assert set(checked) == {"tickets", "complaints"}
    calls = []
    real = preflight.check_tables
    monkeypatch.setattr(preflight, "check_tables", lambda *a, **k: calls.append(1) or real(*a, **k))
    preflight.checked_cycle(path, checked=checked)
    assert calls == []  # as a batch's run finds the tables the batch checked
    with (tmp_path / "complaints.csv").open("a") as handle:
        handle.write("C3,not a date\n")  # changed after the batch checked it
    with pytest.raises(CslibError, match="received_at"):
        preflight.checked_cycle(path, checked=checked)
    assert calls == [1]
