"""The improvement cycle: the cycle file's model, the evidence a complete cycle
needs, the workbook a stage works in, the run folder's artefacts and the register
of cycles.

The names below are imported on first use: a light module of this package (the run
folder's :mod:`~cslib.cycle.artefacts`) loads without the model and its dependencies.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cslib.cycle.model import Cycle, load_cycle, validate_cycle
    from cslib.cycle.workbook import Workbook, open_workbook

_HOMES = {
    "Cycle": "cslib.cycle.model",
    "load_cycle": "cslib.cycle.model",
    "validate_cycle": "cslib.cycle.model",
    "Workbook": "cslib.cycle.workbook",
    "open_workbook": "cslib.cycle.workbook",
}

__all__ = ["Cycle", "Workbook", "load_cycle", "open_workbook", "validate_cycle"]


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'cslib.cycle' has no attribute {name!r}")
