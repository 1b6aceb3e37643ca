"""Service standards: compliance, scores, evaluator agreement, sampling and outcomes,
checked against numbers worked by hand and published examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

from cslib.analyses.standards import (
    agreement,
    compliance,
    evaluation_scores,
    kappa,
    landis_koch,
    mean_scores,
    outcomes,
    sample_needed,
    sampling_adequacy,
    scored,
)
from cslib.analyses.standards.agreement import fleiss_kappas
from cslib.errors import DataError, ParameterError


def checks(criterion: str, met: list[bool], **columns) -> pd.DataFrame:
    """One criterion checked in len(met) evaluations."""
    ids = [f"{criterion}-{i}" for i in range(len(met))]
    return pd.DataFrame({"evaluation_id": ids, "criterion": criterion, "met": met, **columns})


# ------------------------------------------------------------------ compliance


def test_compliance_and_wilson_interval_by_hand():
    # 8 of 10 met: Wilson 95 % = (p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    # = (0.8 + 0.19207 ± 1.95996 × 0.16001) / 1.38415 = 0.4902 … 0.9433
    e = pd.concat([checks("greeting", [True] * 8 + [False] * 2), checks("id_check", [True] * 5)])
    table = compliance(e, target=0.9).set_index("criterion")
    g = table.loc["greeting"]
    assert (g["n"], g["met"], g["compliance"]) == (10, 8, 0.8)
    assert table.loc["greeting", ["ci_low", "ci_high"]].astype(float).round(4).tolist() == [
        0.4902,
        0.9433,
    ]
    assert g["against_target"] == "not yet clear"
    # 5 of 5: Wilson lower end n / (n + z²) = 5 / 8.8415 = 0.5655
    assert table.loc["id_check", ["ci_low", "ci_high"]].astype(float).round(4).tolist() == [
        0.5655,
        1.0,
    ]
    overall = compliance(e, by=None)
    assert overall[["n", "met"]].values.tolist() == [[15, 13]]


def test_compliance_by_dimension_from_the_scorecard_and_by_team():
    e = pd.DataFrame(
        {
            "evaluation_id": ["e1", "e1", "e2", "e2"],
            "team": ["A", "A", "B", "B"],
            "criterion": ["greeting", "empathy_statement", "greeting", "empathy_statement"],
            "met": [True, False, True, True],
        }
    )
    card = [
        {"criterion": "greeting", "dimension": "assurance", "standard": "greet by name"},
        {"criterion": "empathy_statement", "dimension": "empathy"},
    ]
    by_dim = compliance(e, by="dimension", scorecard=card)
    assert by_dim[["dimension", "n", "met"]].values.tolist() == [
        ["assurance", 2, 2],
        ["empathy", 2, 1],
    ]
    assert compliance(e, scorecard=card).set_index("criterion").loc["greeting", "standard"] == (
        "greet by name"
    )
    by_team = compliance(e, by="team")
    assert by_team[["team", "n_evaluations", "compliance"]].values.tolist() == [
        ["A", 1, 0.5],
        ["B", 1, 1.0],
    ]


# ------------------------------------------------------------------ scores


def test_weighted_score_with_a_critical_fail():
    card = [
        {"criterion": "greeting", "weight": 1},
        {"criterion": "id_check", "weight": 2, "critical": True},
        {"criterion": "answer", "weight": 2},
    ]
    e = pd.DataFrame(
        {
            "evaluation_id": ["e1"] * 3 + ["e2"] * 3,
            "team": "A",
            "criterion": ["greeting", "id_check", "answer"] * 2,
            "met": [True, True, None, True, False, None],
            "score": [None, None, 3, None, None, 4],
            "max_score": [None, None, 4, None, None, 4],
        }
    )
    scores = evaluation_scores(e, scorecard=card).set_index("evaluation_id")
    # e1: 100 × (1×1 + 2×1 + 2×3/4) / 5 = 90; e2: 100 × (1 + 0 + 2) / 5 = 60, critical fail → 0
    assert scores["raw_score"].tolist() == [90.0, 60.0]
    assert scores["critical_fail"].tolist() == [False, True]
    assert scores["score"].tolist() == [90.0, 0.0]
    assert scores["n_met"].tolist() == [2, 2]  # 3 of 4 is not full marks
    means = mean_scores(e, by="team", scorecard=card).iloc[0]
    # mean 45, sd √(2 × 45²) = 63.64, t(0.975, 1) = 12.706: 45 ± 12.706 × 45
    assert means["mean"] == 45.0 and means["critical_fail_share"] == 0.5
    assert round(means["ci_high"], 2) == round(45 + 12.7062 * 45, 2)


def test_data_values_win_over_the_scorecard_and_pass_mark():
    e = pd.DataFrame(
        {
            "evaluation_id": ["e1", "e2"],
            "criterion": "answer",
            "score": [4, 3],
            "max_score": [5, 5],
            "weight": [3, None],
        }
    )
    rows = scored(e, scorecard=[{"criterion": "answer", "weight": 2}], pass_mark=0.8)
    assert rows["weight"].tolist() == [3.0, 2.0] and rows["met"].tolist() == [True, False]


def test_bad_rows_are_named_all_at_once():
    e = pd.DataFrame(
        {
            "evaluation_id": ["e1", "e2", "e3"],
            "criterion": "answer",
            "score": [None, 7, 3],
            "max_score": [5, 5, None],
            "met": [None, None, None],
        }
    )
    with pytest.raises(DataError) as info:
        scored(e)
    text = str(info.value)
    assert "gives no score and no met" in text and "row 2" in text
    assert "above max_score" in text and "row 3" in text
    assert "column 'max_score'" in text and "row 4" in text
    with pytest.raises(ParameterError, match="neither a score nor a met"):
        scored(e.drop(columns=["score", "met"]))


# ------------------------------------------------------------------ agreement


def two_evaluators(table: list[list[int]]) -> pd.DataFrame:
    """The 2×2 table [[yes/yes, yes/no], [no/yes, no/no]] of ann (rows) and bob as evaluations."""
    rows, ticket = [], 0
    for ann, bob, count in (
        (1, 1, table[0][0]),
        (1, 0, table[0][1]),
        (0, 1, table[1][0]),
        (0, 0, table[1][1]),
    ):
        for _ in range(count):
            for name, verdict in (("ann", ann), ("bob", bob)):
                rows.append(
                    {
                        "evaluation_id": f"{ticket}-{name}",
                        "ticket_id": f"t{ticket}",
                        "evaluator": name,
                        "criterion": "accurate_answer",
                        "met": bool(verdict),
                    }
                )
            ticket += 1
    return pd.DataFrame(rows)


def test_cohens_kappa_textbook_example():
    # 50 items, yes/yes 20, yes/no 5, no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4
    # = 0.5, kappa = (0.7 − 0.5) / (1 − 0.5) = 0.4
    result = agreement(two_evaluators([[20, 5], [10, 15]]))
    row = result.kappas.set_index("criterion").loc["accurate_answer"]
    reference = cohens_kappa(np.array([[20, 5], [10, 15]]))
    assert row["method"] == "Cohen's kappa" and row["n_items"] == 50
    assert row["kappa"] == pytest.approx(0.4) == pytest.approx(reference.kappa)
    assert row["ci_low"] == pytest.approx(reference.kappa_low)
    assert row["ci_high"] == pytest.approx(reference.kappa_upp)
    assert row["reading"] == "fair"
    assert "fair" in result.summary and "Cohen's kappa 0.40" in result.summary


def test_fleiss_kappa_reproduces_fleiss_1971():
    # Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses; kappa = .430
    diagnoses = np.array(
        [
            [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
            [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
            [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
            [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
            [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
            [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
            [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
            [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
        ]
    )  # fmt: skip
    long = pd.DataFrame(
        [
            {"item": i, "rater": f"r{j}", "value": v}
            for i, row in enumerate(diagnoses)
            for j, v in enumerate(row)
        ]
    )
    row = kappa(long).iloc[0]
    assert row["method"] == "Fleiss' kappa" and row["n_items"] == 30
    assert row["ratings_per_item"] == 6
    assert round(row["kappa"], 3) == 0.430
    assert row["kappa"] == pytest.approx(fleiss_kappa(aggregate_raters(diagnoses)[0]))
    assert row["ci_low"] < row["kappa"] < row["ci_high"] and row["reading"] == "moderate"


def test_bootstrap_kappas_are_statsmodels_fleiss_kappas():
    rng = np.random.default_rng(5)
    for items, categories, raters in ((40, 2, 3), (300, 4, 5), (7, 3, 2)):
        table = np.zeros((items, categories))
        for row in table:
            np.add.at(row, rng.integers(0, categories, raters), 1)
        draws = rng.integers(0, items, size=(50, items))
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = [fleiss_kappa(table[d]) for d in draws]
            assert np.array_equal(fleiss_kappas(table, draws), expected, equal_nan=True)


def test_landis_koch_bands():
    words = [landis_koch(k) for k in (-0.01, 0.0, 0.2, 0.4, 0.41, 0.6, 0.8, 0.81, 1.0, np.nan)]
    assert words == [
        "poor", "slight", "slight", "fair", "moderate", "moderate",
        "substantial", "almost perfect", "almost perfect", "undefined",
    ]  # fmt: skip


def lenient_set() -> pd.DataFrame:
    """Five evaluators score the same 12 tickets; cat gives 2 points (of 10) more."""
    rng = np.random.default_rng(3)
    rows = []
    for t in range(12):
        base = int(rng.integers(4, 8))
        for name in ("ann", "bob", "cat", "dev", "eve"):
            score = base + int(rng.integers(-1, 2)) + (2 if name == "cat" else 0)
            common = {"evaluation_id": f"{t}-{name}", "ticket_id": f"t{t}", "evaluator": name}
            rows.append({**common, "criterion": "answer", "score": score, "max_score": 10})
            greeted = t % 3 > 0 if name != "eve" or t % 4 else t % 3 == 0  # eve differs on 3
            rows.append({**common, "criterion": "greeting", "met": greeted})
    return pd.DataFrame(rows)


def test_the_lenient_evaluator_is_flagged():
    card = [{"criterion": "answer", "weight": 4}, {"criterion": "greeting", "weight": 1}]
    result = agreement(lenient_set(), scorecard=card, pass_mark=0.5)
    flags = result.evaluators.set_index("evaluator")
    assert flags.loc["cat", "flag"] == "scores high"
    assert (flags.drop("cat")["flag"] == "in line").all()
    assert flags.loc["cat", "mean_diff"] > 8 and flags["n_shared"].eq(12).all()
    assert flags.loc["cat", "p_adjusted"] < 0.05 <= flags.loc["ann", "p_adjusted"]
    assert "cat scores high" in result.summary
    greeting = result.kappas.set_index("criterion").loc["greeting"]
    assert greeting["method"] == "Fleiss' kappa" and greeting["ratings_per_item"] == 5


def test_no_shared_interactions_says_so():
    e = checks("greeting", [True, False], ticket_id=["t1", "t2"], evaluator=["ann", "bob"])
    result = agreement(e)
    assert result.kappas["n_items"].eq(0).all() and "calibration" in result.summary
    assert result.evaluators.empty


# ------------------------------------------------------------------ sampling


def test_sample_size_formula():
    # n = z² p(1 − p) / E²: 1.95996² × 0.25 / 0.0025 = 384.15 → 385; p = 0.9: 138.3 → 139
    assert sample_needed() == 385 and sample_needed(0.9) == 139
    assert sample_needed(0.5, margin=0.03) == 1068  # 1067.1
    with pytest.raises(ParameterError):
        sample_needed(0.5, margin=0)


def test_sampling_adequacy_numbers_and_warnings():
    # agent a1: 20 evaluations over four weeks, 18 met: p = 0.9 → 139 needed;
    # ± now = 1.95996 × √(0.09 / 20) = 0.1315; 5 a week → 119 more ≈ 24 weeks
    days = pd.date_range("2026-04-06", periods=20, freq="33h")  # Monday 6 April … Saturday 2 May
    e = checks("greeting", [True] * 18 + [False] * 2, date=days, agent_id="a1", team="T")
    e = pd.concat([e, checks("greeting", [True] * 4, date=days[:4], agent_id="a2", team="T")])
    e["evaluation_id"] = [f"e{i}" for i in range(len(e))]
    result = sampling_adequacy(e, by="agent_id")
    a1 = result.table.set_index("group").loc["a1"]
    assert (a1["n_evaluations"], a1["n_needed"], a1["more_needed"]) == (20, 139, 119)
    assert a1["per_period"] == 5.0 and a1["periods_to_enough"] == 24
    assert round(a1["margin_achieved"], 4) == 0.1315 and not a1["enough"]
    a2 = result.table.set_index("group").loc["a2"]  # all met: no spread known, p = 0.5
    assert (a2["p_used"], a2["n_needed"]) == (0.5, 385)
    assert set(result.warnings["group"]) == {"all", "a1", "a2"}
    assert "agent_id a1: 20 evaluations give compliance to ± 13%" in result.warnings["message"][1]
    assert "about 24 more weeks" in result.warnings["message"][1]
    assert "z = 1.960" in result.formula
    cautious = sampling_adequacy(e, by="agent_id", p=0.5, margin=0.2).table
    assert cautious.set_index("group").loc["a1", "n_needed"] == 25  # 24.01
    assert cautious.set_index("group").loc["a1", "enough"] is np.False_


# ------------------------------------------------------------------ outcomes


def test_outcomes_met_versus_not_on_the_same_tickets():
    tickets = pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(1, 7)],
            "created_at": pd.Timestamp("2026-04-01 09:00"),
            "resolved_at": pd.Timestamp("2026-04-01 12:00"),
            "status": "resolved",
            "contacts": pd.array([1, 1, 1, 2, 1, 3], dtype="Int64"),
            "csat": pd.array([5, 4, 5, 2, 5, 1], dtype="Int64"),
        }
    )
    e = checks("empathy", [True, True, True, False, False, False], ticket_id=tickets["ticket_id"])
    table = outcomes(e, tickets).set_index(["criterion", "kpi"])
    csat = table.loc[("empathy", "csat")]
    # top-2-box: met 3/3, not met 1/3 → diff 2/3
    assert (csat["n_met"], csat["n_not_met"]) == (3, 3)
    assert (csat["met"], csat["not_met"]) == (1.0, pytest.approx(1 / 3))
    assert csat["diff"] == pytest.approx(2 / 3)
    fcr = table.loc[("empathy", "fcr")]  # one contact: met 3/3, not met 1/3
    assert fcr["diff"] == pytest.approx(2 / 3) and "Newcombe" in fcr["method"]
    assert table.loc[("all standards", "csat"), "diff"] == pytest.approx(2 / 3)
    assert table["p_adjusted"].notna().all()
    with pytest.raises(ParameterError, match="no value per ticket"):
        outcomes(e, tickets, kpis=["volume"])
