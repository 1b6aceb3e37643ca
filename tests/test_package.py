"""The package as users install it: the wheel alone runs a cycle; the version is defined once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from cslib.run.notebooks import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
#: what a wheel is built from (a copy, so the build leaves nothing in the checkout)
SOURCES = (
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "LICENSE",
    "cslib",
    "notebooks",
)


def build_wheel(folder: Path) -> Path:
    """The wheel built offline from a copy of the checkout's sources."""
    src = folder / "src"
    src.mkdir(parents=True)
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["--wheel-dir", str(folder / "dist"), str(src)],
        check=True,
        capture_output=True,
    )
    return next((folder / "dist").glob("cslib-*.whl"))


def fresh_venv(folder: Path, wheel: Path) -> Path:
    """A new virtual environment with only the wheel installed; the other packages are the
    test environment's, seen through a path file (no downloads)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + [str(wheel)],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "shared-packages.pth").write_text("\n".join(sorted(shared)) + "\n")
    # and their Jupyter data (nbconvert's templates), without their kernels: the stages then
    # run on the environment's own Python, as after a plain `pip install cslib`
    jupyter = folder / "share" / "jupyter"
    jupyter.mkdir(parents=True)
    (jupyter / "nbconvert").symlink_to(Path(sys.prefix, "share", "jupyter", "nbconvert"))
    return folder / "bin"


@pytest.mark.slow
@pytest.mark.notebook
def test_the_wheel_alone_runs_the_demo_from_an_empty_folder(tmp_path):
    wheel = build_wheel(tmp_path / "build")
    assert wheel.name.startswith(f"cslib-{VERSION}-")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in [
        *(f"cslib/notebooks/{name}" for name in NOTEBOOKS.values()),
        "cslib/run/templates/index.html.j2",
        "cslib/data/adapters/builtin/servicenow.yaml",
    ]:
        assert shipped in names, shipped
    bin_dir = fresh_venv(tmp_path / "venv", wheel)
    empty = tmp_path / "empty"
    empty.mkdir()
    # only the wheel's cslib, and no kernel of the test environment's
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_PATH")}

    def cslib(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(bin_dir / "cslib"), *args], cwd=empty, env=env, capture_output=True, text=True
        )

    assert cslib("--version").stdout.strip() == f"cslib {VERSION}"
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import cslib; print(cslib.__file__)"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
    )
    assert str(tmp_path / "venv") in where.stdout  # not the checkout's
    demo = cslib("demo", "--out", "out")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Decision: " in demo.stdout
    assert sorted(p.name for p in empty.iterdir()) == ["out"]
    assert len(list((empty / "out").glob("*/*/report.html"))) == 1


def test_the_version_is_the_installed_distributions(cli):
    from importlib.metadata import version

    import cslib

    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"cslib {cslib.__version__}" == f"cslib {version('cslib')}"
