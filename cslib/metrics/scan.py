"""Tickets opened in DuckDB for an aggregate of one's own (:func:`scan`), and how their zone
counts elapsed time over their span (:func:`clock`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from cslib._docstrings import TICKET_SCAN
from cslib.data import tables as io
from cslib.data.sql import fixed_offset
from cslib.data.wall_clock import FASTER_FROM, WallClock, wall_clock
from cslib.errors import DataError, ParameterError, Problem
from cslib.metrics.periods import restrict


@TICKET_SCAN.fill
def scan(
    tickets: pd.DataFrame | str | Path,
    *,
    by: Sequence[str] = (),
    filters: Mapping[str, Sequence | str] | None = None,
    start=None,
    end=None,
    options: io.ReadOptions | None = None,
    validate: bool = True,
    require: Sequence[str] = (),
):
    r"""Open tickets in DuckDB for an aggregate of one's own; returns ``(con, "t")``.

    The view ``t`` holds the typed tickets of the ``filters`` segments created from
    ``start`` to ``end`` (whole days); ``t_all`` ignores the dates, ``t_typed``
    the filters too. A ``by`` or ``filters`` column the tickets lack is a
    :class:`~cslib.errors.DataError`; a ``require``\d column they lack, a
    :class:`~cslib.errors.ParameterError` naming it. Close ``con`` when done.

    Parameters
    ----------
    {tickets}
    by : sequence of str
        Segment columns the aggregate will group by (checked to exist).
    {filters}
    {start_end}
    {options}
    {validate}
    require : sequence of str
        Columns the aggregate needs.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3"], "created_at": pd.to_datetime(["2026-04-01", "2026-04-02", "2026-05-01"]),
    ...                   "team": ["A", "B", "A"]})
    >>> con, view = scan(t, filters={"team": "A"}, end="2026-04-30")
    >>> con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
    1
    """
    con, view = io.open_table(
        tickets, "tickets", opts=options or io.ReadOptions(), validate=validate, view="t_typed"
    )
    columns = con.table(view).columns
    unknown = [b for b in [*by, *(filters or {})] if b not in columns]
    if unknown:
        con.close()
        raise DataError(
            Problem(
                f"cannot segment by {', '.join(unknown)}: no such column",
                file=io.label(tickets),
                values=tuple(columns),
                fix="segment by columns the tickets have",
            )
        )
    missing = [c for c in require if c not in columns]
    if missing:
        con.close()
        raise ParameterError(
            Problem(
                "column(s) not found in the tickets",
                file=io.label(tickets),
                column=", ".join(missing),
                values=tuple(missing),
                fix=f"map {', '.join(missing)} from the export (a mapping file or column options), "
                f"or name existing columns; the tickets have {', '.join(columns)}",
            )
        )
    restrict(con, "t", filters, start, end, "created_at")
    return con, "t"


#: the rows, first and last timestamp of each tickets file read, by its name, size and time of
#: change (a span that no longer fits only makes elapsed time slower to count, never different)
_SPANS: dict[tuple, tuple] = {}


def clock(con, source: str) -> WallClock:
    """How the session's zone counts elapsed time over the span of the tickets :func:`scan`
    opened from ``source`` (its label): their first and last timestamp, read once per file,
    or the zone's rules row by row for fewer tickets than :data:`~cslib.data.wall_clock.FASTER_FROM`.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1"], "created_at": pd.to_datetime(["2026-04-01"])})
    >>> con, _ = scan(t, options=io.ReadOptions(timezone="Europe/London"))
    >>> clock(con, "the DataFrame").start == clock(con, "the DataFrame").stop  # the rules
    True
    """
    zone = con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
    columns = con.table("t_typed").columns
    stamps = [c for c in ("created_at", "first_response_at", "resolved_at") if c in columns]
    if fixed_offset(zone) or not stamps:
        return wall_clock(zone)
    path = Path(source)
    key = (str(path.resolve()), *_stat(path)) if path.is_file() else None
    if key not in _SPANS:
        span = con.execute(
            f"SELECT count(*), least({', '.join(f'min({c})' for c in stamps)}), "
            f"greatest({', '.join(f'max({c})' for c in stamps)}) FROM t_typed"
        ).fetchone()
        if key is None:
            return _clock(zone, *span)
        _SPANS[key] = span
    return _clock(zone, *_SPANS[key])


def _clock(zone: str, rows: int, first, last) -> WallClock:
    return wall_clock(zone, first, last) if rows >= FASTER_FROM else wall_clock(zone)


def _stat(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns
