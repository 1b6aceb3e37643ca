"""The stages share their common parts through ``cslib.stages._shared``, never through each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cslib.stages

STAGES = ("plan", "do", "check", "act")
FOLDER = Path(cslib.stages.__file__).parent


def imported_modules(stage: str) -> set[str]:
    tree = ast.parse((FOLDER / f"{stage}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_another(stage):
    others = {f"cslib.stages.{s}" for s in STAGES if s != stage}
    assert imported_modules(stage).isdisjoint(others)


def test_the_stages_keep_their_public_names():
    from cslib.stages import _shared, check, plan

    assert plan.objective_chart is _shared.objective_chart
    assert check.treated_teams is _shared.treated_teams
    assert callable(check.spc_views)
