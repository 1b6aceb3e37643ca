"""The queue arithmetic on checked inputs: Erlang B and C, and one interval's metrics.

Inputs are checked by :func:`cslib._args.positive`, :func:`agent_count` and
:func:`traffic_inputs`; the formulae themselves take plain numbers.
"""

from __future__ import annotations

import math

import numpy as np

from cslib._args import positive
from cslib.errors import ParameterError, Problem


def agent_count(value: object) -> int:
    """``value`` as an int when it is a whole number of at least 1, else a :class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ParameterError(
            Problem(
                "agents must be a whole number of at least 1",
                column="agents",
                values=(value,),
                fix="pass the number of agents as an integer, e.g. agents=12",
            )
        )
    return int(value)


def traffic_inputs(calls, aht, interval, threshold) -> tuple[float, float, float, float]:
    """Contacts, handle time, interval and answer-time threshold checked (seconds)."""
    return (
        positive(calls, "calls", example=100, allow_zero=True),
        positive(aht, "aht", example=180),
        positive(interval, "interval", example=1800),
        positive(threshold, "threshold", example=20, allow_zero=True),
    )


def blocking(traffic: float, agents: int) -> float:
    """Erlang B by the recursion ``B(k) = A·B(k−1) / (k + A·B(k−1))`` from ``B(0) = 1``."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def waiting(traffic: float, agents: int) -> float:
    """Erlang C from Erlang B: ``N·B / (N − A·(1 − B))``; 1 when ``agents ≤ traffic``."""
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = blocking(traffic, agents)
    return agents * b / (agents - traffic * (1 - b))


def interval_metrics(
    calls: float, aht: float, agents: int, interval: float, threshold: float
) -> dict[str, float]:
    """Traffic, waiting probability, service level, ASA and occupancy of one interval."""
    a = calls * aht / interval
    c = waiting(float(a), agents)
    if agents <= a:
        sl, asa = 0.0, math.inf
    else:
        sl = 1 - c * math.exp(-(agents - a) * threshold / aht)
        asa = c * aht / (agents - a)
    return {
        "traffic": a,
        "p_wait": c,
        "service_level": max(sl, 0.0),
        "asa": asa,
        "occupancy": min(a / agents, 1.0),
    }
