"""The run folder's records: a run killed outright does not stay "running" for ever."""

from __future__ import annotations

import subprocess
import sys

import psutil

from cslib.cycle import artefacts


def test_a_run_whose_process_was_killed_reads_as_failed(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = psutil.Process(child.pid).create_time()
    process = {**artefacts.this_process(), "pid": child.pid, "started": started}
    artefacts.write_manifest(tmp_path, {"status": "running", "process": process})
    assert artefacts.read_manifest(tmp_path)["status"] == "running"  # still alive
    child.kill()  # as kill -9 would: the run records nothing
    child.wait()
    manifest = artefacts.read_manifest(tmp_path)
    assert manifest["status"] == "failed"
    assert manifest["failed"]["ename"] == "Stopped"
    assert "run it again" in manifest["failed"]["evalue"]


def test_a_run_of_another_machine_or_of_a_reused_process_id_is_judged_rightly(tmp_path):
    me = artefacts.this_process()
    elsewhere = {**me, "host": "another-machine", "pid": 2**22 + 17}
    artefacts.write_manifest(tmp_path, {"status": "running", "process": elsewhere})
    assert artefacts.read_manifest(tmp_path)["status"] == "running"  # cannot tell: left as is
    reused = {
        **me,
        "started": me["started"] - 3600,
    }  # this pid, but a process started an hour earlier
    artefacts.write_manifest(tmp_path, {"status": "running", "process": reused})
    assert artefacts.read_manifest(tmp_path)["status"] == "failed"
    artefacts.write_manifest(tmp_path, {"status": "running", "process": me})
    assert artefacts.read_manifest(tmp_path)["status"] == "running"


def test_whole_writes_of_one_file_at_once_never_fail_nor_mix(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "report.html"
    texts = [f"<html>{n}</html>" * 20_000 for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(20):
            list(pool.map(lambda text: artefacts.write_whole(path, text), texts))
    assert path.read_text(encoding="utf-8") in texts
    assert artefacts.partial_files(path) == [] and sorted(tmp_path.iterdir()) == [path]


def test_partial_files_are_a_killed_writers_temporary_files(tmp_path):
    path = tmp_path / "report[1].html"
    left = tmp_path / "report[1].html.a1b2c3.tmp"
    for other in (left, tmp_path / "report.html.x.tmp", tmp_path / "report[1].html"):
        other.write_text("half")
    assert artefacts.partial_files(path) == [left]


def test_files_written_whole_have_the_usual_permissions(tmp_path):
    import os
    import stat

    from cslib.cycle import register
    from cslib.cycle._register_file import _store

    old = os.umask(0o022)
    try:
        report = artefacts.write_whole(tmp_path / "report.html", "<html></html>")
        ledger = tmp_path / "register.parquet"
        _store(ledger, register.history(ledger))  # an empty register, written whole
    finally:
        os.umask(old)
    for path in (report, ledger):  # readable by the others the reports folder is shared with
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_a_stage_result_that_cannot_be_written_leaves_the_last_one_whole(tmp_path, monkeypatch):
    import pandas as pd
    import pytest

    saved = artefacts.save(tmp_path, "plan", "baseline", pd.DataFrame({"value": [0.66]}))

    def disk_full(frame, path, **options):
        with open(path, "wb") as out:
            out.write(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full)
    with pytest.raises(OSError, match="No space left"):
        artefacts.save(tmp_path, "plan", "baseline", pd.DataFrame({"value": [0.7]}))
    monkeypatch.undo()
    assert artefacts.load(tmp_path, "plan", "baseline")["value"].tolist() == [0.66]
    assert artefacts.partial_files(saved) == [] and list(saved.parent.iterdir()) == [saved]
