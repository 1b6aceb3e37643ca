"""A cycle planned ahead: the stages that need the review period wait for its tickets.

PDCA plans before it does: the Act stage drafts the next cycle with a review
period still to come, and its Plan runs on the baseline alone. Until the data
holds tickets from the review period, each cell of the Do, Check and Act stages
that needs them shows what it waits for — the period and the date from which
tickets are needed — and the stage ends normally.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from cslib.cycle.workbook import Workbook
from cslib.display import Html

Cell = TypeVar("Cell", bound=Callable)


def waiting_note(wb: Workbook) -> Html:
    """What the stage waits for: tickets from the review period.

    >>> from pathlib import Path
    >>> from cslib.cycle.model import parse_cycle
    >>> cycle = parse_cycle({"title": "t", "data": {"tickets": "t.csv"},
    ...     "periods": {"baseline": {"start": "2026-06-01", "end": "2026-10-31"},
    ...                 "review": {"start": "2026-11-01", "end": "2027-03-31"}},
    ...     "change": {"date": "2026-11-01"}})
    >>> print(waiting_note(Workbook(cycle, Path("."), "check")).markup)
    <p>Waiting for the review period (1 Nov 2026 – 31 Mar 2027): the data holds no tickets from it yet. Run the Check stage again once the data covers tickets from 1 Nov 2026 on.</p>
    """
    review = wb.cycle.periods.review
    start, end = (f"{d.day} {d:%b %Y}" for d in (review.start, review.end))
    return Html.text(
        f"Waiting for the review period ({start} – {end}): the data holds no tickets from it yet. "
        f"Run the {wb.stage.capitalize()} stage again once the data covers tickets from {start} on."
    )


def after_review_starts(cell: Cell) -> Cell:
    """The stage cell ``cell`` once the review period holds tickets; until then :func:`waiting_note`."""

    @functools.wraps(cell)
    def waiting_or_run(wb: Workbook, *args, **kwargs):
        if wb.holds_tickets("review"):
            return cell(wb, *args, **kwargs)
        return waiting_note(wb)

    return waiting_or_run  # type: ignore[return-value]
