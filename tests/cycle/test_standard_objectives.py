"""Objectives on a service standard: accepted only on a declared criterion with an evaluations table;
criteria the evaluations score but the scorecard does not declare are a warning of ``cslib validate``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cslib.cycle.model import parse_cycle
from cslib.errors import ConfigError
from cslib.run import preflight

SCORECARD = {
    "criteria": [
        {"criterion": "greeting", "dimension": "assurance"},
        {"criterion": "ownership", "dimension": "responsiveness", "weight": 2},
    ]
}


def cycle(kpi: str, *, evaluations: bool = True, **extra) -> dict:
    data = {"tickets": "tickets.csv"} | ({"evaluations": "evaluations.csv"} if evaluations else {})
    return {
        "title": "t",
        "data": data,
        "periods": {
            "baseline": {"start": "2026-01-01", "end": "2026-03-31"},
            "review": {"start": "2026-04-01", "end": "2026-06-30"},
        },
        "change": {"date": "2026-04-01"},
        "standards": SCORECARD,
        "objectives": [{"id": "Q1", "kpi": kpi, "direction": "increase", "target": 0.9}],
        **extra,
    }


def error_of(raw) -> str:
    with pytest.raises(ConfigError) as info:
        parse_cycle(raw, source="cycle.yaml")
    return str(info.value)


def test_an_objective_on_a_declared_criterion_or_the_quality_score_is_accepted():
    assert parse_cycle(cycle("standard:ownership")).objectives[0].kpi == "standard:ownership"
    parsed = parse_cycle(cycle("standard:overall"))
    assert parsed.standard_kpis() == ["standard:greeting", "standard:ownership", "standard:overall"]
    assert parse_cycle(cycle("fcr", evaluations=False)).standard_kpis() == []


def test_an_undeclared_criterion_names_the_objective_the_criterion_the_declared_ones_and_the_fix():
    msg = error_of(cycle("standard:ownershp"))
    assert "cycle.yaml: objectives[0].kpi" in msg
    assert "objective Q1: KPI 'standard:ownershp' names the criterion 'ownershp'" in msg
    assert "it declares: greeting, ownership" in msg
    assert "declare 'ownershp' under standards.criteria" in msg


def test_without_an_evaluations_table_a_standard_cannot_be_an_objective():
    msg = error_of(cycle("standard:overall", evaluations=False))
    assert "objective Q1: KPI 'standard:overall' is measured from quality evaluations" in msg
    assert "add the table under data (evaluations: evaluations.csv)" in msg


def test_standard_problems_come_with_every_other_problem_at_once():
    raw = cycle("standard:tone", evaluations=False, timezone="Mars/Olympus")
    msg = error_of(raw)
    assert msg.startswith("3 problems in cycle.yaml")
    assert "unknown time zone" in msg and "names the criterion 'tone'" in msg


def test_a_misspelt_prefix_is_an_unknown_kpi_that_names_the_standard_form():
    msg = error_of(cycle("standards:greeting"))
    assert "unknown KPI 'standards:greeting'" in msg and "standard:<criterion>" in msg


def test_validate_warns_of_criteria_the_scorecard_does_not_declare(tmp_path):
    days = pd.date_range("2026-01-05", "2026-06-29", freq="7D")
    pd.DataFrame(
        {"ticket_id": [f"t{i}" for i in range(len(days))], "created_at": days, "team": "A"}
    ).to_csv(tmp_path / "tickets.csv", index=False)
    pd.DataFrame(
        {
            "evaluation_id": ["e1", "e1", "e1", "e2"],
            "date": "2026-02-02",
            "criterion": ["greeting", "tone", "closing", "greeting"],
            "met": [True, False, True, True],
        }
    ).to_csv(tmp_path / "evaluations.csv", index=False)
    raw = cycle("standard:greeting")
    (tmp_path / "cycle.yaml").write_text(json.dumps(raw), encoding="utf-8")  # YAML reads JSON
    _, warnings = preflight.validated(tmp_path / "cycle.yaml")  # valid: only warnings
    found = warnings[warnings["item"] == "standards.criteria"].iloc[0]
    assert f"the evaluations ({tmp_path / 'evaluations.csv'}) score criteria" in found["finding"]
    assert "does not declare: closing, tone;" in found["finding"]
    assert found["fix"].endswith("the scorecard declares: greeting, ownership")
