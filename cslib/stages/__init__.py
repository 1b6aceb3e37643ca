"""The four PDCA stages, one module each (:mod:`~cslib.stages.plan`,
:mod:`~cslib.stages.do`, :mod:`~cslib.stages.check`, :mod:`~cslib.stages.act`):
one function per notebook cell, each showing and saving its part of the report.
No stage imports another: what they share (the objectives' labels and control
charts, the adopting teams, the pooled weekly series, the tables' labels and
units) is in ``_shared``. :mod:`~cslib.stages.decision` holds the rules that turn
the evidence into adopt / adapt / abandon / wait, and :mod:`~cslib.stages.summary`
reads a run's findings back for the report's first screen."""

from __future__ import annotations

import importlib

#: what the stages' cells import on first use (:mod:`cslib._lazy`, plotting), heaviest first
HEAVY = (
    "scipy.stats",
    "statsmodels.genmod.generalized_linear_model",
    "statsmodels.regression.linear_model",
    "statsmodels.stats.proportion",
    "statsmodels.stats.inter_rater",
    "seaborn",
    "matplotlib.figure",
    "duckdb",
    "phonenumbers",
)


def preload() -> None:
    """Import the four stages and the libraries their cells load on first use, as a run's
    kernel does while the run checks its inputs (:func:`cslib.run.one_kernel.early_kernel`).

    Examples
    --------
    >>> import sys
    >>> preload()
    >>> "cslib.stages.check" in sys.modules and "scipy.stats" in sys.modules
    True
    """
    for name in ("plan", "do", "check", "act"):
        importlib.import_module(f"cslib.stages.{name}")
    for name in HEAVY:
        importlib.import_module(name)
