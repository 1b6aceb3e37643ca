"""Shared fixtures: the sample operation written once per session, and a real CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def settings_folder(tmp_path_factory):
    """cslib's settings (this installation's pseudonym key) and cache live in a temporary folder
    during the tests, never the user's; processes the tests start inherit them."""
    folder = tmp_path_factory.mktemp("settings")
    folders = {"CSLIB_CONFIG_DIR": folder, "CSLIB_CACHE_DIR": folder / "cache"}  # and its cache
    before = {name: os.environ.get(name) for name in folders}
    os.environ.update({name: str(path) for name, path in folders.items()})
    yield folder
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session", autouse=True)
def cslib_kernel(tmp_path_factory):
    """The ``cslib`` Jupyter kernel the notebooks ask for (``make`` installs it), running this
    Python, in a temporary Jupyter folder that the kernels the tests start also see."""
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / "cslib"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python (cslib)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(folder), prepend=os.pathsep)
        yield spec


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
