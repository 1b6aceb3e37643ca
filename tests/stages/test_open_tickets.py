"""The Check states a duration's median with tickets still open as a Kaplan–Meier median."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd

from cslib.cycle.workbook import open_workbook
from cslib.data.schema import NOT_RESOLUTIONS
from cslib.stages import check
from cslib.stats.impact.censored import km_median


def test_review_median_counts_open_tickets_as_at_least_their_age(sample_dir, tmp_path):
    # in UTC, elapsed hours are plain differences of the export's times (no clock change)
    folder = shutil.copytree(sample_dir, tmp_path / "sample")
    cycle = folder / "cycle.yaml"
    cycle.write_text(cycle.read_text(encoding="utf-8").replace("Europe/London", "UTC"), "utf-8")
    wb = open_workbook(cycle, run_dir=tmp_path / "run", stage="check")
    obj = next(o for o in wb.cycle.objectives if o.kpi == "resolution_hours")
    teams = check.treated_teams(wb)
    # by hand from the export: the adopting teams' review tickets that count (not abandoned,
    # a status that may resolve), each still open one at its age when the data ends
    t = pd.read_parquet(folder / "tickets.parquet")
    data_end = t[["created_at", "first_response_at", "resolved_at"]].max().max()
    start, end = wb.window("review")
    t = t[
        t["team"].isin(teams)
        & (t["created_at"] >= start)
        & (t["created_at"] < end + pd.Timedelta(days=1))
        & ~t["abandoned"].fillna(False).astype(bool)
        & ~t["status"].isin(NOT_RESOLUTIONS)
    ]
    still_open = t["resolved_at"].isna().to_numpy()
    hours = (t["resolved_at"].fillna(data_end) - t["created_at"]).dt.total_seconds() / 3600
    assert still_open.sum() > 0
    stated = check.level(wb, obj, "review")
    assert stated == np.float64(km_median(hours.to_numpy(), still_open))
    assert stated > np.median(hours[~still_open])  # dropping them would look faster
    n, share = int(still_open.sum()), f"{100 * still_open.mean():.0f} %"
    said = f"{n:,} tickets ({share}) were still open; their resolution time counts as at least their age."
    assert said in check.verdicts(wb)[obj.id].sentence
    shown = check.verdict_rows(wb).set_index("objective").loc[obj.id, "sentence"]  # the report's
    assert said in shown
    # the FCR objective is no duration: nothing about open tickets
    fcr = next(o for o in wb.cycle.objectives if o.kpi == "fcr")
    assert "still open" not in check.verdicts(wb)[fcr.id].sentence
