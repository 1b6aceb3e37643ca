"""Errors a user can cause, with messages that say what is wrong and how to fix it.

Every problem in user input (a data file, the cycle file, a parameter) is raised
as a :class:`CslibError`. The CLI prints its message without a traceback and
exits with code 2. Programming errors are never wrapped.

Examples
--------
>>> err = DataError([Problem("dates cannot be read", file="tickets.csv",
...                          column="created_at", rows=(3, 7), values=("31/02/2026",),
...                          fix="use ISO dates such as 2026-04-01 14:30")])
>>> print(err)
1 problem in the input:
- tickets.csv, column 'created_at': dates cannot be read (rows 3, 7; value '31/02/2026')
  fix: use ISO dates such as 2026-04-01 14:30
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: how many example rows and values a message shows
SHOW = 5


@dataclass(frozen=True)
class Problem:
    """One problem found in the input.

    Parameters
    ----------
    what : str
        What is wrong, in plain words.
    file : str, optional
        The file (or the cycle-file key path) where it is.
    column : str, optional
        The column (or field) concerned.
    rows : sequence of int
        Row numbers as a spreadsheet shows them (the header is row 1), the first few.
    n_rows : int, optional
        How many rows are affected in total when more than ``rows`` shows.
    values : sequence
        Offending values, the first few.
    fix : str, optional
        How to fix it.
    """

    what: str
    file: str | None = None
    column: str | None = None
    rows: Sequence[int] = ()
    n_rows: int | None = None
    values: Sequence[object] = ()
    fix: str | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (self.file, f"column '{self.column}'" if self.column else None) if part
        )
        detail = []
        if self.rows:
            shown = ", ".join(str(r) for r in list(self.rows)[:SHOW])
            total = self.n_rows if self.n_rows is not None else len(self.rows)
            more = f" … {total} rows in all" if total > min(len(self.rows), SHOW) else ""
            detail.append(f"row{'s' if total > 1 else ''} {shown}{more}")
        if len(self.values):
            shown = ", ".join(repr(_plain(v)) for v in _unique(self.values)[:SHOW])
            detail.append(f"value{'s' if len(self.values) > 1 else ''} {shown}")
        text = f"{where}: {self.what}" if where else self.what
        if detail:
            text += f" ({'; '.join(detail)})"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


def _plain(value: object) -> object:
    """Numpy scalars print as plain Python values."""
    return value.item() if hasattr(value, "item") else value


def _unique(values: Iterable[object]) -> list[object]:
    seen: list[object] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def count(problems: Sequence[object]) -> str:
    """``1 problem``, ``3 problems``: the head of every message that lists problems."""
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"


class CslibError(Exception):
    """A problem in the user's input; the CLI shows it and exits with code 2.

    Built from a message, a list of :class:`Problem`, or both. ``where`` names the
    input for the head line (``2 problems in cycle.yaml:``); ``title`` replaces it.
    """

    exit_code = 2

    def __init__(
        self,
        problems: str | Problem | Iterable[Problem],
        *,
        title: str | None = None,
        where: str | None = None,
    ):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        self.title = title or (f"{count(self.problems)} in {where}" if where else None)
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.problems) == 1 and not self.title and not self.problems[0].file:
            return str(self.problems[0])
        head = self.title or f"{count(self.problems)} in the input"
        lines = [f"{head}:"] + [f"- {p}" for p in self.problems]
        return "\n".join(lines)


class DataError(CslibError):
    """A data file does not meet the data contract (missing columns, bad values…)."""


class ConfigError(CslibError):
    """The cycle file (or a review file) is invalid."""


class ParameterError(CslibError, ValueError):
    """A function or CLI parameter is invalid (e.g. no denominators for a p chart)."""
