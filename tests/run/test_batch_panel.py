"""The batch's KPI panel: what runs read from it equals what they scan, it is kept while its inputs hold, and a bad one is named."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cslib.cycle.model import load_cycle
from cslib.cycle.panel import INDEX, Panel, requests
from cslib.cycle.workbook import Workbook, open_workbook
from cslib.errors import ConfigError
from cslib.run.batch import plan_batch, run_batch
from cslib.run.batch.panel import build_panel

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "cycle.yaml"


def _review(folder: Path, months: list[str], stages=("plan",)) -> Path:
    path = folder / "review.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "panel",
                "cycle": str(SAMPLE),
                "stages": list(stages),
                "grid": {"teams": ["Billing", "Orders"], "months": months},
            }
        )
    )
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel")
    planned = plan_batch(_review(folder, ["2026-09", "2026-10"]), out=folder / "reports")
    return planned, build_panel(planned)


def test_panel_frames_equal_the_scans_of_each_run(batch):
    planned, folder = batch
    panel = Panel(folder)
    assert panel.teams == ["Billing", "Orders"]
    for task in planned.tasks:
        cycle = load_cycle(task.cycle)
        plain = Workbook(cycle, Path(task.run_dir), "check", tuple(task.teams))
        held = open_workbook(
            cycle, run_dir=task.run_dir, stage="check", teams=task.teams, panel=folder
        )
        for request in requests(cycle):
            args = request.arguments()
            scope = {"team": task.teams}
            assert panel.lookup(**args, scope=scope) is not None, request
            pd.testing.assert_frame_equal(held.kpis(**args), plain.kpis(**args))
        # what the panel does not hold is scanned: two teams, another segment, another window
        assert panel.lookup(**args, scope={"team": ["Billing", "Orders"]}) is None
        assert panel.lookup(**args, scope={"team": task.teams, "channel": ["email"]}) is None
        assert panel.lookup(**{**args, "start": "2026-02-01"}, scope=scope) is None


def test_unchanged_rerun_reuses_the_panel_and_a_change_rebuilds_it(batch, tmp_path):
    planned, folder = batch
    index = folder / INDEX
    before = index.stat().st_mtime_ns, Panel(folder).fingerprint
    assert build_panel(plan_batch(planned.review_path, out=planned.dir.parents[1])) == folder
    assert (index.stat().st_mtime_ns, Panel(folder).fingerprint) == before
    # another month: other review windows, so other frames
    review = _review(tmp_path, ["2026-08", "2026-10"])
    other = build_panel(plan_batch(review, out=planned.dir.parents[1]))
    assert other == folder and Panel(folder).fingerprint != before[1]
    # a new data file hash rebuilds it too
    changed = plan_batch(review, out=planned.dir.parents[1])
    for task in changed.tasks:
        task.fingerprint_detail["inputs"] = {"tickets": "another file"}
    stamp = Panel(folder).fingerprint
    build_panel(changed)
    assert Panel(folder).fingerprint != stamp


def test_a_damaged_panel_is_named_and_rebuilt(batch, tmp_path):
    planned, folder = batch
    with pytest.raises(
        ConfigError, match="the KPI panel cannot be read: the file is missing"
    ) as err:
        Panel(tmp_path)
    assert str(tmp_path / INDEX) in str(err.value) and "--no-panel" in str(err.value)
    (tmp_path / INDEX).write_text("{not json")
    with pytest.raises(ConfigError, match="it is not a panel index"):
        Panel(tmp_path)
    (tmp_path / INDEX).write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(ConfigError, match="schema version 1"):
        Panel(tmp_path)
    shutil_copy = tmp_path / "copy"
    shutil_copy.mkdir()
    record = json.loads((folder / INDEX).read_text())
    (shutil_copy / INDEX).write_text(json.dumps(record))
    key, name = next(iter(record["frames"].items()))
    (shutil_copy / name).write_bytes(b"not parquet")
    with pytest.raises(ConfigError, match=f"{name}.*|not a Parquet file"):
        Panel(shutil_copy).frame(key)
    # a damaged panel in the batch folder is rebuilt by the next batch
    (folder / name).write_bytes(b"")
    (folder / INDEX).write_text("{")
    assert build_panel(planned) == folder
    assert not Panel(folder).frame(key).empty


def _artefacts(run_dir: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for path in sorted((run_dir / "artefacts").rglob("*")):
        name = path.relative_to(run_dir).as_posix()
        if path.suffix == ".parquet":  # less the wall-clock time a row was recorded
            found[name] = pd.read_parquet(path).drop(columns="recorded_at", errors="ignore")
        elif path.suffix == ".json":
            found[name] = json.loads(path.read_text(encoding="utf-8"))
    return found


@pytest.mark.notebook
def test_runs_with_the_panel_save_what_runs_without_it_save(tmp_path):
    review = tmp_path / "review.yaml"
    review.write_text(
        yaml.safe_dump(
            {
                "name": "panel",
                "cycle": str(SAMPLE),
                "stages": ["plan", "do", "check", "act"],
                "workers": 2,
                "runs": [{"name": "billing", "teams": "Billing", "month": "2026-09"}],
            }
        )
    )
    results = {
        panel: run_batch(review, out=tmp_path / f"reports-{panel}", panel=panel)
        for panel in (False, True)
    }
    assert not any(r.failed for r in results.values())
    assert (results[True].dir / "panel" / INDEX).is_file()
    assert not (results[False].dir / "panel").exists()
    plain, held = (_artefacts(results[p].dir / "billing") for p in (False, True))
    assert sorted(plain) == sorted(held) and "artefacts/check/verdicts.parquet" in plain
    for name, value in plain.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(held[name], value, obj=name)
        else:
            assert held[name] == value, name
