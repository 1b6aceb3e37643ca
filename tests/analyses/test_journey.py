"""Journey stages and pain points."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cslib.analyses import journey
from cslib.data.tables import read_table
from cslib.errors import ParameterError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    return read_table(SAMPLE / "tickets.parquet", "tickets"), read_table(
        SAMPLE / "complaints.csv", "complaints"
    )


def small():
    created = pd.Timestamp("2026-04-01 09:00")
    return pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(6)],
            "created_at": [created] * 6,
            "resolved_at": [created + pd.Timedelta(hours=h) for h in (1, 3, 10, 10, 2, 2)],
            "journey_stage": ["buy", "buy", "pay", "pay", "join", "join"],
            "csat": pd.array([5, 5, 2, 3, 4, 5], dtype="Int64"),
        }
    )


def test_journey_profile_by_hand():
    t = small()
    c = pd.DataFrame({"complaint_id": ["k"], "ticket_id": ["2"]})
    p = journey.journey_profile(t, complaints=c).set_index("journey_stage")
    assert list(p.index) == ["join", "buy", "pay"]  # life-cycle order, not alphabetical
    assert p.loc["pay", "resolution_hours"] == 10 and p.loc["buy", "resolution_hours"] == 2
    assert p.loc["pay", "complaint_share"] == 0.5 and p.loc["buy", "complaints"] == 0
    # overall median resolution 2.5 h; pay's shortfall (10 − 2.5)/2.5 = 3
    assert p.loc["pay", "shortfall_resolution_hours"] == pytest.approx(3.0)
    # overall CSAT top-2-box 4/6; pay 0 → shortfall 1
    assert p.loc["pay", "shortfall_csat"] == pytest.approx(1.0)
    assert p.loc["pay", "pain_rank"] == 1 and p.loc["pay", "worst_kpi"] == "resolution_hours"
    assert p.loc["pay", "pain_score"] == pytest.approx(
        p.loc["pay", [c for c in p.columns if c.startswith("shortfall_")]].mean()
    )
    assert p["volume_share"].sum() == pytest.approx(1.0)


def test_pain_points_ranked_and_custom_order():
    pp = journey.pain_points(small(), top=2)
    assert pp["journey_stage"].tolist()[0] == "pay" and len(pp) == 2
    prof = journey.journey_profile(small(), stages=["pay", "join", "buy"])
    assert prof["journey_stage"].tolist() == ["pay", "join", "buy"]


def test_journey_profile_from_parquet_equals_dataframe(sample, tmp_path):
    t, c = sample
    t = t.copy()
    t.loc[t.index % 7 == 0, "journey_stage"] = None  # tickets without a stage are left out
    path = tmp_path / "t.parquet"
    t.to_parquet(path)
    teams = sorted(t["team"].dropna().unique())[:2]
    for kw in (
        {},
        {"complaints": c},
        {"complaints": c, "filters": {"team": teams}, "start": "2026-03-01", "end": "2026-06-30"},
    ):
        from_file = journey.journey_profile(path, **kw)
        pd.testing.assert_frame_equal(from_file, journey.journey_profile(t, **kw))
        assert from_file.attrs == journey.journey_profile(t, **kw).attrs
    windowed = journey.journey_profile(
        path, complaints=c, filters={"team": teams}, start="2026-03-01", end="2026-06-30"
    )
    keep = (
        t["team"].isin(teams)
        & t["journey_stage"].notna()
        & (t["created_at"] >= "2026-03-01")
        & (t["created_at"] < "2026-07-01")
    )
    assert windowed["volume"].sum() == keep.sum()
    assert windowed["complaints"].sum() == (keep & t["ticket_id"].isin(c["ticket_id"])).sum()


def test_complaint_share_by_hand(tmp_path):
    t = pd.concat([small(), small().iloc[[0]].assign(ticket_id="6", journey_stage=None)])
    # ticket 2 twice, one without a ticket, one on the stage-less ticket 6
    c = pd.DataFrame({"ticket_id": ["1", "2", "3", "2", None, "6", "99"]})
    t.to_parquet(tmp_path / "t.parquet")
    for tickets in (t, tmp_path / "t.parquet"):
        p = journey.journey_profile(tickets, complaints=c).set_index("journey_stage")
        assert p["complaints"].to_dict() == {"join": 0, "buy": 1, "pay": 2}
        assert p["complaint_share"].to_dict() == {"join": 0.0, "buy": 0.5, "pay": 1.0}
        # overall share 3 of the 6 staged tickets = 0.5
        assert p["shortfall_complaint_share"].to_dict() == {"join": -1.0, "buy": 0.0, "pay": 1.0}
        ranked = journey.pain_ranking(p.reset_index())
        pd.testing.assert_frame_equal(ranked, journey.pain_points(tickets, complaints=c))
        assert ranked["journey_stage"].iloc[0] == "pay"


def test_journey_profile_path_without_stage(tmp_path):
    path = tmp_path / "t.parquet"
    small().drop(columns="journey_stage").to_parquet(path)
    with pytest.raises(ParameterError) as err:
        journey.journey_profile(path)
    problem = err.value.problems[0]
    assert problem.column == "journey_stage" and "not found" in problem.what
    assert "resolved_at" in problem.fix  # names the columns the file has


@pytest.mark.parametrize(
    ("call", "column"),
    [
        (lambda: journey.journey_profile(small().drop(columns="journey_stage")), "journey_stage"),
        (lambda: journey.journey_profile(small(), kpis=["speed"]), "kpis"),
        (lambda: journey.journey_profile(small(), start="2027-01-01"), "journey_stage"),
        (
            lambda: journey.journey_profile(small()[["ticket_id", "created_at", "journey_stage"]]),
            "pain_kpis",
        ),
    ],
)
def test_user_errors(call, column):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.problems[0].column == column


def test_sample_journey(sample):
    t, c = sample
    p = journey.journey_profile(t, complaints=c)
    assert p["journey_stage"].tolist() == [
        "join",
        "buy",
        "receive",
        "use",
        "pay",
        "return",
        "leave",
    ]
    assert p["volume"].sum() == len(t)
    assert p["complaints"].sum() == t["ticket_id"].isin(c["ticket_id"]).sum()
    assert p["pain_rank"].min() == 1
