"""Quoting for the SQL the library writes for DuckDB.

Examples
--------
>>> quote("O'Brien")
"'O''Brien'"
>>> print(ident("first reply"))
"first reply"
>>> print(file_literal("exports/tickets[1].csv"))
'exports/tickets[[]1].csv'
>>> import duckdb
>>> duckdb.connect().execute("SELECT " + elapsed_seconds("TIMESTAMP '2026-03-29 00:30'", "TIMESTAMP '2026-03-29 02:30'", quote("Europe/London"))).fetchone()
(3600.0,)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def quote(text: object) -> str:
    """A SQL string literal of ``text``."""
    return "'" + str(text).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier (a column or view name), quoted whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def file_literal(path: object) -> str:
    """A SQL string literal naming exactly one file: DuckDB's glob characters (``* ? [``) escaped."""
    return quote(re.sub(r"([*?\[])", r"[\1]", str(path)))


#: the SQL of the session's time zone (the cycle's, once a table is opened)
SESSION_ZONE = "current_setting('TimeZone')"


@functools.lru_cache
def fixed_offset(zone: str) -> bool:
    """Whether the zone's clocks never change (UTC, ``Etc/GMT-5``…): no daylight saving and no
    change of offset since 1970, week by week; an unknown zone is not.

    Elapsed time in such a zone is the plain difference of wall times, which DuckDB computes
    several times faster than through the zone's rules (:func:`elapsed_seconds`).

    >>> fixed_offset("UTC"), fixed_offset("Europe/London")
    (True, False)
    """
    try:
        rules = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        return False
    start = datetime(1970, 1, 1)
    first = rules.utcoffset(start)
    return all(rules.utcoffset(start + timedelta(weeks=w)) == first for w in range(0, 131 * 53))


def wall_seconds(a: str, b: str) -> str:
    """SQL of the seconds from wall time ``a`` to ``b`` of a zone whose clocks never change."""
    return f"(epoch({b}) - epoch({a}))"


def elapsed_seconds(
    a: str, b: str, zone: str = SESSION_ZONE, instant: Callable[[str], str] | None = None
) -> str:
    """SQL of the seconds elapsed from wall time ``a`` to wall time ``b`` of the zone ``zone`` (SQL).

    Elapsed time is absolute: an hour that clocks skip in spring is not counted,
    an hour they repeat in autumn is. A wall time in the repeated hour is read as its
    second occurrence, unless that puts ``a`` after ``b``: then ``a`` is the first.
    ``instant`` (a function of a wall time's SQL) writes the SQL of its instant in
    seconds, as ``epoch(timezone(zone, wall))`` gives it (:mod:`cslib.data.wall_clock`).
    """
    if instant is None:
        instant = lambda wall: f"epoch(timezone({zone}, {wall}))"  # noqa: E731
    seconds = f"({instant(b)} - {instant(a)})"
    return (
        f"(CASE WHEN {seconds} < 0 AND {seconds} >= -3600 AND {repeated_hour(a, zone)} "
        f"THEN {seconds} + 3600 ELSE {seconds} END)"
    )


def repeated_hour(wall: str, zone: str = SESSION_ZONE) -> str:
    """SQL of whether wall time ``wall`` lies in an hour the zone's clocks repeat (DuckDB reads
    it as the second time)."""
    return f"timezone({zone}, timezone({zone}, {wall}) - INTERVAL 1 HOUR) = {wall}"


def plus_seconds(wall: str, seconds: str, zone: str = SESSION_ZONE) -> str:
    """SQL of the wall time of zone ``zone`` (SQL) when ``seconds`` (SQL) have elapsed after ``wall``.

    Two hours after 00:30 on the night clocks go forward is 03:30.
    """
    micros = f"to_microseconds(CAST({seconds} * 1e6 AS BIGINT))"
    return f"timezone({zone}, timezone({zone}, {wall}) + {micros})"
