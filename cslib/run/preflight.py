"""The checks made before any kernel starts, for one run and for every run of a batch.

:func:`cslib.run.runner.prepare` and :func:`cslib.run.batch.plan_batch` (and
``cslib validate``) share them. The cycle and its evidence raise at once; the
team, parameter and notebook checks return what they found, so that a batch can
name every problem of every run in one message.

Examples
--------
>>> unknown_teams(["Billing", "Nowhere"], {"Billing", "Orders"}, column="teams")
Problem(what='no tickets for team Nowhere', file=None, column='teams', rows=(), n_rows=None, values=('Nowhere',), fix='the data has the teams: Billing, Orders')
>>> unknown_parameters({"teams": "Billing"}, {"teams", "cycle"}, reserved=("cycle",), set_by="") is None
True
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cslib.cycle.evidence import check_cycle
from cslib.cycle.model import validate_cycle
from cslib.errors import CslibError, Problem
from cslib.run.notebooks import NOTEBOOKS

if TYPE_CHECKING:
    import pandas as pd

    from cslib.cycle.model import Cycle


def checked_cycle(
    path: str | Path, *, name: str | None = None, error: type[CslibError] = CslibError
) -> Cycle:
    """The parsed cycle file; raises ``error`` listing every problem in it and its tables.

    ``name`` names the file in the message (default: its path).
    """
    cycle, problems = validate_cycle(path)
    if problems:
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

    volume = Workbook(cycle, cycle.base_dir, "plan").kpis(kpis=["volume"], freq="all", by="team")
    return {str(t) for t in volume["team"]}


def unknown_teams(teams: Iterable[str], known: Collection[str], **where) -> Problem | None:
    """The teams without tickets, as a problem located by ``where`` (``file=`` or ``column=``)."""
    missing = [t for t in teams if t not in known]
    if not missing:
        return None
    return Problem(
        f"no tickets for team {', '.join(missing)}",
        values=tuple(missing),
        fix=f"the data has the teams: {', '.join(sorted(known))}",
        **where,
    )


def declared_parameters(notebooks: Path, stage: str) -> set[str]:
    """The parameters the stage's notebook in the folder ``notebooks`` declares."""
    import papermill

    return set(papermill.inspect_notebook(str(notebooks / NOTEBOOKS[stage])))


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
]
