"""Complaint handling: Pareto of causes, recurrence, handling times against the SLA, outcomes,
and the service recovery paradox tested on the data rather than assumed.

The complaints table follows the data contract (``complaint_id``,
``received_at``; ``customer_id``, ``category``, ``root_cause``,
``acknowledged_at``, ``resolved_at``, ``outcome``, ``compensation``…).

Defaults follow UK practice (FCA DISP / ISO 10002 style): acknowledge promptly
(here within 24 hours) and send a final response within 8 weeks (56 days); both
are parameters.

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"complaint_id": list("abcde"), "category": ["delay", "delay", "delay", "fee", "tone"]})
>>> pareto(c)[["category", "count", "cumulative_share", "vital_few"]].values.tolist()
[['delay', 3, 0.6, True], ['fee', 1, 0.8, True], ['tone', 1, 1.0, False]]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame, frame_html
from cslib.data.tables import ReadOptions
from cslib.errors import ParameterError, Problem
from cslib.metrics.engine import scan
from cslib.stats.impact import NpsCounts, adjust_pvalues, compare

__all__ = [
    "RecoveryParadox",
    "Recurrence",
    "handling_times",
    "outcomes",
    "pareto",
    "recovery_paradox",
    "recurrence",
]

WELL_OUTCOMES = ("upheld", "partly upheld")
GROUPS = ("resolved well", "resolved poorly", "never complained")
TICKET_COLUMNS = ("customer_id", "created_at", "nps")  # what recovery_paradox reads


def _share_arg(value: float, name: str) -> float:
    if not (isinstance(value, int | float) and 0 < value <= 1):
        raise ParameterError(
            Problem(
                f"{name} must be a share between 0 and 1",
                column=name,
                values=(value,),
                fix=f"e.g. {name}=0.8",
            )
        )
    return float(value)


def _positive(value: float, name: str) -> float:
    if not (isinstance(value, int | float) and value > 0):
        raise ParameterError(
            Problem(
                f"{name} must be a positive number",
                column=name,
                values=(value,),
                fix=f"e.g. {name}=30",
            )
        )
    return float(value)


# --------------------------------------------------------------------------- Pareto


def pareto(
    complaints: pd.DataFrame,
    *,
    by: str = "category",
    weight: str | None = None,
    threshold: float = 0.8,
    missing: str = "(not recorded)",
) -> pd.DataFrame:
    """Pareto table: categories (or root causes) by frequency with the cumulative share.

    Rows are sorted by count (or ``weight`` total) descending, ties by name.
    ``vital_few`` marks the categories needed to reach ``threshold`` of the
    total: every row whose cumulative share *before* it is under the threshold.

    Parameters
    ----------
    complaints : pandas.DataFrame
        One row per complaint; not modified.
    by : str
        The column to rank: ``"category"`` or ``"root_cause"`` (any column works).
    weight : str, optional
        Sum this column instead of counting rows (e.g. ``"compensation"``).
    threshold : float
        The Pareto line, 0.8 for 80 %.
    missing : str
        Label of rows without a value.

    Returns
    -------
    pandas.DataFrame
        One row per value: ``<by>``, ``count`` (or the weight total),
        ``share``, ``cumulative_share``, ``rank``, ``vital_few``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"root_cause": ["people", "process", "process", None]})
    >>> pareto(c, by="root_cause")["root_cause"].tolist()
    ['process', '(not recorded)', 'people']
    """
    threshold = _share_arg(threshold, "threshold")
    check_frame(complaints, [by, weight], where="pareto")
    keys = complaints[by].astype(object).where(complaints[by].notna(), missing)
    if weight is None:
        counts = keys.value_counts()
    else:
        counts = pd.to_numeric(complaints[weight], errors="coerce").fillna(0).groupby(keys).sum()
    total = float(counts.sum())
    if total <= 0:
        raise ParameterError(
            Problem(
                "nothing to rank: the total is zero",
                column=weight or by,
                fix="check the filter or the weight column",
            )
        )
    out = pd.DataFrame({by: counts.index.astype(object), "count": counts.to_numpy()})
    out = out.sort_values(["count", by], ascending=[False, True], ignore_index=True)
    out["share"] = out["count"] / total
    out["cumulative_share"] = out["share"].cumsum()
    out["rank"] = np.arange(1, len(out) + 1)
    before = out["cumulative_share"] - out["share"]
    out["vital_few"] = before < threshold - 1e-12
    return out


# ------------------------------------------------------------------------ recurrence


@dataclass(frozen=True)
class Recurrence:
    """Result of :func:`recurrence`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per root cause (then ``"all"``): ``root_cause``, ``complaints``,
        ``repeat_customer`` (complaints whose customer complained before within
        the window), ``repeat_customer_rate``, ``repeat_same_cause`` (same
        customer, same root cause), ``repeat_same_cause_rate``,
        ``cause_recurred`` (another complaint of this root cause within the
        window before), ``cause_recurred_rate``, ``median_days_between``.
    flags : pandas.DataFrame
        One row per complaint: ``complaint_id``, ``customer_id``, ``root_cause``,
        ``received_at``, ``days_since_customer``, ``days_since_cause``,
        ``repeat_customer``, ``repeat_same_cause``, ``cause_recurred``.
    days : float
    """

    table: pd.DataFrame
    flags: pd.DataFrame
    days: float

    def summary(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        return frame_html(f"Complaint recurrence within {self.days:g} days", [("", self.table)])


def recurrence(
    complaints: pd.DataFrame, *, days: float = 30, cause: str = "root_cause"
) -> Recurrence:
    """Do complaints come back? Same customer, or same root cause, again within ``days``.

    Parameters
    ----------
    complaints : pandas.DataFrame
        With ``complaint_id``, ``received_at``, ``customer_id`` and the cause column.
    days : float
        The window.
    cause : str
        The column of the root cause (``"category"`` works too).

    Returns
    -------
    Recurrence
        ``.table`` per root cause with an ``"all"`` row and ``.flags`` per complaint.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"complaint_id": ["k1", "k2", "k3"], "customer_id": ["c1", "c1", "c2"],
    ...                   "received_at": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-03-01"]),
    ...                   "root_cause": ["process", "process", "process"]})
    >>> recurrence(c, days=30).flags["repeat_customer"].tolist()
    [False, True, False]
    """
    days = _positive(days, "days")
    check_frame(
        complaints, ["complaint_id", "received_at", "customer_id", cause], where="recurrence"
    )
    f = complaints[["complaint_id", "customer_id", cause, "received_at"]].copy()
    f["received_at"] = pd.to_datetime(f["received_at"])
    f = f.sort_values(["received_at", "complaint_id"], ignore_index=True)
    day = pd.Timedelta(days=1)
    f["days_since_customer"] = f.groupby("customer_id", dropna=True)["received_at"].diff() / day
    f["days_since_customer_cause"] = (
        f.groupby(["customer_id", cause], dropna=True)["received_at"].diff() / day
    )
    f["days_since_cause"] = f.groupby(cause, dropna=True)["received_at"].diff() / day
    f["repeat_customer"] = (f["days_since_customer"] <= days).fillna(False).astype(bool)
    f["repeat_same_cause"] = (f["days_since_customer_cause"] <= days).fillna(False).astype(bool)
    f["cause_recurred"] = (f["days_since_cause"] <= days).fillna(False).astype(bool)
    f = f.drop(columns="days_since_customer_cause")

    def agg(g: pd.DataFrame) -> dict[str, object]:
        n = len(g)
        return {
            "complaints": n,
            "repeat_customer": int(g["repeat_customer"].sum()),
            "repeat_customer_rate": g["repeat_customer"].mean(),
            "repeat_same_cause": int(g["repeat_same_cause"].sum()),
            "repeat_same_cause_rate": g["repeat_same_cause"].mean(),
            "cause_recurred": int(g["cause_recurred"].sum()),
            "cause_recurred_rate": g["cause_recurred"].mean(),
            "median_days_between": float(g["days_since_cause"].median()),
        }

    rows = [{cause: k, **agg(g)} for k, g in f.groupby(cause, sort=True)]
    table = pd.DataFrame(rows).sort_values("complaints", ascending=False, ignore_index=True)
    total = agg(f)
    total["median_days_between"] = float(f["days_since_customer"].median())
    table = pd.concat([table, pd.DataFrame([{cause: "all", **total}])], ignore_index=True)
    return Recurrence(table=table, flags=f, days=days)


# ----------------------------------------------------------------- handling times


def handling_times(
    complaints: pd.DataFrame,
    *,
    acknowledge_hours: float = 24,
    resolve_days: float = 56,
    by: str | Sequence[str] | None = None,
    as_of: object = None,
) -> pd.DataFrame:
    """Time to acknowledge and to resolve against the complaint SLA.

    An open complaint already older than its target counts as missed; one
    still within its target is left out of the share (it may still make it).

    Parameters
    ----------
    complaints : pandas.DataFrame
        With ``received_at``, ``acknowledged_at``, ``resolved_at``.
    acknowledge_hours : float
        Acknowledgement target (default 24 hours).
    resolve_days : float
        Final-response target (default 56 days = 8 weeks).
    by : str or list of str, optional
        Group columns (``"team"``, ``"severity"``…).
    as_of : timestamp, optional
        When the data was extracted (default: the latest timestamp in it).

    Returns
    -------
    pandas.DataFrame
        One row per group (or one row ``"all"``): ``complaints``,
        ``acknowledge_hours_median``, ``acknowledge_hours_p90``,
        ``acknowledged_in_time`` (share), ``acknowledge_n``,
        ``resolve_days_median``, ``resolve_days_p90``, ``resolved_in_time``
        (share), ``resolve_n``, ``open``, ``open_overdue``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"received_at": pd.to_datetime(["2026-01-01", "2026-01-01"]),
    ...                   "acknowledged_at": pd.to_datetime(["2026-01-01 06:00", "2026-01-03 00:00"]),
    ...                   "resolved_at": pd.to_datetime(["2026-01-20", None])})
    >>> handling_times(c, as_of="2026-04-01")[["acknowledged_in_time", "resolved_in_time", "open_overdue"]].values.tolist()
    [[0.5, 0.5, 1.0]]
    """
    _positive(acknowledge_hours, "acknowledge_hours")
    _positive(resolve_days, "resolve_days")
    by_cols = [] if by is None else [by] if isinstance(by, str) else list(by)
    check_frame(
        complaints,
        ["received_at", "acknowledged_at", "resolved_at", *by_cols],
        where="handling_times",
    )
    f = complaints.copy()
    for c in ("received_at", "acknowledged_at", "resolved_at"):
        f[c] = pd.to_datetime(f[c])
    as_of = (
        pd.Timestamp(as_of)
        if as_of is not None
        else max(f[c].max() for c in ("received_at", "acknowledged_at", "resolved_at"))
    )
    ack_h = (f["acknowledged_at"] - f["received_at"]).dt.total_seconds() / 3600
    res_d = (f["resolved_at"] - f["received_at"]).dt.total_seconds() / 86400
    age_h = (as_of - f["received_at"]).dt.total_seconds() / 3600
    f["_ack_h"] = ack_h
    f["_res_d"] = res_d
    # in time: 1, missed: 0, undecided (open within target): NaN
    f["_ack_ok"] = np.where(
        ack_h.notna(),
        (ack_h <= acknowledge_hours).astype(float),
        np.where(age_h > acknowledge_hours, 0.0, np.nan),
    )
    f["_res_ok"] = np.where(
        res_d.notna(),
        (res_d <= resolve_days).astype(float),
        np.where(age_h / 24 > resolve_days, 0.0, np.nan),
    )
    f["_open"] = f["resolved_at"].isna()
    f["_overdue"] = f["_open"] & (age_h / 24 > resolve_days)

    def agg(g: pd.DataFrame) -> dict[str, object]:
        return {
            "complaints": len(g),
            "acknowledge_hours_median": g["_ack_h"].median(),
            "acknowledge_hours_p90": g["_ack_h"].quantile(0.9),
            "acknowledged_in_time": g["_ack_ok"].mean(),
            "acknowledge_n": int(g["_ack_ok"].notna().sum()),
            "resolve_days_median": g["_res_d"].median(),
            "resolve_days_p90": g["_res_d"].quantile(0.9),
            "resolved_in_time": g["_res_ok"].mean(),
            "resolve_n": int(g["_res_ok"].notna().sum()),
            "open": int(g["_open"].sum()),
            "open_overdue": int(g["_overdue"].sum()),
        }

    if by_cols:
        rows = [
            {**dict(zip(by_cols, k if isinstance(k, tuple) else (k,), strict=True)), **agg(g)}
            for k, g in f.groupby(by_cols, sort=True)
        ]
    else:
        rows = [{"group": "all", **agg(f)}]
    out = pd.DataFrame(rows)
    out.attrs.update(acknowledge_hours=acknowledge_hours, resolve_days=resolve_days)
    return out


def outcomes(
    complaints: pd.DataFrame, *, by: str | None = None, missing: str = "open"
) -> pd.DataFrame:
    """Outcomes of complaints (upheld, partly upheld, not upheld…) with compensation.

    Returns
    -------
    pandas.DataFrame
        One row per (group ×) outcome: ``outcome``, ``complaints``, ``share``
        (within the group), ``compensation_total``, ``compensation_mean``
        (when the column exists). Complaints without an outcome are ``missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"outcome": ["upheld", "upheld", None, "not upheld"], "compensation": [50.0, 0.0, None, 0.0]})
    >>> outcomes(c)[["outcome", "complaints", "compensation_total"]].values.tolist()
    [['upheld', 2, 50.0], ['not upheld', 1, 0.0], ['open', 1, 0.0]]
    """
    check_frame(complaints, ["outcome", by], where="outcomes")
    f = complaints.assign(
        outcome=complaints["outcome"].astype(object).where(complaints["outcome"].notna(), missing)
    )
    keys = [by, "outcome"] if by else ["outcome"]
    g = f.groupby(keys, sort=False)
    out = g.size().rename("complaints").reset_index()
    if "compensation" in f:
        comp = (
            g["compensation"].agg(compensation_total="sum", compensation_mean="mean").reset_index()
        )
        out = out.merge(comp, on=keys)
    out["share"] = out["complaints"] / (
        out.groupby(by)["complaints"].transform("sum") if by else out["complaints"].sum()
    )
    out["_open"] = out["outcome"] == missing
    out = out.sort_values(
        [*([by] if by else []), "_open", "complaints", "outcome"],
        ascending=[*([True] if by else []), True, False, True],
        kind="stable",
        ignore_index=True,
    )
    cols = [*keys, "complaints", "share"] + [
        c for c in ("compensation_total", "compensation_mean") if c in out
    ]
    return out[cols]


# ------------------------------------------------------------------ recovery paradox


@dataclass(frozen=True)
class RecoveryParadox:
    """Result of :func:`recovery_paradox`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group (resolved well, resolved poorly, never complained):
        ``group``, ``customers``, ``nps_n``, ``nps``, ``nps_ci_low``,
        ``nps_ci_high``, ``promoters``, ``detractors``, ``mean_rating``,
        ``repeat_n``, ``repeat_rate``, ``repeat_ci_low``, ``repeat_ci_high``.
    tests : pandas.DataFrame
        Pairwise comparisons: ``measure`` (``nps``, ``repeat``), ``comparison``
        (e.g. ``"resolved well − never complained"``), ``diff``, ``ci_low``,
        ``ci_high``, ``p_value``, ``p_adjusted`` (Holm over all rows), ``method``.
    holds : bool or None
        True when customers resolved well are significantly more loyal (NPS)
        than those who never complained; False when significantly less or not
        shown; None when there are too few answers to test.
    finding : str
        The plain-English result.
    definition : str
        How the groups and measures are defined.
    customers : pandas.DataFrame
        The assignment, one row per customer: ``customer_id``, ``group``,
        ``reference_at`` (when the complaint was resolved, or the first ticket),
        ``later_nps``, ``repeat``. Complainers come first in the order of their
        first complaint, then the others by first ticket. Only the group totals
        are computed up front: this table is queried from the tickets again on
        first access (it has a row per customer, which can be millions).
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    holds: bool | None
    finding: str
    definition: str
    _assignment: Callable[[], pd.DataFrame] = field(repr=False, compare=False)

    @cached_property
    def customers(self) -> pd.DataFrame:
        return self._assignment()

    def summary(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        return frame_html(
            "Service recovery paradox",
            [("Later loyalty by group", self.table), ("Tests", self.tests)],
            [self.finding, self.definition],
        )


def _group(
    complaints: pd.DataFrame, well_days: float, well_outcomes: Sequence[str]
) -> pd.DataFrame:
    c = complaints.dropna(subset=["customer_id"]).copy()
    for col in ("received_at", "resolved_at"):
        c[col] = pd.to_datetime(c[col])
    c = c.sort_values(["received_at", "complaint_id"] if "complaint_id" in c else ["received_at"])
    first = c.groupby("customer_id", sort=False).head(1)
    first = first[first["resolved_at"].notna()]  # open complaints: not yet a recovery to judge
    days = (first["resolved_at"] - first["received_at"]).dt.total_seconds() / 86400
    outcome = (
        first["outcome"].astype(object).str.lower()
        if "outcome" in first
        else pd.Series("", index=first.index)
    )
    well = (days <= well_days) & outcome.isin([o.lower() for o in well_outcomes])
    return pd.DataFrame(
        {
            "customer_id": first["customer_id"].to_numpy(),
            "group": np.where(well, GROUPS[0], GROUPS[1]),
            "reference_at": first["resolved_at"].to_numpy(),
        }
    )


def _naive(stamps: pd.Series, timezone: str) -> pd.Series:
    """Time-zone-aware timestamps as naive wall time of ``timezone`` (as the tickets are typed)."""
    if getattr(stamps.dtype, "tz", None) is None:
        return stamps
    return stamps.dt.tz_convert(timezone).dt.tz_localize(None)


def _customer_ids(ids: pd.Series) -> pd.Series:
    """Complaint customer ids as text, trimmed like the tickets' ids."""
    return ids.astype(str).str.strip()


def _tickets_view(
    tickets: pd.DataFrame | str | Path,
    filters: Mapping[str, Sequence | str] | None,
    options: ReadOptions | None,
    validate: bool,
    complained: pd.DataFrame,
    complainers: pd.DataFrame,
):
    """Open the tickets with :func:`cslib.metrics.engine.scan`, check the columns and register the complaints."""
    con, view = scan(
        tickets, filters=filters, options=options, validate=validate, require=TICKET_COLUMNS
    )
    columns = con.table(view).columns
    con.register("_rp_complained", complained)
    con.register("_rp_complainers", complainers)
    return con, view, "ticket_id" in columns


def _per_customer(view: str, tie_break: bool, as_of: pd.Timestamp | None) -> str:
    """SQL of one row per customer: group, reference time, first later NPS answer, repeat (0/1).

    Parameters ``$window`` (microseconds of the repeat window) and, with an
    ``as_of``, ``$as_of``; the default end of the data is the latest ticket of a
    known customer in the unfiltered tickets.
    """
    first = (
        "(k.created_at, TRY_CAST(k.ticket_id AS BIGINT), k.ticket_id)"
        if tie_break
        else "k.created_at"
    )
    end = (
        "CAST($as_of AS TIMESTAMP)"
        if as_of is not None
        else f'(SELECT max(created_at) FROM "{view}_typed" WHERE customer_id IS NOT NULL)'
    )
    return f"""
    WITH tk AS (
        SELECT * FROM "{view}" WHERE customer_id IS NOT NULL
    ), grp AS (
        SELECT CAST(customer_id AS VARCHAR) AS customer_id, CAST("group" AS VARCHAR) AS "group",
               CAST(reference_at AS TIMESTAMP) AS reference_at, _order
        FROM _rp_complained
        UNION ALL
        SELECT customer_id, '{GROUPS[2]}', min(created_at), NULL
        FROM tk
        WHERE customer_id NOT IN (
            SELECT CAST(customer_id AS VARCHAR) FROM _rp_complainers WHERE customer_id IS NOT NULL
        )
        GROUP BY customer_id
    ), later AS (
        SELECT g.customer_id,
               arg_min(k.nps, {first}) FILTER (WHERE k.nps IS NOT NULL) AS later_nps,
               bool_or(k.created_at <= g.reference_at + to_microseconds($window)) AS repeated
        FROM grp g JOIN tk k ON k.customer_id = g.customer_id AND k.created_at > g.reference_at
        GROUP BY g.customer_id
    )
    SELECT g.customer_id, g."group", g.reference_at, g._order,
           CAST(l.later_nps AS BIGINT) AS later_nps,
           CASE WHEN g.reference_at + to_microseconds($window) <= {end}
                THEN CAST(coalesce(l.repeated, FALSE) AS INTEGER) END AS "repeat"
    FROM grp g LEFT JOIN later l USING (customer_id)
    """


def recovery_paradox(
    complaints: pd.DataFrame,
    tickets: pd.DataFrame | str | Path,
    *,
    well_days: float = 7,
    well_outcomes: Sequence[str] = WELL_OUTCOMES,
    repeat_days: float = 90,
    as_of: object = None,
    alpha: float = 0.05,
    filters: Mapping[str, Sequence | str] | None = None,
    options: ReadOptions | None = None,
    validate: bool = True,
) -> RecoveryParadox:
    """Test the service recovery paradox: are well-recovered complainers more loyal than the rest?

    Each customer falls into one group:

    * **resolved well** — their first complaint was resolved within
      ``well_days`` with an outcome in ``well_outcomes`` (upheld or partly upheld);
    * **resolved poorly** — resolved later, or not in their favour (withdrawn,
      not upheld); customers whose first complaint is still open are left out;
    * **never complained** — customers with tickets and no complaint.

    Later loyalty is measured after a reference time — the complaint's
    resolution, or for those who never complained their first ticket:

    * **NPS**: each customer's first NPS answer on a ticket created after the
      reference (one answer per customer, so answers are independent; answers
      given at the same time are taken in ticket number order);
    * **repeat business** (a retention / churn proxy): any ticket within
      ``repeat_days`` after the reference, for customers whose window ended
      before ``as_of``.

    Groups are compared pairwise with :func:`cslib.stats.impact.compare` (NPS: a
    difference of NPS with a delta-method interval; repeat: a difference of
    proportions, Newcombe interval), p-values adjusted by Holm. The paradox
    *holds* only if "resolved well" beats "never complained" on NPS with an
    adjusted p-value below ``alpha``.

    The tickets are read in DuckDB (:func:`cslib.metrics.engine.scan`): only the group
    totals reach pandas, so a file of millions of tickets works.

    Parameters
    ----------
    complaints : pandas.DataFrame
        The complaints (``customer_id``, ``received_at``, ``resolved_at``,
        ``outcome``).
    tickets : pandas.DataFrame or path
        The tickets (``customer_id``, ``created_at``, ``nps``) as a DataFrame
        or a CSV / Parquet file.
    well_days : float
        Days to resolution that still count as a good recovery.
    well_outcomes : sequence of str
        Outcomes that count as resolved in the customer's favour.
    repeat_days : float
        Window of repeat business.
    as_of : timestamp, optional
        End of the data (default: the last ticket created by a known customer,
        in all the tickets whatever the ``filters``).
    alpha : float
        1 − confidence level, and the test level.
    filters : dict, optional
        Keep only the tickets of these segments, e.g. ``{"team": ["Billing"]}``.
        The complaints are taken as given (filter them beforehand if needed).
    options : cslib.data.tables.ReadOptions, optional
        How to read the tickets (time zone, column names…).
    validate : bool
        Check the tickets against the data contract first.

    Returns
    -------
    RecoveryParadox

    Examples
    --------
    >>> import pandas as pd
    >>> complaints = pd.DataFrame({"customer_id": ["c1"], "received_at": [pd.Timestamp("2026-01-01")],
    ...                            "resolved_at": [pd.Timestamp("2026-01-03")], "outcome": ["upheld"]})
    >>> tickets = pd.DataFrame({"customer_id": ["c1", "c1", "c2", "c2"], "nps": [None, 10, None, 6],
    ...                         "created_at": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-01-05", "2026-02-01"])})
    >>> r = recovery_paradox(complaints, tickets)
    >>> r.table[["group", "customers", "nps_n", "nps"]].values.tolist()
    [['resolved well', 1, 1, 100.0], ['resolved poorly', 0, 0, nan], ['never complained', 1, 1, -100.0]]
    """
    alpha = check_alpha(alpha)
    _positive(well_days, "well_days")
    _positive(repeat_days, "repeat_days")
    check_frame(
        complaints,
        ["customer_id", "received_at", "resolved_at", "outcome"],
        where="recovery_paradox (complaints)",
    )
    tickets = _ticket_source(tickets, options)
    timezone = (options or ReadOptions()).timezone
    comp = _group(complaints, well_days, well_outcomes)
    complained = pd.DataFrame(
        {
            "customer_id": _customer_ids(comp["customer_id"]),
            "group": comp["group"],
            "reference_at": _naive(pd.to_datetime(comp["reference_at"]), timezone),
            "_order": np.arange(len(comp), dtype=np.int64),
        }
    )
    complainers = pd.DataFrame(
        {"customer_id": _customer_ids(complaints["customer_id"].dropna()).unique()}
    )
    if as_of is not None:
        as_of = pd.Timestamp(as_of)
        if as_of.tzinfo is not None:
            as_of = as_of.tz_convert(timezone).tz_localize(None)
    params: dict[str, object] = {"window": pd.Timedelta(days=repeat_days).value // 1000}
    if as_of is not None:
        params["as_of"] = as_of.to_pydatetime()

    con, view, tie_break = _tickets_view(
        tickets, filters, options, validate, complained, complainers
    )
    try:
        rows = con.execute(
            f"""
            SELECT "group", count(*), count(later_nps),
                   count(*) FILTER (WHERE later_nps >= 9), count(*) FILTER (WHERE later_nps <= 6),
                   coalesce(sum(later_nps), 0), count("repeat"), coalesce(sum("repeat"), 0)
            FROM ({_per_customer(view, tie_break, as_of)}) GROUP BY "group"
            """,
            params,
        ).fetchall()
    finally:
        con.close()
    counts = {r[0]: tuple(int(v) for v in r[1:]) for r in rows}

    def assignment() -> pd.DataFrame:
        con, view, tie_break = _tickets_view(
            tickets, filters, options, False, complained, complainers
        )
        try:
            return con.execute(
                f"""
                SELECT customer_id, "group", reference_at, CAST(later_nps AS DOUBLE) AS later_nps,
                       CAST("repeat" AS DOUBLE) AS "repeat"
                FROM ({_per_customer(view, tie_break, as_of)})
                ORDER BY _order NULLS LAST, reference_at, customer_id
                """,
                params,
            ).df()
        finally:
            con.close()

    totals = {name: counts.get(name, (0,) * 7) for name in GROUPS}
    table = pd.DataFrame([_group_row(name, totals[name], alpha) for name in GROUPS])
    nps = {name: NpsCounts(p, n - p - d, d) for name, (_, n, p, d, *_) in totals.items()}
    repeat = {name: (s, n) for name, (*_, n, s) in totals.items()}

    tests = []
    pairs = ((GROUPS[0], GROUPS[2]), (GROUPS[1], GROUPS[2]), (GROUPS[0], GROUPS[1]))
    for measure, given, kind in (("nps", nps, "nps"), ("repeat", repeat, "proportion")):
        for a, b in pairs:
            na, nb = _size(given[a]), _size(given[b])
            if not (na and nb):
                continue  # nothing to compare
            try:
                res = compare(given[b], given[a], kind=kind, alpha=alpha).iloc[0]
            except ParameterError:
                continue
            tests.append(
                {
                    "measure": measure,
                    "comparison": f"{a} − {b}",
                    "n_a": na,
                    "n_b": nb,
                    "diff": res["diff"],
                    "ci_low": res["ci_low"],
                    "ci_high": res["ci_high"],
                    "p_value": res["p_value"],
                    "method": res["method"],
                }
            )
    tests = pd.DataFrame(
        tests,
        columns=[
            "measure",
            "comparison",
            "n_a",
            "n_b",
            "diff",
            "ci_low",
            "ci_high",
            "p_value",
            "method",
        ],
    )
    ok = tests["p_value"].notna()
    tests["p_adjusted"] = np.nan
    if ok.any():
        tests.loc[ok, "p_adjusted"] = adjust_pvalues(
            tests.loc[ok, "p_value"].to_numpy(), method="holm"
        )["p_adjusted"].to_numpy()
    holds, finding = _finding(table, tests, alpha)
    definition = (
        f"Resolved well = first complaint resolved within {well_days:g} days as {' or '.join(well_outcomes)}; "
        f"later NPS = first answer after the resolution (never complained: after the first ticket); "
        f"repeat business = any ticket within {repeat_days:g} days. Holm-adjusted p-values."
    )
    return RecoveryParadox(
        table=table,
        tests=tests,
        holds=holds,
        finding=finding,
        definition=definition,
        _assignment=assignment,
    )


def _ticket_source(tickets: object, options: ReadOptions | None) -> pd.DataFrame | str | Path:
    """Check the tickets argument; a DataFrame without ``ticket_id`` gets row numbers as ids."""
    if isinstance(tickets, str | Path):
        return tickets
    if not isinstance(tickets, pd.DataFrame):
        raise ParameterError(
            Problem(
                "recovery_paradox expects the tickets as a pandas DataFrame or a file path",
                column="tickets",
                values=(type(tickets).__name__,),
                fix="pass the tickets DataFrame or the path of a CSV / Parquet file",
            )
        )
    if options is not None and (options.columns or options.mapping is not None):
        return tickets  # read through a column mapping: checked once mapped
    check_frame(tickets, list(TICKET_COLUMNS), where="recovery_paradox (tickets)")
    if "ticket_id" not in tickets.columns:  # not needed here, but the contract requires it
        tickets = tickets.assign(ticket_id=np.arange(1, len(tickets) + 1, dtype=np.int64))
    return tickets


def _size(counts: tuple[int, ...]) -> int:
    return sum(counts) if isinstance(counts, NpsCounts) else counts[1]


def _group_row(name: str, counts: tuple[int, ...], alpha: float) -> dict[str, object]:
    """One row of the table from the group's totals."""
    customers, n, promoters, detractors, rating_sum, repeat_n, repeats = counts
    row = {
        "group": name,
        "customers": customers,
        "nps_n": n,
        "nps": np.nan,
        "nps_ci_low": np.nan,
        "nps_ci_high": np.nan,
        "promoters": np.nan,
        "detractors": np.nan,
        "mean_rating": rating_sum / n if n else np.nan,
        "repeat_n": repeat_n,
        "repeat_rate": repeats / repeat_n if repeat_n else np.nan,
        "repeat_ci_low": np.nan,
        "repeat_ci_high": np.nan,
    }
    if n:
        row.update(
            nps=100 * (promoters / n - detractors / n),
            promoters=promoters / n,
            detractors=detractors / n,
        )
        if n >= 2:
            row.update(_nps_ci(NpsCounts(promoters, n - promoters - detractors, detractors), alpha))
    if repeat_n:
        from statsmodels.stats.proportion import proportion_confint

        lo, hi = proportion_confint(repeats, repeat_n, alpha=alpha, method="wilson")
        row.update(repeat_ci_low=float(lo), repeat_ci_high=float(hi))
    return row


def _nps_ci(counts: NpsCounts, alpha: float) -> dict[str, float]:
    """Normal interval of the NPS: mean ± z·sd/√n of the answers scored +100, 0, −100.

    The sample variance (ddof=1) comes from the counts in exact integer
    arithmetic: Σ(s − m)² = 10 000 · ((p + d)·n − (p − d)²) / n.

    Examples
    --------
    >>> ci = _nps_ci(NpsCounts(promoters=6, passives=3, detractors=1), 0.05)
    >>> round(ci["nps_ci_low"], 2), round(ci["nps_ci_high"], 2)
    (6.17, 93.83)
    """
    from scipy import stats

    p, d = counts.promoters, counts.detractors
    n = p + counts.passives + d
    var = 10_000 * ((p + d) * n - (p - d) ** 2) / (n * (n - 1))
    half = float(stats.norm.ppf(1 - alpha / 2) * np.sqrt(var) / np.sqrt(n))
    m = 100 * (p - d) / n
    return {"nps_ci_low": max(m - half, -100.0), "nps_ci_high": min(m + half, 100.0)}


def _finding(table: pd.DataFrame, tests: pd.DataFrame, alpha: float) -> tuple[bool | None, str]:
    key = tests[(tests["measure"] == "nps") & (tests["comparison"] == f"{GROUPS[0]} − {GROUPS[2]}")]
    if key.empty:
        return (
            None,
            "Too few later NPS answers from customers whose complaint was resolved well to test the service recovery paradox.",
        )
    k = key.iloc[0]
    t = table.set_index("group")
    lvl = f"{100 * (1 - alpha):g} %"
    base = (
        f"Customers whose complaint was resolved well later gave an NPS of {t.loc[GROUPS[0], 'nps']:.0f} "
        f"(n = {int(t.loc[GROUPS[0], 'nps_n'])}), against {t.loc[GROUPS[2], 'nps']:.0f} for customers who never complained "
        f"(n = {int(t.loc[GROUPS[2], 'nps_n'])}): a difference of {k['diff']:+.0f} points ({lvl} CI {k['ci_low']:+.0f} to {k['ci_high']:+.0f}, "
        f"adjusted p = {k['p_adjusted']:.3g})."
    )
    if k["p_adjusted"] < alpha and k["diff"] > 0:
        holds, verdict = (
            True,
            " The service recovery paradox holds in this data: a good recovery left customers more loyal than no problem at all.",
        )
    elif k["p_adjusted"] < alpha:
        holds, verdict = (
            False,
            " The paradox does not hold: even well-handled complainers end less loyal than customers who never complained.",
        )
    else:
        holds, verdict = (
            False,
            (
                " The paradox is not shown in this data: well-recovered complainers are not measurably more loyal than "
                "customers who never complained, so do not plan on complaints turning into loyalty."
            ),
        )
    poor = tests[
        (tests["measure"] == "nps") & (tests["comparison"] == f"{GROUPS[0]} − {GROUPS[1]}")
    ]
    extra = ""
    if not poor.empty and poor.iloc[0]["p_adjusted"] < alpha and poor.iloc[0]["diff"] > 0:
        p = poor.iloc[0]
        extra = (
            f" Recovery quality matters: resolved-well complainers score {p['diff']:.0f} NPS points higher than those resolved "
            f"poorly ({lvl} CI {p['ci_low']:.0f} to {p['ci_high']:.0f})."
        )
    rep = tests[
        (tests["measure"] == "repeat") & (tests["comparison"] == f"{GROUPS[0]} − {GROUPS[2]}")
    ]
    if not rep.empty:
        r = rep.iloc[0]
        same = (
            "no measurable difference"
            if r["p_adjusted"] >= alpha
            else ("more" if r["diff"] > 0 else "less")
        )
        extra += (
            f" Repeat business within the window: {same} between resolved-well complainers and customers who never "
            f"complained ({r['diff'] * 100:+.1f} percentage points, {lvl} CI {r['ci_low'] * 100:+.1f} to {r['ci_high'] * 100:+.1f})."
        )
    return holds, base + verdict + extra
