"""One kernel per run: the notebooks of a run share a kernel, each starting from a clean slate,
and the run folder is the same as with a fresh kernel per stage (``fresh_kernels``)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from cslib.run import one_kernel
from cslib.run.failures import StageFailed
from cslib.run.one_kernel import stage_kernels
from cslib.run.runner import NOTEBOOKS, run_cycle

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "cycle.yaml"

#: what a notebook finds when it starts, written to ``record`` (a parameter) as JSON
LOOK = """
import json, os, sys, warnings
import matplotlib
import matplotlib.pyplot as plt
from cslib.stats.spc.rules import runs_limits
import cslib.data.privacy  # phonenumbers imported on first use
import probe
found = {
    "names": sorted(globals()),
    "count": get_ipython().execution_count,
    "cwd": os.getcwd(),
    "environment": os.environ.get("PROBE"),
    "run": os.environ.get("PROBE_RUN"),
    "figures": plt.get_fignums(),
    "linewidth": matplotlib.rcParams["lines.linewidth"],
    "cached": runs_limits.cache_info().currsize,
    "pid": os.getpid(),
    "lazy": "phonenumbers" not in sys.modules,  # cleaning imports nothing
    "litter": len(probe.litter),  # the last notebook's garbage in cycles: collected, not kept
}
with open(record, "w") as handle:
    json.dump(found, handle)
"""
#: what a notebook leaves behind
LITTER = """
left = 1
plt.figure()
matplotlib.rcParams["lines.linewidth"] = 9
runs_limits(20)
os.environ["PROBE"] = "left"
os.chdir("/")
probe.warn()
class Litter:
    pass
cycle = Litter()
cycle.itself = cycle
probe.litter.add(cycle)  # unreachable only once the namespace is cleared
"""


@pytest.fixture
def probes(tmp_path):
    """A notebook that records what it finds, then leaves litter; and the module that warns."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "probe.py").write_text(
        "import warnings, weakref\n\nlitter = weakref.WeakSet()\n\n"
        "def warn():\n    warnings.warn('probe warning', UserWarning)\n"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('record = ""', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(LOOK),
        nbformat.v4.new_code_cell(LITTER),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(folder / "probe.ipynb"))
    return folder


def run_probes(folder: Path, *, fresh: bool, times: int = 3) -> list[dict]:
    found = []
    with stage_kernels(fresh=fresh, cwd=folder) as kernels:
        for i in range(times):
            record = folder / f"found-{i}.json"
            kernels.execute(
                str(folder / "probe.ipynb"),
                str(folder / f"probe-{i}.ipynb"),
                parameters={"record": str(record)},
                progress_bar=False,
            )
            executed = (folder / f"probe-{i}.ipynb").read_text()
            found.append({**json.loads(record.read_text()), "warned": "probe warning" in executed})
    return found


@pytest.mark.notebook
def test_each_notebook_starts_as_in_a_fresh_kernel(probes):
    shared = run_probes(probes, fresh=False)
    fresh = run_probes(probes, fresh=True, times=2)
    assert len({f["pid"] for f in shared}) == 1  # one kernel ran them all
    assert len({f["pid"] for f in fresh}) == 2
    first = {k: v for k, v in fresh[0].items() if k != "pid"}
    assert (
        first["names"] and "left" not in first["names"] and first["count"] == 4
    )  # after the parameters, as papermill injects them
    assert first["cwd"] == str(probes) and first["environment"] is None and first["warned"]
    assert first["figures"] == [] and first["cached"] == 0 and first["linewidth"] != 9
    assert first["lazy"]
    for found in shared + fresh:
        assert {k: v for k, v in found.items() if k != "pid"} == first


@pytest.mark.notebook
def test_a_kept_kernel_starts_the_next_run_as_a_fresh_kernel_would(probes, monkeypatch):
    fresh = run_probes(probes, fresh=True, times=1)[0]
    one_kernel.keep_kernels()
    try:
        monkeypatch.setenv("PROBE_RUN", "first")
        first = run_probes(probes, fresh=False, times=1)
        monkeypatch.setenv("PROBE_RUN", "second")  # as the runner sets a run's own variables
        second = run_probes(probes, fresh=False, times=2)
    finally:
        one_kernel.keep_kernels(False)
    assert len({f["pid"] for f in first + second}) == 1  # the first run's kernel ran them all
    assert [f["run"] for f in first + second] == ["first", "second", "second"]
    for found in first + second:
        assert {k: v for k, v in found.items() if k not in ("pid", "run")} == {
            k: v for k, v in fresh.items() if k not in ("pid", "run")
        }
    assert not one_kernel._KEPT  # shut down when no longer kept


@pytest.mark.notebook
def test_a_kernel_started_early_has_the_stages_imported_and_starts_as_a_fresh_kernel_would(
    probes, monkeypatch
):
    from jupyter_core.utils import run_sync

    fresh = run_probes(probes, fresh=True, times=1)[0]
    with one_kernel.early_kernel(probes):
        ((early, _),) = one_kernel._EARLY.values()
        monkeypatch.setenv("PROBE_RUN", "set after the start")  # as the runner sets the run's own
        found = run_probes(probes, fresh=False, times=2)
    assert not one_kernel._EARLY and not run_sync(early.is_alive)()
    assert len({f["pid"] for f in found}) == 1
    assert [f["run"] for f in found] == ["set after the start"] * 2
    assert not found[0]["lazy"]  # imported while the run was checking its inputs
    for f in found:
        assert {k: v for k, v in f.items() if k not in ("pid", "run", "lazy")} == {
            k: v for k, v in fresh.items() if k not in ("pid", "run", "lazy")
        }


@pytest.mark.notebook
def test_a_kernel_started_early_for_a_run_that_never_starts_is_shut_down(probes):
    from jupyter_core.utils import run_sync

    with pytest.raises(RuntimeError, match="the inputs failed"), one_kernel.early_kernel(probes):
        ((early, _),) = one_kernel._EARLY.values()
        raise RuntimeError("the inputs failed their checks")
    assert not one_kernel._EARLY and not run_sync(early.is_alive)()
    with one_kernel.early_kernel(probes, fresh=True):
        assert not one_kernel._EARLY  # fresh kernels: each stage starts its own


def test_a_kernel_that_cannot_start_early_leaves_the_run_to_start_its_own(probes, monkeypatch):
    monkeypatch.setattr(one_kernel, "kernel_name", lambda: "no-such-kernel")
    with one_kernel.early_kernel(probes):
        assert not one_kernel._EARLY  # no error: the run's own start (with its retries) follows


@pytest.mark.notebook
def test_a_released_kernel_shuts_down_while_the_run_goes_on(probes):
    from jupyter_core.utils import run_sync

    with stage_kernels(fresh=False, cwd=probes) as kernels:
        kernels.execute(
            str(probes / "probe.ipynb"),
            str(probes / "probe-0.ipynb"),
            parameters={"record": str(probes / "found.json")},
            progress_bar=False,
        )
        km = kernels._km
        kernels.release()
        assert kernels._km is km  # asked to stop; the block's end waits for it
    assert kernels._km is None and not run_sync(km.is_alive)()


def normalised_notebook(path: Path, run_dir: Path) -> dict:
    """An executed notebook without what differs between any two runs: times, durations, the
    run folder's path and the random id of the cell papermill adds."""
    # the times the register records, as the Act's history shows them
    when = r"\d\d \w{3} \d{4} \d\d:\d\d|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    text = re.sub(when, "WHEN", path.read_text())
    nb = json.loads(text.replace(str(run_dir), "RUN"))
    nb["metadata"].pop("papermill", None)
    for cell in nb["cells"]:
        for key in ("papermill", "execution"):
            cell["metadata"].pop(key, None)
        cell.pop("id", None)
    return nb


def same_run_folders(a: Path, b: Path) -> None:
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for name in files:
        if name.suffix == ".parquet":
            left, right = pd.read_parquet(a / name), pd.read_parquet(b / name)
            when = [c for c in left.columns if c in ("recorded_at", "run_dir")]
            # DuckDB's parallel sums may differ in the last bits between two runs
            pd.testing.assert_frame_equal(
                left.drop(columns=when), right.drop(columns=when), rtol=1e-12
            )
        elif name.suffix == ".ipynb":
            assert normalised_notebook(a / name, a) == normalised_notebook(b / name, b), name
        elif name.name == "run.json":
            left, right = (json.loads((d / name).read_text()) for d in (a, b))
            assert (left.pop("fresh_kernels"), right.pop("fresh_kernels")) == (False, True)
            for manifest in left, right:
                for key in ("started", "finished", "timings", "process", "run_id"):
                    manifest.pop(key, None)
            assert left == right
        elif name.suffix in (".json", ".yaml"):
            assert (a / name).read_text() == (b / name).read_text(), name


@pytest.mark.notebook
@pytest.mark.slow
def test_a_one_kernel_run_gives_the_same_run_folder_as_fresh_kernels(tmp_path):
    one = run_cycle(SAMPLE, out=tmp_path / "one", run_id="run", report=False)
    fresh = run_cycle(
        SAMPLE, out=tmp_path / "fresh", run_id="run", report=False, fresh_kernels=True
    )
    assert one.status == fresh.status == "ok"
    same_run_folders(one.run_dir, fresh.run_dir)


@pytest.mark.notebook
@pytest.mark.parametrize("fresh", [False, True])
def test_a_failing_notebook_fails_the_run_cleanly(tmp_path, fresh):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    nb = nbformat.read(str(notebooks / NOTEBOOKS["plan"]), as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise ValueError('no such team: Sales')"))
    nbformat.write(nb, str(notebooks / NOTEBOOKS["plan"]))
    with pytest.raises(StageFailed) as failed:
        run_cycle(
            SAMPLE,
            out=tmp_path / "out",
            stages=["plan", "do"],
            notebooks=notebooks,
            fresh_kernels=fresh,
            report=False,
        )
    assert str(failed.value).startswith(
        "the plan stage failed in cell 4: ValueError: no such team: Sales"
    )
    assert failed.value.exit_code == 1
    [manifest] = (tmp_path / "out").rglob("run.json")
    recorded = json.loads(manifest.read_text())
    assert recorded["status"] == "failed" and recorded["fresh_kernels"] is fresh
    assert not (manifest.parent / NOTEBOOKS["do"]).exists()


def test_kernel_start_failures_are_retried_and_failing_cells_are_not(monkeypatch):
    from nbclient.exceptions import CellTimeoutError

    monkeypatch.setattr(one_kernel.time, "sleep", lambda s: None)
    attempts = []

    def flaky(*args, **kwargs):
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return "done"

    assert one_kernel.retried(2, flaky)("in.ipynb") == "done" and len(attempts) == 3
    attempts.clear()
    with pytest.raises(RuntimeError):
        one_kernel.retried(1, flaky)("in.ipynb")
    assert len(attempts) == 2

    def cell_timeout(*args, **kwargs):
        attempts.append(1)
        raise CellTimeoutError("a cell timed out")

    attempts.clear()
    with pytest.raises(CellTimeoutError):
        one_kernel.retried(3, cell_timeout)("in.ipynb")
    assert len(attempts) == 1


@pytest.mark.notebook
def test_the_command_line_keeps_fresh_kernels_on_request(tmp_path, cli):
    result = cli("run", SAMPLE, "--stages", "plan", "-p", "teams=Billing", "--out", tmp_path,
                 "--fresh-kernels")  # fmt: skip
    assert result.returncode == 0, result.stderr
    [manifest] = tmp_path.rglob("run.json")
    assert json.loads(manifest.read_text())["fresh_kernels"] is True


@pytest.mark.notebook
def test_a_kernel_that_cannot_be_cleaned_stops_the_run_before_the_next_notebook(
    probes, monkeypatch
):
    # a notebook that broke the shell's reset leaves a kernel no next notebook may trust
    monkeypatch.setattr(one_kernel, "CLEAN", "raise OSError('reset failed')")
    with stage_kernels(fresh=False, cwd=probes) as kernels:
        run = {"parameters": {"record": str(probes / "found.json")}, "progress_bar": False}
        kernels.execute(str(probes / "probe.ipynb"), str(probes / "first.ipynb"), **run)
        with pytest.raises(RuntimeError, match="could not be cleaned.*OSError: reset failed"):
            kernels.execute(str(probes / "probe.ipynb"), str(probes / "second.ipynb"), **run)
    assert (probes / "first.ipynb").exists() and not (probes / "second.ipynb").exists()


def test_the_run_clients_are_ready_without_losing_the_first_output():
    # ready as soon as the kernel's "idle" for their own request arrives: what a first cell
    # prints still reaches the client, and nothing older is left to read
    import inspect

    from jupyter_core.utils import run_sync

    from cslib.run.kernels import kernel_manager

    def sync(method):  # the blocking client's methods as they are, the asynchronous one's run
        return run_sync(method) if inspect.iscoroutinefunction(method) else method

    km = kernel_manager()(kernel_name="python3")
    run_sync(km.start_kernel)(cwd=str(ROOT))
    try:
        for client in (km.blocking_client(), km.client()):
            client.start_channels()
            try:
                sync(client.wait_for_ready)(timeout=60)
                assert not sync(client.iopub_channel.msg_ready)()  # its output channel read up
                request = client.execute("print('first')")
                texts, state = [], None
                while state != "idle":
                    msg = sync(client.get_iopub_msg)(timeout=30)
                    if msg["parent_header"].get("msg_id") == request:
                        texts += [msg["content"]["text"]] if msg["msg_type"] == "stream" else []
                        state = msg["content"].get("execution_state", state)
                assert texts == ["first\n"]
            finally:
                client.stop_channels()
    finally:
        run_sync(km.shutdown_kernel)(now=True)
