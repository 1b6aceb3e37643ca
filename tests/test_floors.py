"""The dependency floors are stated once in meaning: pyproject.toml, the pins of the
oldest-versions job (.ci/minimums.txt) and the conda environment (environment.yml) agree."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
#: conda-forge names of the packages whose PyPI name differs
CONDA_NAMES = {
    "python-duckdb": "duckdb",
    "matplotlib-base": "matplotlib",
    "seaborn-base": "seaborn",
    "nbconvert-core": "nbconvert",
}


def _floor(requirement: Requirement) -> Version | None:
    floors = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    return floors[0] if floors else None


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _runtime() -> dict[str, Version | None]:
    return {(r := Requirement(d)).name.lower(): _floor(r) for d in _project()["dependencies"]}


def _database() -> dict[str, Version | None]:
    return {
        (r := Requirement(d)).name.lower(): _floor(r)
        for d in _project()["optional-dependencies"]["db"]
    }


def test_the_oldest_versions_job_pins_every_runtime_and_database_dependency_at_its_floor():
    pins = {}
    for line in (ROOT / ".ci/minimums.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = Version(version.strip())
    assert pins == {**_runtime(), **_database()}


def test_the_conda_environment_has_the_same_floors():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and dep != "pip":
            r = Requirement(dep)
            conda[CONDA_NAMES.get(r.name, r.name)] = _floor(r)
    python = Requirement("python" + _project()["requires-python"])
    wanted = {"python": _floor(python), **_runtime(), **_database()}
    assert conda == wanted
