"""A wall clock's instants and elapsed seconds are those of DuckDB's time-zone rules, to the microsecond."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from cslib.data.sql import elapsed_seconds, quote
from cslib.data.wall_clock import wall_clock

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # half-hour summer time
    "Asia/Tehran",
    "Africa/Casablanca",  # summer time suspended for Ramadan
    "Africa/Monrovia",  # an offset of −0:44:30 until 1972
    "Pacific/Apia",  # skipped 30 December 2011
    "America/St_Johns",
]


def _walls(clock_changes, rng) -> np.ndarray:
    """Wall times (microseconds since 1970) at and around every change, and at random."""
    near = [c + d for c, _ in clock_changes for d in (-3601, -3600, -1801, -1, 0, 1, 1800, 3599)]
    random = rng.integers(-86_400 * 400, 4_200_000_000, 5000)
    seconds = np.concatenate([np.asarray(near, dtype=np.int64), random])
    return seconds * 1_000_000 + rng.integers(0, 1_000_000, seconds.size)


def _both(start: np.ndarray, lasted: np.ndarray, *sql: str) -> tuple:
    """Each SQL of wall times ``a`` (``start``) and ``b`` (``lasted`` later; microseconds)."""
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE d AS SELECT make_timestamp(a) AS a, make_timestamp(a + b) AS b
           FROM (SELECT unnest($1::BIGINT[]) AS a, unnest($2::BIGINT[]) AS b)""",
        [start.tolist(), lasted.tolist()],
    )
    return con.execute(
        "SELECT " + ", ".join(f"list({s} ORDER BY a, b)" for s in sql) + " FROM d"
    ).fetchone()


@pytest.mark.parametrize("zone", ZONES)
def test_the_instants_are_the_rules_own(zone):
    clock = wall_clock(zone, "1970-01-01", "2099-12-31")
    rng = np.random.default_rng(abs(hash(zone)) % 2**32)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE w AS SELECT make_timestamp(x) AS wall FROM unnest($1::BIGINT[]) u(x)",
        [_walls(clock.changes, rng).tolist()],
    )
    differ = con.execute(
        f"""SELECT count(*), any_value(wall) FROM w
            WHERE {clock.instant("wall")} != epoch(timezone({quote(zone)}, wall))"""
    ).fetchone()
    assert differ[0] == 0, f"{zone}: {differ}"
    assert len(clock.changes) > (0 if zone == "Africa/Monrovia" else 20)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Lord_Howe"])
def test_elapsed_seconds_within_a_span_and_outside_it_are_the_rules_own(zone):
    # the span covers 2026 only: other wall times take the rules, the same figure
    clock = wall_clock(zone, "2026-01-01", "2026-12-31")
    assert 0 < len(clock.changes) <= 2
    rng = np.random.default_rng(5)
    start = rng.integers(1_700_000_000, 1_830_000_000, 20_000) * 1_000_000
    lasted = rng.integers(-7_200, 400_000, start.size) * 1_000_000 + rng.integers(
        0, 10**6, start.size
    )
    fast, rules = _both(
        start, lasted, clock.seconds("a", "b"), elapsed_seconds("a", "b", quote(zone))
    )
    assert fast == rules


def test_a_zone_whose_clocks_never_change_counts_plain_differences():
    clock = wall_clock("Asia/Tokyo", "2020-01-01", "2026-12-31")
    assert clock.fixed
    assert clock.seconds("a", "b") == "(epoch(b) - epoch(a))"


def test_without_a_span_every_wall_time_takes_the_rules():
    clock = wall_clock("Europe/London")
    assert (clock.start, clock.stop, clock.changes) == (0, 0, ())
    assert "timezone('Europe/London', w)" in clock.instant("w")


def test_a_span_before_1970_or_after_2099_takes_the_rules():
    clock = wall_clock("Europe/London", "1900-01-01", "2200-01-01")
    assert (clock.start, pd.Timestamp(clock.stop, unit="s")) == (0, pd.Timestamp("2100-01-01"))
    con = duckdb.connect()
    walls = ["1950-06-01 12:00", "2150-06-01 12:00", "1969-12-31 23:59:59.5"]
    for wall in walls:
        fast, rules = con.execute(
            f"SELECT {clock.instant(f'TIMESTAMP {quote(wall)}')}, "
            f"epoch(timezone('Europe/London', TIMESTAMP {quote(wall)}))"
        ).fetchone()
        assert fast == rules


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "UTC"])
def test_a_negative_duration_is_found_as_the_rules_find_it(zone):
    clock = wall_clock(zone, "2026-01-01", "2026-12-31")
    rng = np.random.default_rng(3)
    changes = [c for c, _ in clock.changes] or [1_780_000_000]
    start = np.concatenate(
        [np.repeat(changes, 2000) + rng.integers(-7200, 7200, 2000 * len(changes))]
    ).astype(np.int64)
    lasted = rng.integers(-7_300, 7_300, start.size)
    fast, rules = _both(
        start * 1_000_000,
        lasted * 1_000_000,
        clock.negative("a", "b"),
        f"{elapsed_seconds('a', 'b', quote(zone))} < 0",
    )
    assert fast == rules
    assert 0 < sum(fast) < len(fast)
