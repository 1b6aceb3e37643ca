"""Running cycles: papermill executes the notebooks of one cycle
(:func:`~cslib.run.runner.run_cycle`) or of a whole review in parallel
(:func:`~cslib.run.batch.run_batch`), and nbconvert builds the report."""

from cslib.run.batch import run_batch
from cslib.run.runner import run_cycle

__all__ = ["run_batch", "run_cycle"]
