"""Complaint handling: Pareto of causes, recurrence, handling times against the SLA, outcomes,
and the service recovery paradox tested on the data rather than assumed.

The complaints table follows the data contract (``complaint_id``,
``received_at``; ``customer_id``, ``category``, ``root_cause``,
``acknowledged_at``, ``resolved_at``, ``outcome``, ``compensation``…).

* :mod:`~cslib.analyses.complaints.causes` — what the complaints are about
  (:func:`pareto`) and whether they come back (:func:`recurrence`);
* :mod:`~cslib.analyses.complaints.handling` — how they are handled
  (:func:`handling_times`, :func:`outcomes`);
* :mod:`~cslib.analyses.complaints.recovery` — whether a good recovery makes
  customers more loyal (:func:`recovery_paradox`).

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"complaint_id": list("abcde"), "category": ["delay", "delay", "delay", "fee", "tone"]})
>>> pareto(c)[["category", "count", "cumulative_share", "vital_few"]].values.tolist()
[['delay', 3, 0.6, True], ['fee', 1, 0.8, True], ['tone', 1, 1.0, False]]
"""

from cslib.analyses.complaints._loyalty import GROUPS as GROUPS
from cslib.analyses.complaints._loyalty import TICKET_COLUMNS as TICKET_COLUMNS
from cslib.analyses.complaints.causes import Recurrence, pareto, recurrence
from cslib.analyses.complaints.handling import handling_times, outcomes
from cslib.analyses.complaints.recovery import WELL_OUTCOMES as WELL_OUTCOMES
from cslib.analyses.complaints.recovery import RecoveryParadox, recovery_paradox

__all__ = [
    "RecoveryParadox",
    "Recurrence",
    "handling_times",
    "outcomes",
    "pareto",
    "recovery_paradox",
    "recurrence",
]
