"""Durations are elapsed time: the hour clocks skip or repeat at a summer-time change counts as it passed."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cslib import metrics as kpi
from cslib.data import contract
from cslib.data.files import connect
from cslib.data.sql import fixed_offset
from cslib.data.tables import read_table
from cslib.errors import DataError
from cslib.metrics.context import hours

# (zone, created, resolved, hours actually elapsed), each ticket alone on its day
CASES = [
    # Europe/London: clocks go 01:00 GMT → 02:00 BST on 29 March, 02:00 BST → 01:00 GMT on 25 October
    ("Europe/London", "2026-03-29 00:30", "2026-03-29 02:30", 1.0),
    ("Europe/London", "2026-03-29 00:30+00:00", "2026-03-29 02:30+01:00", 1.0),
    ("Europe/London", "2026-10-25 01:50+01:00", "2026-10-25 01:30+00:00", 40 / 60),
    (
        "Europe/London",
        "2026-10-25 01:50",
        "2026-10-25 01:30",
        40 / 60,
    ),  # no offsets: the only order that fits
    ("Europe/London", "2026-10-24 23:00", "2026-10-25 03:00", 5.0),
    ("Europe/London", "2026-10-25 01:10+00:00", "2026-10-25 01:20+00:00", 10 / 60),
    # America/New_York: 02:00 EST → 03:00 EDT on 8 March, 02:00 EDT → 01:00 EST on 1 November
    ("America/New_York", "2026-03-08 01:30", "2026-03-08 03:30", 1.0),
    ("America/New_York", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z", 1.0),
    ("America/New_York", "2026-11-01 01:45-04:00", "2026-11-01 01:15-05:00", 0.5),
    ("America/New_York", "2026-03-08T06:30Z", "2026-03-08T03:30-0400", 1.0),  # no seconds
    ("America/New_York", "2026-10-31 12:00", "2026-11-01 12:00", 25.0),
]


def _csv(tmp_path, rows) -> str:
    path = tmp_path / "tickets.csv"
    lines = [f"T{i},{c},{r}" for i, (c, r) in enumerate(rows)]
    path.write_text("ticket_id,created_at,resolved_at\n" + "\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize(("zone", "created", "resolved", "elapsed"), CASES)
def test_resolution_time_is_elapsed_time_across_summer_time_changes(
    tmp_path, zone, created, resolved, elapsed
):
    path = _csv(tmp_path, [(created, resolved)])
    out = kpi.compute(path, kpis=["resolution_hours"], freq="all", timezone=zone)
    assert out["resolution_hours"].item() == pytest.approx(elapsed)


@pytest.mark.parametrize("clock_from", [0, 10**9])  # through the offset changes, the rules
def test_a_ticket_resolved_before_it_was_created_is_still_refused(
    tmp_path, monkeypatch, clock_from
):
    monkeypatch.setattr(contract, "FASTER_FROM", clock_from)
    path = _csv(
        tmp_path,
        [
            ("2026-10-25 01:50", "2026-10-25 00:30"),
            ("2026-10-25 03:00+00:00", "2026-10-25 01:30+00:00"),
        ],
    )
    with pytest.raises(DataError) as info:
        read_table(path, "tickets", timezone="Europe/London")
    assert "resolved_at': before created_at (rows 2, 3;" in str(info.value)


@pytest.mark.parametrize("clock_from", [0, 10**9])  # the changes within the file's span, the rules
def test_stored_timestamps_out_of_order_are_refused_through_the_span_of_the_file(
    tmp_path, monkeypatch, clock_from
):
    monkeypatch.setattr(contract, "FASTER_FROM", clock_from)
    rows = [
        ("2026-10-25 01:50", "2026-10-25 01:10"),  # the repeated hour: 20 minutes later, kept
        ("2026-10-25 01:50", "2026-10-25 00:30"),  # before it: refused
        ("2026-03-29 00:30", "2026-03-29 02:10"),  # over the skipped hour: kept
        ("2026-07-01 09:00", "2026-07-01 08:59"),  # refused
        ("2025-12-31 23:00", "2026-01-02 08:00"),  # kept
    ]
    frame = pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(len(rows))],
            "created_at": pd.to_datetime([c for c, _ in rows]),
            "resolved_at": pd.to_datetime([r for _, r in rows]),
        }
    )
    path = tmp_path / "tickets.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(DataError) as info:
        read_table(path, "tickets", timezone="Europe/London")
    assert "resolved_at': before created_at (rows 3, 5;" in str(info.value)


def test_a_resolution_target_is_elapsed_time_across_a_summer_time_change(tmp_path):
    # 8-hour target; 00:30 → 09:00 on 29 March in London is 7 h 30 min of elapsed time
    path = _csv(tmp_path, [("2026-03-29 00:30", "2026-03-29 09:00")])
    out = kpi.compute(
        path,
        kpis=["sla_resolution_met"],
        freq="all",
        timezone="Europe/London",
        sla={"resolution": {"hours": 8}},
    )
    assert out["sla_resolution_met"].item() == 1.0


@pytest.mark.parametrize("zone", ["UTC", "Etc/GMT-5", "Asia/Tokyo"])
def test_a_zone_whose_clocks_never_change_gives_the_same_durations_by_plain_difference(
    tmp_path, zone
):
    stamps = pd.date_range("2026-01-01", "2026-12-31", periods=400).round("s")
    rng = np.random.default_rng(7)
    rows = [
        (c, c + pd.Timedelta(seconds=int(s)))
        for c, s in zip(stamps, rng.integers(1, 9e5, 400), strict=True)
    ]
    path = _csv(tmp_path, rows)
    assert fixed_offset(zone)
    fast = kpi.compute(path, kpis=["resolution_hours"], freq="W", timezone=zone)
    con = connect()
    con.execute(f"SET TimeZone = '{zone}'")
    through_rules = con.execute(
        f"SELECT {hours('created_at', 'resolved_at')} FROM read_csv('{path}') ORDER BY created_at"
    ).fetchall()
    by_difference = [(r - c).total_seconds() / 3600 for c, r in rows]
    assert [h for (h,) in through_rules] == pytest.approx(by_difference, abs=1e-9)
    weekly = pd.DataFrame({"created_at": [c for c, _ in rows], "h": by_difference})
    expected = weekly.groupby(weekly["created_at"].dt.to_period("W"))["h"].median()
    assert fast["resolution_hours"].dropna().to_numpy() == pytest.approx(expected.to_numpy())


@pytest.mark.parametrize(
    "zone", ["Europe/London", "America/New_York", "Africa/Casablanca", "Nowhere/City"]
)
def test_zones_that_change_their_clocks_are_not_taken_for_fixed(zone):
    assert not fixed_offset(zone)


def test_durations_through_the_offset_changes_equal_those_through_the_rules(monkeypatch):
    # the sample's tickets span two summer-time changes in London; a million rows would take
    # the offset changes, here forced on a small table
    scan = importlib.import_module("cslib.metrics.scan")  # the module, not the function
    sample = Path(__file__).resolve().parents[2] / "data" / "sample" / "tickets.parquet"
    kpis = ["first_response_hours", "resolution_hours", "sla_resolution_met", "backlog"]
    frames = []
    for faster_from in (0, 10**9):
        monkeypatch.setattr(scan, "FASTER_FROM", faster_from)
        frames.append(
            kpi.compute(
                str(sample),
                kpis=kpis,
                freq="W",
                by="team",
                timezone="Europe/London",
                sla={"resolution": {"hours": 24}},
            )
        )
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert frames[0]["resolution_hours"].notna().sum() > 50
