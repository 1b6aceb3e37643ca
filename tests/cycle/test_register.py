"""Cycle register: append/history round trip (Parquet and CSV), idempotent re-runs, next-cycle draft."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from cslib.cycle import register
from cslib.cycle.model import load_cycle, parse_cycle
from cslib.errors import DataError, ParameterError
from cslib.stats.impact import verdict

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def small_cycle(**extra):
    return parse_cycle(
        {
            "title": "Faster replies",
            "data": {"tickets": "t.csv"},
            "periods": {
                "baseline": {"start": "2026-01-01", "end": "2026-03-31"},
                "review": {"start": "2026-04-01", "end": "2026-06-29"},
            },
            "change": {"date": "2026-04-01", "name": "Templates"},
            "objectives": [
                {"id": "O1", "kpi": "fcr", "direction": "increase", "target": 0.7},
                {
                    "id": "O2",
                    "kpi": "resolution_hours",
                    "statistic": "median",
                    "direction": "decrease",
                    "target": 10,
                },
                {"id": "O3", "kpi": "csat", "direction": "increase"},
            ],
            "actions": [
                {
                    "action": "write templates",
                    "status": "done",
                    "start": "2026-03-01",
                    "end": "2026-03-20",
                },
                {
                    "action": "review templates",
                    "status": "in progress",
                    "start": "2026-05-01",
                    "end": "2026-05-30",
                    "actual_start": "2026-05-03",
                },
            ],
            **extra,
        }
    )


def scorecard():
    return pd.DataFrame(
        {
            "objective": ["O1", "O2", "O3"],
            "baseline": [0.62, 14.0, 0.7],
            "actual": [0.72, 12.0, 0.71],
            "verdict": ["improved", "improved", "no detectable change"],
            "target_met": [True, False, None],
            "estimate": [0.1, -2.0, 0.01],
            "ci_low": [0.05, -3.0, -0.02],
            "ci_high": [0.15, -1.0, 0.04],
            "decision": ["adopt", "adapt", "abandon"],
        }
    )


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_append_history_round_trip(tmp_path, suffix):
    path = tmp_path / "reports" / f"register{suffix}"
    cycle = small_cycle()
    added = register.append(
        path, cycle=cycle, verdicts=scorecard(), run_id="run-1", recorded_at="2026-07-01 10:00"
    )
    assert len(added) == 3 and list(added.columns) == register.COLUMNS
    register.append(
        path,
        cycle=cycle,
        verdicts=scorecard().assign(actual=[0.73, 11.0, 0.7]),
        run_id="run-2",
        recorded_at="2026-08-01",
    )
    h = register.history(path)
    assert h["run_id"].tolist() == ["run-1"] * 3 + ["run-2"] * 3
    first = h[h.run_id == "run-1"].set_index("objective")
    assert (
        first.loc["O1", "baseline"] == 0.62
        and first.loc["O1", "actual"] == 0.72
        and first.loc["O1", "target"] == 0.7
    )
    assert first.loc["O2", "verdict"] == "improved" and first.loc["O2", "decision"] == "adapt"
    assert bool(first.loc["O1", "target_met"]) and pd.isna(first.loc["O3", "target_met"])
    assert first.loc["O1", "cycle"] == "Faster replies" and first.loc[
        "O1", "baseline_start"
    ] == pd.Timestamp("2026-01-01")
    assert first.loc["O2", "statistic"] == "median" and first.loc["O1", "kpi"] == "fcr"
    # the same run again replaces its rows
    register.append(
        path, cycle=cycle, verdicts=scorecard(), run_id="run-1", recorded_at="2026-09-01"
    )
    assert len(register.history(path)) == 6
    assert register.history(path, cycle="Other").empty


def test_history_of_missing_register_is_empty(tmp_path):
    h = register.history(tmp_path / "none.parquet")
    assert h.empty and list(h.columns) == register.COLUMNS


def test_verdict_objects_are_accepted(tmp_path):
    import numpy as np

    t = np.arange(40)
    df = pd.DataFrame(
        {"week": t, "fcr": 0.6 + 0.1 * (t >= 20) + np.random.default_rng(0).normal(0, 0.01, 40)}
    )
    v = verdict(
        df,
        y="fcr",
        time="week",
        change=20,
        direction="higher",
        target=0.65,
        objective="O1",
        sustained_check=False,
    )
    rows = register.append(
        tmp_path / "r.parquet", cycle=small_cycle(), verdicts=[v], run_id="x"
    ).set_index("objective")
    assert rows.loc["O1", "verdict"] == "improved" and rows.loc["O2", "verdict"] == "not evaluated"
    assert rows.loc["O1", "actual"] == pytest.approx(v.after)


def test_draft_next_cycle_parses_and_carries_objectives_over():
    cycle = small_cycle()
    raw = register.draft_next_cycle(cycle, scorecard(), stretch=0.1)
    nxt = parse_cycle(raw)
    assert (
        nxt.periods.baseline.start.isoformat() == "2026-04-01"
        and nxt.periods.baseline.end.isoformat() == "2026-06-29"
    )
    assert nxt.periods.review.start.isoformat() == "2026-06-30"
    assert (nxt.periods.review.end - nxt.periods.review.start) == (
        cycle.periods.review.end - cycle.periods.review.start
    )
    assert nxt.change.date == nxt.periods.review.start and not nxt.rollout
    obj = {o.id: o for o in nxt.objectives}
    assert obj["O1"].target == pytest.approx(0.72 * 1.1)  # met: stretched beyond the level reached
    assert obj["O2"].target == 10  # missed: kept
    assert obj["O3"].target is None
    assert "Baseline 0.72" in obj["O1"].description and "decision: adopt" in obj["O1"].description
    assert all(o.deadline == nxt.periods.review.end for o in nxt.objectives)
    assert [a.action for a in nxt.actions] == ["review templates"] and nxt.actions[
        0
    ].status == "planned"
    assert nxt.title == "Faster replies (next cycle)"


def test_next_cycle_yaml_of_the_sample_parses(tmp_path):
    cycle = load_cycle(SAMPLE / "cycle.yaml")
    v = pd.DataFrame(
        {
            "objective": ["O1", "O2", "O3", "O4"],
            "actual": [13.0, 0.74, 0.83, 560.0],
            "verdict": ["improved", "improved", "improved", "no detectable change"],
            "target_met": [True, False, True, False],
        }
    )
    text = register.next_cycle_yaml(cycle, v, absolute_paths=True)
    nxt = parse_cycle(yaml.safe_load(text), base_dir=tmp_path)
    assert nxt.path("tickets").exists()  # absolute paths still find the data
    o3 = {o.id: o for o in nxt.objectives}["O3"]
    assert o3.target == pytest.approx(min(0.83 * 1.05, 1.0))
    assert nxt.periods.baseline.start.isoformat() == "2026-06-01"


@pytest.mark.parametrize(
    ("call", "exc", "column"),
    [
        (
            lambda p: register.append(p / "r.xlsx", cycle=small_cycle(), verdicts=scorecard()),
            ParameterError,
            "register_path",
        ),
        (
            lambda p: register.append(
                p / "r.csv",
                cycle=small_cycle(),
                verdicts=scorecard().assign(objective=["O1", "O2", "O9"]),
            ),
            ParameterError,
            "objective",
        ),
        (
            lambda p: register.append(
                p / "r.csv", cycle=small_cycle(), verdicts=scorecard().drop(columns="objective")
            ),
            ParameterError,
            "objective",
        ),
        (
            lambda p: register.append(p / "r.csv", cycle=small_cycle(), verdicts=[42]),
            ParameterError,
            "verdicts",
        ),
        (
            lambda p: register.draft_next_cycle(small_cycle(), scorecard(), stretch=2),
            ParameterError,
            "stretch",
        ),
    ],
)
def test_user_errors(tmp_path, call, exc, column):
    with pytest.raises(exc) as err:
        call(tmp_path)
    assert err.value.problems[0].column == column


def test_foreign_file_is_not_a_register(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError) as err:
        register.history(path)
    assert "not a cycle register" in str(err.value)
    with pytest.raises(DataError):
        register.append(path, cycle=small_cycle(), verdicts=scorecard())
    assert path.read_text() == "a,b\n1,2\n"  # left untouched


@pytest.mark.parametrize("verdicts", [3.5, [3.5]])
def test_unreadable_verdicts(verdicts):
    with pytest.raises(ParameterError, match="cannot read a verdict"):
        register.verdict_table(verdicts)
