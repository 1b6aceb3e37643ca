"""Batch reviews: many runs of one cycle (teams × months, or any list) in parallel, with an index.

A review file (``review.yaml``, :mod:`~cslib.run.batch.review`) names a cycle
template and the runs. Planning (:mod:`~cslib.run.batch.tasks`) checks every run
before any kernel starts, writes a derived cycle file per run into the batch
folder (the review window set to the run's month, data paths made absolute —
nothing is written next to the template or its data) and resolves each run into
a task (:mod:`~cslib.run.batch.results`). The PDCA notebooks then run with the
run's ``teams``.

Layout of a batch (``<out>/<cycle>/<batch>/``, see :mod:`cslib.cycle.artefacts`)::

    index.html            one row per run: status, headline KPIs, verdicts, report links
    batch.json            the outcome of every run
    cycles/<run>.yaml     derived cycle files
    panel/                the team × period KPI panel the runs read (:mod:`~cslib.run.batch.panel`)
    <run>/                run folders (run.json, notebooks, artefacts, report.html,
                          fingerprint.json)

Each run executes in a process of its own (its own kernels), at most ``workers``
at a time on this machine, or as tasks on a Dask distributed cluster
(``scheduler=``; :mod:`~cslib.run.batch.workers`). A failed run is recorded with
its stage, cell and error; the others carry on. A run whose inputs — data file
hashes, derived cycle file, parameters, stages, notebooks and package versions —
are unchanged and whose report exists is skipped unless ``force=True`` (after
editing the cslib code of an editable install — same version number — force a rerun).

Examples
--------
>>> review = parse_review({"cycle": "cycle.yaml", "grid": {"teams": ["Billing", "Orders"], "months": ["2026-08"]}})
>>> [run.name for run in expand_runs(review)]
['billing-2026-08', 'orders-2026-08']
"""

from cslib.run.batch.index import write_index
from cslib.run.batch.results import Batch, BatchResult, RunOutcome, RunTask, Status
from cslib.run.batch.review import Review, expand_runs, load_review, parse_review
from cslib.run.batch.runs import run_batch
from cslib.run.batch.tasks import default_workers, plan_batch
from cslib.run.batch.workers import execute_run

__all__ = [
    "Batch",
    "BatchResult",
    "Review",
    "RunOutcome",
    "RunTask",
    "Status",
    "default_workers",
    "execute_run",
    "expand_runs",
    "load_review",
    "parse_review",
    "plan_batch",
    "run_batch",
    "write_index",
]
