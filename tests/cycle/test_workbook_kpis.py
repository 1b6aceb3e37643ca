"""The workbook's KPI frames: one scan for the objectives asked alike, the frames a scan of each gives."""

from __future__ import annotations

import datetime

import pandas as pd

from cslib.cycle.workbook import open_workbook
from cslib.metrics import engine


def test_objectives_asked_alike_share_one_scan_and_keep_their_own_frames(
    sample_dir, tmp_path, monkeypatch
):
    scans = []
    compute = engine.compute
    monkeypatch.setattr(
        engine, "compute", lambda *a, **k: scans.append(k["kpis"]) or compute(*a, **k)
    )
    together = open_workbook(sample_dir / "cycle.yaml", run_dir=tmp_path, stage="plan")
    alone = open_workbook(sample_dir / "cycle.yaml", run_dir=tmp_path, stage="plan")
    start, end = together.window("baseline")
    for o in together.cycle.objectives:
        together.objective_kpis(o, freq="W", start=start, end=end)
    assert len(scans) == 1 and len(scans[0]) == len(together.cycle.objectives)
    for o in together.cycle.objectives:
        ask = {"kpis": [o.kpi], "freq": "W", "start": start, "end": end, "filters": o.segment}
        # the engine's period resolution follows the order its scan returns the periods in
        same = [f.kpis(**ask).astype({"period": "datetime64[us]"}) for f in (together, alone)]
        pd.testing.assert_frame_equal(*same, check_exact=True)
    assert len(scans) == 1 + len(together.cycle.objectives)


def test_a_date_and_its_timestamp_ask_for_the_same_frame(sample_dir, tmp_path):
    wb = open_workbook(sample_dir / "cycle.yaml", run_dir=tmp_path, stage="plan")
    day = pd.Timestamp("2026-02-02")
    first = wb.kpis(kpis=["volume"], freq="all", start=day, end=day + pd.Timedelta(days=6))
    again = wb.kpis(kpis=["volume"], freq="all", start=datetime.date(2026, 2, 2), end="2026-02-08")
    assert again is first
