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

Examples
--------
>>> round(erlang_c(10, 11), 4)
0.6821
>>> agents_needed(calls=100, aht=180, target=0.8)
14
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cslib._args import check_frame
from cslib.data import sql
from cslib.data import tables as io
from cslib.errors import ParameterError, Problem

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

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _positive(value: object, name: str, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(
            Problem(
                "must be a number", column=name, values=(value,), fix=f"pass {name} as a number"
            )
        ) from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ParameterError(
            Problem(
                f"must be {'zero or more' if allow_zero else 'positive'}",
                column=name,
                values=(value,),
                fix=f"pass a {'non-negative' if allow_zero else 'positive'} finite {name}",
            )
        )
    return v


def _agents(value: object) -> int:
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
    a = _positive(traffic, "traffic", allow_zero=True)
    n = _agents(agents)
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


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
    a = _positive(traffic, "traffic", allow_zero=True)
    n = _agents(agents)
    if a == 0:
        return 0.0
    if n <= a:
        return 1.0
    b = erlang_b(a, n)
    return n * b / (n - a * (1 - b))


def _staffed(
    calls, aht, target, interval, threshold, max_occupancy
) -> tuple[int, dict[str, float]]:
    """Agents needed for the target and the interval's metrics with them (no contacts: no queue)."""
    n = agents_needed(
        calls=calls,
        aht=aht,
        target=target,
        interval=interval,
        threshold=threshold,
        max_occupancy=max_occupancy,
    )
    if not n:
        return n, {"traffic": 0.0, "service_level": 1.0, "asa": 0.0, "occupancy": 0.0}
    return n, _metrics(calls, aht, n, interval, threshold)


def _metrics(
    calls: float, aht: float, agents: int, interval: float, threshold: float
) -> dict[str, float]:
    a = calls * aht / interval
    c = erlang_c(a, agents)
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


def _inputs(calls, aht, interval, threshold) -> tuple[float, float, float, float]:
    return (
        _positive(calls, "calls", allow_zero=True),
        _positive(aht, "aht"),
        _positive(interval, "interval"),
        _positive(threshold, "threshold", allow_zero=True),
    )


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
    calls, aht, interval, threshold = _inputs(calls, aht, interval, threshold)
    return _metrics(calls, aht, _agents(agents), interval, threshold)["service_level"]


def asa(*, calls: float, aht: float, agents: int, interval: float = 1800) -> float:
    """Average speed of answer in seconds (Erlang C): ``C · aht / (agents − traffic)``; ``inf`` when overloaded.

    Examples
    --------
    >>> round(asa(calls=100, aht=180, agents=14), 2)
    7.84
    """
    calls, aht, interval, _ = _inputs(calls, aht, interval, 0)
    return _metrics(calls, aht, _agents(agents), interval, 0.0)["asa"]


def occupancy(*, calls: float, aht: float, agents: int, interval: float = 1800) -> float:
    """Share of the agents' time spent handling contacts: traffic ÷ agents (at most 1).

    Examples
    --------
    >>> occupancy(calls=100, aht=180, agents=12)
    0.8333333333333334
    """
    calls, aht, interval, _ = _inputs(calls, aht, interval, 0)
    return _metrics(calls, aht, _agents(agents), interval, 0.0)["occupancy"]


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
    calls, aht, interval, threshold = _inputs(calls, aht, interval, threshold)
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
    while _metrics(calls, aht, n, interval, threshold)["service_level"] < target:
        n += 1
    return n


def staffing_curve(
    *,
    calls: float,
    aht: float,
    agents: object = None,
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
    calls, aht, interval, threshold = _inputs(calls, aht, interval, threshold)
    if agents is None:
        a = calls * aht / interval
        top = (
            agents_needed(calls=calls, aht=aht, target=0.99, interval=interval, threshold=threshold)
            if calls
            else 1
        )
        agents = range(max(1, math.floor(a) + 1), max(top, math.floor(a) + 2) + 1)
    rows = [
        {"agents": n, **_metrics(calls, aht, n, interval, threshold)} for n in map(_agents, agents)
    ]
    return pd.DataFrame(
        rows, columns=["agents", "traffic", "p_wait", "service_level", "asa", "occupancy"]
    )


def staffing_table(
    demand: pd.DataFrame,
    *,
    calls: str = "calls",
    aht: str = "aht",
    target: float = 0.8,
    interval: float = 1800,
    threshold: float = 20,
    max_occupancy: float | None = None,
) -> pd.DataFrame:
    """Agents needed per row of a demand table (one row per interval).

    Parameters
    ----------
    demand : pandas.DataFrame
        One row per interval with the contacts and average handle time; not modified.
    calls, aht : str
        Column names of contacts per interval and handle time in seconds.
    target, interval, threshold, max_occupancy
        As in :func:`agents_needed`.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``traffic``, ``agents``, ``service_level``,
        ``asa``, ``occupancy`` at that number of agents.

    Examples
    --------
    >>> d = pd.DataFrame({"slot": ["09:00", "09:30"], "calls": [100, 150], "aht": [180, 180]})
    >>> staffing_table(d)["agents"].tolist()
    [14, 19]
    """
    check_frame(demand, [calls, aht], where="staffing_table")
    rows = []
    for c, h in zip(
        demand[calls].to_numpy(dtype=float), demand[aht].to_numpy(dtype=float), strict=True
    ):
        if not (np.isfinite(c) and np.isfinite(h)):
            rows.append(
                {
                    "traffic": np.nan,
                    "agents": pd.NA,
                    "service_level": np.nan,
                    "asa": np.nan,
                    "occupancy": np.nan,
                }
            )
            continue
        n, m = _staffed(c, h, target, interval, threshold, max_occupancy)
        rows.append(
            {
                "traffic": m["traffic"],
                "agents": n,
                "service_level": m["service_level"],
                "asa": m["asa"],
                "occupancy": m["occupancy"],
            }
        )
    extra = pd.DataFrame(rows, index=demand.index)
    extra["agents"] = extra["agents"].astype("Int64")
    return pd.concat([demand.copy(), extra], axis=1)


def peak_staffing(
    tickets: pd.DataFrame | str | Path,
    *,
    channels: object = ("phone", "chat"),
    target: float = 0.8,
    threshold: float = 20,
    interval: float = 1800,
    peak_quantile: float = 0.9,
    start: object = None,
    end: object = None,
    max_occupancy: float | None = None,
    filters: Mapping[str, Sequence[str] | str] | None = None,
    options: io.ReadOptions | None = None,
    validate: bool = True,
) -> pd.DataFrame:
    """Peak-hour contingency table from the data's own arrival pattern.

    Tickets of the queue channels are counted per calendar date × hour (in
    DuckDB: only these counts reach pandas, so a file of millions of tickets is
    never loaded); for
    each channel × weekday × hour the typical demand is the mean over the
    weeks and the peak demand the ``peak_quantile`` over the weeks (a busy
    week: month-start, an outage, a letter to customers). Handle time is the
    channel's mean ``handle_seconds`` in that weekday × hour. Each becomes
    contacts per interval and agents needed at the target.

    Parameters
    ----------
    tickets : pandas.DataFrame or path
        Tickets with ``created_at``, ``channel`` and ``handle_seconds``: a DataFrame
        (not modified) or a tickets file in the data contract, scanned in place.
    channels : sequence of str
        Queue channels to staff.
    target, threshold, interval, max_occupancy
        As in :func:`agents_needed` (seconds).
    peak_quantile : float
        Quantile of the weekly demand used for the contingency (0.9 = a week
        busier than nine in ten).
    start, end : date-like, optional
        Only tickets created in this window.
    filters, options, validate
        For a file: which segments (e.g. ``{"team": ["Billing"]}``), how to read it
        and whether to check it first, as for :func:`cslib.metrics.engine.compute`.

    Returns
    -------
    pandas.DataFrame
        One row per channel × weekday × hour: ``channel``, ``weekday``
        (0 = Monday), ``day`` (Mon…Sun), ``hour``, ``weeks``, ``aht``,
        ``calls_typical`` and ``calls_peak`` (per interval), ``agents_typical``,
        ``agents_peak``, ``extra_agents`` (peak − typical),
        ``service_level_typical``, ``asa_typical``, ``occupancy_typical``, and
        ``service_level_if_typical`` — the service level in the peak if only
        the typical staff is on.

    Examples
    --------
    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2026-04-06 09:10", "2026-04-06 09:40", "2026-04-13 09:20"]),
    ...                   "channel": "phone", "handle_seconds": 300.0})
    >>> peak_staffing(t).query("day == 'Mon'")[["hour", "calls_typical", "calls_peak"]].values.tolist()
    [[9.0, 0.75, 0.95]]
    """
    channels = [channels] if isinstance(channels, str) else list(channels)
    if not (isinstance(peak_quantile, int | float) and 0 < peak_quantile < 1):
        raise ParameterError(
            Problem(
                "peak_quantile must lie strictly between 0 and 1",
                column="peak_quantile",
                values=(peak_quantile,),
                fix="e.g. peak_quantile=0.9",
            )
        )
    _positive(interval, "interval")
    counts = _arrivals(tickets, channels, start, end, filters, options, validate)
    if counts.empty:
        raise ParameterError(
            Problem(
                "no tickets of the queue channels in the window",
                column="channel",
                values=tuple(channels),
                fix="name channels present in the data (e.g. phone, chat) or widen start/end",
            )
        )
    first, last = counts["date"].min(), counts["date"].max()
    days = pd.DataFrame({"date": pd.date_range(first, last, freq="D")})
    days["weekday"] = days["date"].dt.day_of_week
    per_hour = 3600 / interval
    rows = []
    for ch, c in counts.groupby("channel", sort=True):
        hours = sorted(c["hour"].unique())
        grid = days.merge(pd.DataFrame({"hour": hours}), how="cross").merge(
            c[["date", "hour", "n"]], on=["date", "hour"], how="left"
        )
        grid["n"] = grid["n"].fillna(0)
        c = c.assign(weekday=c["date"].dt.day_of_week)
        by_slot = c.groupby(["weekday", "hour"])[["handle_sum", "handle_n"]].sum()
        aht = by_slot["handle_sum"] / by_slot["handle_n"].where(by_slot["handle_n"] > 0)
        chan_aht = (
            float(c["handle_sum"].sum() / c["handle_n"].sum()) if c["handle_n"].sum() else np.nan
        )
        stats = grid.groupby(["weekday", "hour"])["n"].agg(
            weeks="size", typical="mean", peak=lambda s: float(np.quantile(s, peak_quantile))
        )
        for (wd, hr), s in stats.iterrows():
            h = aht.get((wd, hr), np.nan)
            h = chan_aht if not np.isfinite(h) else float(h)
            typ, peak = s["typical"] / per_hour, s["peak"] / per_hour
            n_typ, m = _staffed(typ, h, target, interval, threshold, max_occupancy)
            n_peak, _ = _staffed(peak, h, target, interval, threshold, max_occupancy)
            if_typ = (
                _metrics(peak, h, n_typ, interval, threshold)["service_level"]
                if n_typ and peak
                else (1.0 if not peak else 0.0)
            )
            rows.append(
                {
                    "channel": ch,
                    "weekday": int(wd),
                    "day": WEEKDAYS[int(wd)],
                    "hour": int(hr),
                    "weeks": int(s["weeks"]),
                    "aht": h,
                    "calls_typical": typ,
                    "calls_peak": peak,
                    "agents_typical": n_typ,
                    "agents_peak": n_peak,
                    "extra_agents": n_peak - n_typ,
                    "service_level_typical": m["service_level"],
                    "asa_typical": m["asa"],
                    "occupancy_typical": m["occupancy"],
                    "service_level_if_typical": if_typ,
                }
            )
    return pd.DataFrame(rows)


def _arrivals(tickets, channels, start, end, filters, options, validate) -> pd.DataFrame:
    """Queue-channel tickets counted per channel × date × hour, with their handle-time sum and count."""
    need = ["created_at", "channel", "handle_seconds"]
    if isinstance(tickets, pd.DataFrame):
        check_frame(tickets, need, where="peak_staffing")
        con, view = io.connect(), "t"
        keep = tickets["channel"].isin(channels)
        for col, values in (filters or {}).items():
            keep &= tickets[col].isin([values] if isinstance(values, str) else values)
        frame = tickets.loc[keep, need]
        con.register("t", frame.assign(created_at=pd.to_datetime(frame["created_at"])))
        where = []
        if start is not None:
            where.append(f"created_at >= TIMESTAMP '{pd.Timestamp(start)}'")
        if end is not None:
            where.append(
                f"created_at < TIMESTAMP '{pd.Timestamp(end).normalize() + pd.Timedelta(days=1)}'"
            )
    else:
        from cslib.metrics import engine as kpi

        con, view = kpi.scan(
            tickets,
            filters=filters,
            start=start,
            end=end,
            options=options,
            validate=validate,
            require=need,
        )
        where = [f"channel IN ({', '.join(sql.quote(c) for c in channels)})"]
    try:
        return con.execute(
            f"""SELECT channel, date_trunc('day', created_at) AS date, hour(created_at) AS hour,
                       count(*) AS n, sum(handle_seconds) AS handle_sum, count(handle_seconds) AS handle_n
                FROM {view} {"WHERE " + " AND ".join(where) if where else ""} GROUP BY ALL"""
        ).df()
    finally:
        con.close()
