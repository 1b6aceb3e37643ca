"""The Check stage's segment comparisons and mix analysis from case arrays equal the per-case computation."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cslib.cycle.workbook import open_workbook
from cslib.metrics import engine as kpi
from cslib.metrics.engine import REGISTRY
from cslib.stages._segment_change import (
    case_arrays,
    in_both_periods,
    mix_of,
    objective_cases,
    segment_changes,
)
from cslib.stages._shared import cycle_span, treated_teams
from cslib.stages.check import KIND
from cslib.stats.impact import compare_segments, mix_decomposition

ROOT = Path(__file__).resolve().parents[2]


def _cases_frame(wb, obj, by: str) -> pd.DataFrame:
    """The cases as a frame, labelled baseline / review in pandas (the per-case computation)."""
    teams = treated_teams(wb) or wb.scope_teams
    c = wb.cycle
    path, options = wb.source("tickets")
    start, end = cycle_span(wb)
    frame = kpi.cases(
        path,
        obj.kpi,
        by=by,
        start=start,
        end=end,
        filters={**(obj.segment or {}), "team": teams},
        sla=c.sla_spec(),
        economics=c.economics.model_dump(),
        options=options,
        **c.queue_definitions(),
        validate=False,
    )
    review = pd.Timestamp(c.periods.review.start)
    frame["period"] = np.where(frame["created_at"] >= review, "review", "baseline")
    gap = (frame["created_at"] > wb.window("baseline")[1] + pd.Timedelta(days=1)) & (
        frame["created_at"] < review
    )
    frame.loc[gap, "period"] = None
    frame["day"] = frame["created_at"].dt.normalize()
    return frame.dropna(subset=["period", by])


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    run = tmp_path_factory.mktemp("run")
    return open_workbook(ROOT / "data" / "sample" / "cycle.yaml", run_dir=run, stage="check")


@pytest.mark.parametrize("by", ["channel", "segment"])
def test_tables_from_duckdb_equal_the_per_case_computation_on_the_sample(wb, by):
    kinds = []
    for o in wb.cycle.objectives:
        if "evaluations" in REGISTRY[o.kpi].needs:
            continue  # a standard's cases are evaluations, not compared by segment
        kind = KIND[REGISTRY[o.kpi].kind]
        data = _cases_frame(wb, o, by)
        kw = {"value": "value", "period": "period", "segment": by, "kind": kind}
        kw.update(before="baseline", after="review")
        old = compare_segments(data, day="day", **kw).table
        old_mix = mix_decomposition(data, **{k: v for k, v in kw.items()})
        cases = objective_cases(wb, o, ["channel", "segment"])
        new, new_mix = segment_changes(cases, by, kind), mix_of(cases, by, kind)
        pd.testing.assert_frame_equal(new, old, rtol=1e-9, check_dtype=False)
        pd.testing.assert_frame_equal(new_mix, old_mix, rtol=1e-9, check_dtype=False)
        kinds.append(kind)
    assert {"duration", "continuous", "proportion"} <= set(kinds)  # all three compared


def _table(frame: pd.DataFrame, name: str = "cases"):
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM frame")
    return con


def _mix(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    days = pd.to_datetime(np.where(frame["period"] == "review", "2026-06-01", "2026-01-05"))
    cases = case_arrays(_table(frame.assign(day=days, created_at=days), "all_cases"), ["seg"])
    return mix_of(cases, "seg", kind)


def test_the_mix_by_hand():
    # x: baseline 3 of 3, review 1 of 1; y: baseline 0 of 1, review 1 of 3
    frame = pd.DataFrame(
        {
            "seg": ["x"] * 4 + ["y"] * 4,
            "period": ["baseline"] * 3 + ["review"] + ["baseline"] + ["review"] * 3,
            "value": [1.0, 1, 1, 1, 0, 0, 0, 1],
        }
    )
    got = _mix(frame, "proportion").set_index("segment")
    # shares 3/4, 1/4 -> 1/4, 3/4; review level 1/2: rate y = 1/4 · 1/3, mix x = −1/2 · 1/2
    assert got.loc["total", ["mean_before", "mean_after"]].tolist() == [0.75, 0.5]
    assert got.loc["x", "mix_effect"] == pytest.approx(-0.25)
    assert got.loc["y", "rate_effect"] == pytest.approx(1 / 12)
    assert got.loc["total", "mix_effect"] == pytest.approx(-1 / 3)
    assert got.loc["total", "total_effect"] == pytest.approx(-0.25)
    nps = _mix(frame.assign(value=[9.0, 9, 7, 3, 10, 6, 8, 9]), "nps")
    # baseline: 100, 100, 0 and 100 -> mean 75; review: −100 and 0, 100 -> −100 · 1/4 + 0 · 3/4
    assert nps["mean_before"].iloc[-1] == pytest.approx(75.0)
    assert nps["mean_after"].iloc[-1] == pytest.approx(-25.0)


@pytest.mark.parametrize("kind", ["proportion", "nps", "continuous"])
def test_the_mix_from_the_case_arrays_equals_the_per_case_computation(kind):
    # segment z has no review case, w no case (its ticket is between the periods); a missing
    # value counts in n, not in the mean
    days = pd.to_datetime(["2026-01-05"] * 5 + ["2026-06-01"] * 4 + ["2026-01-06"] * 2)
    frame = pd.DataFrame(
        {
            "seg": ["x", "x", "y", "y", "x", "x", "y", "y", "x", "z", "z"],
            "period": ["baseline"] * 5 + ["review"] * 4 + ["baseline"] * 2,
            "day": days,
            "created_at": days,
            "value": [9.0, 3, 10, np.nan, 6, 8, 9, 1, 10, 7, 2],
        }
    )
    if kind == "proportion":  # 0/1 per case
        frame["value"] = (frame["value"] >= 8).astype(float).where(frame["value"].notna())
    between = frame.iloc[:1].assign(seg="w", period=None)

    def mixed(frame: pd.DataFrame) -> pd.DataFrame:
        cases = case_arrays(_table(pd.concat([frame, between]), "all_cases"), ["seg"])
        assert list(cases.labels["seg"]) == ["w", "x", "y", "z"]
        return mix_of(cases, "seg", kind).set_index("segment")

    known = frame.dropna(subset=["value"])
    want = mix_decomposition(known, value="value", period="period", segment="seg", kind=kind)
    pd.testing.assert_frame_equal(mixed(known), want.set_index("segment"), rtol=1e-12)
    # y's missing baseline value: counted (2 cases, not 1); its mean is that of the other one
    got = mixed(frame)
    assert got.loc["y", "n_before"] == 2
    assert got.loc["y", "mean_before"] == want.set_index("segment").loc["y", "mean_before"]
    cases = case_arrays(_table(frame, "all_cases"), ["seg"])
    assert in_both_periods(cases, "seg")
    baseline_only = case_arrays(_table(frame[frame["period"] == "baseline"], "all_cases"), ["seg"])
    assert not in_both_periods(baseline_only, "seg")


def test_a_dimension_without_any_segment_has_no_cases():
    days = pd.to_datetime(["2026-01-05", "2026-06-01"])
    frame = pd.DataFrame(
        {"seg": [None, None], "other": ["x", "x"], "period": ["baseline", "review"]}
    ).assign(day=days, created_at=days, value=[1.0, 2.0])
    cases = case_arrays(_table(frame, "all_cases"), ["seg", "other"])
    assert cases.labels["seg"].size == 0 and (cases.codes["seg"] == -1).all()
    assert not in_both_periods(cases, "seg") and in_both_periods(cases, "other")


def test_segment_changes_count_days_by_hand():
    # baseline 1, 1 (day 1) and 3, 3 (day 2); review 2, 2 and 4, 4: the days' spread alone
    days = pd.to_datetime(
        ["2026-01-05"] * 2 + ["2026-01-06"] * 2 + ["2026-06-01"] * 2 + ["2026-06-02"] * 2
    )
    frame = pd.DataFrame(
        {
            "seg": "x",
            "period": ["baseline"] * 4 + ["review"] * 4,
            "day": days,
            "created_at": days,
            "value": [1.0, 1, 3, 3, 2, 2, 4, 4],
        }
    )
    cases = case_arrays(_table(frame, "all_cases"), ["seg"])
    row = segment_changes(cases, "seg", "continuous").iloc[0]
    # each period's day-clustered variance 2/1 · (1 + 1)/4² ... = 1/2: se 1, t 1 on 2 df
    assert (row["diff"], row["df"], row["n_days_before"]) == (1.0, 2.0, 2)
    assert (round(row["ci_low"], 3), round(row["ci_high"], 3)) == (-5.085, 7.085)
