"""Standards in the cycle: ICC of scored criteria, compliance before and after, the link to training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cslib.analyses.standards import (
    BEYOND,
    compliance_change,
    failed_around_course,
    icc_forms,
    koo_li,
    score_agreement,
)

#: Shrout & Fleiss (1979), table 2: six targets rated by four judges
JUDGES = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
)


def test_icc_forms_match_shrout_fleiss_and_their_intervals():
    found = icc_forms(JUDGES).set_index(icc_forms(JUDGES)["method"].str[:8])
    # the coefficients of Shrout & Fleiss (1979), table 4
    assert found["icc"].round(2).tolist() == [0.17, 0.29, 0.71]
    # F ratios: BMS / WMS = 11.24 / 6.26 and BMS / EMS = 11.24 / 1.02 (their table 3)
    assert found.loc["ICC(1,1)", "f"] == pytest.approx(11.2417 / 6.2639, abs=1e-3)
    assert found.loc["ICC(2,1)", "f"] == pytest.approx(11.2417 / 1.0194, abs=1e-3)
    # the intervals R's psych::ICC gives for the same data
    assert found.loc["ICC(1,1)", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [-0.133, 0.723], abs=1e-3
    )
    assert found.loc["ICC(2,1)", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [0.019, 0.761], abs=1e-3
    )
    assert found.loc["ICC(3,1)", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [0.342, 0.946], abs=1e-3
    )


def test_perfect_agreement_is_one_and_a_constant_lean_is_not_absolute_agreement():
    same = icc_forms(np.array([[1, 1], [2, 2], [3, 3]]))
    assert same["icc"].tolist() == [1.0, 1.0, 1.0]
    lean = icc_forms(np.array([[1, 2], [2, 3], [3, 4]])).set_index("method")["icc"]
    # BMS = 2, JMS = 1.5, EMS = 0: (2 − 0) / (2 + 0 + 2 × 1.5 / 3) = 2/3; consistency is perfect
    assert lean.iloc[1] == pytest.approx(2 / 3)
    assert lean.iloc[2] == 1.0


@pytest.mark.parametrize("value, word", [(0.49, "poor"), (0.5, "moderate"), (0.75, "good")])
def test_koo_li_bands(value, word):
    assert koo_li(value) == word


def _scored(evaluators: list[str]) -> pd.DataFrame:
    """Three tickets scored by two evaluators each: fractions (1, .8), (.4, .4), (.6, .6)."""
    return pd.DataFrame(
        {
            "evaluation_id": [str(i) for i in range(6)],
            "ticket_id": ["t1", "t1", "t2", "t2", "t3", "t3"],
            "evaluator": evaluators,
            "criterion": "empathy",
            "score": [5, 4, 2, 2, 3, 3],
            "max_score": 5,
        }
    )


def test_score_agreement_is_two_way_when_one_panel_scored_every_item():
    # BMS = 0.12667, JMS = EMS = 0.00667: ICC(2,1) = 0.12 / 0.13333 = 0.9
    row = score_agreement(_scored(["ann", "bob"] * 3)).iloc[0]
    assert row["method"].startswith("ICC(2,1)")
    assert (row["n_items"], row["n_evaluators"]) == (3, 2)
    assert row["icc"] == pytest.approx(0.9)


def test_score_agreement_is_one_way_when_panels_differ():
    # WMS = (SST − SSR) / n(k − 1) = 0.02 / 3: ICC(1,1) = (0.12667 − 0.00667) / (0.12667 + 0.00667) = 0.9
    row = score_agreement(_scored(["ann", "bob", "ann", "cy", "bob", "cy"])).iloc[0]
    assert row["method"].startswith("ICC(1,1)")
    assert row["icc"] == pytest.approx(0.9)


def test_score_agreement_ignores_pass_fail_criteria_and_single_ratings():
    verdicts = _scored(["ann", "bob"] * 3).drop(columns=["score", "max_score"]).assign(met=True)
    assert score_agreement(verdicts).empty
    assert score_agreement(_scored(["ann", "bob"] * 3).iloc[::2]).empty


def _weeks() -> pd.DataFrame:
    """Roll-out: before 0,0 | 1,1 (weeks 1, 2), after 1,1 | 1,0 (weeks 3, 4); comparison all met."""
    return pd.DataFrame(
        {
            "evaluation_id": [f"e{i}" for i in range(16)],
            "criterion": "ownership",
            "group": ["roll-out"] * 8 + ["comparison"] * 8,
            "period": (["before"] * 4 + ["after"] * 4) * 2,
            "week": [1, 1, 2, 2, 3, 3, 4, 4] * 2,
            "met": [False, False, True, True, True, True, True, False] + [True] * 8,
        }
    )


def test_compliance_change_counts_weeks_not_checks():
    found = compliance_change(_weeks(), cluster="week").set_index("group")
    treated = found.loc["roll-out"]
    assert (treated["before"], treated["after"], treated["diff"]) == (0.5, 0.75, 0.25)
    # cluster-robust variances: before 2/1 × 2/16 = 0.25, after 2/1 × 0.5/16 = 0.0625
    var_b, var_a = 0.25, 0.0625
    df = (var_b + var_a) ** 2 / (var_b**2 + var_a**2)
    half = stats.t.ppf(0.975, df) * np.sqrt(var_b + var_a)
    assert treated[["ci_low", "ci_high"]].tolist() == pytest.approx([0.25 - half, 0.25 + half])
    assert treated["n_clusters"] == 4
    # the comparison teams met every check: no spread, the interval is the difference itself
    assert found.loc["comparison", ["diff", "ci_low", "ci_high"]].tolist() == [0.0, 0.0, 0.0]
    beyond = found.loc[BEYOND]
    assert beyond["diff"] == 0.25
    assert beyond["ci_high"] - beyond["diff"] == pytest.approx(half)  # √(half² + 0²)


def test_compliance_change_without_clusters_treats_checks_as_independent():
    clustered = compliance_change(_weeks(), cluster="week").set_index("group")
    plain = compliance_change(_weeks()).set_index("group")
    assert plain.loc["roll-out", "diff"] == clustered.loc["roll-out", "diff"]
    assert plain.loc["roll-out", "ci_high"] < clustered.loc["roll-out", "ci_high"]
    assert plain["n_clusters"].isna().all()


def test_compliance_change_without_comparison_teams_has_no_beyond_row():
    only = _weeks().query("group == 'roll-out'")
    assert compliance_change(only, cluster="week")["group"].tolist() == ["roll-out"]


def _course() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agents a, b evaluated before and after 1 Apr; c only after (left out)."""
    evaluations = pd.DataFrame(
        {
            "evaluation_id": [str(i) for i in range(10)],
            "agent_id": ["a", "a", "a", "b", "b", "b", "b", "c", "a", "b"],
            "date": pd.to_datetime(
                ["2026-03-01", "2026-03-08", "2026-05-01", "2026-03-02", "2026-05-02"]
                + ["2026-05-09", "2026-05-16", "2026-05-03", "2026-03-09", "2026-03-10"]
            ),
            "criterion": ["ownership"] * 8 + ["greeting"] * 2,
            "met": [False, False, True, False, True, False, True, False, True, True],
        }
    )
    training = pd.DataFrame(
        {
            "agent_id": ["a", "b", "c", "a"],
            "course": ["KB", "KB", "KB", "CRM"],
            "completed_at": pd.to_datetime(["2026-04-01"] * 3 + ["2026-02-01"]),
        }
    )
    return evaluations, training


def test_failed_around_course_ranks_criteria_by_failures_before():
    evaluations, training = _course()
    found = failed_around_course(evaluations, training, course="KB").set_index("criterion")
    assert found.index.tolist() == ["ownership", "greeting"]
    own = found.loc["ownership"]
    # before: a ✗✗, b ✗ → 3 of 3 failed; after: a ✓, b ✓✗✓ → 1 of 4 failed; c never before
    assert (own["agents"], own["n_before"], own["failed_before"]) == (2, 3, 1.0)
    assert (own["n_after"], own["failed_after"], own["diff"]) == (4, 0.25, -0.75)
    assert own["ci_low"] < own["diff"] < own["ci_high"]


def test_failed_around_course_without_agents_on_both_sides_is_empty():
    evaluations, training = _course()
    # CRM (1 Feb) has no evaluation before it
    assert failed_around_course(evaluations, training, course="CRM").empty
