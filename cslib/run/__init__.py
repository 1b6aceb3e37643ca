"""Running cycles: papermill executes the notebooks of one cycle
(:func:`~cslib.run.runner.run_cycle`) or of a whole review in parallel
(:func:`~cslib.run.batch.run_batch`), and nbconvert builds the report.

Both are imported on first use: a command can start a run's kernel
(:mod:`cslib.run.one_kernel`) before it loads the runner.
"""

import importlib

from cslib.run._iri_checker import skip_iri_checker

skip_iri_checker()  # before papermill, nbformat and nbconvert load jsonschema

_ENTRY_POINTS = {"run_batch": "cslib.run.batch", "run_cycle": "cslib.run.runner"}

__all__ = ["run_batch", "run_cycle"]


def __getattr__(name: str):
    if name in _ENTRY_POINTS:
        return getattr(importlib.import_module(_ENTRY_POINTS[name]), name)
    raise AttributeError(f"module 'cslib.run' has no attribute {name!r}")
