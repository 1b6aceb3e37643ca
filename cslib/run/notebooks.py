"""The PDCA notebooks: the stages, their notebook files and where the shipped ones are.

Examples
--------
>>> [NOTEBOOKS[stage] for stage in STAGES]
['1-plan.ipynb', '2-do.ipynb', '3-check.ipynb', '4-act.ipynb']
"""

from __future__ import annotations

from pathlib import Path

from cslib.cycle.artefacts import STAGES
from cslib.errors import CslibError, Problem

#: the notebook file of each stage (an executed copy keeps the name in the run folder)
NOTEBOOKS = {
    "plan": "1-plan.ipynb",
    "do": "2-do.ipynb",
    "check": "3-check.ipynb",
    "act": "4-act.ipynb",
}
#: stages that need an earlier stage's results in the same run folder
NEEDS = {"act": "check"}


def notebooks_dir() -> Path:
    """The notebooks shipped with the workbook (next to the package in a checkout)."""
    here = Path(__file__).resolve().parents[2] / "notebooks"
    if not (here / NOTEBOOKS["plan"]).exists():
        raise CslibError(
            Problem(
                "the PDCA notebooks were not found",
                file=str(here),
                fix="run from a checkout of the workbook, or pass --notebooks DIR",
            )
        )
    return here


__all__ = ["NEEDS", "NOTEBOOKS", "STAGES", "notebooks_dir"]
