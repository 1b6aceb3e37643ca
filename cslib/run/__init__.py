"""Running cycles: papermill executes the notebooks of one cycle
(:func:`~cslib.run.runner.run_cycle`) or of a whole review in parallel
(:func:`~cslib.run.batch.run_batch`), and nbconvert builds the report."""

from cslib.run._iri_checker import skip_iri_checker

skip_iri_checker()  # before papermill, nbformat and nbconvert load jsonschema

from cslib.run.batch import run_batch  # noqa: E402
from cslib.run.runner import run_cycle  # noqa: E402

__all__ = ["run_batch", "run_cycle"]
