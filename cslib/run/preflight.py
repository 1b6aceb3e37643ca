"""The checks made before any kernel starts, for one run and for every run of a batch.

:func:`cslib.run.runner.prepare` and :func:`cslib.run.batch.plan_batch` (and
``cslib validate``) share them. The cycle and its evidence raise at once; the
team, parameter and notebook checks return what they found, so that a batch can
name every problem of every run in one message.

Examples
--------
>>> unknown_teams(["Billing", "Nowhere"], {"Billing", "Orders"}, column="teams")
Problem(what='no tickets for team Nowhere', file=None, column='teams', rows=(), n_rows=None, values=('Nowhere',), fix="the data has the teams: 'Billing', 'Orders' (correct the name, or map the data's labels to it in a mapping file's values: team)")
>>> unknown_parameters({"teams": "Billing"}, {"teams", "cycle"}, reserved=("cycle",), set_by="") is None
True
"""

from __future__ import annotations

import ast
import json
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from cslib._yamlfile import read_yaml
from cslib.cycle.evidence import check_cycle, teams_fix
from cslib.cycle.model import STAND_INS, Cycle, check_tables, parse_cycle
from cslib.errors import ConfigError, CslibError, Problem
from cslib.run.inputs import table_hashes
from cslib.run.notebooks import NOTEBOOKS

if TYPE_CHECKING:
    import pandas as pd


def validated(path: str | Path) -> tuple[Cycle, pd.DataFrame]:
    """The cycle file, its tables and what they say about each other, checked in one pass.

    Problems of the cycle file do not stop the rest: keys with problems are set aside
    and the tables and the cross-file checks (roll-out and scope teams present in the
    data, tickets in the baseline, objectives' KPIs available) run on what remains. The
    checks against the data need readable tickets (complaints, evaluations): while those tables
    have problems, only these are reported.

    Returns
    -------
    Cycle, DataFrame
        The parsed cycle and the evidence it does not yet give (warnings only).

    Raises
    ------
    CslibError
        Listing every problem found, before anything is reported as valid.
    """
    source = str(path)
    cycle, set_aside, tables, problems = _file_and_tables(path)
    if cycle is None:
        raise ConfigError(problems, where=source)
    readable = not any(
        tables.get(t) for t in ("tickets", "complaints", "evaluations")
    )  # what the KPIs read
    findings = check_cycle(cycle, data=readable)
    kept = _kept(set_aside, dated=not set_aside & {"periods", "change"})
    errors = findings[(findings["level"] == "error") & findings["item"].map(kept)]
    problems += [
        Problem(r.finding, file=f"{source}: {r.item}", fix=r.fix) for r in errors.itertuples()
    ]
    if problems:
        raise CslibError(problems, where=f"{source} and its tables")
    return cycle, findings[findings["level"] == "warning"].reset_index(drop=True)


def _file_and_tables(
    path: str | Path, checked: Mapping[str, Mapping[str, str]] | None = None
) -> tuple[Cycle | None, set[str], dict[str, list[Problem]], list[Problem]]:
    """The cycle (None when unreadable), the keys set aside, each table's problems, and every problem.

    ``checked`` holds the tables' inputs (:func:`~cslib.run.inputs.table_hashes`) as they were
    when they were last found without problems: unchanged, they are not checked again.
    """
    source = str(path)
    cycle, set_aside, problems = _salvaged(read_yaml(Path(path)), source, Path(path).parent)
    if cycle is None:
        tables: dict[str, list[Problem]] = {}
    elif checked and table_hashes(cycle) == checked:
        tables = {table: [] for table in cycle.data}
    else:
        tables = check_tables(cycle, source=source)
    return cycle, set_aside, tables, problems + [p for found in tables.values() for p in found]


def _salvaged(
    raw: object, source: str, base_dir: Path
) -> tuple[Cycle | None, set[str], list[Problem]]:
    """The cycle, the top-level keys set aside for their problems, and those problems.

    The cycle is None when even without those keys it cannot be read (no usable tickets entry).
    """
    try:
        return parse_cycle(raw, source=source, base_dir=base_dir), set(), []
    except ConfigError as exc:
        problems = exc.problems
    if not isinstance(raw, dict):
        return None, set(), problems
    try:
        Cycle.model_validate({**raw, "base_dir": base_dir})
        located = []
    except ValidationError as err:
        located = [e["loc"] for e in err.errors() if e["loc"]]
    set_aside = {str(loc[0]) for loc in located}
    kept = {k: v for k, v in raw.items() if k not in set_aside}
    if "data" in set_aside and isinstance(raw.get("data"), dict):
        bad = {str(loc[1]) for loc in located if loc[0] == "data" and len(loc) > 1}
        kept["data"] = {t: v for t, v in raw["data"].items() if t not in bad}
    kept.update({k: v for k, v in STAND_INS.items() if k in set_aside or k not in raw})
    try:
        return Cycle.model_validate({**kept, "base_dir": base_dir}), set_aside, problems
    except ValidationError:
        return None, set_aside, problems


def _kept(set_aside: set[str], *, dated: bool):
    """Whether a finding of :func:`check_cycle` is about the cycle as written (not a stand-in);
    unless ``dated`` (the periods are the file's own), only the team names count."""

    def about_the_file(item: str) -> bool:
        key = item.split(".")[0].split(" ")[0]
        key = "objectives" if key == "objective" else key
        return key not in set_aside and (dated or key in ("rollout", "scope"))

    return about_the_file


def checked_cycle(
    path: str | Path,
    *,
    name: str | None = None,
    error: type[CslibError] = CslibError,
    checked: Mapping[str, Mapping[str, str]] | None = None,
) -> Cycle:
    """The parsed cycle file; raises ``error`` listing every problem in it and its tables at once.

    ``name`` names the file in the message (default: its path). Tables whose inputs hash as
    in ``checked`` (a batch checked them before its runs) are not checked again.
    """
    cycle, _, _, problems = _file_and_tables(path, checked)
    if problems or cycle is None:  # an unreadable cycle always comes with its problems
        raise error(problems, where=f"{name or path} and its tables")
    return cycle


def check_evidence(cycle: Cycle, source: str | Path) -> pd.DataFrame:
    """The evidence the cycle does not yet give; raises when an item makes it impossible to evaluate.

    Returns the findings (the warnings that remain) of :func:`~cslib.cycle.evidence.check_cycle`.
    """
    findings = check_cycle(cycle)
    errors = findings[findings["level"] == "error"]
    if len(errors):
        raise CslibError(
            [
                Problem(r.finding, file=f"{source}: {r.item}", fix=r.fix)
                for r in errors.itertuples()
            ],
            title="the cycle cannot be evaluated",
        )
    return findings


def known_teams(cycle: Cycle) -> set[str]:
    """The teams the cycle's tickets name (one scan of the tickets)."""
    from cslib.cycle.workbook import Workbook

    return set(Workbook(cycle, cycle.base_dir, "plan").labels("team"))


def unknown_teams(teams: Iterable[str], known: Collection[str], **where) -> Problem | None:
    """The teams without tickets, as a problem located by ``where`` (``file=`` or ``column=``)."""
    missing = [t for t in teams if t not in known]
    if not missing:
        return None
    return Problem(
        f"no tickets for team {', '.join(missing)}",
        values=tuple(missing),
        fix=teams_fix(missing, sorted(known)),
        **where,
    )


def declared_parameters(notebooks: Path, stage: str) -> set[str]:
    """The parameters the stage's notebook in the folder ``notebooks`` declares.

    Raises ConfigError, naming the notebook, when it cannot be read (not a notebook, or
    no kernel or language in its metadata).
    """
    path = notebooks / NOTEBOOKS[stage]
    try:
        return _parameter_names(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, OSError, SyntaxError) as exc:
        raise ConfigError(
            Problem(
                f"cannot read the notebook's parameters: {str(exc).splitlines()[0][:200]}",
                file=str(path),
                fix="use the notebooks cslib ships (cslib.run.notebooks_dir()), or save this one "
                "from JupyterLab with a Python kernel so its metadata names the kernel",
            )
        ) from None


def _parameter_names(nb: dict) -> set[str]:
    """The names a notebook's ``parameters`` cell assigns, as papermill reads them, without
    importing papermill (a second of a batch's start): the cell's top-level assignments.

    >>> cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": ["cycle: str = ''  # file\\n", "teams = ''"]}
    >>> sorted(_parameter_names({"metadata": {"kernelspec": {"name": "python3", "language": "python"}}, "cells": [cell]}))
    ['cycle', 'teams']
    """
    kernel = nb["metadata"].get("kernelspec") or {}
    language = kernel.get("language") or (nb["metadata"].get("language_info") or {}).get("name")
    if not kernel.get("name") or language != "python":
        raise ValueError("the notebook's metadata names no Python kernel")
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return set()
    source = cells[0]["source"]
    tree = ast.parse(source if isinstance(source, str) else "".join(source))
    names = set()
    for node in tree.body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def unknown_parameters(
    parameters: Mapping[str, object],
    declared: set[str],
    *,
    reserved: Collection[str],
    set_by: str,
    **where,
) -> Problem | None:
    """Parameters the notebooks do not declare, or that the caller sets itself (``reserved``).

    ``set_by`` says who sets the reserved ones, in the fix; ``where`` locates the problem.
    """
    bad = [k for k in parameters if k not in declared or k in reserved]
    if not bad:
        return None
    return Problem(
        f"unknown notebook parameter {', '.join(bad)}",
        fix=f"the notebooks take: {', '.join(sorted(declared - set(reserved)))} ({set_by})",
        **where,
    )


def missing_notebooks(notebooks: Path, stages: Iterable[str]) -> list[str]:
    """The notebook files of ``stages`` that the folder ``notebooks`` lacks."""
    return [NOTEBOOKS[s] for s in stages if not (notebooks / NOTEBOOKS[s]).is_file()]


__all__ = [
    "check_evidence",
    "checked_cycle",
    "declared_parameters",
    "known_teams",
    "missing_notebooks",
    "unknown_parameters",
    "unknown_teams",
    "validated",
]
