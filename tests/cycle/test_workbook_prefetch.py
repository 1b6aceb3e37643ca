"""KPIs computed together in one scan give each KPI the frame it gets when asked for alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cslib.cycle.workbook import open_workbook
from cslib.stages._shared import cycle_span, treated_teams

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return ROOT / "data" / "sample" / "cycle.yaml", tmp_path_factory.mktemp("run")


@pytest.mark.parametrize(
    "request_", [{"freq": "M", "by": "team"}, {"freq": "W", "teams": True}, {"freq": "all"}]
)
def test_prefetched_frames_equal_the_frames_asked_for_alone(sample, request_):
    alone = open_workbook(sample[0], run_dir=sample[1], stage="check")
    together = open_workbook(sample[0], run_dir=sample[1], stage="check")
    start, end = cycle_span(alone)
    teams = treated_teams(alone) if request_.pop("teams", False) else []
    together.prefetch(together.cycle.objectives, teams=teams, start=start, end=end, **request_)
    scans = len(together._cache)
    for obj in alone.cycle.objectives:
        filters = {**(obj.segment or {}), **({"team": teams} if teams else {})}
        kwargs = {"start": start, "end": end, "filters": filters, **request_}
        pd.testing.assert_frame_equal(
            together.objective_kpis(obj, **kwargs), alone.objective_kpis(obj, **kwargs)
        )
        stat = "mean" if obj.statistic == "mean" else "median"
        pd.testing.assert_frame_equal(  # the KPI's own columns, in the engine's order
            together.kpis(kpis=[obj.kpi], stat=stat, **kwargs),
            alone.kpis(kpis=[obj.kpi], stat=stat, **kwargs),
        )
    assert len(together._cache) == scans  # every request read the prefetched frames: no scan
