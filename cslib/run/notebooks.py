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
#: the Jupyter kernel the notebooks ask for (``make`` installs it into the virtual environment)
KERNEL = "cslib"


def notebooks_dir() -> Path:
    """The PDCA notebooks shipped with cslib.

    An installed cslib has them as package data (``cslib/notebooks/``); a checkout
    has them in its top-level ``notebooks/`` folder, the one copy that is edited
    (building the wheel copies it into the package).
    """
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "notebooks", package.parent / "notebooks"):
        if (folder / NOTEBOOKS["plan"]).is_file():
            return folder
    raise CslibError(
        Problem(
            "the PDCA notebooks were not found",
            file=str(package / "notebooks"),
            fix="reinstall cslib from its wheel, or pass --notebooks DIR",
        )
    )


def kernel_name() -> str:
    """The kernel the stages run on: ``cslib`` where it is installed, else ``python3``
    (every ipykernel has it), so a plain ``pip install cslib`` runs cycles too."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL if KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


__all__ = ["KERNEL", "NEEDS", "NOTEBOOKS", "STAGES", "kernel_name", "notebooks_dir"]
