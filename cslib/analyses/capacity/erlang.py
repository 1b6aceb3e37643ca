"""Erlang B and C: waiting, service level, speed of answer, occupancy and the agents a target needs.

Examples
--------
>>> round(erlang_c(10, 11), 4)
0.6821
>>> agents_needed(calls=100, aht=180, target=0.8)
14
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from cslib._args import positive
from cslib.analyses.capacity._queue import (
    agent_count,
    blocking,
    interval_metrics,
    traffic_inputs,
    waiting,
)
from cslib.errors import ParameterError, Problem

__all__ = [
    "agents_needed",
    "asa",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "service_level",
    "staffing_curve",
]


def erlang_b(traffic: float, agents: int) -> float:
    """Erlang B blocking probability by the stable recursion (no factorials).

    Parameters
    ----------
    traffic : float
        Offered traffic in Erlangs (≥ 0).
    agents : int
        Servers (≥ 1).

    Returns
    -------
    float

    Examples
    --------
    >>> round(erlang_b(2, 3), 4)
    0.2105
    """
    return blocking(positive(traffic, "traffic", example=10, allow_zero=True), agent_count(agents))


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a contact waits (Erlang C).

    Parameters
    ----------
    traffic : float
        Offered traffic in Erlangs: calls × handle time ÷ interval.
    agents : int
        Agents answering.

    Returns
    -------
    float
        Between 0 and 1; exactly 1 when ``agents ≤ traffic`` (the queue never clears).

    Examples
    --------
    >>> round(erlang_c(250, 270), 4)
    0.1444
    """
    return waiting(positive(traffic, "traffic", example=10, allow_zero=True), agent_count(agents))


def service_level(
    *, calls: float, aht: float, agents: int, interval: float = 1800, threshold: float = 20
) -> float:
    """Share of contacts answered within ``threshold`` seconds (Erlang C).

    Parameters
    ----------
    calls : float
        Contacts arriving in the interval.
    aht : float
        Average handle time in seconds.
    agents : int
        Agents answering.
    interval : float
        Length of the interval in seconds (default half an hour).
    threshold : float
        Target answer time in seconds (the "20" of 80/20).

    Returns
    -------
    float

    Examples
    --------
    >>> round(service_level(calls=100, aht=180, agents=14), 4)
    0.8884
    """
    calls, aht, interval, threshold = traffic_inputs(calls, aht, interval, threshold)
    return interval_metrics(calls, aht, agent_count(agents), interval, threshold)["service_level"]


def asa(*, calls: float, aht: float, agents: int, interval: float = 1800) -> float:
    """Average speed of answer in seconds (Erlang C): ``C · aht / (agents − traffic)``; ``inf`` when overloaded.

    Examples
    --------
    >>> round(asa(calls=100, aht=180, agents=14), 2)
    7.84
    """
    calls, aht, interval, _ = traffic_inputs(calls, aht, interval, 0)
    return interval_metrics(calls, aht, agent_count(agents), interval, 0.0)["asa"]


def occupancy(*, calls: float, aht: float, agents: int, interval: float = 1800) -> float:
    """Share of the agents' time spent handling contacts: traffic ÷ agents (at most 1).

    Examples
    --------
    >>> occupancy(calls=100, aht=180, agents=12)
    0.8333333333333334
    """
    calls, aht, interval, _ = traffic_inputs(calls, aht, interval, 0)
    return interval_metrics(calls, aht, agent_count(agents), interval, 0.0)["occupancy"]


def agents_needed(
    *,
    calls: float,
    aht: float,
    target: float,
    interval: float = 1800,
    threshold: float = 20,
    max_occupancy: float | None = None,
) -> int:
    """Fewest agents whose service level reaches ``target`` (and occupancy stays at or under ``max_occupancy``).

    Parameters
    ----------
    calls, aht, interval, threshold
        As in :func:`service_level` (seconds).
    target : float
        Service level to reach, a share (0.8 for 80/20).
    max_occupancy : float, optional
        Also keep traffic ÷ agents at or below this share (e.g. 0.85).

    Returns
    -------
    int
        Agents on the phones (before shrinkage); 0 when no contacts arrive.

    Examples
    --------
    >>> agents_needed(calls=100, aht=180, target=0.9)
    15
    """
    calls, aht, interval, threshold = traffic_inputs(calls, aht, interval, threshold)
    if not (isinstance(target, int | float) and 0 < target < 1):
        raise ParameterError(
            Problem(
                "target must be a share strictly between 0 and 1",
                column="target",
                values=(target,),
                fix="write 80 % as target=0.8",
            )
        )
    if max_occupancy is not None and not (
        isinstance(max_occupancy, int | float) and 0 < max_occupancy <= 1
    ):
        raise ParameterError(
            Problem(
                "max_occupancy must be a share between 0 and 1",
                column="max_occupancy",
                values=(max_occupancy,),
                fix="e.g. max_occupancy=0.85",
            )
        )
    if calls == 0:
        return 0
    a = calls * aht / interval
    n = max(1, math.floor(a) + 1)
    if max_occupancy is not None:
        n = max(n, math.ceil(a / max_occupancy - 1e-12))
    while interval_metrics(calls, aht, n, interval, threshold)["service_level"] < target:
        n += 1
    return n


def staffing_curve(
    *,
    calls: float,
    aht: float,
    agents: Iterable[int] | None = None,
    interval: float = 1800,
    threshold: float = 20,
) -> pd.DataFrame:
    """Service level, ASA, waiting probability and occupancy for a range of agent numbers.

    Parameters
    ----------
    calls, aht, interval, threshold
        As in :func:`service_level`.
    agents : sequence of int, optional
        Agent numbers to evaluate; default from just above the traffic to the
        number that reaches 99 % service level.

    Returns
    -------
    pandas.DataFrame
        One row per agent number: ``agents``, ``traffic``, ``p_wait``,
        ``service_level``, ``asa`` (seconds), ``occupancy``.

    Examples
    --------
    >>> staffing_curve(calls=100, aht=180, agents=[11, 13])["agents"].tolist()
    [11, 13]
    """
    calls, aht, interval, threshold = traffic_inputs(calls, aht, interval, threshold)
    if agents is None:
        a = calls * aht / interval
        top = (
            agents_needed(calls=calls, aht=aht, target=0.99, interval=interval, threshold=threshold)
            if calls
            else 1
        )
        agents = range(max(1, math.floor(a) + 1), max(top, math.floor(a) + 2) + 1)
    rows = [
        {"agents": n, **interval_metrics(calls, aht, n, interval, threshold)}
        for n in map(agent_count, agents)
    ]
    return pd.DataFrame(
        rows, columns=["agents", "traffic", "p_wait", "service_level", "asa", "occupancy"]
    )
