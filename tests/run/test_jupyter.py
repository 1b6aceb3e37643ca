"""Jupyter habits: the cslib kernel with its fallback, and notebook defaults that find the sample
cycle whether papermill runs them from the checkout's root or JupyterLab from notebooks/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from cslib.cycle import artefacts
from cslib.cycle.workbook import open_workbook
from cslib.errors import ConfigError
from cslib.run.notebooks import KERNEL, NOTEBOOKS, kernel_name, notebooks_dir

ROOT = Path(__file__).resolve().parents[2]


def test_the_notebooks_ask_for_the_cslib_kernel():
    for name in NOTEBOOKS.values():
        nb = nbformat.read(str(notebooks_dir() / name), as_version=4)
        assert nb.metadata.kernelspec.name == KERNEL == "cslib", name


@pytest.mark.parametrize(("installed", "expected"), [(True, "cslib"), (False, "python3")])
def test_runs_use_the_cslib_kernel_else_python3(monkeypatch, installed, expected):
    specs = {"python3": "/somewhere/python3"} | ({"cslib": "/somewhere/cslib"} if installed else {})
    monkeypatch.setattr(KernelSpecManager, "find_kernel_specs", lambda self: specs)
    assert kernel_name() == expected


def test_without_a_cycle_outside_a_checkout_the_notebook_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"(?s)no cycle file given.*papermill -p cycle"):
        open_workbook(stage="plan")


@pytest.mark.parametrize("where", ["root", "notebooks"])
def test_the_defaults_find_the_sample_from_the_root_and_from_notebooks(
    tmp_path, monkeypatch, where
):
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data" / "sample")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path if where == "root" else tmp_path / "notebooks")
    wb = open_workbook(stage="plan")
    assert wb.cycle.title == "Faster first-time resolution"
    assert wb.run_dir == tmp_path / "reports" / "sample" / "interactive"


@pytest.mark.notebook
def test_papermill_runs_the_plan_notebook_from_the_checkouts_root(tmp_path):
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data" / "sample")
    result = subprocess.run(
        [sys.executable, "-m", "papermill", "notebooks/1-plan.ipynb", "out.ipynb"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert artefacts.exists(tmp_path / "reports" / "sample" / "interactive", "plan", "baseline")


@pytest.mark.notebook
def test_each_cells_output_goes_to_the_run_log(tmp_path):
    from cslib.run.runner import run_cycle

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('cycle: str = ""\nrun_dir: str = ""\nteams: str = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell('print("the plan cell ran")')]
    nb.metadata.kernelspec = {
        "name": "cslib",
        "display_name": "Python (cslib)",
        "language": "python",
    }
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, str(tmp_path / "notebooks" / NOTEBOOKS["plan"]))
    result = run_cycle(
        ROOT / "data" / "sample" / "cycle.yaml",
        out=tmp_path / "reports",
        stages=["plan"],
        notebooks=tmp_path / "notebooks",
        report=False,
    )
    log = artefacts.log_path(result.run_dir).read_text(encoding="utf-8")
    assert "the plan cell ran" in log and "Executing notebook with kernel: cslib" in log
