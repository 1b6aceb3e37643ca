"""Training linked to outcomes: own before/after, trained vs not-yet-trained in the same weeks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cslib.analyses import training
from cslib.data.tables import read_table
from cslib.errors import ParameterError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
COURSE = "Knowledge base and first-contact resolution"


def tickets_and_training():
    """Week of 4 May: a (trained 1 May) 2/2 top-box, b (trained later) 1/2; week of 11 May: a 1/1, b 0/2."""
    t = pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(7)],
            "agent_id": ["a", "a", "b", "b", "a", "b", "b"],
            "created_at": pd.to_datetime(
                [
                    "2026-05-04",
                    "2026-05-05",
                    "2026-05-05",
                    "2026-05-06",
                    "2026-05-12",
                    "2026-05-12",
                    "2026-05-13",
                ]
            ),
            "csat": pd.array([5, 4, 5, 2, 5, 1, 2], dtype="Int64"),
        }
    )
    tr = pd.DataFrame(
        {
            "agent_id": ["a", "b", "c"],
            "course": ["KB", "KB", "HEAT"],
            "completed_at": pd.to_datetime(["2026-05-01", "2026-06-30", "2026-04-01"]),
        }
    )
    return t, tr


def test_trained_vs_not_yet_same_weeks_by_hand():
    t, tr = tickets_and_training()
    res = training.training_effect(t, tr, course="KB", kpis=["csat"], min_n=1)
    row = res.concurrent.iloc[0]
    # week 1: 1.0 − 0.5, w = 2·2/4 = 1; week 2: 1.0 − 0.0, w = 1·2/3
    w1, w2 = 1.0, 2 / 3
    assert row["strata"] == 2 and row["n_trained"] == 3 and row["n_not_yet"] == 4
    assert row["diff"] == pytest.approx((w1 * 0.5 + w2 * 1.0) / (w1 + w2))
    assert row["trained"] == pytest.approx(1.0) and row["not_yet"] == pytest.approx(
        (w1 * 0.5 + w2 * 0.0) / (w1 + w2)
    )
    # variance: week 1 var_t = 0, var_u = 0.5 → 0.25; week 2 var_t = 0 (one value), var_u = 0 → 0
    se = np.sqrt(w1**2 * 0.25) / (w1 + w2)
    assert row["ci_high"] - row["diff"] == pytest.approx(1.959964 * se, rel=1e-5)
    weekly = res.weekly
    assert set(weekly["group"]) == {"trained", "not yet trained"} and len(weekly) == 4


def test_own_before_after_per_agent_and_pooled():
    rng = np.random.default_rng(5)
    rows = []
    for agent, done in (("a", "2026-05-01"), ("b", "2026-05-15"), ("c", "2026-06-01")):
        d = pd.Timestamp(done)
        for k in range(-30, 30):
            rows.append(
                (
                    agent,
                    d + pd.Timedelta(days=k),
                    5 if (k >= 0 and rng.random() < 0.9) else int(rng.integers(1, 6)),
                )
            )
    t = pd.DataFrame(rows, columns=["agent_id", "created_at", "csat"]).assign(
        ticket_id=lambda f: [str(i) for i in range(len(f))]
    )
    t["csat"] = t["csat"].astype("Int64")
    tr = pd.DataFrame(
        {
            "agent_id": ["a", "b", "c"],
            "course": "KB",
            "completed_at": pd.to_datetime(["2026-05-01", "2026-05-15", "2026-06-01"]),
        }
    )
    res = training.training_effect(t, tr, course="KB", kpis=["csat"], window_days=30)
    per = res.per_agent.set_index("agent_id")
    assert list(per.index) == ["a", "b", "c"] and (per["n_before"] == 30).all()
    assert res.pooled["diff"].item() == pytest.approx(per["diff"].mean())
    assert res.pooled["better"].item() is True
    assert set(res.summary()["comparison"]) == {
        "own before vs after (30 days)",
        "trained vs not yet, same weeks",
    }
    assert "<table" in res._repr_html_()


@pytest.mark.parametrize(
    ("call", "column"),
    [
        (lambda t, tr: training.training_effect(t, tr, course="Nope"), "course"),
        (lambda t, tr: training.training_effect(t, tr, course="KB", kpis=["nps"]), "kpis"),
        (lambda t, tr: training.training_effect(t, tr, course="KB", window_days=0), "window_days"),
        (lambda t, tr: training.training_effect(t, tr, course="HEAT"), "agent_id"),
        (
            lambda t, tr: training.training_effect(t.drop(columns="agent_id"), tr, course="KB"),
            "agent_id",
        ),
        (
            lambda t, tr: training.training_effect(t, tr.drop(columns="course"), course="KB"),
            "course",
        ),
    ],
)
def test_user_errors(call, column):
    t, tr = tickets_and_training()
    with pytest.raises(ParameterError) as err:
        call(t, tr)
    assert err.value.problems[0].column == column


def test_sample_trained_agents_resolve_first_time_more_often():
    t = read_table(SAMPLE / "tickets.parquet", "tickets")
    tr = read_table(SAMPLE / "training.csv", "training")
    res = training.training_effect(t, tr, course=COURSE, kpis=["fcr", "resolution_hours"])
    conc = res.concurrent.set_index("kpi")
    assert (
        conc.loc["fcr", "diff"] > 0 and conc.loc["fcr", "ci_low"] > 0
    )  # the sample's +10 points FCR
    assert conc.loc["resolution_hours", "diff"] < 0
    pooled = res.pooled.set_index("kpi")
    assert pooled.loc["fcr", "agents"] == 18 and pooled.loc["fcr", "better"]


def test_a_tickets_file_gives_the_same_effect_with_filters(tmp_path):
    t = read_table(SAMPLE / "tickets.parquet", "tickets")
    tr = read_table(SAMPLE / "training.csv", "training")
    path = tmp_path / "tickets.parquet"
    t.to_parquet(path)
    teams = ["Billing", "Orders"]
    from_file = training.training_effect(
        path, tr, course=COURSE, kpis=["fcr", "aht_seconds"], filters={"team": teams}
    )
    from_frame = training.training_effect(
        t[t["team"].isin(teams)], tr, course=COURSE, kpis=["fcr", "aht_seconds"]
    )
    for part in ("per_agent", "pooled", "concurrent", "weekly"):
        pd.testing.assert_frame_equal(
            getattr(from_file, part), getattr(from_frame, part), check_dtype=False
        )
    assert set(from_file.per_agent["agent_id"]) <= set(t.loc[t["team"].isin(teams), "agent_id"])
