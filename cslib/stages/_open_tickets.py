"""Durations with tickets still open in the Check: Kaplan–Meier medians, and the note saying so.

A ticket without an end when the data ends (no ``resolved_at`` yet) has lasted
at least its age. The SQL medians count only finished tickets, so a recent
period looks faster than it is; here each period's median of a duration KPI
becomes the Kaplan–Meier median (:func:`cslib.stats.impact.censored.km_median`)
whenever one of its tickets is still open — with none open it is the same
median as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from cslib.cycle.workbook import Workbook
from cslib.data import sql
from cslib.data import tables as io
from cslib.metrics import engine as kpi
from cslib.metrics.engine import REGISTRY
from cslib.metrics.periods import FREQS, floor
from cslib.stats.impact.censored import km_median, open_note


def applies(obj) -> bool:
    """Whether the objective states a median of a duration (where open tickets matter)."""
    return REGISTRY[obj.kpi].kind == "duration" and obj.statistic in (None, "median")


def _definitions(wb: Workbook) -> dict:
    """How the cycle defines the KPIs, as :func:`~cslib.metrics.engine.cases` takes it."""
    c = wb.cycle
    return dict(sla=c.sla_spec(), economics=c.economics.model_dump(), **c.queue_definitions())


def _filters(wb: Workbook, obj, teams) -> dict | None:
    teams = list(teams or wb.scope_teams)
    return {**(obj.segment or {}), **({"team": teams} if teams else {})} or None


def durations(wb: Workbook, obj, teams, start, end, by=()) -> pd.DataFrame:
    """The objective's tickets from ``start`` to ``end`` in ``teams`` (else the run's), open
    ones with their age."""
    path, options = wb.source("tickets")
    return kpi.cases(
        path,
        obj.kpi,
        by=list(by),
        start=start,
        end=end,
        filters=_filters(wb, obj, teams),
        options=options,
        **_definitions(wb),
        validate=False,
        still_open=True,
    )


@contextmanager
def _case_query(wb: Workbook, obj, teams, start, end, by=()) -> Iterator[tuple[Any, str]]:
    """A DuckDB connection and the SQL of the cases :func:`durations` gives (closed after)."""
    path, options = wb.source("tickets")
    con, _ = kpi.scan(
        path,
        by=list(by),
        filters=_filters(wb, obj, teams),
        start=start,
        end=end,
        options=options,
        validate=False,
    )
    try:
        yield (
            con,
            kpi.case_query(
                con,
                obj.kpi,
                by=list(by),
                **_definitions(wb),
                source=io.label(path),
                still_open=True,
            ),
        )
    finally:
        con.close()


def open_count(wb: Workbook, obj, teams, start, end) -> tuple[int, int, pd.Timestamp | None]:
    """Of the objective's tickets from ``start`` to ``end`` (as :func:`durations` gives them):
    how many, how many still open and when the first open one was created — counted in
    DuckDB, so that only periods with open tickets load their tickets (kept for the kernel)."""
    key = ("open_count", obj.kpi, str(obj.segment), tuple(teams or ()), str(start), str(end))
    if key not in wb._cache:
        with _case_query(wb, obj, teams, start, end) as (con, query):
            n, n_open, first = con.execute(
                f"""SELECT count(*), count(*) FILTER (WHERE still_open),
                           min(created_at) FILTER (WHERE still_open) FROM ({query})"""
            ).fetchone()
        wb._cache[key] = (int(n), int(n_open), pd.Timestamp(first) if first is not None else None)
    return wb._cache[key]


def _km_medians(wb: Workbook, obj, teams, start, end, freq: str, by=()) -> pd.Series:
    """The Kaplan–Meier median of each ``freq`` period (× ``by``) from ``start`` to ``end``,
    indexed by ``period`` and the ``by`` columns: the cases reach Python as arrays with their
    group's number, not as a frame, and are grouped there."""
    keys = ", ".join(["period", *(sql.ident(b) for b in by)])
    with _case_query(wb, obj, teams, start, end, by) as (con, query):
        con.execute(
            f"""CREATE TEMP TABLE km_cases AS SELECT date_trunc('{FREQS[freq]}', created_at) AS period,
                  {"".join(f"{sql.ident(b)}, " for b in by)}value, still_open FROM ({query})"""
        )
        con.execute(
            f"""CREATE TEMP TABLE km_groups AS SELECT {keys}, count(*) AS n,
                  row_number() OVER (ORDER BY {keys}) - 1 AS code FROM km_cases GROUP BY {keys}"""
        )
        groups = con.execute(f"SELECT {keys}, n FROM km_groups ORDER BY code").df()
        # each case with its group's number (not its keys): sorted here, not on text keys in SQL
        same = " AND ".join(
            f"c.{k} IS NOT DISTINCT FROM g.{k}" for k in ["period", *(sql.ident(b) for b in by)]
        )
        small = "USMALLINT" if len(groups) <= 2**16 else "BIGINT"  # sorted by counting
        got = con.execute(
            f"SELECT CAST(g.code AS {small}) AS code, c.value, c.still_open "
            f"FROM km_cases c JOIN km_groups g ON {same}"
        ).fetchnumpy()
    # each group's cases side by side, in any order: the curve sorts its own
    order = np.argsort(np.asarray(got.pop("code")), kind="stable")
    value = np.asarray(got["value"], dtype=float)
    still_open = np.asarray(got["still_open"], dtype=bool)
    sizes = groups["n"].to_numpy()
    medians = []
    for n, stop in zip(sizes, np.cumsum(sizes), strict=True):
        rows = order[stop - n : stop]
        medians.append(km_median(value[rows], still_open[rows]))
    index = pd.MultiIndex.from_frame(groups[["period", *by]]) if by else pd.Index(groups["period"])
    return pd.Series(medians, index=index, dtype=float)


def km_values(wb: Workbook, obj, frame: pd.DataFrame, teams, freq: str, by=()) -> pd.DataFrame:
    """``frame`` (``period``, the ``by`` columns, ``value``) with each period's Kaplan–Meier
    median where a ticket of it is still open; unchanged when none is or ``obj`` is no median
    of a duration."""
    if not applies(obj) or frame.empty:
        return frame
    start, end = frame["period"].min(), _last_day(frame["period"], freq)
    first_open = open_count(wb, obj, teams, start, end)[2]
    if first_open is None:
        return frame
    # periods before the first open ticket keep their median: only the later ones are loaded
    km = _km_medians(wb, obj, teams, max(start, floor(first_open, freq)), end, freq, by)
    out = frame.set_index(["period", *by])
    # a period whose median is still unknown (over half its tickets could outlast the rest) drops
    out["value"] = km.reindex(out.index).where(out.index.isin(km.index), out["value"])
    return out.reset_index()[frame.columns].dropna(subset=["value"])


def km_level(wb: Workbook, obj, teams, start, end) -> float | None:
    """The Kaplan–Meier median over a window, or None when no ticket of it is still open
    (kept for the kernel: the baseline, the power and the Check ask for the same)."""
    if not applies(obj):
        return None
    key = ("km_level", obj.kpi, str(obj.segment), tuple(teams or ()), str(start), str(end))
    if key not in wb._cache:
        wb._cache[key] = None
        if open_count(wb, obj, teams, start, end)[1]:
            with _case_query(wb, obj, teams, start, end) as (con, query):
                got = con.execute(
                    f"SELECT value, still_open FROM ({query}) ORDER BY value"
                ).fetchnumpy()
            wb._cache[key] = km_median(got["value"], got["still_open"])
    return wb._cache[key]


def note(wb: Workbook, obj, teams) -> str | None:
    """How many of the review's tickets were still open, when some were."""
    if not applies(obj):
        return None
    n, n_open, _ = open_count(wb, obj, teams, *wb.window("review"))
    what = REGISTRY[obj.kpi].label.lower()
    return open_note(n_open, n, what) if n_open else None


def _last_day(periods: pd.Series, freq: str) -> pd.Timestamp:
    last = pd.Timestamp(periods.max())
    step = pd.offsets.MonthBegin(1) if freq == "M" else pd.Timedelta(days=7 if freq == "W" else 1)
    return last + step - pd.Timedelta(days=1)
