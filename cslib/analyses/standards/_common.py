"""Pieces the standards analyses share: group columns, the declared scorecard, one group's share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import pandas as pd

from cslib._args import check_frame
from cslib.errors import ParameterError, Problem

#: what the scorecard may declare per criterion, besides its name
DECLARED = ("dimension", "weight", "critical", "standard")
#: what describes a whole evaluation (the same on each of its criterion rows)
EVALUATION_COLUMNS = (
    "date",
    "source",
    "team",
    "agent_id",
    "channel",
    "ticket_id",
    "evaluator",
    "scorecard",
)

Scorecard: TypeAlias = pd.DataFrame | Sequence[Mapping[str, object]] | None


def group_columns(by: str | Sequence[str] | None, data: pd.DataFrame, *, where: str) -> list[str]:
    """The ``by`` argument as a list of column names, each present in ``data``."""
    columns = [] if by is None else [by] if isinstance(by, str) else list(by)
    check_frame(data, columns, where=where)
    return columns


def declared(scorecard: Scorecard) -> pd.DataFrame | None:
    """The scorecard as a table, one row per criterion (``criterion`` and any of :data:`DECLARED`)."""
    if scorecard is None:
        return None
    table = scorecard if isinstance(scorecard, pd.DataFrame) else pd.DataFrame(list(scorecard))
    if table.empty:
        return None
    check_frame(table, ["criterion"], where="scorecard")
    keys = ["criterion", "scorecard"] if _by_form(table) else ["criterion"]
    twice = table[table.duplicated(keys)]
    if len(twice):
        raise ParameterError(
            Problem(
                "the scorecard declares a criterion more than once",
                column="criterion",
                values=tuple(twice["criterion"].head(5)),
                fix="declare each criterion once (per scorecard)",
            )
        )
    return table[[c for c in (*keys, *DECLARED) if c in table]]


def _by_form(table: pd.DataFrame) -> bool:
    """Whether the scorecard names the form of every criterion (several forms are declared)."""
    return "scorecard" in table and bool(table["scorecard"].notna().all())


def wilson(met: object, n: object, alpha: float) -> tuple[object, object]:
    """Wilson score interval of ``met`` out of ``n`` (arrays welcome)."""
    from statsmodels.stats.proportion import proportion_confint

    return proportion_confint(met, n, alpha=alpha, method="wilson")
