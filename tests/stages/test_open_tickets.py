"""The Check states a duration's median with tickets still open as a Kaplan–Meier median."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

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


def test_only_periods_from_the_first_open_ticket_become_kaplan_meier_medians(sample_dir, tmp_path):
    from cslib.metrics.periods import floor
    from cslib.stages import _open_tickets as open_tickets
    from cslib.stages._shared import cycle_span, pooled_weekly

    wb = open_workbook(sample_dir / "cycle.yaml", run_dir=tmp_path / "run", stage="check")
    obj = next(o for o in wb.cycle.objectives if o.kpi == "resolution_hours")
    teams = check.treated_teams(wb)
    weekly = pooled_weekly(wb, obj, teams, *cycle_span(wb))
    got = open_tickets.km_values(wb, obj, weekly, teams, "W").set_index("period")["value"]
    # by hand: every ticket of the span, each week's Kaplan–Meier median where one is open
    cases = open_tickets.durations(wb, obj, teams, weekly["period"].min(), cycle_span(wb)[1])
    cases["period"] = floor(cases["created_at"], "W")
    has_open = cases.groupby("period")["still_open"].any()
    assert has_open.any() and not has_open.all()  # some weeks keep their median
    for period, value in weekly.set_index("period")["value"].items():
        week = cases[cases["period"] == period]
        if has_open.get(period, False):
            want = km_median(week["value"], week["still_open"])
            assert got.get(period, np.nan) == want or (np.isnan(want) and period not in got)
        else:
            assert got[period] == value == pytest.approx(np.median(week["value"]), rel=1e-12)


def test_kaplan_meier_medians_by_segment_keep_the_tickets_without_one(sample_dir, tmp_path):
    from cslib.metrics.periods import floor
    from cslib.stages import _open_tickets as open_tickets

    folder = shutil.copytree(sample_dir, tmp_path / "sample")
    tickets = pd.read_parquet(folder / "tickets.parquet")
    tickets.loc[tickets.index % 7 == 0, "channel"] = None  # a group of its own
    tickets.to_parquet(folder / "tickets.parquet", index=False)
    wb = open_workbook(folder / "cycle.yaml", run_dir=tmp_path / "run", stage="check")
    obj = next(o for o in wb.cycle.objectives if o.kpi == "resolution_hours")
    teams = check.treated_teams(wb)
    start, end = wb.window("review")
    got = open_tickets._km_medians(wb, obj, teams, start, end, "M", ["channel"])
    # by hand: each month × channel's cases, a Kaplan–Meier median each
    cases = open_tickets.durations(wb, obj, teams, start, end, by=["channel"])
    cases["period"] = floor(cases["created_at"], "M")
    cases["channel"] = cases["channel"].fillna("(none)")
    want = {
        key: km_median(group["value"].to_numpy(), group["still_open"].to_numpy())
        for key, group in cases.groupby(["period", "channel"])
    }
    got = got.rename(index=lambda v: "(none)" if v is None or v is np.nan else v, level="channel")
    assert "(none)" in got.index.get_level_values("channel")
    assert dict(got.items()) == pytest.approx(want, nan_ok=True)
