"""Computing a batch's KPI panel once, before its runs, and keeping it while its inputs hold.

The panel (:mod:`cslib.cycle.panel`) holds the KPI frames the runs of one team
read, for every team of the batch's one-team runs: one DuckDB scan per frame,
grouped by team, instead of one per run. Its fingerprint hashes the runs' derived
cycle files, the data file hashes, the package versions, the teams and the frames;
an unchanged rerun reuses the panel, any change rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

from cslib.cycle import artefacts
from cslib.cycle.model import load_cycle
from cslib.cycle.panel import INDEX, SCHEMA_VERSION, Panel, Request, requests
from cslib.cycle.workbook import Workbook
from cslib.errors import ConfigError
from cslib.run.batch.results import Batch


def panel_plan(batch: Batch) -> tuple[list[str], list[Request], str]:
    """The teams, the frames and the fingerprint of a batch's panel (no teams: no panel)."""
    teams = sorted({t.teams[0] for t in batch.tasks if len(t.teams) == 1})
    found: dict[str, Request] = {}
    for cycle_file in dict.fromkeys(t.cycle for t in batch.tasks):
        for request in requests(load_cycle(cycle_file)):
            grouped = request.by if "team" in request.by else ("team", *request.by)
            stored = replace(request, by=grouped)
            found.setdefault(stored.key, stored)
    detail = {
        "schema_version": SCHEMA_VERSION,
        "cycles": sorted({t.fingerprint_detail["cycle"] for t in batch.tasks}),
        "inputs": [t.fingerprint_detail.get("inputs") for t in batch.tasks[:1]],
        "versions": [t.fingerprint_detail.get("versions") for t in batch.tasks[:1]],
        "teams": teams,
        "frames": sorted(found),
    }
    fingerprint = hashlib.sha256(json.dumps(detail, sort_keys=True, default=str).encode())
    return teams, list(found.values()), fingerprint.hexdigest()


def build_panel(batch: Batch) -> Path | None:
    """The batch's panel folder, computed unless an unchanged one is there; None without one-team runs."""
    teams, frames, fingerprint = panel_plan(batch)
    if not teams:
        return None
    folder = artefacts.panel_folder(batch.dir)
    try:
        if Panel(folder).fingerprint == fingerprint:
            return folder
    except ConfigError:
        pass  # missing or damaged: rebuilt below
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    wb = Workbook(load_cycle(batch.tasks[0].cycle), folder, "plan", tuple(teams))
    index = {}
    for n, request in enumerate(frames):
        frame = wb.kpis(**request.arguments())
        name = f"{n:03d}.parquet"
        with artefacts.written_whole(folder / name) as part:
            frame.to_parquet(part, index=False)
        index[request.key] = name
    record = {
        "schema_version": SCHEMA_VERSION,
        "fingerprint": fingerprint,
        "teams": teams,
        "frames": index,
    }
    artefacts.write_whole(folder / INDEX, json.dumps(record, indent=2))  # last: the panel is whole
    return folder


__all__ = ["build_panel", "panel_plan"]
