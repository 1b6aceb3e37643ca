"""A quality tool's export with one column per criterion, mapped onto the long evaluations table."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from cslib.analyses.standards import compliance
from cslib.cycle.model import validate_cycle
from cslib.data import adapters
from cslib.data import tables as io
from cslib.errors import ConfigError

EXPORTS = Path(__file__).parent / "exports"
CRITERIA = ["greeting", "id_check", "accurate_answer", "empathy", "ownership"]


def _cycle(folder: Path, export: str = "qa_export.csv", mapping: str = "qa_export.yaml") -> Path:
    """A cycle file reading the export through the built-in adapter and the criteria mapping."""
    sample = Path(__file__).parents[2] / "data" / "sample" / "tickets.parquet"
    path = folder / "cycle.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            title: Quality evaluations from a QA tool
            data:
              tickets: {sample}
              evaluations: {{path: {export}, adapter: qa_export, mapping: {mapping}}}
            periods:
              baseline: {{start: 2026-01-05, end: 2026-05-31}}
              review: {{start: 2026-06-01, end: 2026-10-31}}
            change: {{date: 2026-06-01}}
            """
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    for name in ("qa_export.csv", "qa_export.yaml"):
        shutil.copy(EXPORTS / name, tmp_path / name)
    return tmp_path


def _read(folder: Path) -> pd.DataFrame:
    m = adapters.resolve(
        "evaluations", adapter="qa_export", mapping="qa_export.yaml", base_dir=folder
    )
    return io.read_table(folder / "qa_export.csv", "evaluations", opts=io.ReadOptions(mapping=m))


def test_each_criterion_column_becomes_a_row(folder):
    e = _read(folder)
    wide = pd.read_csv(EXPORTS / "qa_export.csv", dtype=str, keep_default_na=False)
    # 6 evaluations × 5 criteria, less R-1002's N/A identity check and R-1006's empty answer cell
    assert len(e) == 6 * 5 - 2
    assert e.groupby("evaluation_id")["criterion"].apply(list).loc["R-1001"] == CRITERIA
    assert set(e.loc[e["evaluation_id"] == "R-1002", "criterion"]) == set(CRITERIA) - {"id_check"}
    assert set(e.loc[e["evaluation_id"] == "R-1006", "criterion"]) == set(CRITERIA) - {
        "accurate_answer"
    }
    # labels scored by the mapping's values, numbers kept, max_score per criterion
    r2 = e[e["evaluation_id"] == "R-1002"].set_index("criterion")
    assert r2.loc["accurate_answer", ["score", "max_score"]].tolist() == [0.0, 1.0]
    assert r2.loc["empathy", ["score", "max_score"]].tolist() == [3.0, 5.0]
    # the evaluation's own columns repeat on each of its criteria
    assert (r2["agent_id"] == "A0007").all() and (r2["evaluator"] == "E02").all()
    assert (r2["channel"] == "phone").all() and (r2["ticket_id"] == "84260").all()
    assert e["date"].min() == pd.Timestamp("2026-03-02")
    assert e["evaluation_id"].nunique() == len(wide)


def test_compliance_of_the_export_by_hand(folder):
    found = compliance(_read(folder), by="criterion", pass_mark=0.8).set_index("criterion")
    # identity check: Yes, Yes, Yes, No, Yes (R-1002 N/A) → 4 of 5
    assert found.loc["id_check", ["met", "n"]].tolist() == [4, 5]
    # empathy 4, 3, 5, 2, 4, 3 of 5: at least 0.8 (4 of 5) three times
    assert found.loc["empathy", ["met", "n"]].tolist() == [3, 6]


def test_the_cycle_validates_and_describes_the_columns(folder):
    _, problems = validate_cycle(_cycle(folder))
    assert problems == []
    m = adapters.resolve(
        "evaluations", adapter="qa_export", mapping="qa_export.yaml", base_dir=folder
    )
    shown = adapters.describe(
        folder / "qa_export.csv", "evaluations", opts=io.ReadOptions(mapping=m)
    ).set_index("column")
    assert shown.loc["criterion", "source"] == "criterion (column name)"
    assert shown.loc["score", "source"] == "criterion (cell)"
    assert shown.loc["evaluation_id", "source"] == "Review ID"


def test_a_long_export_needs_only_the_adapter(tmp_path):
    (tmp_path / "long.csv").write_text(
        "Review ID,Reviewed At,Agent,Criterion,Score,Max Score\n"
        "R-1,2026-03-02,A1,Greeting,1,1\nR-1,2026-03-02,A1,Empathy,4,5\n",
        encoding="utf-8",
    )
    m = adapters.resolve("evaluations", adapter="qa_export")
    e = io.read_table(tmp_path / "long.csv", "evaluations", opts=io.ReadOptions(mapping=m))
    assert e[["criterion", "score", "max_score"]].values.tolist() == [
        ["Greeting", 1.0, 1.0],
        ["Empathy", 4.0, 5.0],
    ]


def test_prefixed_pass_fail_columns(tmp_path):
    (tmp_path / "pf.csv").write_text(
        "id,date,Q: Greeting,Q: Tone of voice,notes\n"
        "1,2026-03-02,pass,fail,x\n2,2026-03-03,pass,N/A,y\n",
        encoding="utf-8",
    )
    m = adapters.parse_mapping(
        {
            "columns": {"evaluation_id": "id", "date": "date"},
            "criteria": {"prefix": "Q: ", "cells": "met"},
            "values": {"met": {"pass": True, "fail": False}},
            "missing": ["N/A"],
        }
    ).for_table("evaluations")
    for _ in range(20):  # in the file's order every time (not a parallel union's)
        e = io.read_table(tmp_path / "pf.csv", "evaluations", opts=io.ReadOptions(mapping=m))
        assert e[["evaluation_id", "criterion", "met"]].values.tolist() == [
            ["1", "greeting", True],
            ["1", "tone_of_voice", False],
            ["2", "greeting", True],
        ]


def test_bad_export_reports_every_problem_at_once(folder, cli):
    text = (folder / "qa_export.csv").read_text(encoding="utf-8")
    text = text.replace(",Yes,4,Yes,clear", ",Yes,7,Yes,clear")  # R-1001 (row 2): empathy 7 of 5
    text = text.replace("Core QA,Yes,No,Yes,4,Yes", "Core QA,Yes,No,maybe,4,Yes")  # R-1005 (row 6)
    text = text.replace("Ownership", "Owned it")  # a criterion column renamed in the tool
    (folder / "qa_export.csv").write_text(text, encoding="utf-8")
    cycle = _cycle(folder)
    _, problems = validate_cycle(cycle)
    said = {p.what: p for p in problems}
    assert len(problems) == 3, [p.what for p in problems]
    missing = said[
        "the mapping 'qa_export.yaml' names the criterion column 'Ownership', which the file does not have"
    ]
    assert missing.column == "Ownership" and "Owned it" in missing.values
    assert "criteria.columns" in missing.fix
    number = next(p for p in problems if p.column == "score" and "number" in p.what)
    assert number.rows == (6,) and number.values == ("maybe",)
    above = next(p for p in problems if "max_score" in p.what)
    assert above.rows == (2,)
    assert all(p.file.endswith("qa_export.csv") and p.fix for p in problems)
    result = cli("validate", cycle)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'Ownership'" in result.stderr and "maybe" in result.stderr


@pytest.mark.parametrize(
    ("criteria", "table", "said"),
    [
        ({"cells": "score"}, "evaluations", "name the criterion columns"),
        (
            {"columns": ["Greeting"], "cells": "met", "max_score": 1},
            "evaluations",
            "max_score goes with cells: score",
        ),
        ({"columns": ["Greeting"], "max_score": 0}, "evaluations", "max_score must be positive"),
        ({"columns": ["Greeting"]}, "tickets", "criterion columns fill the evaluations table"),
    ],
)
def test_mapping_errors_of_the_criteria_key(criteria, table, said):
    with pytest.raises(ConfigError) as err:
        adapters.parse_mapping({"criteria": criteria}).for_table(table)
    assert said in str(err.value)


def test_a_file_without_any_criterion_column_is_an_error(tmp_path):
    (tmp_path / "none.csv").write_text("id,date,notes\n1,2026-03-02,x\n", encoding="utf-8")
    m = adapters.parse_mapping(
        {"columns": {"evaluation_id": "id", "date": "date"}, "criteria": {"prefix": "Q: "}}
    ).for_table("evaluations")
    problems = io.check_table(tmp_path / "none.csv", "evaluations", opts=io.ReadOptions(mapping=m))
    # first, before the table it leaves empty
    assert problems[0].what == "the file has no criterion column (starting with 'Q: ')"
    assert problems[0].values == ("id", "date", "notes")


def test_a_long_export_is_recognised_and_a_wide_one_is_not():
    from cslib.data.adapters.sniff import recognise

    long = ["Review ID", "Reviewed At", "Conversation ID", "Agent", "Reviewer", "Scorecard"]
    long += ["Criterion", "Score", "Max Score"]
    assert recognise(long) == ("qa_export", "evaluations")
    wide = pd.read_csv(EXPORTS / "qa_export.csv", nrows=0).columns.tolist()
    assert recognise(wide) is None  # the criteria need naming in a mapping
