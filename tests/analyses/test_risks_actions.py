"""Risk matrix and action timeline from the cycle file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cslib.analyses import risks_actions as planning
from cslib.cycle.model import load_cycle
from cslib.errors import ParameterError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def test_risk_scores_bands_and_order():
    risks = [
        {"risk": "a", "likelihood": 1, "impact": 4},
        {"risk": "b", "likelihood": 5, "impact": 5, "contingency": "overtime"},
        {"risk": "c", "likelihood": 3, "impact": 4},
        {"risk": "d", "likelihood": 3, "impact": 3, "contingency": "x"},
    ]
    m = planning.risk_matrix(risks)
    assert m["risk"].tolist() == ["b", "c", "d", "a"]
    assert m["score"].tolist() == [25, 12, 9, 4]
    assert m["rating"].tolist() == ["very high", "high", "medium", "low"]
    assert m["needs_contingency"].tolist() == [False, True, False, False]
    custom = planning.risk_matrix(risks, bands=((10, "ok"), (25, "act")))
    assert custom["rating"].tolist() == ["act", "act", "ok", "ok"]
    grid = planning.risk_grid(risks)
    assert (
        grid.loc[5, 5] == 1 and grid.to_numpy().sum() == 4 and list(grid.index) == [5, 4, 3, 2, 1]
    )


def test_action_slippage_and_overdue():
    actions = [
        {
            "action": "late",
            "start": "2026-05-01",
            "end": "2026-05-10",
            "actual_start": "2026-05-03",
            "actual_end": "2026-05-15",
            "status": "done",
            "cost": 100,
        },
        {
            "action": "running",
            "start": "2026-04-01",
            "end": "2026-04-30",
            "actual_start": "2026-04-01",
            "status": "in progress",
        },
        {
            "action": "early",
            "start": "2026-06-01",
            "end": "2026-06-10",
            "actual_start": "2026-05-30",
            "actual_end": "2026-06-08",
            "status": "done",
            "communication": True,
        },
    ]
    t = planning.action_timeline(actions, as_of="2026-05-20").set_index("action")
    assert list(t.index) == ["running", "late", "early"]
    assert t.loc["late", "start_slip_days"] == 2 and t.loc["late", "end_slip_days"] == 5
    assert t.loc["late", "planned_days"] == 10 and t.loc["late", "actual_days"] == 13
    assert t.loc["early", "end_slip_days"] == -2 and bool(t.loc["early", "communication"])
    assert t.loc["running", "overdue_days"] == 20 and np.isnan(t.loc["running", "end_slip_days"])
    assert t.loc["late", "overdue_days"] == 0 and t.loc["late", "cost"] == 100


@pytest.mark.parametrize(
    ("call", "column"),
    [
        (lambda: planning.risk_matrix([{"risk": "x", "likelihood": 6, "impact": 2}]), "likelihood"),
        (
            lambda: planning.risk_matrix([{"risk": "x", "likelihood": 2, "impact": "high"}]),
            "impact",
        ),
        (lambda: planning.risk_matrix("risks.yaml"), "risks"),
        (
            lambda: planning.action_timeline(
                [{"action": "x", "start": "2026-05-10", "end": "2026-05-01"}]
            ),
            "end",
        ),
        (lambda: planning.action_timeline([{"action": "x", "start": 20260501}]), "start/end"),
    ],
)
def test_user_errors(call, column):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.problems[0].column == column


def test_sample_cycle():
    cycle = load_cycle(SAMPLE / "cycle.yaml")
    m = planning.risk_matrix(cycle)
    assert (
        m.iloc[0]["score"] == 12 and "Peak" in m.iloc[0]["risk"] and m.iloc[0]["rating"] == "high"
    )
    assert not m["needs_contingency"].any()
    t = planning.action_timeline(cycle, as_of="2026-11-01")
    assert len(t) == 4 and t["cost"].sum() == 30500
    assert t["communication"].sum() == 1
    assert (t["planned_start"].diff().dropna() >= pd.Timedelta(0)).all()
