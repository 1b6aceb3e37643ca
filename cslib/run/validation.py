"""What ``cslib validate`` shows once a cycle is valid, and ``cslib demo`` before its run.

Per table: the ids that were cleaned, how an adapter or mapping fills the data
contract and the rows it cleaned; then the KPIs the tickets support
and the objectives whose target the planned review cannot detect. Every value
from the data is escaped, so no label is read as console markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from rich.markup import escape
from rich.table import Table

from cslib.cycle.model import load_cycle
from cslib.data import tables as io
from cslib.data.adapters import cleaning, describe
from cslib.data.tables import id_notes
from cslib.metrics import engine as kpi
from cslib.metrics.standards import is_standard
from cslib.stages.plan_power import power_warnings

__all__ = ["data_views", "monthly_kpis"]


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


def monthly_kpis(cycle_path: Path) -> tuple[str, Table]:
    """The sample operation's monthly KPIs over all teams (volume and the objectives' KPIs), as
    ``cslib demo`` shows them before the cycle runs: a sentence, then the table."""
    cycle = load_cycle(cycle_path)
    names = list(dict.fromkeys(["volume", *(o.kpi for o in cycle.objectives)]))
    monthly = kpi.compute(
        cycle.path("tickets"),
        kpis=names,
        freq="M",
        sla=cycle.sla_spec(),
        options=cycle.read_options("tickets"),
        economics=cycle.economics.model_dump(),
        **cycle.queue_definitions(),
        **_evaluations(cycle, names),
    )
    labels = {name: kpi.REGISTRY[name].label for name in names}
    sentence = (
        "The sample operation before the cycle runs: its monthly KPIs over all teams "
        "(shares as fractions, times in hours or seconds)."
    )
    frame = monthly[["period", *names]].rename(columns=labels)
    return sentence, _frame_table(frame, title=f"{cycle.title}: monthly KPIs (all teams)")


def _evaluations(cycle, names) -> dict:
    """What :func:`cslib.metrics.engine.compute` needs for the standards' KPIs among ``names``."""
    if "evaluations" not in cycle.data or not any(is_standard(n) for n in names):
        return {}
    return {
        "evaluations": cycle.path("evaluations"),
        "evaluation_options": cycle.read_options("evaluations"),
        "standards": cycle.standards.model_dump(),
    }


def _frame_table(frame: pd.DataFrame, *, title: str) -> Table:
    table = Table(*(escape(str(c)) for c in frame.columns), title=escape(title))
    for row in frame.itertuples(index=False):
        table.add_row(*(escape(_fmt(v)) for v in row))
    return table


def _fmt(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return "–" if pd.isna(value) else f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)
