"""A notebook's first cell stays cheap: importing a stage loads none of the heavy libraries.

scipy, statsmodels, matplotlib, seaborn, DuckDB, psutil and phonenumbers are
imported by the functions that use them, on first use, so a kernel that starts
a stage pays only for pandas and cslib itself. Each import runs in a fresh
interpreter, as a kernel would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("statsmodels", "scipy", "seaborn", "matplotlib", "duckdb", "psutil", "phonenumbers")
STAGES = ("plan", "do", "check", "act")
ROOT = Path(__file__).resolve().parents[2]


def loaded_after(code: str) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after running ``code`` in a fresh Python."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    return [m for m in json.loads(done.stdout.splitlines()[-1]) if m in HEAVY]


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_heavy_library(stage):
    # what a stage notebook's first cell imports
    code = f"from cslib import open_workbook\nfrom cslib.stages import {stage}"
    assert loaded_after(code) == []


def test_the_probe_sees_a_heavy_library():
    # a stand-in imports its module when first used
    code = "import importlib\nimportlib.import_module('cslib.stats.impact.did').stats.norm"
    assert loaded_after(code) == ["scipy"]
