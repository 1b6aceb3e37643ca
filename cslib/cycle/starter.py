"""A starter cycle file for a raw export: from an export to a valid cycle in one step and a few edits.

:func:`write_starter` looks at the export's header: when a built-in adapter reads it,
the cycle names that adapter; otherwise a mapping file with its guesses commented is
written next to the cycle file. The periods split the export's dates in two at a
month's start (baseline before, review after); the one objective is the first KPI
the data supports of resolution time, SLA met and first response time.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from cslib.cycle.artefacts import slug
from cslib.cycle.model import STAND_INS, parse_cycle
from cslib.data import tables as io
from cslib.data.adapters import sniff
from cslib.errors import ParameterError, Problem
from cslib.metrics.engine import availability

#: the objective a starter proposes: the first KPI the data supports
OBJECTIVES = [
    {"kpi": "resolution_hours", "statistic": "median", "direction": "decrease"},
    {"kpi": "sla_resolution_met", "direction": "increase"},
    {"kpi": "first_response_hours", "statistic": "median", "direction": "decrease"},
    {"kpi": "volume", "direction": "decrease"},
]


@dataclass(frozen=True)
class Starter:
    """What :func:`write_starter` wrote: the cycle file, the mapping file (or None) and the adapter."""

    cycle: Path
    mapping: Path | None
    adapter: str | None


def write_starter(export: str | Path, cycle: str | Path, *, force: bool = False) -> Starter:
    """Write a starter cycle file ``cycle`` for the tickets export ``export`` (read only, never written).

    Raises
    ------
    ParameterError
        When a file to write exists (and not ``force``), or the export is not a tickets table.
    """
    export, cycle = Path(export).resolve(), Path(cycle)
    frame = sniff.sample(export)
    found = sniff.recognise([str(c) for c in frame.columns], hint=str(export))
    source = {"path": _path_from(export, cycle.parent.resolve())}
    mapping_path = mapping_text = None
    if found and found[1] != "tickets":
        raise ParameterError(
            Problem(
                f"the export is a {found[1]} table (the built-in adapter {found[0]} reads it); a cycle starts from the tickets",
                file=str(export),
                fix=f"start from the tickets export, then add under data: {found[1]}: {{path: {export.name}, adapter: {found[0]}}}",
            )
        )
    if found:
        source["adapter"] = found[0]
    else:
        mapping_path = cycle.with_name(f"{slug(export.stem)}-mapping.yaml")
        mapping_text = sniff.mapping_text(sniff.guess_mapping(frame), source=export.name)
        source["mapping"] = mapping_path.name
    taken = [p for p in (cycle, mapping_path) if p is not None and p.exists()]
    if taken and not force:
        raise ParameterError(
            Problem(
                f"{', '.join(map(str, taken))} exists already",
                fix="choose another cycle file (cslib new --out), or overwrite them (--force; force=True in Python)",
            )
        )
    cycle.parent.mkdir(parents=True, exist_ok=True)
    inline = {**source, "mapping": yaml.safe_load(mapping_text)} if mapping_text else source
    text = _cycle_text(export, source, _dates_and_columns(inline, cycle.parent))
    if mapping_path is not None and mapping_text is not None:
        mapping_path.write_text(mapping_text, encoding="utf-8")
    cycle.write_text(text, encoding="utf-8")
    return Starter(cycle, mapping_path, found[0] if found else None)


def _path_from(export: Path, folder: Path) -> str:
    """The export's path relative to the cycle file's folder when it is near (at most two folders
    up), else absolute."""
    relative = os.path.relpath(export, folder)
    return relative if Path(relative).parts[:3].count("..") < 3 else str(export)


class _Plain(yaml.SafeDumper):
    """Writes a date used twice twice (no ``&id001`` anchors)."""

    def ignore_aliases(self, data) -> bool:
        return True


def _dates_and_columns(
    source: dict, base_dir: Path
) -> tuple[pd.Timestamp, pd.Timestamp, list[str]]:
    """The first and last ticket creation and the contract columns, read through the adapter or mapping."""
    probe = parse_cycle({**STAND_INS, "data": {"tickets": source}}, base_dir=base_dir)
    con, view = io.open_table(
        probe.path("tickets"), "tickets", opts=probe.read_options("tickets"), validate=False
    )
    try:
        first, last = con.execute(
            f'SELECT min(created_at), max(created_at) FROM "{view}"'
        ).fetchone()
        columns = list(con.table(view).columns)
    finally:
        con.close()
    return pd.Timestamp(first), pd.Timestamp(last), columns


def _periods(first: pd.Timestamp, last: pd.Timestamp) -> dict:
    """Baseline and review: the export's dates split at the start of the month of their midpoint
    (at the midpoint's day when the export spans less; after it when it spans one day)."""
    middle = (first + (last - first) / 2).date()
    after = [d for d in (middle.replace(day=1), middle) if first.date() < d <= last.date()]
    change = after[0] if after else last.date() + dt.timedelta(days=1)
    return {
        "baseline": {"start": first.date(), "end": change - dt.timedelta(days=1)},
        "review": {"start": change, "end": max(last.date(), change)},
        "change": change,
    }


def _cycle_text(export: Path, source: dict, found: tuple) -> str:
    """The starter cycle file: the export's periods, one objective the data supports, comments to edit."""
    first, last, columns = found
    if pd.isna(first) or pd.isna(last):  # no readable dates yet: the user's edits come first
        first, last = pd.Timestamp(dt.date.today().replace(day=1)), pd.Timestamp(dt.date.today())
    periods = _periods(first, last)
    avail = availability(columns).set_index("kpi")["available"]
    objective = next(o for o in OBJECTIVES if avail.get(o["kpi"], False))
    raw = {
        "title": f"Improvement cycle on {export.name}",
        "timezone": "UTC",
        "data": {"tickets": source},
        "periods": {k: periods[k] for k in ("baseline", "review")},
        "change": {"date": periods["change"], "name": "The change to evaluate"},
        "objectives": [{"id": "O1", **objective, "deadline": periods["review"]["end"]}],
    }
    head = (
        f"# Starter cycle drafted by `cslib new --from {export.name}`. Edit before use:\n"
        "# the periods split the export's dates in two at a month's start: set the change's real\n"
        "# date, name and description, the time zone of the export's clock, the objectives' targets,\n"
        "# owners and goals (organisation:), the scope, roll-out, SLA, risks and actions — see\n"
        "# data/sample/cycle.yaml for every key. Then: cslib validate <this file>.\n"
    )
    return head + yaml.dump(raw, Dumper=_Plain, sort_keys=False, allow_unicode=True, width=100)


__all__ = ["OBJECTIVES", "Starter", "write_starter"]
