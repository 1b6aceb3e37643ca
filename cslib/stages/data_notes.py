"""What the report says about its data: the contact-centre definitions used and the rows the mapping cleaned."""

from __future__ import annotations

import pandas as pd

from cslib.cycle.workbook import Workbook
from cslib.data.adapters import cleaning
from cslib.display import Html
from cslib.metrics.engine import glossary

#: the contact-centre KPIs whose definitions vary between centres (the first two need queue data)
QUEUE_KPIS = ("abandon_rate", "service_level", "asa_seconds", "aht_seconds")


def definitions_of(wb: Workbook) -> pd.DataFrame:
    """``kpi`` and ``definition`` of every KPI as this cycle computes them."""
    return glossary(**wb.cycle.queue_definitions())[["kpi", "definition"]]


def definitions_used(wb: Workbook, available: pd.DataFrame) -> Html | None:
    """The queue KPIs' definitions, with the short-abandon threshold, when the data has queue KPIs:
    shown when an objective is one of them, else on demand (a closed appendix)."""
    words = definitions_of(wb).set_index("kpi")["definition"]
    have = set(available.loc[available["available"].isin([True, "yes"]), "kpi"])
    if not have & set(QUEUE_KPIS[:2]):
        return None
    label = available.set_index("kpi")["label"]
    title = "Contact-centre definitions used (the cycle file's definitions)"
    defined = [f"{label[k]}: {words[k]}." for k in QUEUE_KPIS if k in have]
    if any(o.kpi in QUEUE_KPIS for o in wb.cycle.objectives):
        return Html.bullets(defined, title=title)
    return Html.folded(title, Html.bullets(defined))


def cleaning_note(wb: Workbook, table: str = "tickets") -> Html | None:
    """The rows the table's mapping left out, by reason, and the small negative durations it zeroed."""
    # the raw export: the staged copy of ``wb.source`` is already cleaned
    found = cleaning(wb.cycle.path(table), table, opts=wb.cycle.read_options(table))
    found = found[found["rows"] > 0]
    if found.empty:
        return None
    return Html.bullets(
        [f"{r.step}: {r.rows:,} row{'s' if r.rows != 1 else ''}" for r in found.itertuples()],
        title=f"Cleaned by the {table} mapping (the rows dropped are in no figure)",
    )
