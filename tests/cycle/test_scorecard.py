"""The evaluations table and the standards section of the cycle file: valid ones load, mistakes
are named with their path, row and fix, and ``cslib validate`` checks the table like any other."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from cslib.analyses.standards import compliance
from cslib.cycle.model import parse_cycle
from cslib.data.schema import SCHEMAS
from cslib.data.tables import read_table
from cslib.errors import ConfigError

CRITERIA = [
    {"criterion": "greeting", "dimension": "Assurance", "standard": "greet by name"},
    {"criterion": "id_check", "dimension": "reliability", "weight": 2, "critical": True},
]


def with_standards(standards: dict | None = None) -> dict:
    """A minimal cycle with an evaluations table and, if given, a standards section."""
    raw = {
        "title": "t",
        "data": {"tickets": "tickets.csv", "evaluations": "evaluations.csv"},
        "periods": {
            "baseline": {"start": "2026-01-01", "end": "2026-03-31"},
            "review": {"start": "2026-04-01", "end": "2026-06-30"},
        },
        "change": {"date": "2026-04-01"},
    }
    return raw if standards is None else {**raw, "standards": standards}


def error_of(standards: dict) -> str:
    with pytest.raises(ConfigError) as info:
        parse_cycle(with_standards(standards), source="cycle.yaml")
    return str(info.value)


def test_standards_section_loads_and_feeds_the_analyses():
    cycle = parse_cycle(with_standards({"criteria": CRITERIA, "target": 0.9}))
    assert cycle.standards.margin == 0.05 and cycle.standards.pass_mark == 1.0
    card = cycle.standards.scorecard()
    assert card[0]["dimension"] == "assurance" and card[1]["critical"] is True
    e = pd.DataFrame(
        {"evaluation_id": ["e1", "e1"], "criterion": ["greeting", "id_check"], "met": [True, False]}
    )
    table = compliance(e, by="dimension", scorecard=card)
    assert table["dimension"].tolist() == ["assurance", "reliability"]
    assert parse_cycle(with_standards()).standards.criteria == []  # the section is optional


def test_standards_mistakes_name_their_path():
    msg = error_of({"criteria": [{"criterion": "greeting", "wieght": 2}]})
    assert "standards.criteria[0].wieght: unknown key 'wieght'" in msg
    msg = error_of({"criteria": [{"criterion": "greeting", "dimension": "speed"}]})
    assert "unknown dimension 'speed'" in msg and "responsiveness" in msg
    assert "criteria declared twice: greeting" in error_of({"criteria": [CRITERIA[0]] * 2})
    assert "standards.target" in error_of({"criteria": CRITERIA, "target": 1.5})
    assert "standards.criteria[0].weight" in error_of(
        {"criteria": [{"criterion": "greeting", "weight": 0}]}
    )


def test_evaluations_contract():
    schema = SCHEMAS["evaluations"]
    assert [c.name for c in schema.required] == ["evaluation_id", "date", "criterion"]
    e = pd.DataFrame(
        {
            "evaluation_id": [1, 1],
            "date": ["2026-04-01", "2026-04-01"],
            "criterion": ["greeting", "id_check"],
            "score": [4, None],
            "max_score": [5, None],
            "met": [None, "yes"],
            "source": ["QA", "Mystery Shop"],
        }
    )
    frame = read_table(e, "evaluations")
    assert frame["evaluation_id"].tolist() == ["1", "1"]
    assert frame["source"].tolist() == ["qa", "mystery_shop"]
    assert frame["met"].tolist()[1] is True


def _files(tmp_path, evaluations: str) -> object:
    (tmp_path / "tickets.csv").write_text(
        "ticket_id,created_at\n1,2026-01-05 09:00\n2,2026-02-03 10:00\n", encoding="utf-8"
    )
    (tmp_path / "evaluations.csv").write_text(textwrap.dedent(evaluations), encoding="utf-8")
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text(
        textwrap.dedent(
            """
            title: Standards
            data:
              tickets: tickets.csv
              evaluations: evaluations.csv
            periods:
              baseline: {start: 2026-01-01, end: 2026-01-31}
              review: {start: 2026-02-01, end: 2026-02-28}
            change: {date: 2026-02-01}
            objectives:
              - {id: O1, kpi: volume, direction: decrease}
            standards:
              criteria:
                - {criterion: greeting, dimension: empathy}
            """
        ),
        encoding="utf-8",
    )
    return cycle


def test_validate_accepts_good_evaluations(tmp_path, cli):
    cycle = _files(
        tmp_path,
        """\
        evaluation_id,date,criterion,score,max_score,met,source,evaluator
        e1,2026-01-05,greeting,,,yes,qa,ann
        e1,2026-01-05,answer,4,5,,qa,ann
        """,
    )
    result = cli("validate", cycle)
    assert result.returncode == 0, result.stderr


def test_validate_names_every_problem_of_the_evaluations(tmp_path, cli):
    cycle = _files(
        tmp_path,
        """\
        evaluation_id,date,criterion,score,max_score,met,source
        e1,2026-01-05,greeting,,,yes,qa
        e1,2026-01-05,answer,7,5,,qa
        e2,2026-01-06,greeting,,,,boss
        e2,2026-01-06,answer,3,,,qa
        e2,2026-01-06,greeting,,,no,qa
        """,
    )
    result = cli("validate", cycle)
    assert result.returncode == 2, result.stdout + result.stderr
    err = result.stderr
    assert err.startswith("error:") and "Traceback" not in err
    assert "evaluations.csv" in err
    for phrase in (
        "column 'score': above max_score (row 3; value '7 > 5')",
        "column 'score, met': gives none of score, met (row 4)",
        "column 'score': given without max_score (row 5",
        "column 'source': unknown value (row 4; value 'boss')",
        "duplicate evaluation_id × criterion (rows 4, 6",
        "fix: give max_score on every row with a score",
        "fix: every row needs at least one of score, met",
    ):
        assert phrase in err, err
