"""Planning a batch: every run of a review checked against its cycle and data, then resolved into a task.

Everything a user can get wrong is found before any kernel starts and raised as
one :class:`~cslib.errors.ConfigError` naming the review file's key paths. For each
run a derived cycle file is written into the batch folder (the review window set
to the run's month, data paths made absolute — nothing is written next to the
template or its data). A task's fingerprint — data file hashes, derived cycle
file, parameters, stages, notebooks and package versions — lets a later batch
skip the run when none of them changed (:func:`is_current`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from cslib._machine import cores
from cslib._yamlfile import FastDumper, FastLoader
from cslib.cycle import artefacts
from cslib.cycle.artefacts import slug
from cslib.cycle.model import parse_cycle
from cslib.cycle.sources import rebase_sources
from cslib.errors import ConfigError, Problem
from cslib.run import preflight
from cslib.run.batch.results import Batch, RunTask
from cslib.run.batch.review import Review, RunPlan, expand_runs, load_review, parse_review
from cslib.run.failures import describe
from cslib.run.inputs import file_hash, table_hashes
from cslib.run.notebooks import NOTEBOOKS, notebooks_dir
from cslib.run.runner import versions

if TYPE_CHECKING:
    import datetime as dt

    from cslib.cycle.model import Cycle

#: notebook parameters a batch sets itself
RESERVED = ("cycle", "run_dir", "teams", "panel")


def default_workers() -> int:
    """Two runs per core: a run spends much of its time waiting for kernels."""
    return 2 * cores()


def plan_batch(
    review_path: str | Path,
    *,
    out: str | Path | None = None,
    stages: list[str] | None = None,
    workers: int | None = None,
) -> Batch:
    """Check a review file against its cycle and data; write the derived cycle files; return the tasks.

    Everything a user can get wrong is found here, before any kernel starts, and
    raised as one :class:`ConfigError` naming the review file's key paths.
    """
    review_path = Path(review_path).resolve()
    source = str(review_path)
    review, template = _review_and_template(review_path, stages)
    cycle = preflight.checked_cycle(
        template, name=f"the cycle template {template}", error=ConfigError
    )
    runs = expand_runs(review)
    problems = [
        *_name_problems(runs, source),
        *_team_problems(cycle, runs, source),
        *_window_problems(cycle, runs, source),
    ]
    notebook_dirs, lacking = _notebook_folders(review, runs, review_path.parent, source)
    problems += lacking + _parameter_problems(review, runs, notebook_dirs, source)
    if problems:
        raise ConfigError(problems, where=source)

    name = review.name or slug(review_path.stem)
    out_dir = (
        Path(out)
        if out is not None
        else (review_path.parent / review.out)
        if review.out
        else Path("reports")
    ).resolve()
    batch_dir = artefacts.run_folder(out_dir, cycle.title, name)
    try:
        artefacts.cycles_folder(batch_dir).mkdir(parents=True, exist_ok=True)
        tasks = _tasks(
            review, review_path, runs, cycle, template, out_dir, batch_dir, notebook_dirs
        )
    except OSError as exc:  # --out is read-only, a file, or on a full disk
        raise ConfigError(
            Problem(
                describe(exc)[1],
                file=str(batch_dir),
                fix="choose a folder you can write with --out",
            )
        ) from None
    return Batch(
        name,
        batch_dir,
        review_path,
        template,
        cycle.title,
        tasks,
        workers or review.workers or default_workers(),
    )


def _review_and_template(review_path: Path, stages: list[str] | None) -> tuple[Review, Path]:
    """The review (with ``stages`` overriding its own) and its cycle template, which must exist."""
    review = load_review(review_path)
    if stages is not None:
        review = parse_review(
            {**review.model_dump(exclude_unset=True, mode="json"), "stages": list(stages)},
            source=str(review_path),
        )
    template = (
        (review_path.parent / review.cycle).resolve()
        if not Path(review.cycle).is_absolute()
        else Path(review.cycle)
    )
    if not template.is_file():
        raise ConfigError(
            Problem(
                f"the cycle template {review.cycle} was not found",
                file=f"{review_path}: cycle",
                fix="give the cycle file's path relative to the review file",
            )
        )
    return review, template


def _name_problems(runs: list[RunPlan], source: str) -> list[Problem]:
    """Run names are distinct and leave the batch folder's own entries alone."""
    problems = []
    names: dict[str, str] = {}
    for run in runs:
        if run.name.lower() in artefacts.BATCH_ENTRIES:
            problems.append(
                Problem(
                    f"the run name '{run.name}' is taken by the batch folder's own files",
                    file=f"{source}: {run.key}",
                    fix="choose another name (runs[].name)",
                )
            )
        if run.name in names:
            problems.append(
                Problem(
                    f"two runs are both named '{run.name}' (also {names[run.name]})",
                    file=f"{source}: {run.key}",
                    fix="give the runs distinct names (runs[].name), or remove the duplicate",
                )
            )
        names.setdefault(run.name, run.key)
    return problems


def _team_problems(cycle: Cycle, runs: list[RunPlan], source: str) -> list[Problem]:
    """Every run's teams have tickets (one scan of the tickets for the team names)."""
    if not any(run.teams for run in runs):
        return []
    known = preflight.known_teams(cycle)
    found = (preflight.unknown_teams(run.teams, known, file=f"{source}: {run.key}") for run in runs)
    return [problem for problem in found if problem]


def _window_problems(cycle: Cycle, runs: list[RunPlan], source: str) -> list[Problem]:
    """Review windows come after the baseline and not before the change."""
    problems = []
    for run in runs:
        if run.window is None:
            continue
        start, end = run.window
        if start <= cycle.periods.baseline.end:
            problems.append(
                Problem(
                    f"the review window {start}…{end} starts before the baseline ends ({cycle.periods.baseline.end})",
                    file=f"{source}: {run.key}",
                    fix="review months after the baseline",
                )
            )
        elif end < cycle.change.date:
            problems.append(
                Problem(
                    f"the review window {start}…{end} ends before the change ({cycle.change.date})",
                    file=f"{source}: {run.key}",
                    fix="review months from the change's month on",
                )
            )
    return problems


def _notebook_folders(
    review: Review, runs: list[RunPlan], base: Path, source: str
) -> tuple[dict[str | None, Path], list[Problem]]:
    """The notebooks folder of the review (key ``None``) and of each run naming its own, and the lacking ones."""
    folders: dict[str | None, Path] = {}
    problems = []
    for key, folder in [
        ("notebooks", None),
        *((f"{run.key}.notebooks", run.notebooks) for run in runs if run.notebooks),
    ]:
        chosen = folder or review.notebooks
        path = (base / chosen).resolve() if chosen else notebooks_dir()
        lacking = preflight.missing_notebooks(path, review.stages)
        if lacking:
            problems.append(
                Problem(
                    f"the notebooks folder {path} lacks {', '.join(lacking)}",
                    file=f"{source}: {key}",
                    fix="point it at a folder with the PDCA notebooks (relative to the review file)",
                )
            )
        folders[folder] = path
    return folders, problems


def _parameter_problems(
    review: Review, runs: list[RunPlan], folders: dict[str | None, Path], source: str
) -> list[Problem]:
    """The review's and each run's parameters are declared by the notebooks they run."""
    first = review.stages[0]
    declared = {
        folder: preflight.declared_parameters(path, first)
        for folder, path in folders.items()
        if not preflight.missing_notebooks(path, [first])
    }
    found = (
        preflight.unknown_parameters(
            params,
            declared[folder],
            reserved=RESERVED,
            set_by="cycle, run_dir and panel are set by the batch, teams by the runs' teams",
            file=f"{source}: {key}",
        )
        for key, params, folder in [
            ("parameters", review.parameters, None),
            *((f"{run.key}.parameters", run.parameters, run.notebooks) for run in runs),
        ]
        if folder in declared
    )
    return [problem for problem in found if problem]


def _tasks(
    review: Review,
    review_path: Path,
    runs: list[RunPlan],
    cycle: Cycle,
    template: Path,
    out_dir: Path,
    batch_dir: Path,
    notebook_dirs: dict[str | None, Path],
) -> list[RunTask]:
    """Write each run's derived cycle file and resolve the run into its task."""
    raw = yaml.load(template.read_text(encoding="utf-8"), Loader=FastLoader)
    source = str(review_path)
    checked = table_hashes(cycle)  # the tables as plan_batch checked them: the runs need not
    shared = {
        "inputs": {table: checked[table]["sha256"] for table in cycle.data},
        "versions": versions(),
    }
    notebook_hashes = {
        folder: {s: file_hash(path / NOTEBOOKS[s]) for s in review.stages}
        for folder, path in notebook_dirs.items()
    }
    tasks, problems = [], []
    for run in runs:
        derived, notes = _derive(raw, template.parent, run.window)
        header = (
            f"# Derived by `cslib batch` from {template} for the run '{run.name}' of {review_path.name}.\n# Regenerated on every batch: edit the template or the review file instead.\n"
            + "".join(f"# {n}\n" for n in notes)
        )
        text = header + yaml.dump(
            derived, Dumper=FastDumper, sort_keys=False, allow_unicode=True, width=120
        )
        cycle_file = artefacts.derived_cycle_path(batch_dir, run.name)
        try:
            parse_cycle(
                yaml.load(text, Loader=FastLoader),
                source=f"{source}: {run.key}",
                base_dir=cycle_file.parent,
            )
        except ConfigError as exc:
            problems += exc.problems
            continue
        if not cycle_file.exists() or cycle_file.read_text(encoding="utf-8") != text:
            cycle_file.write_text(text, encoding="utf-8")
        detail = {
            "cycle": hashlib.sha256(text.encode()).hexdigest(),
            **shared,
            "parameters": _parameters(review, run),
            "stages": list(review.stages),
            "notebooks": notebook_hashes[run.notebooks],
        }
        folder = notebook_dirs[run.notebooks]
        task = _task(run, review, cycle, cycle_file, out_dir, batch_dir, folder, detail)
        tasks.append(replace(task, checked=checked))
    if problems:
        raise ConfigError(problems, where=source)
    return tasks


def _parameters(review: Review, run: RunPlan) -> dict:
    """A run's notebook parameters: the review's, the run's own, and its teams."""
    return {
        **review.parameters,
        **run.parameters,
        **({"teams": ",".join(run.teams)} if run.teams else {}),
    }


def _task(
    run: RunPlan,
    review: Review,
    cycle: Cycle,
    cycle_file: Path,
    out_dir: Path,
    batch_dir: Path,
    notebooks: Path,
    detail: dict,
) -> RunTask:
    """One run resolved; ``detail`` holds the inputs its fingerprint hashes."""
    window = run.window or (cycle.periods.review.start, cycle.periods.review.end)
    return RunTask(
        name=run.name,
        teams=list(run.teams),
        review=[d.isoformat() for d in window],
        cycle=str(cycle_file),
        out=str(out_dir),
        run_id=f"{batch_dir.name}/{run.name}",
        run_dir=str(artefacts.batch_run_folder(batch_dir, run.name)),
        stages=list(review.stages),
        parameters=detail["parameters"],
        notebooks=str(notebooks),
        cell_timeout=review.cell_timeout,
        timeout=review.timeout,
        retries=review.retries,
        fingerprint=hashlib.sha256(
            json.dumps(detail, sort_keys=True, default=str).encode()
        ).hexdigest(),
        fingerprint_detail=detail,
    )


def _derive(
    raw: dict, base: Path, window: tuple[dt.date, dt.date] | None
) -> tuple[dict, list[str]]:
    """The template's raw YAML with data paths made absolute and the review window set."""
    raw = json.loads(json.dumps(raw, default=str))  # a deep copy with dates as ISO text
    notes = []
    if isinstance(raw.get("data"), dict):
        raw["data"] = rebase_sources(raw["data"], base)
    if window is not None:
        start, end = window
        raw.setdefault("periods", {})["review"] = {
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        notes.append(f"review window set to {start}…{end}")
        for obj in raw.get("objectives") or []:
            deadline = obj.get("deadline") if isinstance(obj, dict) else None
            if deadline and str(deadline) < start.isoformat():
                obj["deadline"] = end.isoformat()
                notes.append(
                    f"objective {obj.get('id')}: deadline {deadline} moved to {end} (it fell before this review)"
                )
    return raw, notes


def is_current(task: RunTask) -> bool:
    """Did an earlier batch already run this task with the same inputs, successfully, with a report?"""
    try:
        stored = artefacts.read_fingerprint(task.run_dir)
        manifest = artefacts.read_manifest(task.run_dir)
    except (OSError, ValueError):
        return False
    return (
        stored.get("fingerprint") == task.fingerprint
        and manifest.get("status") == "ok"
        and artefacts.report_path(task.run_dir).is_file()
    )


__all__ = ["Batch", "default_workers", "is_current", "plan_batch"]
