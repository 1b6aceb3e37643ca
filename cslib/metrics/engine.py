"""The KPI engine: customer-service KPIs per period × segment.

Every KPI is defined in :data:`~cslib.metrics.registry.REGISTRY`
with its unit, better direction, the columns it needs and its SQL. :func:`compute`
aggregates tickets in DuckDB (a DataFrame, or a CSV/Parquet path scanned in place),
in one scan, so only the aggregates reach pandas; :func:`cases` and
:func:`case_query` give the per-ticket values behind a KPI; :func:`scan` opens
tickets for aggregates of one's own.

Conventions (the formulas are in the KPI reference, ``docs/reference/kpis.md``):

- Ticket KPIs belong to the period the ticket was *created* in (a cohort view);
  ``backlog`` is a stock counted at the end of each period.
- Abandoned queue contacts count in ``volume`` and the queue KPIs only; tickets
  with status ``duplicate``/``cancelled`` are not resolutions.
- Durations are calendar hours. Duration KPIs give the median by default
  (``stat="mean"`` for means) plus the 90th percentile in ``<kpi>_p90``.
- Proportions are shares (0–1); ``nps`` is on −100…100. Each KPI has its
  denominator in ``<kpi>_n``; survey KPIs with fewer than ``min_responses`` answers
  in a period are flagged in ``<kpi>_few``.
- A KPI whose columns are missing is left out (see :func:`availability`); asking
  for it explicitly is an error naming the missing columns. It is never 0.

Examples
--------
>>> import pandas as pd
>>> from cslib import kpi
>>> t = pd.DataFrame({
...     "ticket_id": ["1", "2", "3"],
...     "created_at": pd.to_datetime(["2026-04-01 09:00", "2026-04-01 10:00", "2026-04-02 11:00"]),
...     "resolved_at": pd.to_datetime(["2026-04-01 13:00", None, "2026-04-02 12:00"]),
...     "csat": [5, None, 3]})
>>> out = kpi.compute(t, kpis=["volume", "resolution_hours", "csat"], freq="D")
>>> out[["period", "volume", "resolution_hours", "csat", "csat_n"]].to_string(index=False)
'    period  volume  resolution_hours  csat  csat_n\\n2026-04-01       2               4.0   1.0       1\\n2026-04-02       1               1.0   0.0       1'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cslib._docstrings import TICKET_SCAN
from cslib.data import tables as io
from cslib.errors import DataError, ParameterError, Problem
from cslib.metrics.aggregate import aggregate, case_sql, open_case_sql, wide_case_sql
from cslib.metrics.context import Context
from cslib.metrics.evaluations import standard_values
from cslib.metrics.periods import FREQS, backlog, complaint_counts, grid, open_within
from cslib.metrics.registry import REGISTRY, availability, glossary
from cslib.metrics.scan import clock, scan
from cslib.metrics.standards import is_standard

# the registry and its availability are offered here too, next to the engine that reads them
__all__ = ["REGISTRY", "availability", "case_query", "cases", "compute", "glossary", "scan"]


@TICKET_SCAN.fill
def compute(
    tickets: pd.DataFrame | str | Path,
    *,
    kpis: Sequence[str] | None = None,
    freq: str = "D",
    by: Sequence[str] | str = (),
    sla: Mapping | None = None,
    stat: str = "median",
    complaints: pd.DataFrame | str | Path | None = None,
    economics: Mapping | None = None,
    start=None,
    end=None,
    filters: Mapping[str, Sequence | str] | None = None,
    as_of=None,
    timezone: str = "UTC",
    options: io.ReadOptions | None = None,
    complaint_options: io.ReadOptions | None = None,
    evaluations: pd.DataFrame | str | Path | None = None,
    evaluation_options: io.ReadOptions | None = None,
    standards: Mapping | None = None,
    min_responses: int = 30,
    repeat_days: int = 7,
    service_level_seconds: float = 20,
    definitions: Mapping | None = None,
    validate: bool = True,
) -> pd.DataFrame:
    """KPIs per period × segment, aggregated in DuckDB.

    Parameters
    ----------
    {tickets}
    kpis : list of str, optional
        Registry names; default every KPI the columns allow.
    freq : {"D", "W", "M", "all"}
        Day, ISO week (labelled by its Monday), calendar month, or one row for
        the whole range (its ``period`` is ``start`` or the first day).
    by : column name or list of names
        Segments, e.g. ``("team", "channel")``.
    sla : mapping, optional
        The cycle file's ``sla`` section (targets in hours by channel or priority).
    stat : {"median", "mean"}
        Statistic of the duration KPIs (the p90 is always given as ``<kpi>_p90``).
    complaints : DataFrame or path, optional
        The complaints table, for ``complaint_rate``.
    economics : mapping, optional
        ``{"hourly_cost": …}`` for ``cost_per_contact``.
    start, end : date-like, optional
        The calendar of periods (default: first to last ticket created); tickets
        created outside it are left out (``end`` is a whole day: inclusive).
        Periods without tickets are kept with ``volume`` 0 and other KPIs missing.
    {filters}
    as_of : timestamp, optional
        When the data was extracted (default: the latest timestamp in it); decides
        which open tickets are already past their SLA and which tickets have a full
        repeat-contact window.
    timezone : str
        Time zone of naive timestamps in a file.
    evaluations : DataFrame or path, optional
        The evaluations table, for ``standard:<criterion>`` (compliance with a
        criterion) and ``standard:overall`` (the mean evaluation score), asked for
        by name in ``kpis`` (see :mod:`cslib.metrics.standards`).
    standards : mapping, optional
        The cycle file's ``standards`` section: ``pass_mark`` and the declared
        ``criteria`` (weights, critical flags) of the standards' KPIs.
    options, complaint_options, evaluation_options : ReadOptions, optional
        How to read the tickets / complaints / evaluations files (mapping, encoding…,
        as the cycle file's ``data`` section gives them: ``Cycle.read_options``).
    min_responses : int
        Survey KPIs with fewer answers in a period are flagged in ``<kpi>_few``.
    repeat_days : int
        The window of ``repeat_contact_rate``.
    service_level_seconds : float
        Threshold of ``service_level``.
    definitions : mapping, optional
        The contact-centre definitions (the cycle file's ``definitions``):
        ``short_abandon_seconds`` (default 5; 0 keeps every abandon) and
        ``service_level_over`` (``offered_less_short_abandons``, the default, or
        ``offered``); :func:`cslib.metrics.registry.glossary` words them.
    {validate}
        The complaints and evaluations given are checked likewise.

    Returns
    -------
    DataFrame
        One row per period × segment: ``period`` (start of the period), the
        ``by`` columns, then one column per KPI with ``<kpi>_n`` (its denominator:
        answered, resolved, offered, responses…), ``<kpi>_p90`` for durations and
        ``<kpi>_few`` for survey KPIs.
    """
    by = [by] if isinstance(by, str) else list(by)
    if freq not in FREQS:
        raise ParameterError(
            f"freq must be one of {', '.join(FREQS)} (day, week, month, whole range); got {freq!r}"
        )
    if stat not in ("median", "mean"):
        raise ParameterError(f"stat must be 'median' or 'mean'; got {stat!r}")
    opts = options or io.ReadOptions(timezone=timezone)
    con, _ = scan(
        tickets, by=by, filters=filters, start=start, end=end, options=opts, validate=validate
    )
    try:
        columns = con.table("t_typed").columns
        others = {
            "complaints": (complaints, complaint_options),
            "evaluations": (evaluations, evaluation_options),
        }
        scope = (by, filters, start, end, opts.timezone)
        avail = _availability(
            con, columns, others, scope, kpis, validate, sla=sla, economics=economics
        )
        chosen = _choose(kpis, avail, tickets)
        ctx = Context(
            columns=set(columns),
            by=by,
            unit=FREQS[freq],
            start=pd.Timestamp(start) if start is not None else None,
            end=pd.Timestamp(end) if end is not None else None,
            sla=sla,
            stat=stat,
            as_of=_as_of(con, columns, as_of, chosen),
            repeat_days=repeat_days,
            sl=service_level_seconds,
            definitions=definitions or {},
            economics=economics or {},
            clock=clock(con, io.label(tickets)),
        )
        aggregated = [REGISTRY[k] for k in chosen if REGISTRY[k].value is not None]
        main = aggregate(con, ctx, aggregated)
        calendar = grid(main, ctx, start, end, freq)
        out = calendar.merge(main, on=["period", *by], how="left")
        out["volume_all"] = out.pop("_volume").fillna(0).astype("int64")
        out = _period_kpis(con, ctx, chosen, out, calendar, standards)
    finally:
        con.close()
    return _finish(out, by, chosen, min_responses)


def _availability(
    con, columns, others: Mapping, scope: tuple, kpis, validate: bool, **inputs
) -> pd.DataFrame:
    """Open the other tables given (``others``: table → (source, options)) next to the tickets,
    within ``scope`` (by, filters, start, end, time zone), checked as the tickets are
    (``validate``), and say which KPIs they all allow: the KPIs of a table that lacks a segment
    column are not available."""
    by, filters, start, end, timezone = scope
    lacking = {
        table: open_within(
            con,
            source,
            table,
            options or io.ReadOptions(timezone=timezone),
            by,
            filters,
            start,
            end,
            validate,
        )
        for table, (source, options) in others.items()
        if source is not None
    }
    avail = availability(
        columns,
        complaints=others["complaints"][0] is not None,
        evaluations=others["evaluations"][0] is not None,
        standards=[k for k in kpis or () if is_standard(k)],
        **inputs,
    )
    for table, missing_by in lacking.items():
        if missing_by:
            need = avail["kpi"].map(lambda k, table=table: table in REGISTRY[k].needs)
            avail.loc[need, ["available", "missing"]] = [
                False,
                f"{', '.join(missing_by)} in the {table} table",
            ]
    return avail


def _choose(kpis: Sequence[str] | None, avail: pd.DataFrame, tickets) -> list[str]:
    """The KPIs asked for (default: every available one); an unknown or unavailable one is an error."""
    if kpis is None:
        ok = set(avail.loc[avail.available, "kpi"])
        return [k for k in REGISTRY if k in ok]
    bad = [k for k in kpis if k not in REGISTRY and not is_standard(k)]
    if bad:
        raise ParameterError(
            f"unknown KPI {', '.join(bad)}; the registry has: {', '.join(REGISTRY)} "
            "(and standard:<criterion>, standard:overall)"
        )
    absent = avail[avail.kpi.isin(kpis) & ~avail.available]
    if len(absent):
        raise DataError(
            [
                Problem(
                    f"KPI '{r.kpi}' is not available: missing {r.missing}",
                    file=io.label(tickets),
                    fix="add the column (or map it from the export), or leave this KPI out",
                )
                for r in absent.itertuples()
            ]
        )
    return list(dict.fromkeys(kpis))


def _period_kpis(
    con, ctx: Context, chosen, out: pd.DataFrame, calendar, standards: Mapping | None = None
) -> pd.DataFrame:
    """Add the KPIs that are no aggregate of ticket values, by kind: a ``count`` of the
    tickets created, a ``stock`` of tickets open (the backlog) and a ``rate`` of
    complaints per 1,000 tickets created; then the standards' KPIs from the evaluations."""
    key = ["period", *ctx.by]
    wanted = [name for name in chosen if is_standard(name)]
    if wanted:
        out = out.merge(standard_values(con, ctx, wanted, standards), on=key, how="left")
    for k in (REGISTRY[name] for name in chosen):
        if k.kind == "count":
            out[k.name] = out["volume_all"]
        elif k.kind == "stock":
            out = out.merge(backlog(con, ctx, calendar), on=key, how="left")
        elif k.kind == "rate":
            out = out.merge(complaint_counts(con, ctx), on=key, how="left")
            out[f"{k.name}_n"] = out["volume_all"]
            out[k.name] = np.where(
                out["volume_all"] > 0,
                out.pop("_complaints").fillna(0)
                / out["volume_all"].where(out["volume_all"] > 0)
                * 1000,
                np.nan,
            )
    return out


def _finish(out: pd.DataFrame, by: list, chosen: list[str], min_responses: int) -> pd.DataFrame:
    """Flag thin survey periods, make the counts integers and order the columns and rows."""
    out = out.drop(columns="volume_all")
    for name in chosen:
        if REGISTRY[name].survey:
            out[f"{name}_few"] = out[f"{name}_n"] < min_responses
    for col in out.columns:
        if col.endswith("_n"):
            out[col] = out[col].fillna(0).astype("int64")
    order = ["period", *by] + [
        c for k in chosen for c in (k, f"{k}_p90", f"{k}_n", f"{k}_few") if c in out
    ]
    return out[order].sort_values(["period", *by], ignore_index=True)


def _as_of(con, columns, as_of, chosen, needed=False) -> pd.Timestamp | None:
    """When the data was extracted: given, or the latest timestamp in it (only when needed or a KPI needs it)."""
    if as_of is None and (needed or any(REGISTRY[k].uses_as_of for k in chosen)):
        stamps = [c for c in ("created_at", "first_response_at", "resolved_at") if c in columns]
        as_of = con.execute(
            f"SELECT greatest({', '.join(f'max({c})' for c in stamps)}) FROM t_typed"
        ).fetchone()[0]
    return pd.Timestamp(as_of) if as_of is not None else None


def cases(
    tickets: pd.DataFrame | str | Path,
    kpi: str,
    *,
    by: Sequence[str] | str = (),
    start=None,
    end=None,
    filters: Mapping[str, Sequence | str] | None = None,
    sla: Mapping | None = None,
    economics: Mapping | None = None,
    as_of=None,
    timezone: str = "UTC",
    options: io.ReadOptions | None = None,
    repeat_days: int = 7,
    service_level_seconds: float = 20,
    definitions: Mapping | None = None,
    validate: bool = True,
    still_open: bool = False,
) -> pd.DataFrame:
    """The tickets (or answers) behind a KPI, one value each, with the KPI's own definition.

    For before/after comparisons that need case-level data (segment tests, mix
    decompositions). Shares give 0/1 values, durations hours, NPS the 0–10 answer.
    With ``still_open`` a duration KPI adds the tickets without an end yet
    (no ``resolved_at``…), their ``value`` their age when the data ends
    (``as_of``, by default its latest timestamp), and a ``still_open`` column.

    Returns
    -------
    DataFrame
        ``created_at``, the ``by`` columns, ``value`` (and ``still_open``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"ticket_id": ["1", "2"], "created_at": pd.to_datetime(["2026-04-01", "2026-04-02"]),
    ...                   "csat": pd.array([5, 2], dtype="Int64")})
    >>> cases(t, "csat")["value"].tolist()
    [1.0, 0.0]
    """
    by = [by] if isinstance(by, str) else list(by)
    if kpi not in REGISTRY:
        raise ParameterError(f"unknown KPI {kpi!r}; the registry has: {', '.join(REGISTRY)}")
    con, _ = scan(
        tickets,
        by=by,
        filters=filters,
        start=start,
        end=end,
        options=options or io.ReadOptions(timezone=timezone),
        validate=validate,
    )
    try:
        sql = case_query(
            con,
            kpi,
            by=by,
            sla=sla,
            economics=economics,
            as_of=as_of,
            repeat_days=repeat_days,
            service_level_seconds=service_level_seconds,
            definitions=definitions,
            source=io.label(tickets),
            still_open=still_open,
        )
        return con.execute(f"{sql} ORDER BY created_at").df()
    finally:
        con.close()


def case_query(
    con,
    kpi: str | Sequence[str],
    *,
    by: Sequence[str] | str = (),
    sla: Mapping | None = None,
    economics: Mapping | None = None,
    as_of=None,
    repeat_days: int = 7,
    service_level_seconds: float = 20,
    definitions: Mapping | None = None,
    source: str = "tickets",
    still_open: bool = False,
) -> str:
    """SQL of the cases behind a KPI over the view ``t`` that :func:`scan` opened: ``created_at``,
    the ``by`` columns and ``value`` (as :func:`cases` returns them), for aggregates of one's own.

    ``source`` names the tickets in the error raised when the KPI has no per-ticket values;
    ``still_open`` adds a duration's open tickets as :func:`cases` does. With a list of KPIs,
    their cases in one scan: ``value_i`` and ``case_i`` (is the ticket a case) of the i-th
    (:func:`~cslib.metrics.aggregate.wide_case_sql`; no ``still_open``).

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3"], "created_at": pd.to_datetime(["2026-04-01"] * 3),
    ...                   "csat": pd.array([5, 2, None], dtype="Int64")})
    >>> con, _ = scan(t)
    >>> con.execute(f"SELECT sum(value), count(*) FROM ({case_query(con, 'csat')})").fetchone()
    (1.0, 2)
    """
    by = [by] if isinstance(by, str) else list(by)
    names = [kpi] if isinstance(kpi, str) else list(kpi)
    columns = con.table("t_typed").columns
    avail = availability(columns, sla=sla, economics=economics).set_index("kpi")
    for name in names:
        row = avail.loc[name]
        if not row.available or REGISTRY[name].value is None:
            raise DataError(
                Problem(
                    f"KPI '{name}' has no per-ticket values here"
                    + (f": missing {row.missing}" if row.missing else ""),
                    file=source,
                    fix="choose a ticket-level KPI the data supports",
                )
            )
    ctx = Context(
        columns=set(columns),
        by=by,
        sla=sla,
        as_of=_as_of(con, columns, as_of, names, needed=still_open),
        repeat_days=repeat_days,
        sl=service_level_seconds,
        definitions=definitions or {},
        economics=economics or {},
        clock=clock(con, source),
    )
    if not isinstance(kpi, str):
        return wide_case_sql([REGISTRY[name] for name in names], ctx, by)
    k = REGISTRY[kpi]
    if not (still_open and k.end):
        return case_sql(k, ctx, by)
    done, running = case_sql(k, ctx, by), open_case_sql(k, ctx, by)
    return f"SELECT *, FALSE AS still_open FROM ({done}) UNION ALL SELECT *, TRUE FROM ({running})"
