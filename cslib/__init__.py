"""cslib — the continuous-improvement workbook for customer-service teams.

The library is a stack of subpackages that import only downwards (see
``ARCHITECTURE.md``)::

    data < metrics < stats < analyses, cycle < stages < run < cli

The familiar short names stay available, so ``from cslib import kpi, spc, impact``
and ``cslib.capacity.agents_needed(...)`` work as they always have: each is the
subpackage or module that now holds it (``cslib.kpi`` is :mod:`cslib.metrics`,
``cslib.spc`` is :mod:`cslib.stats.spc`, …).

Examples
--------
>>> import cslib
>>> from cslib import kpi, spc
>>> kpi is cslib.metrics and spc.control_chart is cslib.stats.spc.control_chart
True
>>> from cslib.impact import compare
>>> compare.__module__
'cslib.stats.impact.compare'
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from importlib.metadata import PackageNotFoundError, version

from cslib.errors import ConfigError, CslibError, DataError, ParameterError, Problem

try:
    __version__ = version("cslib")
except PackageNotFoundError:  # a checkout that is not installed
    __version__ = "0.0.0"

#: the short names users know, and the module that holds each now
ALIASES = {
    # data
    "io": "cslib.data.tables",
    "schema": "cslib.data.schema",
    "adapters": "cslib.data.adapters",
    "privacy": "cslib.data.privacy",
    "sample": "cslib.data.sample",
    # metrics and statistics
    "kpi": "cslib.metrics",
    "spc": "cslib.stats.spc",
    "plots": "cslib.stats.spc.draw",
    "impact": "cslib.stats.impact",
    # analyses
    "segments": "cslib.analyses.segments",
    "journey": "cslib.analyses.journey",
    "complaints": "cslib.analyses.complaints",
    "servqual": "cslib.analyses.servqual",
    "feedback": "cslib.analyses.feedback",
    "training": "cslib.analyses.training",
    "capacity": "cslib.analyses.capacity",
    "benefits": "cslib.analyses.benefits",
    "planning": "cslib.analyses.risks_actions",
    "plots_analyses": "cslib.analyses.charts",
    # the cycle
    "config": "cslib.cycle.model",
    "checks": "cslib.cycle.evidence",
    "workbook": "cslib.cycle.workbook",
    "artefacts": "cslib.cycle.artefacts",
    "register": "cslib.cycle.register",
    # the PDCA stages and the run layer
    "plan": "cslib.stages.plan",
    "do": "cslib.stages.do",
    "check": "cslib.stages.check",
    "act": "cslib.stages.act",
    "runner": "cslib.run.runner",
    "report": "cslib.run.report",
    "batch": "cslib.run.batch",
}

#: headline entry points, imported on first use
ENTRY_POINTS = {
    "open_workbook": "cslib.cycle.workbook",
    "load_cycle": "cslib.cycle.model",
    "validate_cycle": "cslib.cycle.model",
    "run_cycle": "cslib.run.runner",
    "run_batch": "cslib.run.batch",
}

__all__ = [
    "ConfigError",
    "CslibError",
    "DataError",
    "ParameterError",
    "Problem",
    "__version__",
    *ENTRY_POINTS,
    *ALIASES,
]


def __getattr__(name: str):
    """``cslib.kpi``, ``cslib.open_workbook`` …: import what the name stands for on first use."""
    if name in ALIASES:
        return importlib.import_module(f"cslib.{name}")
    if name in ENTRY_POINTS:
        return getattr(importlib.import_module(ENTRY_POINTS[name]), name)
    raise AttributeError(f"module 'cslib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes ``import cslib.kpi`` (and ``from cslib.spc import …``) load the module it names."""

    def find_spec(self, fullname, path=None, target=None):
        prefix, _, short = fullname.partition(".")
        if prefix == "cslib" and short in ALIASES:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(ALIASES[spec.name.partition(".")[2]])
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module) -> None:
        """Already loaded under its own name: give it back its own spec."""
        module.__spec__ = module.__spec__.loader_state


if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.append(_AliasFinder())
