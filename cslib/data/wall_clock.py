"""Elapsed seconds between wall times of a zone, in DuckDB, without its time-zone rules per row.

A duration between two naive timestamps is absolute time (:func:`~cslib.data.sql.elapsed_seconds`):
each wall time becomes an instant through the zone's rules, which DuckDB applies
row by row and slowly (about 1.3 s for 10 million rows on 2 cores). A zone's offset
changes a few times a year, so a :class:`WallClock` reads each wall time's offset
from the changes within the data's span, a short binary search in SQL, and asks the
rules only for wall times outside that span. The changes are DuckDB's own (found by
reading the rules at every day from 1970 to 2100, then at every hour, minute and second
where the offset changed), so both ways give the same instants, to the microsecond.

Examples
--------
>>> import duckdb
>>> clock = wall_clock("Europe/London", "2026-01-01", "2026-12-31")
>>> len(clock.changes)  # the spring and the autumn change
2
>>> duckdb.connect().execute("SELECT " + clock.seconds("TIMESTAMP '2026-03-29 00:30'",
...                          "TIMESTAMP '2026-03-29 02:30'")).fetchone()
(3600.0,)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._lazy import lazy
from cslib.data.sql import elapsed_seconds, fixed_offset, quote, repeated_hour, wall_seconds

if TYPE_CHECKING:
    import duckdb
else:
    duckdb = lazy("duckdb")

#: the wall times whose offsets are known without the rules (seconds since 1970, as UTC)
FIRST, LAST = 0, int(pd.Timestamp("2100-01-01").timestamp())
MICROS = 1_000_000
#: the rows from which the offset changes count elapsed time faster than the rules: below,
#: writing the changes into the SQL takes longer than the rules take on every row
FASTER_FROM = 1_000_000


@dataclass(frozen=True)
class WallClock:
    """A zone's offset changes within a span of wall times (seconds since 1970, read as UTC).

    ``changes`` holds (wall second, offset in seconds from then on); ``offset`` is the
    offset at ``start``. Wall times from ``start`` up to ``stop`` take their offset from
    these, others the zone's rules (:func:`wall_clock` makes one).
    """

    zone: str
    start: int
    stop: int
    offset: int
    changes: tuple[tuple[int, int], ...]
    fixed: bool = False  # the zone's clocks never change: plain differences of wall times

    def instant(self, wall: str) -> str:
        """SQL of the instant (seconds since 1970) of the wall time ``wall`` (SQL), counted in
        microseconds as DuckDB counts it."""
        rules = f"epoch(timezone({quote(self.zone)}, {wall}))"
        if self.start >= self.stop:  # no span: the rules for every wall time
            return rules
        micros = f"epoch_us({wall})"
        offset = self._offset(micros, 0, len(self.changes), self.offset)
        return (
            f"(CASE WHEN {micros} >= {self.start * MICROS} AND {micros} < {self.stop * MICROS} "
            f"THEN epoch(make_timestamptz({micros} - ({offset}))) ELSE {rules} END)"
        )

    def _offset(self, micros: str, i: int, j: int, before: int) -> str:
        """SQL of the offset in microseconds at ``micros`` from ``changes[i:j]`` (``before``: the
        offset before them, in seconds)."""
        if i == j:
            return f"{before * MICROS}::BIGINT"
        m = (i + j) // 2
        at, after = self.changes[m]
        return (
            f"CASE WHEN {micros} < {at * MICROS} THEN {self._offset(micros, i, m, before)} "
            f"ELSE {self._offset(micros, m + 1, j, after)} END"
        )

    def seconds(self, a: str, b: str) -> str:
        """SQL of the seconds elapsed from wall time ``a`` to ``b``, as
        :func:`~cslib.data.sql.elapsed_seconds` of the zone counts them."""
        if self.fixed:
            return wall_seconds(a, b)
        return elapsed_seconds(a, b, quote(self.zone), instant=self.instant)

    def negative(self, a: str, b: str) -> str:
        """SQL of whether the seconds elapsed from ``a`` to ``b`` are below 0 (:meth:`seconds`
        below 0, each instant written twice, not four times)."""
        if self.fixed:
            return f"({wall_seconds(a, b)} < 0)"
        s = f"({self.instant(b)} - {self.instant(a)})"
        # read as the first time, a wall time of a repeated hour is an hour earlier: not negative
        return f"(CASE WHEN {s} < 0 THEN NOT ({s} >= -3600 AND {repeated_hour(a, quote(self.zone))}) ELSE FALSE END)"


def wall_clock(zone: str, first: object = None, last: object = None) -> WallClock:
    """The :class:`WallClock` of ``zone`` for wall times from ``first`` to ``last`` (whole
    days, within 1970–2099; ``None``: no span, every wall time takes the rules).

    Examples
    --------
    >>> wall_clock("UTC").fixed, wall_clock("America/New_York", "2025-06-01", "2026-05-31").changes
    (True, ((1762045200, -18000), (1772938800, -14400)))
    """
    if fixed_offset(zone):
        return WallClock(zone, FIRST, LAST, 0, (), fixed=True)
    if first is None or last is None:
        return WallClock(zone, FIRST, FIRST, 0, ())
    start = max(FIRST, min(LAST, _second(pd.Timestamp(first).floor("D"))))
    stop = max(start, min(LAST, _second(pd.Timestamp(last).floor("D")) + 86_400))
    offset, changes = _changes(zone)
    at = np.array([c[0] for c in changes], dtype=np.int64)
    lo, hi = np.searchsorted(at, start, side="right"), np.searchsorted(at, stop, side="left")
    offset = changes[lo - 1][1] if lo else offset
    return WallClock(zone, start, stop, offset, changes[lo:hi])


def _second(ts: pd.Timestamp) -> int:
    return int((ts.tz_localize(None) - pd.Timestamp(0)) // pd.Timedelta(seconds=1))


def _changes(zone: str) -> tuple[int, tuple[tuple[int, int], ...]]:
    """The offset of ``zone`` at the first wall time and where it changes, as DuckDB's rules
    give them: offsets read at every day, then at every hour, minute and second of a day,
    hour or minute where they changed (kept for the process: its rules do not change)."""
    if zone not in _KNOWN:
        _KNOWN[zone] = _read_changes(zone)
    return _KNOWN[zone]


_KNOWN: dict[str, tuple[int, tuple[tuple[int, int], ...]]] = {}


def _read_changes(zone: str) -> tuple[int, tuple[tuple[int, int], ...]]:
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")

        def offsets(points: str) -> tuple[np.ndarray, np.ndarray]:
            got = con.execute(
                f"""SELECT x, CAST(round(x - epoch(timezone({quote(zone)}, to_timestamp(x)::TIMESTAMP))) AS BIGINT)
                    FROM ({points}) p(x) ORDER BY x"""
            ).fetchnumpy()
            return np.asarray(got["x"], dtype=np.int64), np.asarray(got[list(got)[1]], np.int64)

        x, off = offsets(f"SELECT * FROM range({FIRST}, {LAST}, 86400)")
        first = int(off[0])
        for step, fine in ((86_400, 3600), (3600, 60), (60, 1)):
            changed = x[1:][off[1:] != off[:-1]] - step  # the coarse steps that changed
            if not changed.size:
                return first, ()
            starts = ", ".join(str(int(s)) for s in changed)
            x, off = offsets(
                f"SELECT DISTINCT s + k FROM unnest([{starts}]) u(s), range(0, {step + fine}, {fine}) r(k)"
            )
        at = np.flatnonzero(off[1:] != off[:-1]) + 1
        at = at[x[at] - x[at - 1] == 1]  # a second's step, not the gap between two minutes read
        return first, tuple((int(x[i]), int(off[i])) for i in at)
    finally:
        con.close()
