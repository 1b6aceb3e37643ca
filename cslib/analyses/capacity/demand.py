"""Staffing for demand: agents per interval of a demand table, and for the data's own peaks.

Examples
--------
>>> d = pd.DataFrame({"slot": ["09:00", "09:30"], "calls": [100, 150], "aht": [180, 180]})
>>> staffing_table(d)["agents"].tolist()
[14, 19]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cslib._args import check_frame, positive
from cslib._docstrings import TICKET_SCAN
from cslib.analyses.capacity._queue import interval_metrics
from cslib.analyses.capacity.erlang import agents_needed
from cslib.data import sql
from cslib.data import tables as io
from cslib.errors import ParameterError, Problem

__all__ = ["WEEKDAYS", "peak_staffing", "staffing_table"]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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


@TICKET_SCAN.fill
def peak_staffing(
    tickets: pd.DataFrame | str | Path,
    *,
    channels: str | Sequence[str] = ("phone", "chat"),
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
    never loaded); for each channel × weekday × hour the typical demand is the mean over the
    weeks and the peak demand the ``peak_quantile`` over the weeks (a busy
    week: month-start, an outage, a letter to customers). Handle time is the
    mean ``handle_seconds`` of the contacts answered in that weekday × hour
    (those with a handle time above zero: a call log records abandoned calls
    with 0). Each becomes contacts per interval and agents needed at the target.
    A weekday × hour in which no contact was ever answered (the centre is closed
    then) is not staffed: its agents are missing.

    Parameters
    ----------
    {tickets}
        Needs ``created_at``, ``channel`` and ``handle_seconds``.
    channels : sequence of str
        Queue channels to staff.
    target, threshold, interval, max_occupancy
        As in :func:`agents_needed` (seconds).
    peak_quantile : float
        Quantile of the weekly demand used for the contingency (0.9 = a week
        busier than nine in ten).
    {start_end}
    {filters}
    {options}
    {validate}
        ``options`` and ``validate`` apply to a file; a DataFrame is read as it is.

    Returns
    -------
    pandas.DataFrame
        One row per channel × weekday × hour: ``channel``, ``weekday``
        (0 = Monday), ``day`` (Mon…Sun), ``hour``, ``weeks``, ``answered``
        (contacts answered in all those weeks), ``aht``,
        ``calls_typical`` and ``calls_peak`` (per interval), ``agents_typical``,
        ``agents_peak``, ``extra_agents`` (peak − typical),
        ``service_level_typical``, ``asa_typical``, ``occupancy_typical``, and
        ``service_level_if_typical`` — the service level in the peak if only
        the typical staff is on. No rows when no contact of the queue channels
        is in the window.

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
    positive(interval, "interval", example=1800)
    counts = _arrivals(tickets, channels, start, end, filters, options, validate)
    if counts.empty:
        return pd.DataFrame(columns=PEAK_COLUMNS)
    first, last = counts["date"].min(), counts["date"].max()
    days = pd.DataFrame({"date": pd.date_range(first, last, freq="D")})
    days["weekday"] = days["date"].dt.day_of_week
    queue = {"target": target, "interval": interval, "threshold": threshold}
    rows = []
    for ch, c in counts.groupby("channel", sort=True):
        hours = sorted(c["hour"].unique())
        grid = days.merge(pd.DataFrame({"hour": hours}), how="cross").merge(
            c[["date", "hour", "n"]], on=["date", "hour"], how="left"
        )
        grid["n"] = grid["n"].fillna(0)
        c = c.assign(weekday=c["date"].dt.day_of_week)
        by_slot = c.groupby(["weekday", "hour"])[["handle_sum", "handle_n"]].sum()
        stats = grid.groupby(["weekday", "hour"])["n"].agg(
            weeks="size", typical="mean", peak=lambda s: float(np.quantile(s, peak_quantile))
        )
        stats = stats.join(by_slot).fillna({"handle_n": 0})
        for (wd, hr), s in stats.iterrows():
            row = {"channel": ch, "weekday": int(wd), "day": WEEKDAYS[int(wd)], "hour": int(hr)}
            rows.append(row | _slot(s, queue, max_occupancy))
    table = pd.DataFrame(rows, columns=PEAK_COLUMNS)
    for col in ("answered", "agents_typical", "agents_peak", "extra_agents"):
        table[col] = table[col].astype("Int64")
    return table


#: the columns of :func:`peak_staffing`
PEAK_COLUMNS = [
    "channel",
    "weekday",
    "day",
    "hour",
    "weeks",
    "answered",
    "aht",
    "calls_typical",
    "calls_peak",
    "agents_typical",
    "agents_peak",
    "extra_agents",
    "service_level_typical",
    "asa_typical",
    "occupancy_typical",
    "service_level_if_typical",
]


#: a slot without contacts: no agents needed, no queue
NO_QUEUE = {
    "agents_typical": 0,
    "agents_peak": 0,
    "extra_agents": 0,
    "service_level_typical": 1.0,
    "asa_typical": 0.0,
    "occupancy_typical": 0.0,
    "service_level_if_typical": 1.0,
}


def _slot(s: pd.Series, queue: dict, max_occupancy: float | None) -> dict:
    """One weekday × hour: its demand per interval and, when some contact of it was answered, the
    agents for a typical and a busy week (a slot with contacts but none answered is not staffed)."""
    per_hour = 3600 / queue["interval"]
    typ, peak = s["typical"] / per_hour, s["peak"] / per_hour
    demand = {"weeks": int(s["weeks"]), "answered": int(s["handle_n"])}
    demand |= {"calls_typical": typ, "calls_peak": peak}
    if not typ:  # nobody called: no queue
        return demand | {"aht": np.nan} | NO_QUEUE
    if not s["handle_n"]:
        return demand | {"aht": np.nan, "agents_typical": pd.NA, "agents_peak": pd.NA}
    h = float(s["handle_sum"] / s["handle_n"])
    n_typ, m = _staffed(typ, h, **queue, max_occupancy=max_occupancy)
    n_peak, _ = _staffed(peak, h, **queue, max_occupancy=max_occupancy)
    if_typ = (
        interval_metrics(peak, h, n_typ, queue["interval"], queue["threshold"])["service_level"]
        if n_typ and peak
        else (1.0 if not peak else 0.0)
    )
    return demand | {
        "aht": h,
        "agents_typical": n_typ,
        "agents_peak": n_peak,
        "extra_agents": n_peak - n_typ,
        "service_level_typical": m["service_level"],
        "asa_typical": m["asa"],
        "occupancy_typical": m["occupancy"],
        "service_level_if_typical": if_typ,
    }


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
                       count(*) AS n, sum(handle_seconds) FILTER (WHERE handle_seconds > 0) AS handle_sum,
                       count(*) FILTER (WHERE handle_seconds > 0) AS handle_n
                FROM {view} {"WHERE " + " AND ".join(where) if where else ""} GROUP BY ALL"""
        ).df()
    finally:
        con.close()


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
    return n, interval_metrics(calls, aht, n, interval, threshold)
