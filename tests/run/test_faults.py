"""Faults during a run: a changed input, a timeout, a folder that cannot be written, a full disk,
a killed batch. Each ends with ``run.json`` saying why, no half-written file, nothing in the
register, and a message instead of a traceback.

Most cases replace the notebook execution with a stand-in that writes the executed notebook
(no kernels); the timeout and the killed batch run real processes.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
import yaml

from cslib.cycle import artefacts, register
from cslib.cycle.model import load_cycle
from cslib.errors import CslibError
from cslib.run import runner
from cslib.run.batch import plan_batch
from cslib.run.failures import StageFailed
from cslib.run.one_kernel import StageKernels

TICKETS = "ticket_id,created_at\nA,2026-01-05 10:00\nB,2026-02-05 10:00\n"


def tiny_cycle(folder: Path) -> Path:
    """A cycle of two tickets with one objective: enough to start a run."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tickets.csv").write_text(TICKETS)
    cycle = folder / "cycle.yaml"
    cycle.write_text(
        textwrap.dedent(
            """
            title: Tiny
            data: {tickets: tickets.csv}
            periods:
              baseline: {start: 2026-01-01, end: 2026-01-31}
              review: {start: 2026-02-01, end: 2026-02-28}
            change: {date: 2026-02-01}
            objectives:
              - {id: O1, kpi: volume, direction: increase, target: 3, deadline: 2026-02-28, owner: Lead}
            """
        )
    )
    return cycle


def tiny_notebooks(folder: Path, code: str = "pass") -> Path:
    """The four stage notebooks, each a parameters cell and one cell of ``code``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in runner.NOTEBOOKS.values():
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell(
                'cycle = ""\nrun_dir = ""\nteams = ""', metadata={"tags": ["parameters"]}
            ),
            nbformat.v4.new_code_cell(code),
        ]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, str(folder / name))
    return folder


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A tiny cycle whose checks before the run are skipped (they have tests of their own)."""
    cycle_path = tiny_cycle(tmp_path / "data")
    notebooks = tiny_notebooks(tmp_path / "notebooks")
    cycle = load_cycle(cycle_path)
    monkeypatch.setattr(runner, "prepare", lambda *a, **k: (cycle, notebooks))
    return cycle_path


def fake_stages(monkeypatch, during=None):
    """Stage execution without kernels: writes the executed notebook, then calls ``during(stage, run_dir)``."""

    def execute(kernels, source, output, *, parameters, **kwargs):
        Path(output).write_text(Path(source).read_text())
        if during:
            during(Path(source).stem.split("-")[1], Path(parameters["run_dir"]))

    monkeypatch.setattr(StageKernels, "execute", execute)


def only_run(out: Path) -> Path:
    [run_dir] = [p.parent for p in out.rglob("run.json")]
    return run_dir


def test_an_input_changed_during_the_run_stops_it(tiny, tmp_path, monkeypatch):
    ran = []

    def edit_the_data(stage, run_dir):
        ran.append(stage)
        if stage == "plan":
            with open(tiny.parent / "tickets.csv", "a") as handle:
                handle.write("C,2026-02-06 10:00\n")

    fake_stages(monkeypatch, edit_the_data)
    with pytest.raises(StageFailed) as failed:
        runner.run_cycle(tiny, out=tmp_path / "out", stages=["plan", "do"], report=False)
    assert ran == ["plan"] and failed.value.stage == "do" and failed.value.exit_code == 1
    assert "tickets changed or disappeared after the run started" in str(failed.value)
    manifest = artefacts.read_manifest(only_run(tmp_path / "out"))
    assert manifest["status"] == "failed" and manifest["failed"]["ename"] == "InputsChanged"


def test_a_mapping_file_is_an_input_too(tmp_path):
    from cslib.run import inputs

    cycle_path = tiny_cycle(tmp_path)
    (tmp_path / "map.yaml").write_text("columns: {ticket_id: ticket_id}\n")
    text = cycle_path.read_text().replace(
        "data: {tickets: tickets.csv}", "data: {tickets: {path: tickets.csv, mapping: map.yaml}}"
    )
    cycle_path.write_text(text)
    recorded = inputs.hash_inputs(inputs.cycle_inputs(load_cycle(cycle_path), cycle_path))
    assert set(recorded) == {"tickets", "tickets mapping", "cycle"}
    (tmp_path / "map.yaml").write_text("columns: {ticket_id: number}\n")
    assert inputs.changed_inputs(recorded) == ["tickets mapping"]


def test_a_folder_that_cannot_be_written_is_refused_before_any_kernel(tiny, tmp_path, monkeypatch):
    fake_stages(monkeypatch, lambda stage, run_dir: pytest.fail("a stage ran"))
    (tmp_path / "a-file").write_text("")
    with pytest.raises(CslibError) as refused:
        runner.run_cycle(tiny, out=tmp_path / "a-file", stages=["plan"])
    assert refused.value.exit_code == 2 and "choose a folder you can write with --out" in str(
        refused.value
    )
    review = tmp_path / "review.yaml"
    review.write_text(yaml.safe_dump({"cycle": str(tiny), "runs": [{"name": "r1"}]}))
    with pytest.raises(CslibError, match="choose a folder you can write with --out") as refused:
        plan_batch(review, out=tmp_path / "a-file")
    assert refused.value.exit_code == 2
    with read_only_folder(tmp_path / "read-only") as folder:
        with pytest.raises(CslibError) as refused:
            runner.run_cycle(tiny, out=folder, stages=["plan"])
        assert refused.value.exit_code == 2 and "cannot write" in str(refused.value)
        assert list(folder.iterdir()) == []


class read_only_folder:
    """A folder nobody can write: permissions, or a read-only tmpfs when running as root."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> Path:
        self.path.mkdir()
        if os.geteuid() != 0:
            self.path.chmod(0o555)
        else:
            mount(self.path, "ro,size=64k")
        return self.path

    def __exit__(self, *exc) -> None:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(self.path)], check=False)
        else:
            self.path.chmod(0o755)


def mount(path: Path, options: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root: the full-disk case is not exercised")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")


def test_a_full_disk_fails_the_run_and_leaves_no_partial_file(tiny, tmp_path, monkeypatch):
    out = tmp_path / "small-disk"
    out.mkdir()
    mount(out, "size=256k")
    try:

        def fill(stage, run_dir):
            # the executed notebook of the Do stage is cut short by the full disk
            with open(artefacts.notebook_path(run_dir, "2-do.ipynb"), "w") as handle:
                handle.write('{"cells": [' + '"x",' * 10**6)

        fake_stages(monkeypatch, lambda stage, run_dir: stage == "do" and fill(stage, run_dir))
        with pytest.raises(StageFailed) as failed:
            runner.run_cycle(tiny, out=out, stages=["plan", "do"], report=False)
        assert failed.value.ename == "DiskFull" and failed.value.stage == "do"
        assert "no space left on the disk" in str(failed.value)
        run_dir = only_run(out)
        assert sorted(p.name for p in run_dir.glob("*.ipynb")) == ["1-plan.ipynb"]
        assert artefacts.read_manifest(run_dir)["failed"]["ename"] == "DiskFull"
    finally:
        subprocess.run(["umount", str(out)], check=False)


def test_only_finished_runs_reach_the_register(tiny, tmp_path, monkeypatch):
    cycle = load_cycle(tiny)
    verdicts = pd.DataFrame({"objective": ["O1"], "actual": [4.0], "verdict": ["improved"]})

    def act(stage, run_dir):
        if stage == "act":
            register.record(run_dir, cycle=cycle, verdicts=verdicts)

    fake_stages(monkeypatch, act)

    def no_space(run_dir, **rendered):
        half = Path(run_dir) / "report.html.k3x9_q.tmp"  # what a killed write_whole leaves
        half.write_text("<html>half")
        raise OSError(errno.ENOSPC, "No space left on device", str(half))

    monkeypatch.setattr("cslib.run.report.build_report", no_space)
    out = tmp_path / "out"
    with pytest.raises(StageFailed) as failed:
        runner.run_cycle(tiny, out=out, stages=["check", "act"], run_id="first")
    assert failed.value.stage == "report" and failed.value.ename == "DiskFull"
    assert not list(only_run(out).glob("*.tmp"))
    assert register.history(artefacts.register_path(only_run(out))).empty

    monkeypatch.setattr(
        "cslib.run.report.build_report", lambda run_dir, **rendered: Path(run_dir) / "r.html"
    )
    runner.run_cycle(tiny, out=out, stages=["check", "act"], run_id="second")
    recorded = register.history(out / "register.parquet")
    assert recorded[["run_id", "actual"]].values.tolist() == [["second", 4.0]]


def test_register_rows_are_keyed_by_cycle_batch_and_run(tmp_path):
    cycle = load_cycle(tiny_cycle(tmp_path / "data"))
    verdicts = pd.DataFrame({"objective": ["O1"], "actual": [4.0], "verdict": ["improved"]})
    for batch, actual in (("august", 4.0), ("september", 5.0), ("september", 6.0)):
        run_dir = tmp_path / "reports" / "tiny" / batch / "billing"
        run_dir.mkdir(parents=True, exist_ok=True)
        artefacts.write_manifest(run_dir, {"run_id": f"{batch}/billing", "status": "running"})
        register.record(run_dir, cycle=cycle, verdicts=verdicts.assign(actual=actual))
        register.commit(run_dir)
    rows = register.history(artefacts.register_path(run_dir))
    assert rows[["batch", "run_id", "actual"]].values.tolist() == [
        ["august", "billing", 4.0],
        ["september", "billing", 6.0],
    ]


def test_a_bare_carriage_return_inside_a_csv_register_value(tmp_path):
    cycle = load_cycle(tiny_cycle(tmp_path / "data"))
    path = tmp_path / "register.csv"
    for run in ("r1", "r2"):
        verdicts = pd.DataFrame(
            {"objective": ["O1"], "verdict": ["improved"], "decision": ["adopt\rnow"]}
        )
        register.append(path, cycle=cycle, verdicts=verdicts, run_id=run)
    rows = register.history(path)
    assert rows[["run_id", "decision"]].values.tolist() == [
        ["r1", "adopt\rnow"],
        ["r2", "adopt\rnow"],
    ]


def _cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cslib", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


@pytest.mark.notebook
def test_a_cell_over_the_timeout_keeps_the_executed_notebook(tmp_path):
    cycle = tiny_cycle(tmp_path / "data")
    notebooks = tiny_notebooks(tmp_path / "notebooks", "import time\ntime.sleep(30)")
    out = tmp_path / "out"
    result = _cli("run", cycle, "--out", out, "--stages", "plan", "--notebooks", notebooks,
                  "--timeout", 1)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "CellTimeout: a cell ran longer than its 1 s limit" in result.stderr
    kept = only_run(out) / "1-plan.ipynb"
    assert "executed notebook kept at" in result.stderr and "time.sleep(30)" in kept.read_text()
    assert artefacts.read_manifest(only_run(out))["failed"]["ename"] == "CellTimeout"


@pytest.mark.notebook
def test_a_killed_batch_leaves_no_orphans_and_reruns_cleanly(tmp_path):
    psutil = pytest.importorskip("psutil")
    cycle = tiny_cycle(tmp_path / "data")
    started = tmp_path / "cell-started"  # the slow cell says when it runs
    tiny_notebooks(
        tmp_path / "slow",
        f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(120)",
    )
    tiny_notebooks(tmp_path / "quick")
    review = tmp_path / "review.yaml"
    spec = {"cycle": str(cycle), "stages": ["plan"], "notebooks": "slow", "runs": [{"name": "r1"}]}
    review.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    batch = subprocess.Popen(
        [sys.executable, "-m", "cslib", "batch", str(review), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        process = psutil.Process(batch.pid)
        family = _wait_until(
            lambda: _with_kernel(process), "the batch's run did not start its kernel"
        )
        _wait_until(started.exists, f"{started.name} was never written")  # killed mid-cell
        batch.send_signal(signal.SIGKILL)
        batch.wait()
        gone, alive = psutil.wait_procs(family, timeout=30)
        assert alive == []
    finally:
        batch.kill()
    manifest = out / "tiny" / "review" / "r1" / "run.json"
    assert json.loads(manifest.read_text())["failed"]["ename"] == "Stopped"
    assert (manifest.parent / "1-plan.ipynb").exists()  # what it had done is kept

    from cslib.run.batch import run_batch

    review.write_text(yaml.safe_dump({**spec, "notebooks": "quick"}))
    [outcome] = run_batch(review, out=out).outcomes
    assert outcome.status == "ok", outcome
    assert json.loads(manifest.read_text())["status"] == "ok"
    index = (out / "tiny" / "review" / "index.html").read_text()
    assert 'href="r1/report.html"' in index


def _wait_until(found: Callable[[], Any], failure: str, within: float = 180) -> Any:
    """The first true value of ``found()``, asked every half second; the test fails with
    ``failure`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(failure)


def _with_kernel(batch) -> list | None:
    """The processes a batch started (its run's process and that one's kernel), once the kernel runs."""
    import psutil

    try:
        family = batch.children(recursive=True)
        return family if any("ipykernel" in " ".join(p.cmdline()) for p in family) else None
    except psutil.Error:  # a process ended while it was looked at: look again
        return None


def test_markup_from_a_notebook_output_is_sanitised(tmp_path):
    from cslib.run.report import render_notebook

    hostile = (
        '<p onmouseover="alert(1)">kept</p><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">link</a><iframe src="https://evil.example"></iframe>'
        "<style>body{display:none}</style><svg onload=alert(4)><circle r=1 /></svg>"
        '<form action="https://evil.example"><input name="q"></form>'
        '<table><tr style="text-align: right; background: url(https://x)"><td>1</td></tr></table>'
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": hostile})])]  # fmt: skip
    nbformat.write(nb, str(tmp_path / "n.ipynb"))
    body, _ = render_notebook(tmp_path / "n.ipynb")
    assert "kept" in body and "<td>1</td>" in body and "text-align" in body
    for gone in ("alert", "onerror", "javascript", "iframe", "evil.example", "<form", "<input",
                 "display:none", "url(", 'src="x"'):  # fmt: skip
        assert gone not in body, gone


def test_a_zipped_input_is_unpacked_once_per_run(tiny, tmp_path, monkeypatch):
    import zipfile

    from cslib.data import files

    archive = tmp_path / "tickets.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("tickets.csv", TICKETS)
    unpacked, seen = [], []
    real_unpack = files._unpack
    monkeypatch.setattr(files, "_unpack", lambda *a: unpacked.append(1) or real_unpack(*a))

    def a_fresh_process_reads_it(*args, **kwargs):
        files._UNZIPPED.clear()  # each stage's kernel is a process of its own
        seen.append(files.unzipped(archive))

    checked = runner.prepare
    monkeypatch.setattr(
        runner, "prepare", lambda *a, **k: (a_fresh_process_reads_it(), checked())[1]
    )
    fake_stages(monkeypatch, a_fresh_process_reads_it)
    runner.run_cycle(tiny, out=tmp_path / "out", stages=["plan", "do"], report=False)
    assert len(seen) == 3 and len(set(seen)) == 1 and unpacked == [1]
    assert not seen[0].exists()  # the run's folder of unpacked tables is gone with the run
