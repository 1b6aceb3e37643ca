"""MkDocs hook: pages that contain ``<!-- kpi-registry -->`` get the KPI registry rendered there.

The KPI reference is written from :data:`cslib.metrics.registry.REGISTRY` at every
build, so the documented formula, unit and source of a KPI are the ones the code uses.
"""

from __future__ import annotations

from cslib.metrics.registry import KPI, REGISTRY, glossary

#: each KPI's formula worded with the default contact-centre definitions
FORMULA = glossary().set_index("kpi")["definition"].to_dict()

MARKER = "<!-- kpi-registry -->"

#: how each kind of KPI aggregates over the tickets of a period × segment
AGGREGATION = {
    "count": "count of tickets",
    "duration": "median (or mean) and 90th percentile, in `<kpi>_p90`",
    "proportion": "share of the counted tickets for which the formula holds (0–1)",
    "mean": "mean over the counted tickets",
    "score": "% of answers 9–10 − % of answers 0–6 (−100 … 100)",
    "stock": "count at the end of the period",
    "rate": "ratio of two counts",
}

#: inputs other than ticket columns, in words
NEEDS = {
    "sla.response": "an SLA response target (`sla.response` in the cycle file)",
    "sla.resolution": "an SLA resolution target (`sla.resolution`, or `sla_due_at` / `sla_met` columns)",
    "complaints": "a complaints table",
    "economics": "`economics.hourly_cost` in the cycle file",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _better(k: KPI) -> str:
    return k.better or "context only"


def _needs(k: KPI) -> str:
    columns = [f"`{c}`" for c in k.requires]
    if k.requires_any:
        columns.append(" or ".join(f"`{c}`" for c in k.requires_any))
    return ", ".join(columns + [NEEDS[n] for n in k.needs])


def summary_table(registry: dict[str, KPI] = REGISTRY) -> str:
    """One row per KPI: name, label, formula, unit and which direction is better."""
    rows = [
        "| KPI | label | formula | unit | better |",
        "|---|---|---|---|---|",
    ]
    for k in registry.values():
        rows.append(
            f"| [`{k.name}`](#{k.name}) | {_cell(k.label)} | {_cell(FORMULA[k.name])} "
            f"| {_cell(k.unit)} | {_better(k)} |"
        )
    return "\n".join(rows)


def kpi_section(k: KPI) -> str:
    """A KPI's own section: formula, unit, aggregation, what it needs and its source."""
    lines = [
        f"### `{k.name}` — {k.label} {{#{k.name}}}",
        "",
        f"**Formula:** {FORMULA[k.name]}.",
        "",
        f"- **Unit:** {k.unit}; **better:** {_better(k)}",
        f"- **Aggregates as:** {AGGREGATION[k.kind]}; the denominator is `{k.name}_n`",
        f"- **Needs:** {_needs(k)}",
        f"- **Source:** {k.source}",
    ]
    if k.survey:
        lines.append(
            "- Periods with fewer than `min_responses` answers are flagged in `<kpi>_few`."
        )
    if k.uses_as_of:
        lines.append(
            "- Depends on when the data was extracted: tickets still open are judged as of then."
        )
    return "\n".join(lines)


def render(registry: dict[str, KPI] = REGISTRY) -> str:
    """The whole registry as Markdown: the summary table, then a section per KPI."""
    sections = "\n\n".join(kpi_section(k) for k in registry.values())
    return f"{summary_table(registry)}\n\n## Each KPI\n\n{sections}\n"


def on_page_markdown(markdown: str, page, config, files) -> str:
    """MkDocs event: put the rendered registry where the page has the marker."""
    return markdown.replace(MARKER, render()) if MARKER in markdown else markdown
