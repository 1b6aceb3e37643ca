"""The service recovery paradox tested on the data rather than assumed.

Do customers whose complaint was resolved well end up more loyal than
customers who never complained? The complainers are grouped by how their
first complaint was resolved; their later NPS and repeat business come from
the tickets, read in DuckDB so that only the groups' totals reach pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame, frame_html, positive
from cslib._docstrings import TICKET_SCAN
from cslib.analyses.complaints._comparison import finding, group_table, pairwise_tests
from cslib.analyses.complaints._loyalty import GROUPS, TICKET_COLUMNS, LaterLoyalty
from cslib.data.tables import ReadOptions
from cslib.errors import ParameterError, Problem

__all__ = ["RecoveryParadox", "recovery_paradox"]

#: outcomes that count as resolved in the customer's favour
WELL_OUTCOMES = ("upheld", "partly upheld")


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


@TICKET_SCAN.fill
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
    {tickets}
        Needs ``customer_id``, ``created_at`` and ``nps``.
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
    {filters}
        The complaints are taken as given (filter them beforehand if needed).
    {options}
    {validate}

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
    positive(well_days, "well_days")
    positive(repeat_days, "repeat_days")
    check_frame(
        complaints,
        ["customer_id", "received_at", "resolved_at", "outcome"],
        where="recovery_paradox (complaints)",
    )
    tickets = _ticket_source(tickets, options)
    timezone = (options or ReadOptions()).timezone
    complained, complainers = _complainers(complaints, well_days, well_outcomes, timezone)
    as_of = _wall_time(as_of, timezone)
    params: dict[str, object] = {"window": pd.Timedelta(days=repeat_days).value // 1000}
    if as_of is not None:
        params["as_of"] = as_of.to_pydatetime()
    loyalty = LaterLoyalty(
        tickets=tickets,
        filters=filters,
        options=options,
        complained=complained,
        complainers=complainers,
        as_of=as_of,
        params=params,
    )
    counts = loyalty.totals(validate)
    totals = {name: counts.get(name, (0,) * 7) for name in GROUPS}
    table = group_table(totals, alpha)
    tests = pairwise_tests(totals, alpha)
    holds, text = finding(table, tests, alpha)
    definition = (
        f"Resolved well = first complaint resolved within {well_days:g} days as {' or '.join(well_outcomes)}; "
        f"later NPS = first answer after the resolution (never complained: after the first ticket); "
        f"repeat business = any ticket within {repeat_days:g} days. Holm-adjusted p-values."
    )
    return RecoveryParadox(
        table=table,
        tests=tests,
        holds=holds,
        finding=text,
        definition=definition,
        _assignment=loyalty.customers,
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


def _complainers(
    complaints: pd.DataFrame, well_days: float, well_outcomes: Sequence[str], timezone: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The complainers' groups and reference times (in complaint order), and all their ids."""
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
    return complained, complainers


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


def _customer_ids(ids: pd.Series) -> pd.Series:
    """Complaint customer ids as text, trimmed like the tickets' ids."""
    return ids.astype(str).str.strip()


def _naive(stamps: pd.Series, timezone: str) -> pd.Series:
    """Time-zone-aware timestamps as naive wall time of ``timezone`` (as the tickets are typed)."""
    if getattr(stamps.dtype, "tz", None) is None:
        return stamps
    return stamps.dt.tz_convert(timezone).dt.tz_localize(None)


def _wall_time(as_of: object, timezone: str) -> pd.Timestamp | None:
    """``as_of`` as a timestamp; an aware one as naive wall time of ``timezone``."""
    if as_of is None:
        return None
    stamp = pd.Timestamp(as_of)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(timezone).tz_localize(None)
    return stamp
