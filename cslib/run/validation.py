"""What ``cslib validate`` shows once a cycle is valid.

Per table: the ids that were cleaned, how an adapter or mapping fills the data
contract and the rows it cleaned; then the KPIs the tickets support
and the objectives whose target the planned review cannot detect. Every value
from the data is escaped, so no label is read as console markup.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.markup import escape
from rich.table import Table

from cslib.data import tables as io
from cslib.data.adapters import cleaning, describe
from cslib.data.tables import id_notes
from cslib.metrics import engine as kpi
from cslib.stages.plan_power import power_warnings

__all__ = ["data_views"]


def data_views(cycle) -> Iterator[str | Table]:
    """Lines and tables about a valid cycle's data, in the order ``cslib validate`` prints them."""
    yield from _id_notes(cycle)
    yield from _mappings(cycle)
    yield _availability(cycle)
    yield from _power(cycle)


def _id_notes(cycle) -> Iterator[str]:
    """Ids changed before they were compared (invisible characters removed), per table."""

    for name in cycle.data:
        for note in id_notes(cycle.path(name), name, opts=cycle.read_options(name)):
            yield escape(f"{name} {note}")


def _mappings(cycle) -> Iterator[Table]:
    """For tables read through an adapter or mapping: which contract columns stay unmapped."""

    for name in cycle.data:
        opts = cycle.read_options(name)
        if opts.mapping is None:
            continue
        d = describe(cycle.path(name), name, opts=opts)
        table = Table(
            "column", "from", "note", title=escape(f"{name}: how the source fills the contract")
        )
        for r in d.itertuples():
            table.add_row(
                r.column,
                escape(str(r.source)) if r.source else "[yellow]unmapped[/]",
                escape(r.note),
            )
        yield table
        cleaned = cleaning(cycle.path(name), name, opts=opts)
        if len(cleaned):
            table = Table("step", "rows", title=escape(f"{name}: rows the mapping cleaned"))
            for r in cleaned.itertuples():
                table.add_row(escape(str(r.step)), f"{r.rows:,}")
            yield table


def _power(cycle) -> Iterator[str]:
    """Objectives whose target the planned review cannot detect (warnings: the cycle stays valid)."""
    for line in power_warnings(cycle):
        yield f"[yellow]warning[/]: {escape(line)}"


def _availability(cycle) -> Table:
    """Which KPIs the tickets' columns support, and what each missing one lacks."""
    con, view = io.open_table(
        cycle.path("tickets"), "tickets", opts=cycle.read_options("tickets"), validate=False
    )
    avail = kpi.availability(
        con.table(view).columns,
        sla=cycle.sla_spec(),
        complaints="complaints" in cycle.data,
        economics=cycle.economics.model_dump(),
        evaluations="evaluations" in cycle.data,
        standards=cycle.standard_kpis(),
    )
    con.close()
    table = Table("KPI", "available", "missing", title="KPIs the data supports")
    for row in avail.itertuples():
        table.add_row(row.kpi, "yes" if row.available else "[yellow]no[/]", escape(row.missing))
    return table
