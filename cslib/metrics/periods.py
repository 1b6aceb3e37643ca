"""The period frames of :func:`~cslib.metrics.engine.compute`: the calendar of periods
× segments, the backlog stock, complaint counts, and the long format.

Examples
--------
>>> floor("2026-04-01", "W"), floor("2026-04-15", "M")
(Timestamp('2026-03-30 00:00:00'), Timestamp('2026-04-01 00:00:00'))
>>> day_after("2026-04-30 17:00")
Timestamp('2026-05-01 00:00:00')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cslib.data import sql
from cslib.data import tables as io
from cslib.data.schema import NOT_RESOLUTIONS
from cslib.errors import DataError, Problem
from cslib.metrics.context import Context
from cslib.metrics.registry import REGISTRY

#: compute's ``freq`` → the DuckDB unit of its periods
FREQS = {"D": "day", "W": "week", "M": "month", "all": "all"}


def day_after(day) -> pd.Timestamp:
    """Midnight after ``day``: the exclusive end of a whole-day range."""
    return pd.Timestamp(day).normalize() + pd.Timedelta(days=1)


def floor(ts, freq: str):
    """The start of the period of ``ts``: its day, its ISO week's Monday or its month's first
    (a Series of timestamps gives a Series, computed at once).

    >>> floor(pd.Series(pd.to_datetime(["2026-04-01 09:30", "2026-04-15 00:00"])), "W").dt.day.tolist()
    [30, 13]
    """
    if isinstance(ts, pd.Series):
        day = ts.dt.normalize()
        if freq == "W":
            return day - pd.to_timedelta(day.dt.weekday, unit="D")
        if freq == "M":
            wall = day.dt.tz_localize(None) if day.dt.tz is not None else day
            first = wall - pd.to_timedelta(wall.dt.day - 1, unit="D")
            return first.dt.tz_localize(day.dt.tz) if day.dt.tz is not None else first
        return day
    ts = pd.Timestamp(ts).normalize()
    if freq == "W":
        return ts - pd.Timedelta(days=ts.weekday())
    if freq == "M":
        return ts.replace(day=1)
    return ts


def period_sql(ctx: Context, stamp: str) -> str:
    """SQL of the period a timestamp column falls in (the calendar's start for the whole range)."""
    if ctx.unit == "all":
        return (
            f"TIMESTAMP '{ctx.start.isoformat(sep=' ')}'"
            if ctx.start is not None
            else "(SELECT date_trunc('day', min(created_at)) FROM t)"
        )
    return f"date_trunc('{ctx.unit}', {stamp})"


def grid(main: pd.DataFrame, ctx: Context, start, end, freq: str) -> pd.DataFrame:
    """Every period of the calendar × every segment seen in the data."""
    if main.empty:
        raise DataError(
            Problem(
                "no tickets to compute KPIs from",
                fix="check the input file, the filters and the dates asked for",
            )
        )
    if freq == "all":
        frame = main[["period"]].drop_duplicates()
        return frame.merge(main[ctx.by].drop_duplicates(), how="cross") if ctx.by else frame
    lo = pd.Timestamp(start) if start is not None else main["period"].min()
    hi = pd.Timestamp(end) if end is not None else main["period"].max()
    periods = pd.Series(
        pd.date_range(
            floor(lo, freq), floor(hi, freq), freq={"D": "D", "W": "W-MON", "M": "MS"}[freq]
        ),
        name="period",
    ).astype(
        main["period"].dtype
    )  # one resolution: a date's calendar is in seconds, DuckDB's in µs
    frame = periods.to_frame()
    if ctx.by:
        segments = main[ctx.by].drop_duplicates()
        frame = frame.merge(segments, how="cross")
    return frame


#: the view another table opens as next to the tickets' ``t``, and the date that places its rows
VIEWS = {"complaints": ("c", "received_at"), "evaluations": ("e", '"date"')}


def open_within(
    con, source, table: str, options, by, filters, start, end, validate: bool = True
) -> list[str]:
    """Register another table (complaints, evaluations) as its view (:data:`VIEWS`) within the
    tickets' segments and dates, checked unless ``validate`` is false; returns the segment
    columns it lacks (then the view is not made)."""
    view, stamp = VIEWS[table]
    io.open_table(source, table, opts=options, con=con, validate=validate, view=f"{view}_typed")
    missing_by = [b for b in [*by, *(filters or {})] if b not in con.table(f"{view}_typed").columns]
    if not missing_by:
        restrict(con, view, filters, start, end, stamp)
    return missing_by


def segment_filter(filters) -> list[str]:
    """SQL conditions that keep the rows of the ``filters`` segments (column → value or values).

    >>> for condition in segment_filter({"team": ["Billing", "Orders"], "channel": "chat"}):
    ...     print(condition)
    "team" IN ('Billing', 'Orders')
    "channel" IN ('chat')
    """
    return [
        f"{sql.ident(col)} IN ({', '.join(sql.quote(str(v)) for v in ([values] if isinstance(values, str) else values))})"
        for col, values in (filters or {}).items()
    ]


def restrict(con, view: str, filters, start, end, stamp: str) -> None:
    """``<view>_all``: rows of the filtered segments; ``<view>``: those also within the dates."""
    segments = segment_filter(filters)
    dates = []
    if start is not None:
        dates.append(f"{stamp} >= TIMESTAMP '{pd.Timestamp(start).isoformat(sep=' ')}'")
    if end is not None:
        dates.append(f"{stamp} < TIMESTAMP '{day_after(end).isoformat(sep=' ')}'")
    where = lambda conds: f" WHERE {' AND '.join(conds)}" if conds else ""  # noqa: E731
    con.execute(f'CREATE TEMP VIEW "{view}_all" AS SELECT * FROM "{view}_typed"{where(segments)}')
    con.execute(f'CREATE TEMP VIEW "{view}" AS SELECT * FROM "{view}_all"{where(dates)}')


def in_backlog(ctx: Context) -> str:
    """SQL true for a ticket that is in the stock until it is resolved.

    Abandoned queue contacts never are; a ticket closed as duplicate, cancelled or
    abandoned without a close date leaves it at once (it is not open forever).
    """
    if "status" not in ctx.columns:
        return ctx.handled
    closed = ", ".join(sql.quote(s) for s in NOT_RESOLUTIONS)
    return f"({ctx.handled}) AND NOT coalesce(status IN ({closed}) AND resolved_at IS NULL, FALSE)"


def backlog(con, ctx: Context, calendar: pd.DataFrame) -> pd.DataFrame:
    """Open tickets at the end of each period of ``calendar``: cumulated openings − closings.

    Only tickets :func:`in_backlog` count.
    """
    counted = in_backlog(ctx)
    if ctx.unit == "all":
        by = "".join(f", {sql.ident(b)}" for b in ctx.by)
        close = (
            f"TIMESTAMP '{day_after(ctx.end).isoformat(sep=' ')}'"
            if ctx.end is not None
            else "(SELECT max(created_at) + INTERVAL 1 SECOND FROM t)"
        )
        stock = con.execute(
            f"SELECT 1 AS one{by}, count(*) AS backlog FROM t_all WHERE {counted} AND created_at < {close} AND (resolved_at IS NULL OR resolved_at >= {close}) GROUP BY ALL"
        ).df()
        out = (
            calendar.assign(one=1).merge(stock, on=["one", *ctx.by], how="left").drop(columns="one")
        )
        return (
            out[["period", *ctx.by, "backlog"]].fillna({"backlog": 0}).astype({"backlog": "int64"})
        )
    by = ", ".join(map(sql.ident, ctx.by))
    key = ["period", *ctx.by]
    sel = f", {by}" if by else ""
    flows = con.execute(
        f"SELECT {period_sql(ctx, 'created_at')} AS period{sel}, count(*) AS opened, 0 AS closed FROM t_all WHERE {counted} GROUP BY ALL "
        f"UNION ALL SELECT {period_sql(ctx, 'resolved_at')} AS period{sel}, 0, count(*) FROM t_all WHERE {counted} AND resolved_at IS NOT NULL GROUP BY ALL"
    ).df()
    flows = flows.groupby(key, dropna=False)[["opened", "closed"]].sum().reset_index()
    # flows before the calendar start still count towards the stock at its first period
    full = pd.concat([calendar[key], flows[key]]).drop_duplicates().sort_values(key)
    full = full.merge(flows, on=key, how="left").fillna({"opened": 0, "closed": 0})
    net = full["opened"] - full["closed"]
    full["backlog"] = net.groupby(
        [full[b] for b in ctx.by] if ctx.by else np.zeros(len(full)), dropna=False
    ).cumsum()
    return (
        calendar[key]
        .merge(full[[*key, "backlog"]], on=key, how="left")
        .astype({"backlog": "int64"})
    )


def complaint_counts(con, ctx: Context) -> pd.DataFrame:
    """Complaints received per period × segment (the view ``c``), in ``_complaints``."""
    by = "".join(f", {sql.ident(b)}" for b in ctx.by)
    return con.execute(
        f"SELECT {period_sql(ctx, 'received_at')} AS period{by}, count(*) AS _complaints FROM c GROUP BY ALL"
    ).df()


def long_format(frame: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Turn :func:`~cslib.metrics.engine.compute` output into one row per period × segment × KPI.

    Returns
    -------
    DataFrame
        ``period``, the ``by`` columns, ``kpi``, ``value``, ``n``.
    """
    by = [by] if isinstance(by, str) else list(by)
    names = [c for c in frame.columns if c in REGISTRY]
    rows = []
    for name in names:
        part = frame[["period", *by, name]].rename(columns={name: "value"})
        part["n"] = frame[f"{name}_n"] if f"{name}_n" in frame else frame.get("volume")
        part.insert(len(by) + 1, "kpi", name)
        rows.append(part)
    return pd.concat(rows, ignore_index=True)
