"""A duration's cases with the tickets still open: their age when the data ends."""

import pandas as pd

from cslib.metrics.engine import cases
from cslib.metrics.registry import REGISTRY


def test_open_tickets_come_with_their_age_at_the_data_end():
    t = pd.DataFrame(
        {
            "ticket_id": ["1", "2", "3", "4"],
            "created_at": pd.to_datetime(["2026-04-01", "2026-04-02", "2026-04-03", "2026-04-03"]),
            "resolved_at": pd.to_datetime(["2026-04-01 05:00", None, "2026-04-04 00:00", None]),
            "status": ["closed", "open", "closed", "duplicate"],
        }
    )
    got = cases(t, "resolution_hours", still_open=True)
    # the data ends at its latest time, 4 Apr 00:00: ticket 2 has been open 48 h; the
    # duplicate is no resolution to wait for
    assert got["value"].tolist() == [5.0, 48.0, 24.0]
    assert got["still_open"].tolist() == [False, True, False]
    assert "still_open" not in cases(t, "resolution_hours")
    as_of = cases(t, "resolution_hours", still_open=True, as_of="2026-04-05")
    assert as_of["value"].tolist() == [5.0, 72.0, 24.0]
    # a KPI that is no duration has nothing still open
    assert "still_open" not in cases(t.assign(csat=[5, 4, 3, 2]), "csat", still_open=True)
    assert REGISTRY["resolution_hours"].end == "resolved_at" and REGISTRY["fcr"].end is None
