"""The standards' KPIs (``standard:<criterion>``, ``standard:overall``) computed by the KPI engine
from the evaluations, checked against numbers worked by hand and against the standards analyses."""

from __future__ import annotations

import pandas as pd
import pytest

from cslib.analyses.standards import compliance, evaluation_scores
from cslib.errors import DataError, ParameterError
from cslib.metrics import engine as kpi
from cslib.metrics.registry import REGISTRY, availability

TICKETS = pd.DataFrame(
    {
        "ticket_id": ["t1", "t2", "t3", "t4"],
        "created_at": pd.to_datetime(["2026-04-01", "2026-04-02", "2026-05-04", "2026-05-05"]),
        "team": ["A", "B", "A", "B"],
    }
)


def evaluation(ident, day, team, verdicts, **extra) -> list[dict]:
    """One evaluation: ``verdicts`` maps criterion → met (bool) or (score, max_score)."""
    rows = []
    for criterion, verdict in verdicts.items():
        row = {"evaluation_id": ident, "date": pd.Timestamp(day), "team": team}
        row["criterion"] = criterion
        if isinstance(verdict, tuple):
            row["score"], row["max_score"] = verdict
        else:
            row["met"] = verdict
        rows.append(row | extra)
    return rows


EVALUATIONS = pd.DataFrame(
    evaluation("e1", "2026-04-03", "A", {"greeting": True, "id_check": True, "empathy": (4, 5)})
    + evaluation("e2", "2026-04-06", "B", {"greeting": False, "id_check": True, "empathy": (5, 5)})
    + evaluation("e3", "2026-04-20", "A", {"greeting": True, "id_check": False, "empathy": (3, 5)})
    + evaluation("e4", "2026-05-06", "B", {"greeting": True, "id_check": True, "empathy": (2, 5)})
).astype({"met": "boolean"})
SCORECARD = {
    "pass_mark": 0.8,
    "criteria": [
        {"criterion": "greeting", "weight": 1},
        {"criterion": "id_check", "weight": 2, "critical": True},
        {"criterion": "empathy", "weight": 2},
    ],
}


def compute(**options) -> pd.DataFrame:
    options.setdefault("kpis", ["standard:greeting", "standard:empathy", "standard:overall"])
    return kpi.compute(
        TICKETS, evaluations=EVALUATIONS, standards=SCORECARD, validate=False, **options
    )


def test_compliance_of_one_criterion_per_month_by_hand():
    out = compute(freq="M").set_index("period")
    april, may = out.loc["2026-04-01"], out.loc["2026-05-01"]
    # greeting: met in e1 and e3, not in e2 → 2 of 3 in April; e4 met → 1 of 1 in May
    assert april["standard:greeting"] == pytest.approx(2 / 3) and april["standard:greeting_n"] == 3
    assert may["standard:greeting"] == 1.0 and may["standard:greeting_n"] == 1
    # empathy scored 4, 5, 3 of 5 with a pass mark of 0.8: 4/5 and 5/5 are met → 2 of 3
    assert april["standard:empathy"] == pytest.approx(2 / 3)
    assert may["standard:empathy"] == 0.0


def test_quality_score_weights_points_and_fails_on_a_critical_criterion():
    out = compute(freq="M").set_index("period")
    # e1: (1×1 + 2×1 + 2×0.8) / 5 = 0.92; e2: (0 + 2 + 2) / 5 = 0.8; e3 fails id_check (critical) → 0
    assert out.loc["2026-04-01", "standard:overall"] == pytest.approx((0.92 + 0.8 + 0) / 3)
    assert out.loc["2026-04-01", "standard:overall_n"] == 3
    # e4: (1 + 2 + 2×0.4) / 5 = 0.76
    assert out.loc["2026-05-01", "standard:overall"] == pytest.approx(0.76)


def test_the_engine_agrees_with_the_standards_analyses():
    out = compute(freq="all", by="team").set_index("team")
    scores = evaluation_scores(EVALUATIONS, scorecard=SCORECARD["criteria"], pass_mark=0.8)
    assert out["standard:overall"].to_dict() == pytest.approx(
        (scores.groupby("team")["score"].mean() / 100).to_dict()
    )
    shares = compliance(EVALUATIONS, by=["criterion", "team"], pass_mark=0.8).set_index(
        ["criterion", "team"]
    )
    for team in ("A", "B"):
        for criterion in ("greeting", "empathy"):
            expected = shares.loc[(criterion, team), "compliance"]
            assert out.loc[team, f"standard:{criterion}"] == pytest.approx(expected)


def test_the_datas_own_weight_and_critical_flag_win_over_the_scorecard():
    rows = EVALUATIONS.assign(critical=False, weight=1.0)  # nothing critical, equal weights
    out = kpi.compute(
        TICKETS,
        kpis=["standard:overall"],
        freq="all",
        evaluations=rows,
        standards=SCORECARD,
        validate=False,
    )
    # e1 (1+1+0.8)/3, e2 (0+1+1)/3, e3 (1+0+0.6)/3, e4 (1+1+0.4)/3
    expected = (2.8 + 2 + 1.6 + 2.4) / 3 / 4
    assert out["standard:overall"].iloc[0] == pytest.approx(expected)


def test_without_a_scorecard_every_criterion_weighs_one_and_none_is_critical():
    out = kpi.compute(
        TICKETS,
        kpis=["standard:overall"],
        freq="all",
        evaluations=EVALUATIONS,
        validate=False,
    )
    # empathy is scored: 4/5 counts 0.8 of its points; none is critical
    expected = ((1 + 1 + 0.8) + (0 + 1 + 1) + (1 + 0 + 0.6) + (1 + 1 + 0.4)) / 3 / 4
    assert out["standard:overall"].iloc[0] == pytest.approx(expected)


def test_team_filters_and_dates_apply_to_the_evaluations():
    out = compute(freq="all", filters={"team": "A"}, start="2026-04-10", end="2026-05-31")
    # only e3 (team A, 20 April) is left: greeting met, id_check failed (critical) → score 0
    assert out["standard:greeting"].iloc[0] == 1.0 and out["standard:greeting_n"].iloc[0] == 1
    assert out["standard:overall"].iloc[0] == 0.0


def test_a_standard_kpi_needs_the_evaluations_table_and_its_segments():
    with pytest.raises(DataError, match="missing an evaluations table"):
        kpi.compute(TICKETS, kpis=["standard:greeting"], validate=False)
    tickets = TICKETS.assign(channel="email")
    with pytest.raises(DataError, match="missing channel in the evaluations table"):
        kpi.compute(
            tickets,
            kpis=["standard:greeting"],
            by="channel",
            evaluations=EVALUATIONS,
            validate=False,
        )


def test_the_registry_resolves_a_standard_without_listing_one_per_criterion():
    k = REGISTRY["standard:accurate_answer"]
    assert (k.label, k.unit, k.better, k.kind, k.needs) == (
        "Standard met: accurate answer",
        "share",
        "higher",
        "proportion",
        ("evaluations",),
    )
    assert REGISTRY["standard:overall"].kind == "mean" and k.source
    assert "standard:accurate_answer" not in REGISTRY and not any(
        name.startswith("standard:") for name in REGISTRY
    )
    with pytest.raises(KeyError):
        REGISTRY["standard:"]
    with pytest.raises(ParameterError, match=r"standard:<criterion>"):
        kpi.compute(TICKETS, kpis=["standards:greeting"], validate=False)


def test_availability_lists_the_standards_asked_for():
    avail = availability(["created_at"], standards=["standard:greeting"]).set_index("kpi")
    assert avail.loc["standard:greeting", "missing"] == "an evaluations table"
    avail = availability(["created_at"], evaluations=True, standards=["standard:greeting"])
    assert avail.set_index("kpi").loc["standard:greeting", "available"]
    assert "standard:greeting" not in set(availability(["created_at"], evaluations=True)["kpi"])
