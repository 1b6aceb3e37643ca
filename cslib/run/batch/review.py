"""The review file: a cycle template and its runs (a grid of teams × months, or a list).

:func:`load_review` reads and validates ``review.yaml``; every problem names its
key path (``grid.months[1]: not a month``). :func:`expand_runs` lists the runs it
asks for, before they are resolved against the cycle.

Examples
--------
>>> review = parse_review({"cycle": "cycle.yaml", "grid": {"teams": ["Billing", "Orders"], "months": ["2026-08"]}})
>>> [run.name for run in expand_runs(review)]
['billing-2026-08', 'orders-2026-08']
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cslib._yamlfile import problems_of, read_yaml
from cslib.cycle.artefacts import slug
from cslib.cycle.model import Window
from cslib.errors import ConfigError, Problem
from cslib.run.notebooks import NEEDS, STAGES

Scalar = str | int | float | bool
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
#: a stage a review runs, one of :data:`~cslib.run.notebooks.STAGES`
Stage = Literal["plan", "do", "check", "act"]
RunName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _months_as_text(v):
    """``2026-08`` stays text in YAML; a full date or a number is a mistake worth naming."""
    if isinstance(v, dt.date | int | float):
        raise ValueError(f"{v} is not a month: write months as YYYY-MM, e.g. 2026-08")
    return v


class Grid(_Model):
    """Every combination of ``teams`` × ``months`` (either may be left out)."""

    teams: list[str | list[str]] = Field(
        default_factory=list, description="a team, or a list of teams reviewed together"
    )
    months: list[Month] = Field(default_factory=list, description="review months, YYYY-MM")

    @field_validator("months", mode="before")
    @classmethod
    def _months(cls, v):
        return [_months_as_text(m) for m in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _something(self):
        if not self.teams and not self.months:
            raise ValueError("the grid needs teams, months or both")
        return self


class RunSpec(_Model):
    """One run listed by hand."""

    name: RunName | None = None
    teams: list[str] | str = Field(default_factory=list)
    month: Month | None = None
    review: Window | None = None
    parameters: dict[str, Scalar] = Field(default_factory=dict)
    notebooks: str | None = None

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, v):
        return _months_as_text(v)

    @model_validator(mode="after")
    def _one_window(self):
        if self.month and self.review:
            raise ValueError("give either month or review, not both")
        return self


class Review(_Model):
    """A batch review: a cycle template and its runs."""

    name: RunName | None = Field(
        None, description="batch folder name (default: the review file's name)"
    )
    cycle: str = Field(description="the cycle template, relative to the review file")
    out: str | None = Field(
        None,
        description="reports folder, relative to the review file (default: ./reports; --out wins)",
    )
    workers: int | None = Field(
        None, ge=1, le=256, description="runs at a time on this machine (default: 2 × cores)"
    )
    stages: list[Stage] = Field(default_factory=lambda: list(get_args(Stage)))
    timeout: float = Field(3600, gt=0, description="seconds a whole run may take")
    cell_timeout: int = Field(900, gt=0, description="seconds a notebook cell may take")
    retries: int = Field(
        2, ge=0, le=10, description="retries of a stage whose kernel failed to start"
    )
    notebooks: str | None = Field(
        None, description="folder of your own PDCA notebooks, relative to the review file"
    )
    parameters: dict[str, Scalar] = Field(
        default_factory=dict, description="extra notebook parameters for every run"
    )
    grid: Grid | None = None
    runs: list[RunSpec] = Field(default_factory=list)

    @field_validator("stages")
    @classmethod
    def _stages(cls, v):
        if not v:
            raise ValueError(f"list at least one stage of {', '.join(STAGES)}")
        order = [s for s in STAGES if s in v]
        if list(v) != order or len(set(v)) != len(v):
            raise ValueError(f"stages must be listed once each in PDCA order: {', '.join(order)}")
        for stage, needed in NEEDS.items():
            if stage in v and needed not in v:
                raise ValueError(
                    f"the {stage} stage needs the {needed} stage in the same run: add {needed}"
                )
        return v

    @model_validator(mode="after")
    def _some_runs(self):
        if self.grid is None and not self.runs:
            raise ValueError("no runs: add a grid (teams × months) or a list of runs")
        return self


@dataclass(frozen=True)
class RunPlan:
    """One run of a batch, before it is resolved against the cycle."""

    name: str
    teams: tuple[str, ...] = ()
    window: tuple[dt.date, dt.date] | None = None
    parameters: dict[str, Scalar] = field(default_factory=dict)
    notebooks: str | None = None
    key: str = ""  # where in the review file it comes from


def _review_error(kind: str, key: str, error: dict) -> tuple[str, str] | None:
    """Error kinds of the review file's own fields (months, folder-safe names)."""
    if kind == "string_pattern_mismatch" and "month" in key:
        return f"not a month: {error.get('input')!r}", "write months as YYYY-MM, e.g. 2026-08"
    if kind == "string_pattern_mismatch":
        return (
            f"not a folder-safe name: {error.get('input')!r}",
            "use letters, digits, '.', '_' and '-' (up to 80)",
        )
    return None


def parse_review(raw: Any, *, source: str = "review file") -> Review:
    """Validate a review given as a mapping (the parsed YAML); errors name their key path."""
    if not isinstance(raw, dict):
        raise ConfigError(
            Problem(
                "the review file must be a mapping of keys (cycle:, grid: or runs:, …)", file=source
            )
        )
    try:
        return Review.model_validate(raw)
    except ValidationError as err:
        problems = problems_of(
            err, source, what="review file", readme="Batch runs", extra=_review_error
        )
        raise ConfigError(problems, where=source) from None


def load_review(path: str | Path) -> Review:
    """Read and validate a review file.

    Raises
    ------
    ConfigError
        Naming the key path of every problem and how to fix it.
    """
    path = Path(path)
    raw = read_yaml(
        path, what="review file", fix="give the path of a review.yaml (see data/sample/review.yaml)"
    )
    return parse_review(raw, source=str(path))


def _month_window(month: str) -> tuple[dt.date, dt.date]:
    year, mon = map(int, month.split("-"))
    return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _team_list(teams: str | list[str]) -> tuple[str, ...]:
    items = teams.split(",") if isinstance(teams, str) else teams
    return tuple(t.strip() for t in items if t.strip())


def expand_runs(review: Review) -> list[RunPlan]:
    """The runs of a review in file order: the grid's combinations, then the listed runs.

    Run names default to the teams' and the month's slugs (``billing-2026-08``).
    """
    runs: list[RunPlan] = []
    if review.grid is not None:
        teams: Sequence[str | list[str] | None] = review.grid.teams or [None]
        months: Sequence[str | None] = review.grid.months or [None]
        for i, team in enumerate(teams):
            for j, month in enumerate(months):
                group = _team_list(team) if team is not None else ()
                name = "-".join([*(slug(t) for t in group), *([month] if month else [])])
                keys = [
                    f"grid.teams[{i}]" if team is not None else "",
                    f"grid.months[{j}]" if month else "",
                ]
                runs.append(
                    RunPlan(
                        name,
                        group,
                        _month_window(month) if month else None,
                        key=" × ".join(k for k in keys if k),
                    )
                )
    for i, spec in enumerate(review.runs):
        group = _team_list(spec.teams)
        window = (
            _month_window(spec.month)
            if spec.month
            else (spec.review.start, spec.review.end)
            if spec.review
            else None
        )
        name = (
            spec.name
            or "-".join([*(slug(t) for t in group), *([spec.month] if spec.month else [])])
            or f"run-{i + 1}"
        )
        runs.append(
            RunPlan(name, group, window, dict(spec.parameters), spec.notebooks, key=f"runs[{i}]")
        )
    return runs


__all__ = ["Grid", "Review", "RunPlan", "RunSpec", "expand_runs", "load_review", "parse_review"]
