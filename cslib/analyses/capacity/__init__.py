"""Staffing and peaks: Erlang C queueing for phone and chat, from the data's own arrivals.

Erlang C models a queue served by ``agents`` agents (Poisson arrivals,
exponential handle times, nobody hangs up). With offered traffic
``A = calls × aht / interval`` Erlangs and ``N`` agents:

* probability of waiting ``C(N, A) = N·B / (N − A·(1 − B))`` with ``B`` the
  Erlang B blocking probability, computed by the recursion
  ``B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1))`` — no factorials or powers, so
  it stays exact for hundreds of agents (the textbook formula with ``A^N / N!``
  overflows beyond about 170 agents);
* service level ``SL = 1 − C · exp(−(N − A) · threshold / aht)``;
* average speed of answer ``ASA = C · aht / (N − A)``;
* occupancy ``A / N``.

When ``N ≤ A`` the queue grows without bound: ``C = 1``, ``SL = 0``,
``ASA = inf``. Times are in seconds throughout.

* :mod:`~cslib.analyses.capacity.erlang` — the formulae for one interval
  (:func:`erlang_c`, :func:`service_level`, :func:`agents_needed`,
  :func:`staffing_curve` …);
* :mod:`~cslib.analyses.capacity.demand` — agents for a demand table
  (:func:`staffing_table`) and for the peaks of the tickets' own arrivals
  (:func:`peak_staffing`).

Examples
--------
>>> round(erlang_c(10, 11), 4)
0.6821
>>> agents_needed(calls=100, aht=180, target=0.8)
14
"""

from cslib.analyses.capacity.demand import WEEKDAYS as WEEKDAYS
from cslib.analyses.capacity.demand import peak_staffing, staffing_table
from cslib.analyses.capacity.erlang import (
    agents_needed,
    asa,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
    staffing_curve,
)

__all__ = [
    "agents_needed",
    "asa",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "peak_staffing",
    "service_level",
    "staffing_curve",
    "staffing_table",
]
