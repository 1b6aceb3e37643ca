"""Shared fixtures: the sample operation written once per session, and a real CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def settings_folder(tmp_path_factory):
    """cslib's settings (this installation's pseudonym key) live in a temporary folder during
    the tests, never the user's; processes the tests start inherit it."""
    folder = tmp_path_factory.mktemp("settings")
    before = os.environ.get("CSLIB_CONFIG_DIR")
    os.environ["CSLIB_CONFIG_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("CSLIB_CONFIG_DIR", None)
    else:
        os.environ["CSLIB_CONFIG_DIR"] = before


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """The default sample operation, freshly generated (seed 42)."""
    from cslib.data.sample import write_sample

    out = tmp_path_factory.mktemp("sample")
    write_sample(out)
    return out


@pytest.fixture(scope="session")
def cli():
    """Run ``python -m cslib`` in a real process, as a user would, capturing its output."""

    def run(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "cslib", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=600,
        )

    return run
