"""Later loyalty per customer, queried from the tickets in DuckDB.

Every customer gets a group (the complainers' from their first complaint, the
others "never complained"), a reference time, the first NPS answer after it
and whether they came back within the repeat window. Only group totals reach
pandas, unless the per-customer table is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cslib.data.tables import ReadOptions
from cslib.metrics.engine import scan
from cslib.metrics.periods import segment_filter

#: the groups compared, in the order of the result table
GROUPS = ("resolved well", "resolved poorly", "never complained")
#: the ticket columns the recovery paradox reads
TICKET_COLUMNS = ("customer_id", "created_at", "nps")


def per_customer(typed: str, scope: list[str], tie_break: bool, as_of: pd.Timestamp | None) -> str:
    """SQL of one row per customer: group, reference time, first later NPS answer, repeat (0/1),
    from the tickets of view ``typed`` that meet every condition of ``scope`` (SQL).

    Parameters ``$window`` (microseconds of the repeat window) and, with an
    ``as_of``, ``$as_of``; the default end of the data is the latest ticket of a
    known customer in all the tickets (read in the same pass).
    """
    first = (
        "(k.created_at, TRY_CAST(k.ticket_id AS BIGINT), k.ticket_id)"
        if tie_break
        else "k.created_at"
    )
    end = "CAST($as_of AS TIMESTAMP)" if as_of is not None else "(SELECT max(created_at) FROM seen)"
    columns = "customer_id, created_at, nps" + (", ticket_id" if tie_break else "")
    return f"""
    WITH seen AS (
        SELECT {columns}, {" AND ".join(scope) or "TRUE"} AS in_scope
        FROM "{typed}" WHERE customer_id IS NOT NULL
    ), tk AS NOT MATERIALIZED (  -- a filter of seen, not a second copy of the tickets
        SELECT * FROM seen WHERE in_scope
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


@dataclass(frozen=True, eq=False)
class LaterLoyalty:
    """The query of later loyalty: the tickets, the complainers' groups, the end of the data.

    ``params`` holds ``window`` (microseconds of the repeat window) and, with an
    ``as_of``, ``as_of``, the parameters of :func:`per_customer`'s SQL.
    """

    tickets: pd.DataFrame | str | Path
    filters: Mapping[str, Sequence | str] | None
    options: ReadOptions | None
    complained: pd.DataFrame
    complainers: pd.DataFrame
    as_of: pd.Timestamp | None
    params: dict[str, object]

    def _open(self, validate: bool):
        """Open the tickets with :func:`cslib.metrics.engine.scan`, check the columns and register the complaints."""
        con, view = scan(
            self.tickets,
            filters=self.filters,
            options=self.options,
            validate=validate,
            require=TICKET_COLUMNS,
        )
        columns = con.table(view).columns
        con.register("_rp_complained", self.complained)
        con.register("_rp_complainers", self.complainers)
        scope = segment_filter(self.filters)
        return con, per_customer(f"{view}_typed", scope, "ticket_id" in columns, self.as_of)

    def totals(self, validate: bool) -> dict[str, tuple[int, ...]]:
        """Per group: customers, NPS answers, promoters, detractors, sum of the answers,
        customers whose repeat window ended and those of them who came back."""
        con, customers = self._open(validate)
        try:
            rows = con.execute(
                f"""
                SELECT "group", count(*), count(later_nps),
                       count(*) FILTER (WHERE later_nps >= 9), count(*) FILTER (WHERE later_nps <= 6),
                       coalesce(sum(later_nps), 0), count("repeat"), coalesce(sum("repeat"), 0)
                FROM ({customers}) GROUP BY "group"
                """,
                self.params,
            ).fetchall()
        finally:
            con.close()
        return {r[0]: tuple(int(v) for v in r[1:]) for r in rows}

    def customers(self) -> pd.DataFrame:
        """One row per customer: ``customer_id``, ``group``, ``reference_at``, ``later_nps``, ``repeat``."""
        con, customers = self._open(False)
        try:
            return con.execute(
                f"""
                SELECT customer_id, "group", reference_at, CAST(later_nps AS DOUBLE) AS later_nps,
                       CAST("repeat" AS DOUBLE) AS "repeat"
                FROM ({customers})
                ORDER BY _order NULLS LAST, reference_at, customer_id
                """,
                self.params,
            ).df()
        finally:
            con.close()
