"""The KPI registry and engine: customer-service KPIs per period × segment.

Every KPI of ``reference/kpis.md`` is declared in :data:`REGISTRY` with its unit,
better direction and the columns it needs. :func:`compute` aggregates tickets in
DuckDB (a DataFrame, or a CSV/Parquet path scanned in place), so only the
aggregates reach pandas.

Conventions (see the reference for the formulas):

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cslib.data import sql
from cslib.data import tables as io
from cslib.data.schema import CHANNELS, NOT_RESOLUTIONS, PRIORITIES
from cslib.errors import DataError, ParameterError, Problem


@dataclass(frozen=True)
class KPI:
    """A registered KPI: what it means and what it needs."""

    name: str
    label: str
    unit: str
    better: str | None  # "higher", "lower" or None (context only)
    requires: tuple[str, ...]
    kind: str  # count, duration, proportion, mean, score, stock, rate
    definition: str
    needs: tuple[str, ...] = ()  # other inputs: "sla.response", "complaints", "economics"


def _k(*args, **kw) -> KPI:
    return KPI(*args, **kw)


REGISTRY: dict[str, KPI] = {
    k.name: k
    for k in (
        _k(
            "volume",
            "Tickets",
            "tickets",
            None,
            ("created_at",),
            "count",
            "tickets created in the period",
        ),
        _k(
            "first_response_hours",
            "First response time",
            "hours",
            "lower",
            ("created_at", "first_response_at"),
            "duration",
            "first_response_at − created_at per answered ticket",
        ),
        _k(
            "resolution_hours",
            "Resolution time",
            "hours",
            "lower",
            ("created_at", "resolved_at"),
            "duration",
            "resolved_at − created_at per resolved ticket",
        ),
        _k(
            "sla_response_met",
            "First responses within SLA",
            "share",
            "higher",
            ("created_at", "first_response_at"),
            "proportion",
            "first response within the SLA target; unanswered past the target count as missed",
            ("sla.response",),
        ),
        _k(
            "sla_resolution_met",
            "Resolutions within SLA",
            "share",
            "higher",
            ("created_at", "resolved_at"),
            "proportion",
            "resolved within the SLA target (or by sla_due_at, or the source's sla_met flag); unresolved past the target count as missed",
            ("sla.resolution",),
        ),
        _k(
            "fcr",
            "First contact resolution",
            "share",
            "higher",
            ("resolved_at",),
            "proportion",
            "resolved tickets with one contact and no reopen ÷ resolved tickets (without contacts: not reopened and not transferred)",
        ),
        _k(
            "reopen_rate",
            "Reopen rate",
            "share",
            "lower",
            ("resolved_at", "reopens"),
            "proportion",
            "resolved tickets reopened at least once ÷ resolved tickets",
        ),
        _k(
            "backlog",
            "Backlog",
            "tickets",
            "lower",
            ("created_at", "resolved_at"),
            "stock",
            "tickets open at the end of the period",
        ),
        _k(
            "aht_seconds",
            "Average handle time",
            "seconds",
            "lower",
            ("handle_seconds",),
            "mean",
            "mean handle time (talk + hold + wrap) per handled ticket",
        ),
        _k(
            "abandon_rate",
            "Abandonment",
            "share",
            "lower",
            ("abandoned",),
            "proportion",
            "abandoned ÷ offered queue contacts (abandoned within 5 s excluded from both)",
        ),
        _k(
            "service_level",
            "Service level",
            "share",
            "higher",
            ("abandoned", "wait_seconds"),
            "proportion",
            "answered within the threshold (default 20 s) ÷ offered",
        ),
        _k(
            "asa_seconds",
            "Average speed of answer",
            "seconds",
            "lower",
            ("wait_seconds",),
            "mean",
            "mean queue wait of answered contacts",
        ),
        _k(
            "csat",
            "CSAT (top-2-box)",
            "share",
            "higher",
            ("csat",),
            "proportion",
            "ratings of 4 or 5 ÷ ratings received",
        ),
        _k(
            "nps",
            "Net Promoter Score",
            "points",
            "higher",
            ("nps",),
            "score",
            "% promoters (9–10) − % detractors (0–6)",
        ),
        _k(
            "ces",
            "Customer effort score",
            "points (1–7)",
            "higher",
            ("ces",),
            "mean",
            "mean 1–7 effort score (7 = made it easy)",
        ),
        _k(
            "complaint_rate",
            "Complaints per 1,000 tickets",
            "per 1,000",
            "lower",
            ("created_at",),
            "rate",
            "complaints received ÷ tickets created × 1,000",
            ("complaints",),
        ),
        _k(
            "repeat_contact_rate",
            "Repeat contacts",
            "share",
            "lower",
            ("customer_id", "category"),
            "proportion",
            "tickets followed by another ticket of the same customer and category within N days ÷ tickets",
        ),
        _k(
            "cost_per_contact",
            "Cost per contact",
            "currency",
            "lower",
            ("handle_seconds",),
            "mean",
            "handle hours × hourly cost ÷ contacts handled",
            ("economics",),
        ),
    )
}

SURVEY_KPIS = ("csat", "nps", "ces")
QUEUE_CHANNELS = ("phone", "chat")
FREQS = {"D": "day", "W": "week", "M": "month", "all": "all"}


# --------------------------------------------------------------------- SLA spec


def sla_targets(sla: Mapping | None, which: str) -> tuple[str, dict[str, float]] | None:
    """``(column, {value: hours})`` of an SLA spec, or None when it sets no target.

    The spec is the cycle file's ``sla`` section, e.g.
    ``{"response": {"by": "channel", "hours": {"email": 8, "chat": 0.05}},
    "resolution": {"hours": 48}}`` (a single number applies to every ticket).

    >>> sla_targets({"resolution": {"by": "priority", "hours": {"high": 8}}}, "resolution")
    ('priority', {'high': 8.0})
    """
    if not sla or not sla.get(which):
        return None
    spec = sla[which]
    hours = spec.get("hours")
    if hours is None:
        return None
    if isinstance(hours, int | float):
        return "", {"": float(hours)}
    by = spec.get("by")
    if by is None:
        keys = set(hours)
        by = "channel" if keys <= set(CHANNELS) else "priority" if keys <= set(PRIORITIES) else None
        if by is None:
            raise ParameterError(
                f"sla.{which}: say which column the targets are by (by: channel or by: priority); keys {sorted(keys)}"
            )
    return by, {str(k).lower(): float(v) for k, v in hours.items()}


def _target_sql(targets: tuple[str, dict[str, float]]) -> str:
    by, hours = targets
    if by == "":
        return str(hours[""])
    cases = " ".join(f"WHEN {sql.quote(k)} THEN {v}" for k, v in hours.items())
    return f"(CASE {sql.ident(by)} {cases} END)"


# ---------------------------------------------------------------- availability


def availability(
    columns: Sequence[str],
    *,
    sla: Mapping | None = None,
    complaints: bool = False,
    economics: Mapping | None = None,
) -> pd.DataFrame:
    """Which KPIs the given ticket columns (and other inputs) allow.

    Returns
    -------
    DataFrame
        One row per registered KPI: ``kpi``, ``label``, ``available`` (bool),
        ``missing`` (what is missing, as text; empty when available).
    """
    have = set(columns)
    rows = []
    for k in REGISTRY.values():
        missing = [c for c in k.requires if c not in have]
        if k.name == "fcr" and not ({"contacts", "reopens"} & have):
            missing.append("contacts or reopens")
        for need in k.needs:
            if need.startswith("sla."):
                part = need.split(".")[1]
                targets = sla_targets(sla, part)
                if targets is None and not (
                    part == "resolution" and {"sla_due_at", "sla_met"} & have
                ):
                    missing.append(f"an SLA {part} target (sla.{part} in the cycle file)")
                elif targets and targets[0] and targets[0] not in have:
                    missing.append(f"{targets[0]} (the SLA {part} targets are by {targets[0]})")
            elif need == "complaints" and not complaints:
                missing.append("a complaints table")
            elif need == "economics" and not (economics and economics.get("hourly_cost")):
                missing.append("economics.hourly_cost")
        rows.append(
            {
                "kpi": k.name,
                "label": k.label,
                "available": not missing,
                "missing": ", ".join(missing),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ compute


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
    min_responses: int = 30,
    repeat_days: int = 7,
    service_level_seconds: float = 20,
    validate: bool = True,
) -> pd.DataFrame:
    """KPIs per period × segment, aggregated in DuckDB.

    Parameters
    ----------
    tickets : DataFrame or path
        Tickets in the data contract (see :mod:`cslib.data.schema`): a DataFrame, or a
        CSV/Parquet file that DuckDB scans in place.
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
    filters : mapping, optional
        Keep only tickets whose column has one of the given values, e.g.
        ``{"team": ["Billing"], "channel": "email"}``.
    as_of : timestamp, optional
        When the data was extracted (default: the latest timestamp in it); decides
        which open tickets are already past their SLA and which tickets have a full
        repeat-contact window.
    timezone : str
        Time zone of naive timestamps in a file.
    options, complaint_options : ReadOptions, optional
        How to read the tickets / complaints files (mapping, encoding…, as the
        cycle file's ``data`` section gives them: ``Cycle.read_options``).
    min_responses : int
        Survey KPIs with fewer answers in a period are flagged in ``<kpi>_few``.
    repeat_days : int
        The window of ``repeat_contact_rate``.
    service_level_seconds : float
        Threshold of ``service_level``.
    validate : bool
        Check the input against the data contract first (recommended).

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
    columns = con.table("t_typed").columns
    missing_by: list[str] = []
    if complaints is not None:
        io.open_table(
            complaints,
            "complaints",
            opts=complaint_options or io.ReadOptions(timezone=opts.timezone),
            con=con,
            view="c_typed",
        )
        missing_by = [b for b in [*by, *(filters or {})] if b not in con.table("c_typed").columns]
        if not missing_by:
            _restrict(con, "c", filters, start, end, "received_at")
    avail = availability(columns, sla=sla, complaints=complaints is not None, economics=economics)
    if missing_by:
        avail.loc[avail.kpi == "complaint_rate", ["available", "missing"]] = [
            False,
            f"{', '.join(missing_by)} in the complaints table",
        ]
    ok = set(avail.loc[avail.available, "kpi"])
    if kpis is None:
        chosen = [k for k in REGISTRY if k in ok]
    else:
        bad = [k for k in kpis if k not in REGISTRY]
        if bad:
            raise ParameterError(
                f"unknown KPI {', '.join(bad)}; the registry has: {', '.join(REGISTRY)}"
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
        chosen = list(dict.fromkeys(kpis))

    as_of = _as_of(con, columns, as_of, chosen)
    ctx = _Context(
        columns=set(columns),
        by=by,
        unit=FREQS[freq],
        start=pd.Timestamp(start) if start is not None else None,
        end=pd.Timestamp(end) if end is not None else None,
        sla=sla,
        stat=stat,
        as_of=as_of,
        repeat_days=repeat_days,
        sl=service_level_seconds,
        economics=economics or {},
    )

    main = _aggregate(con, ctx, [k for k in chosen if k not in ("backlog", "complaint_rate")])
    grid = _grid(main, ctx, start, end, freq)
    out = grid.merge(main, on=["period", *by], how="left")
    out["volume_all"] = out.pop("_volume").fillna(0).astype("int64")
    if "backlog" in chosen:
        out = out.merge(_backlog(con, ctx, grid), on=["period", *by], how="left")
    if "complaint_rate" in chosen:
        out = out.merge(_complaints(con, ctx), on=["period", *by], how="left")
        out["complaint_rate_n"] = out["volume_all"]
        out["complaint_rate"] = np.where(
            out["volume_all"] > 0,
            out.pop("_complaints").fillna(0)
            / out["volume_all"].where(out["volume_all"] > 0)
            * 1000,
            np.nan,
        )
    con.close()
    if "volume" in chosen:
        out["volume"] = out["volume_all"]
    out = out.drop(columns="volume_all")
    for name in SURVEY_KPIS:
        if name in chosen:
            out[f"{name}_few"] = out[f"{name}_n"] < min_responses
    for col in out.columns:
        if col.endswith("_n") and col != "volume":
            out[col] = out[col].fillna(0).astype("int64")
    order = ["period", *by] + [
        c for k in chosen for c in (k, f"{k}_p90", f"{k}_n", f"{k}_few") if c in out
    ]
    return out[order].sort_values(["period", *by], ignore_index=True)


@dataclass(frozen=True)
class _Context:
    columns: set
    by: list
    unit: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    sla: Mapping | None
    stat: str
    as_of: pd.Timestamp | None
    repeat_days: int
    sl: float
    economics: Mapping


def _as_of(con, columns, as_of, chosen) -> pd.Timestamp | None:
    """When the data was extracted: given, or the latest timestamp in it (only when a KPI needs it)."""
    if as_of is None and (
        {"sla_response_met", "sla_resolution_met", "repeat_contact_rate"} & set(chosen)
    ):
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
    validate: bool = True,
) -> pd.DataFrame:
    """The tickets (or answers) behind a KPI, one value each, with the KPI's own definition.

    For before/after comparisons that need case-level data (segment tests, mix
    decompositions). Shares give 0/1 values, durations hours, NPS the 0–10 answer.

    Returns
    -------
    DataFrame
        ``created_at``, the ``by`` columns, ``value``.

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
            source=io.label(tickets),
        )
        return con.execute(f"{sql} ORDER BY created_at").df()
    finally:
        con.close()


def case_query(
    con,
    kpi: str,
    *,
    by: Sequence[str] | str = (),
    sla: Mapping | None = None,
    economics: Mapping | None = None,
    as_of=None,
    repeat_days: int = 7,
    service_level_seconds: float = 20,
    source: str = "tickets",
) -> str:
    """SQL of the cases behind a KPI over the view ``t`` that :func:`scan` opened: ``created_at``,
    the ``by`` columns and ``value`` (as :func:`cases` returns them), for aggregates of one's own.

    ``source`` names the tickets in the error raised when the KPI has no per-ticket values.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3"], "created_at": pd.to_datetime(["2026-04-01"] * 3),
    ...                   "csat": pd.array([5, 2, None], dtype="Int64")})
    >>> con, _ = scan(t)
    >>> con.execute(f"SELECT sum(value), count(*) FROM ({case_query(con, 'csat')})").fetchone()
    (1.0, 2)
    """
    by = [by] if isinstance(by, str) else list(by)
    columns = con.table("t_typed").columns
    row = availability(columns, sla=sla, economics=economics).set_index("kpi").loc[kpi]
    if not row.available or REGISTRY[kpi].kind in ("count", "stock", "rate"):
        raise DataError(
            Problem(
                f"KPI '{kpi}' has no per-ticket values here"
                + (f": missing {row.missing}" if row.missing else ""),
                file=source,
                fix="choose a ticket-level KPI the data supports",
            )
        )
    ctx = _Context(
        columns=set(columns),
        by=by,
        unit="day",
        start=None,
        end=None,
        sla=sla,
        stat="median",
        as_of=_as_of(con, columns, as_of, [kpi]),
        repeat_days=repeat_days,
        sl=service_level_seconds,
        economics=economics or {},
    )
    sp = _specs(ctx, [kpi])[kpi]
    value = (
        f"CASE WHEN {sp.value} THEN 1.0::DOUBLE ELSE 0.0::DOUBLE END"
        if sp.agg == "share"
        else f"CAST({sp.value} AS DOUBLE)"
    )
    cols = ", ".join(["created_at", *(sql.ident(b) for b in by), f"{value} AS value"])
    return f"SELECT {cols} FROM {_source({kpi: sp})} WHERE {sp.among}"


def scan(
    tickets: pd.DataFrame | str | Path,
    *,
    by: Sequence[str] = (),
    filters: Mapping[str, Sequence | str] | None = None,
    start=None,
    end=None,
    options: io.ReadOptions | None = None,
    validate: bool = True,
    require: Sequence[str] = (),
):
    r"""Open tickets in DuckDB for an aggregate of one's own; returns ``(con, "t")``.

    The view ``t`` holds the typed tickets of the ``filters`` segments created from
    ``start`` to ``end`` (whole days); ``t_all`` ignores the dates, ``t_typed``
    the filters too. A ``by`` or ``filters`` column the tickets lack is a
    :class:`~cslib.errors.DataError`; a ``require``\d column they lack, a
    :class:`~cslib.errors.ParameterError` naming it. Close ``con`` when done.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3"], "created_at": pd.to_datetime(["2026-04-01", "2026-04-02", "2026-05-01"]),
    ...                   "team": ["A", "B", "A"]})
    >>> con, view = scan(t, filters={"team": "A"}, end="2026-04-30")
    >>> con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
    1
    """
    con, view = io.open_table(
        tickets, "tickets", opts=options or io.ReadOptions(), validate=validate, view="t_typed"
    )
    columns = con.table(view).columns
    unknown = [b for b in [*by, *(filters or {})] if b not in columns]
    if unknown:
        con.close()
        raise DataError(
            Problem(
                f"cannot segment by {', '.join(unknown)}: no such column",
                file=io.label(tickets),
                values=tuple(columns),
                fix="segment by columns the tickets have",
            )
        )
    missing = [c for c in require if c not in columns]
    if missing:
        con.close()
        raise ParameterError(
            Problem(
                "column(s) not found in the tickets",
                file=io.label(tickets),
                column=", ".join(missing),
                values=tuple(missing),
                fix=f"map {', '.join(missing)} from the export (a mapping file or column options), "
                f"or name existing columns; the tickets have {', '.join(columns)}",
            )
        )
    _restrict(con, "t", filters, start, end, "created_at")
    return con, "t"


def _restrict(con, view: str, filters, start, end, stamp: str) -> None:
    """``<view>_all``: rows of the filtered segments; ``<view>``: those also within the dates."""
    segments = [
        f"{sql.ident(col)} IN ({', '.join(sql.quote(str(v)) for v in ([values] if isinstance(values, str) else values))})"
        for col, values in (filters or {}).items()
    ]
    dates = []
    if start is not None:
        dates.append(f"{stamp} >= TIMESTAMP '{pd.Timestamp(start).isoformat(sep=' ')}'")
    if end is not None:
        dates.append(f"{stamp} < TIMESTAMP '{_day_after(end).isoformat(sep=' ')}'")
    where = lambda conds: f" WHERE {' AND '.join(conds)}" if conds else ""  # noqa: E731
    con.execute(f'CREATE VIEW "{view}_all" AS SELECT * FROM "{view}_typed"{where(segments)}')
    con.execute(f'CREATE VIEW "{view}" AS SELECT * FROM "{view}_all"{where(dates)}')


def _day_after(day) -> pd.Timestamp:
    return pd.Timestamp(day).normalize() + pd.Timedelta(days=1)


def _period(ctx: _Context, stamp: str) -> str:
    if ctx.unit == "all":
        first = ctx.start if ctx.start is not None else None
        return (
            f"TIMESTAMP '{first.isoformat(sep=' ')}'"
            if first is not None
            else "(SELECT date_trunc('day', min(created_at)) FROM t)"
        )
    return f"date_trunc('{ctx.unit}', {stamp})"


def _hours(a: str, b: str) -> str:
    return f"((epoch({b}) - epoch({a})) / 3600.0)"


def _flags(ctx: _Context) -> dict[str, str]:
    """SQL for the per-ticket conditions the KPIs share."""
    have = ctx.columns
    handled = "NOT coalesce(abandoned, FALSE)" if "abandoned" in have else "TRUE"
    counts = (
        f"status IS NULL OR status NOT IN ({', '.join(sql.quote(s) for s in NOT_RESOLUTIONS)})"
        if "status" in have
        else "TRUE"
    )
    resolved = (
        f"resolved_at IS NOT NULL AND ({handled}) AND ({counts})"
        if "resolved_at" in have
        else "FALSE"
    )
    queue = "abandoned IS NOT NULL"
    if "channel" in have:
        queue += f" AND channel IN ({', '.join(sql.quote(c) for c in QUEUE_CHANNELS)})"
    if "wait_seconds" in have:
        queue += " AND NOT (abandoned AND coalesce(wait_seconds, 0) < 5)"
    return {"handled": handled, "counts": counts, "resolved": resolved, "queue": queue}


def _share(cond: str, among: str) -> tuple[str, str]:
    return (
        f"avg(CASE WHEN {cond} THEN 1.0 ELSE 0.0 END) FILTER (WHERE {among})",
        f"count(*) FILTER (WHERE {among})",
    )


@dataclass(frozen=True)
class _Spec:
    """How one KPI reads a ticket: its per-ticket ``value``, which tickets count (``among``) and how they aggregate."""

    value: str  # SQL: a number, or a condition for shares
    among: str  # SQL condition: the denominator
    agg: str  # duration, share, mean, nps, cost
    window: str | None = None  # an extra windowed column the value needs


def _specs(ctx: _Context, chosen: Sequence[str]) -> dict[str, _Spec]:
    f = _flags(ctx)
    have = ctx.columns
    as_of = f"TIMESTAMP '{ctx.as_of.isoformat(sep=' ')}'" if ctx.as_of is not None else "NULL"
    specs: dict[str, _Spec] = {}
    for name in chosen:
        if name == "first_response_hours":
            specs[name] = _Spec(
                _hours("created_at", "first_response_at"),
                f"first_response_at IS NOT NULL AND {f['handled']}",
                "duration",
            )
        elif name == "resolution_hours":
            specs[name] = _Spec(_hours("created_at", "resolved_at"), f["resolved"], "duration")
        elif name == "sla_response_met":
            target = _target_sql(sla_targets(ctx.sla, "response"))
            due = f"{_hours('created_at', as_of)} > {target}"
            among = f"{f['handled']} AND {target} IS NOT NULL AND (first_response_at IS NOT NULL OR {due})"
            specs[name] = _Spec(
                f"first_response_at IS NOT NULL AND {_hours('created_at', 'first_response_at')} <= {target}",
                among,
                "share",
            )
        elif name == "sla_resolution_met":
            targets = sla_targets(ctx.sla, "resolution")
            if targets is not None:
                due_at = f"(created_at + to_microseconds(CAST({_target_sql(targets)} * 3600e6 AS BIGINT)))"
                if "sla_due_at" in have:
                    due_at = f"coalesce(sla_due_at, {due_at})"
            else:
                due_at = "sla_due_at" if "sla_due_at" in have else "NULL"
            among = f"{due_at} IS NOT NULL AND (resolved_at IS NOT NULL OR {due_at} < {as_of})"
            met = f"resolved_at IS NOT NULL AND resolved_at <= {due_at}"
            if "sla_met" in have:  # the source system's own verdict wins where it gave one
                among, met = f"(sla_met IS NOT NULL OR ({among}))", f"coalesce(sla_met, {met})"
            specs[name] = _Spec(met, f"{f['handled']} AND ({f['counts']}) AND {among}", "share")
        elif name == "fcr":
            if "contacts" in have:
                first = "contacts = 1" + (
                    " AND coalesce(reopens, 0) = 0" if "reopens" in have else ""
                )
            else:
                first = "coalesce(reopens, 0) = 0" + (
                    " AND coalesce(transfers, 0) = 0" if "transfers" in have else ""
                )
            specs[name] = _Spec(first, f["resolved"], "share")
        elif name == "reopen_rate":
            specs[name] = _Spec("coalesce(reopens, 0) > 0", f["resolved"], "share")
        elif name == "aht_seconds":
            specs[name] = _Spec(
                "handle_seconds", f"handle_seconds IS NOT NULL AND {f['handled']}", "mean"
            )
        elif name == "abandon_rate":
            specs[name] = _Spec("abandoned", f["queue"], "share")
        elif name == "service_level":
            specs[name] = _Spec(f"NOT abandoned AND wait_seconds <= {ctx.sl}", f["queue"], "share")
        elif name == "asa_seconds":
            specs[name] = _Spec(
                "wait_seconds",
                "wait_seconds IS NOT NULL"
                + (" AND abandoned = FALSE" if "abandoned" in have else ""),
                "mean",
            )
        elif name == "csat":
            specs[name] = _Spec("csat >= 4", "csat IS NOT NULL", "share")
        elif name == "nps":
            specs[name] = _Spec("nps", "nps IS NOT NULL", "nps")
        elif name == "ces":
            specs[name] = _Spec("ces", "ces IS NOT NULL", "mean")
        elif name == "repeat_contact_rate":
            window = f"created_at + INTERVAL {int(ctx.repeat_days)} DAY"
            lead = f"coalesce(lead(created_at) OVER (PARTITION BY customer_id, category ORDER BY created_at, ticket_id) <= {window}, FALSE) AS _repeat"
            specs[name] = _Spec(
                "_repeat",
                f"customer_id IS NOT NULL AND category IS NOT NULL AND {window} <= {as_of}",
                "share",
                lead,
            )
        elif name == "cost_per_contact":
            contacts = "coalesce(contacts, 1)" if "contacts" in have else "1"
            specs[name] = _Spec(
                f"handle_seconds / 3600.0 * {float(ctx.economics['hourly_cost'])}",
                f"handle_seconds IS NOT NULL AND {f['handled']}",
                "cost",
                contacts,
            )
    return specs


def _source(specs: Mapping[str, _Spec]) -> str:
    windows = [s.window for s in specs.values() if s.window and s.agg != "cost"]
    return "t" if not windows else f"(SELECT *, {', '.join(windows)} FROM t)"


def _aggregate(con, ctx: _Context, chosen: list[str]) -> pd.DataFrame:
    aggs: dict[str, str] = {"_volume": "count(*)"}
    specs = _specs(ctx, chosen)
    for name, sp in specs.items():
        n = f"count(*) FILTER (WHERE {sp.among})"
        if sp.agg == "duration":
            # one sort gives both quantiles; the list is split after the query
            aggs[f"{name}_q"] = f"quantile_cont({sp.value}, [0.5, 0.9]) FILTER (WHERE {sp.among})"
            if ctx.stat == "mean":
                aggs[name] = f"avg({sp.value}) FILTER (WHERE {sp.among})"
        elif sp.agg == "share":
            aggs[name] = (
                f"avg(CASE WHEN {sp.value} THEN 1.0 ELSE 0.0 END) FILTER (WHERE {sp.among})"
            )
        elif sp.agg == "mean":
            aggs[name] = f"avg({sp.value}) FILTER (WHERE {sp.among})"
        elif sp.agg == "nps":
            aggs[name] = (
                f"100.0 * (count(*) FILTER (WHERE {sp.value} >= 9) - count(*) FILTER (WHERE {sp.value} <= 6)) / NULLIF({n}, 0)"
            )
        elif sp.agg == "cost":  # total cost ÷ contacts handled
            n = f"sum({sp.window}) FILTER (WHERE {sp.among})"
            aggs[name] = f"sum({sp.value}) FILTER (WHERE {sp.among}) / {n}"
        aggs[f"{name}_n"] = n
    period = _period(ctx, "created_at")
    select = ", ".join(
        [
            f"{period} AS period",
            *(sql.ident(b) for b in ctx.by),
            *(f"{v} AS {sql.ident(k)}" for k, v in aggs.items()),
        ]
    )
    frame = con.execute(f"SELECT {select} FROM {_source(specs)} GROUP BY ALL").df()
    for col in [c for c in frame.columns if c.endswith("_q")]:
        name = col[:-2]
        quantiles = frame.pop(col).map(
            lambda q: q if q is not None and len(q) == 2 else (np.nan, np.nan)
        )
        if ctx.stat == "median":
            frame[name] = quantiles.str[0].astype(float)
        frame[f"{name}_p90"] = quantiles.str[1].astype(float)
    return frame


def _grid(main: pd.DataFrame, ctx: _Context, start, end, freq: str) -> pd.DataFrame:
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
            _floor(lo, freq), _floor(hi, freq), freq={"D": "D", "W": "W-MON", "M": "MS"}[freq]
        ),
        name="period",
    )
    frame = periods.to_frame()
    if ctx.by:
        segments = main[ctx.by].drop_duplicates()
        frame = frame.merge(segments, how="cross")
    return frame


def _floor(ts, freq: str) -> pd.Timestamp:
    ts = pd.Timestamp(ts).normalize()
    if freq == "W":
        return ts - pd.Timedelta(days=ts.weekday())
    if freq == "M":
        return ts.replace(day=1)
    return ts


def _backlog(con, ctx: _Context, grid: pd.DataFrame) -> pd.DataFrame:
    """Open tickets at the end of each period: cumulated openings − closings."""
    f = _flags(ctx)
    if ctx.unit == "all":
        by = "".join(f", {sql.ident(b)}" for b in ctx.by)
        close = (
            f"TIMESTAMP '{_day_after(ctx.end).isoformat(sep=' ')}'"
            if ctx.end is not None
            else "(SELECT max(created_at) + INTERVAL 1 SECOND FROM t)"
        )
        stock = con.execute(
            f"SELECT 1 AS one{by}, count(*) AS backlog FROM t_all WHERE {f['handled']} AND created_at < {close} AND (resolved_at IS NULL OR resolved_at >= {close}) GROUP BY ALL"
        ).df()
        out = grid.assign(one=1).merge(stock, on=["one", *ctx.by], how="left").drop(columns="one")
        return (
            out[["period", *ctx.by, "backlog"]].fillna({"backlog": 0}).astype({"backlog": "int64"})
        )
    by = ", ".join(map(sql.ident, ctx.by))
    key = ["period", *ctx.by]
    sel = f", {by}" if by else ""
    flows = con.execute(
        f"SELECT {_period(ctx, 'created_at')} AS period{sel}, count(*) AS opened, 0 AS closed FROM t_all WHERE {f['handled']} GROUP BY ALL "
        f"UNION ALL SELECT {_period(ctx, 'resolved_at')} AS period{sel}, 0, count(*) FROM t_all WHERE {f['handled']} AND resolved_at IS NOT NULL GROUP BY ALL"
    ).df()
    flows = flows.groupby(key, dropna=False)[["opened", "closed"]].sum().reset_index()
    # flows before the calendar start still count towards the stock at its first period
    full = pd.concat([grid[key], flows[key]]).drop_duplicates().sort_values(key)
    full = full.merge(flows, on=key, how="left").fillna({"opened": 0, "closed": 0})
    net = full["opened"] - full["closed"]
    full["backlog"] = net.groupby(
        [full[b] for b in ctx.by] if ctx.by else np.zeros(len(full)), dropna=False
    ).cumsum()
    return grid[key].merge(full[[*key, "backlog"]], on=key, how="left").astype({"backlog": "int64"})


def _complaints(con, ctx: _Context) -> pd.DataFrame:
    by = "".join(f", {sql.ident(b)}" for b in ctx.by)
    return con.execute(
        f"SELECT {_period(ctx, 'received_at')} AS period{by}, count(*) AS _complaints FROM c GROUP BY ALL"
    ).df()


def long_format(frame: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Turn :func:`compute` output into one row per period × segment × KPI.

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
