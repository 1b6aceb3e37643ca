"""The index of a batch: ``index.html``, one row per run, sortable without scripts.

Each row shows a run's status, whether its teams are roll-out or comparison teams,
its decision, its objectives' values and verdicts (read from the Check and Act
stages' artefacts) and links to its report or, for a failed run, to the executed
notebook that failed. Runs of roll-out teams come first, then the comparison group.

>>> rollout = {"Billing": "2026-06-01"}
>>> group(["Billing"], rollout), group(["Accounts"], rollout), group([], rollout), group(["Accounts"], {})
('roll-out team', 'comparison team', 'roll-out and comparison teams', '')
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import quote

from cslib.cycle import artefacts
from cslib.cycle.artefacts import slug
from cslib.cycle.model import load_cycle
from cslib.data.parquet import read_frame
from cslib.display import MISSING, fmt
from cslib.run.batch.results import STATUS_ORDER, Batch, RunOutcome, Status
from cslib.stages.decision import COMPARISON
from cslib.stages.summary import summarise

#: the groups of runs in the order the index lists them
GROUPS: tuple[str, ...] = ("roll-out team", "roll-out teams", "roll-out and comparison teams")
GROUPS += ("comparison team", "comparison teams", "")


def group(teams: list[str], rollout) -> str:
    """Whether a run's teams adopted the change (roll-out) or are the comparison group; empty without a roll-out."""
    if not rollout:
        return ""
    adopted = [t for t in teams if t in rollout]
    if not teams or 0 < len(adopted) < len(teams):
        return "roll-out and comparison teams"
    kind = "roll-out team" if adopted else "comparison team"
    return kind + ("s" if len(teams) > 1 else "")


def _value(value, unit: str) -> str:
    """A KPI value at display precision with its unit (shares as %, money with its currency)."""
    text = fmt(value, unit)
    plain = text == MISSING or unit in ("", "share") or (len(unit) == 3 and unit.isupper())
    return text if plain else f"{text} {unit}"


def _decision(o: RunOutcome, kind: str) -> str:
    """The run's decision as its report states it (a comparison team's is never to abandon)."""
    if not o.ok:
        return MISSING
    if kind.startswith("comparison"):
        return COMPARISON
    found = summarise(o.run_dir)
    return found.decision.decision if found else MISSING


def _rel(path: str | None, base: Path) -> str | None:
    """A link from the index to ``path``; none when the file is not there (never a broken link)."""
    if not path or not Path(path).is_file():
        return None
    return quote(os.path.relpath(path, base).replace(os.sep, "/"))


def _index_rows(batch: Batch, outcomes: list[RunOutcome]) -> tuple[list[dict], list[dict]]:
    """Rows of the index (display text and sort keys) and its objective columns."""

    rollout = load_cycle(batch.cycle_path).rollout
    objectives: dict[str, dict] = {}
    rows = []
    for position, o in enumerate(outcomes):
        verdicts = artefacts.table_path(o.run_dir, "check", "verdicts")
        records = read_frame(verdicts).to_dict("records") if o.ok and verdicts.is_file() else []
        cells, counts = _verdict_cells(records, objectives)
        rows.append(_row(batch, position, o, cells, counts, group(o.teams, rollout)))
    return rows, list(objectives.values())


def _verdict_cells(verdicts: list[dict], objectives: dict[str, dict]) -> tuple[dict, dict]:
    """A run's cell per objective and its count of each verdict; new objectives join ``objectives``."""
    import pandas as pd

    cells: dict[str, dict[str, object]] = {}
    counts: dict[str, int] = {}
    for v in verdicts:
        oid = str(v.get("objective"))
        objectives.setdefault(
            oid,
            {
                "id": oid,
                "label": f"{oid} {v.get('measure') or v.get('kpi') or ''}".strip(),
                "unit": v.get("unit") or "",
            },
        )
        verdict = str(v.get("verdict") or "")
        counts[verdict] = counts.get(verdict, 0) + 1
        change = v.get("change")
        key = None if change is None or pd.isna(change) else float(change)
        change_text = "" if key is None else f" · {fmt(change, 'change')}".replace("-", "−")
        # a target met without a detectable change is not read as the change's success
        target = " · target met" if v.get("target_met") is True and verdict == "improved" else ""
        cells[oid] = {
            "value": _value(v.get("actual"), v.get("unit") or ""),
            "verdict": f"{verdict}{change_text}{target}",
            "class": slug(verdict),
            "key": key,
        }
    return cells, counts


def _row(batch: Batch, position: int, o: RunOutcome, cells: dict, counts: dict, kind: str) -> dict:
    """One run's row: what it shows and the key of each sortable column."""
    verdict_text = ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    decision = _decision(o, kind)
    return {
        "position": position,
        "name": o.name,
        "teams": ", ".join(o.teams) or "all",
        "group": kind,
        "decision": decision,
        "review": "…".join(o.review),
        "status": o.status.value,
        "error_short": (o.error.splitlines()[0][:200] if o.error else ""),
        "stage": o.stage,
        "cell": o.cell,
        "ename": o.ename,
        "evalue": o.evalue,
        "report": _rel(o.report, batch.dir),
        "notebook": _rel(o.notebook, batch.dir),
        "seconds": o.seconds,
        "seconds_text": MISSING if o.seconds is None else f"{o.seconds:,.0f} s",
        "verdicts": verdict_text or MISSING,
        "objectives": cells,
        "keys": {
            "run": o.name.lower(),
            "teams": (", ".join(o.teams) or "all").lower(),
            "group": (GROUPS.index(kind), position),
            "decision": decision if decision != MISSING else None,
            "review": "…".join(o.review),
            "status": STATUS_ORDER.get(o.status, 9),
            "verdicts": (counts.get("improved", 0), -counts.get("worsened", 0)) if counts else None,
            "seconds": o.seconds,
            **{f"o-{oid}": c["key"] for oid, c in cells.items()},
        },
    }


def _sorted(rows: list[dict], key: str, descending: bool) -> list[dict]:
    present = [r for r in rows if r["keys"].get(key) is not None]
    absent = [r for r in rows if r["keys"].get(key) is None]
    return (
        sorted(present, key=lambda r: (r["keys"][key], r["position"]), reverse=descending) + absent
    )


def write_index(batch: Batch, outcomes: list[RunOutcome]) -> Path:
    """``index.html`` of a batch: one row per run, sortable by every column without scripts.

    Each sort order is a pre-rendered copy of the table; a column header links to
    the copy sorted by it (CSS ``:target`` shows that copy), and clicking it again
    reverses the order. Self-contained: inline style only, no scripts, no external URLs.
    """
    import jinja2

    from cslib.run.page_style import CSS

    rows, objectives = _index_rows(batch, outcomes)
    grouped = any(r["group"] for r in rows)
    columns = [
        {"key": "run", "label": "Run"},
        {"key": "teams", "label": "Teams"},
        *([{"key": "group", "label": "Group"}] if grouped else []),
        {"key": "review", "label": "Review"},
        {"key": "status", "label": "Status"},
        {"key": "decision", "label": "Decision"},
        {"key": "verdicts", "label": "Verdicts"},
    ]
    columns += [
        {"key": f"o-{o['id']}", "label": o["label"], "objective": o["id"]} for o in objectives
    ]
    columns += [{"key": "seconds", "label": "Time"}]
    for i, col in enumerate(columns):
        col["id"] = f"c{i}"
    views = [
        {
            "id": "first-order",
            "rows": _sorted(rows, "group", False),
            "sorted_by": None,
            "descending": False,
            "default": True,
        }
    ]
    for col in columns:
        for descending in (False, True):
            views.append(
                {
                    "id": f"by-{col['id']}-{'desc' if descending else 'asc'}",
                    "rows": _sorted(rows, col["key"], descending),
                    "sorted_by": col["id"],
                    "descending": descending,
                    "default": False,
                }
            )
    # the default view comes last so that `:target ~ .default` can hide it
    views = views[1:] + views[:1]
    counts: dict[Status, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    html = env.get_template("index.html.j2").render(
        title=f"{batch.title} — {batch.name}",
        subtitle=f"{len(outcomes)} runs of {batch.review_path.name} · "
        + ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: STATUS_ORDER.get(kv[0], 9))
        )
        + f" · {dt.datetime.now():%Y-%m-%d %H:%M}",
        groups=_group_sentence(rows) if grouped else "",
        css=CSS,
        columns=columns,
        grouped=grouped,
        views=views,
        failures=[row for row, o in zip(rows, outcomes, strict=True) if not o.ok],
    )
    path = artefacts.index_path(batch.dir)
    path.write_text(html, encoding="utf-8")
    return path


def _group_sentence(rows: list[dict]) -> str:
    """How many runs are of roll-out teams and how many of the comparison group."""
    rollout = sum(r["group"].startswith("roll-out") for r in rows)
    comparison = sum(r["group"].startswith("comparison") for r in rows)
    return (
        f"{rollout} run(s) of teams that adopted the change (roll-out), listed first; "
        f"{comparison} run(s) of comparison teams, which did not adopt it: their decision is "
        f"'{COMPARISON}', their figures show what happens without the change."
    )


__all__ = ["group", "write_index"]
