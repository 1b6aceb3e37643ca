"""The records a run and a batch leave: tasks and outcomes that travel between processes, versioned JSON."""

from __future__ import annotations

import json
import pickle

from cslib.cycle import artefacts
from cslib.run.batch import RunOutcome, RunTask, Status


def _task(tmp_path) -> RunTask:
    return RunTask(
        name="billing-2026-08",
        teams=["Billing"],
        review=["2026-08-01", "2026-08-31"],
        cycle=str(tmp_path / "cycles" / "billing-2026-08.yaml"),
        out=str(tmp_path),
        run_id="review/billing-2026-08",
        run_dir=str(tmp_path / "billing-2026-08"),
        stages=["plan", "do", "check", "act"],
        parameters={"teams": "Billing"},
        notebooks=str(tmp_path / "notebooks"),
        cell_timeout=900,
        timeout=3600.0,
        retries=2,
        fingerprint="0" * 64,
        fingerprint_detail={"stages": ["plan", "do", "check", "act"]},
    )


def test_tasks_and_outcomes_cross_process_boundaries(tmp_path):
    task = _task(tmp_path)
    assert RunTask.from_json(task.to_json()) == task == pickle.loads(pickle.dumps(task))
    outcome = task.outcome(Status.TIMEOUT, stage="check", ename="Timeout", evalue="too long")
    for copy in (RunOutcome.from_json(outcome.to_json()), pickle.loads(pickle.dumps(outcome))):
        assert copy == outcome and copy.status is Status.TIMEOUT and not copy.ok
    assert json.loads(outcome.to_json())["status"] == "timeout"
    assert task["run_dir"] == task.run_dir and RunOutcome("x", "unchanged", "d").ok


def test_run_and_batch_records_carry_a_schema_version(tmp_path):
    artefacts.write_manifest(tmp_path, {"status": "ok"})
    artefacts.write_batch_manifest(tmp_path, {"runs": []})
    assert json.loads(artefacts.manifest_path(tmp_path).read_text())["schema_version"] == 1
    assert artefacts.read_batch_manifest(tmp_path) == {"schema_version": 1, "runs": []}
    # written before the version was recorded: read as version 1
    artefacts.manifest_path(tmp_path).write_text(json.dumps({"status": "ok"}))
    artefacts.batch_manifest_path(tmp_path).write_text(json.dumps({"runs": []}))
    assert artefacts.read_manifest(tmp_path)["schema_version"] == 1
    assert artefacts.read_batch_manifest(tmp_path)["schema_version"] == 1
