"""SERVQUAL gaps: hand-computed cases, reversed items, weights, the grid, change between waves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cslib.analyses import servqual as sq
from cslib.data.tables import read_table
from cslib.errors import DataError, ParameterError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def answers(rows):
    return pd.DataFrame(rows, columns=["respondent_id", "item", "expectation", "perception"])


@pytest.fixture(scope="module")
def survey():
    return read_table(SAMPLE / "survey.csv", "survey"), read_table(
        SAMPLE / "survey_weights.csv", "survey_weights"
    )


def test_dimension_gap_is_mean_of_respondent_means_with_t_interval():
    r = answers([("a", 5, 7, 5), ("a", 6, 6, 6), ("b", 5, 6, 5), ("b", 6, 6, 4), ("c", 5, 5, 5)])
    # respondent gaps: a = (−2 + 0)/2 = −1; b = (−1 − 2)/2 = −1.5; c = 0
    g = sq.gaps(r).iloc[0]
    x = np.array([-1.0, -1.5, 0.0])
    half = stats.t.ppf(0.975, 2) * x.std(ddof=1) / np.sqrt(3)
    assert g["dimension"] == "reliability" and g["n"] == 3
    assert g["gap"] == pytest.approx(x.mean())
    assert g["ci_low"] == pytest.approx(x.mean() - half)
    assert g["ci_high"] == pytest.approx(x.mean() + half)
    assert g["expectation"] == pytest.approx(np.mean([6.5, 6, 5]))


def test_reversed_items_are_rescored_before_the_gap():
    # item 11 negatively worded: E 2 → 6, P 4 → 4: gap −2 (raw P − E would say +2)
    r = answers([("a", 11, 2, 4)]).assign(reversed=True)
    assert sq.item_gaps(r)["gap"].item() == -2.0
    # flag from the parameter overrides the column
    assert sq.item_gaps(answers([("a", 11, 2, 4)]), reversed_items=[11])["gap"].item() == -2.0
    assert sq.item_gaps(answers([("a", 11, 2, 4)]))["gap"].item() == 2.0


def test_dimension_mapping_from_column_default_or_parameter():
    r = answers([("a", 1, 6, 5), ("a", 30, 6, 4)])
    with pytest.raises(ParameterError) as err:
        sq.gaps(r)
    assert err.value.problems[0].column == "item"
    out = sq.gaps(r, dimensions={1: "tangibles", 30: "Empathy"})
    assert out["dimension"].tolist() == ["tangibles", "empathy"]
    assert sq.gaps(r.assign(dimension=["tangibles", "assurance"]))["dimension"].tolist() == [
        "tangibles",
        "assurance",
    ]


def test_scores_unweighted_and_weighted_by_hand():
    r = answers([("a", 1, 6, 5), ("a", 5, 6, 3), ("b", 1, 7, 7), ("b", 5, 7, 6)])
    w = pd.DataFrame(
        {
            "respondent_id": ["a", "a", "b", "b"],
            "dimension": ["tangibles", "reliability"] * 2,
            "points": [20, 80, 50, 50],
        }
    )
    s = sq.score(r, weights=w).set_index("score")
    # unweighted: a = (−1 − 3)/2 = −2, b = (0 − 1)/2 = −0.5 → −1.25
    assert s.loc["unweighted", "value"] == pytest.approx(-1.25)
    # weighted: a = −1·0.2 − 3·0.8 = −2.6, b = 0·0.5 − 1·0.5 = −0.5 → −1.55
    assert s.loc["weighted", "value"] == pytest.approx(-1.55)
    g = sq.gaps(r, weights=w).set_index("dimension")
    assert g.loc["reliability", "importance"] == 65
    assert g.loc["reliability", "weighted_gap"] == pytest.approx((-3 * 0.8 - 1 * 0.5) / 2)


def test_importance_performance_quadrants():
    r = answers([("a", 1, 6, 6), ("a", 5, 6, 3), ("a", 10, 6, 5), ("a", 14, 6, 4)])
    w = pd.DataFrame(
        {
            "respondent_id": ["a"] * 4,
            "dimension": ["tangibles", "reliability", "responsiveness", "assurance"],
            "points": [10, 50, 30, 10],
        }
    )
    q = sq.importance_performance(r, w).set_index("dimension")["quadrant"]
    # mean importance 25, mean gap −1.5
    assert q.to_dict() == {
        "tangibles": "possible overkill",
        "reliability": "concentrate here",
        "responsiveness": "keep up the good work",
        "assurance": "low priority",
    }


def test_importance_and_its_interval_come_from_the_same_respondents():
    # the wave answered by a and b; c (another wave) gave reliability all 100 points
    r = answers([("a", 5, 6, 5), ("b", 5, 6, 4)])
    w = pd.DataFrame(
        {
            "respondent_id": ["a", "a", "b", "b", "c"],
            "dimension": ["reliability", "tangibles", "reliability", "tangibles", "reliability"],
            "points": [40, 60, 60, 40, 100],
        }
    )
    row = sq.importance_performance(r, w).set_index("dimension").loc["reliability"]
    half = stats.t.ppf(0.975, 1) * 10  # points 40 and 60: mean 50, standard error 10
    assert row["importance"] == 50
    assert row["importance_ci_low"] == pytest.approx(50 - half)
    assert row["importance_ci_high"] == pytest.approx(50 + half)
    g = sq.gaps(r, weights=w).set_index("dimension").loc["reliability"]
    assert g["importance_ci_high"] == pytest.approx(50 + half)


def test_by_group():
    r = answers([("a", 1, 6, 5), ("b", 1, 6, 3)]).assign(segment=["x", "y"])
    g = sq.gaps(r, by="segment")
    assert g[["segment", "gap"]].values.tolist() == [["x", -1.0], ["y", -3.0]]


def test_change_by_wave_column():
    rng = np.random.default_rng(1)
    rows = []
    for wave, shift in (("w1", -1.0), ("w2", -0.2)):
        for i in range(40):
            e = 6
            rows.append(
                (
                    f"{wave}{i}",
                    5,
                    e,
                    int(np.clip(round(e + shift + rng.normal(0, 0.7)), 1, 7)),
                    wave,
                )
            )
    r = pd.DataFrame(rows, columns=["respondent_id", "item", "expectation", "perception", "wave"])
    ch = sq.change(r, period="wave")
    assert ch["dimension"].tolist() == ["reliability"]
    assert ch["diff"].item() > 0 and bool(ch["shrank"].item())
    assert ch["adjust_method"].item().startswith("Holm")


def test_input_is_not_modified(survey):
    s, w = survey
    before = s.copy()
    sq.gaps(s, weights=w)
    pd.testing.assert_frame_equal(s, before)


@pytest.mark.parametrize(
    ("call", "exc", "column"),
    [
        (lambda: sq.gaps(answers([("a", 1, 0, 5)])), DataError, "expectation"),
        (lambda: sq.gaps(answers([("a", 1, 6, 8)])), DataError, "perception"),
        (
            lambda: sq.gaps(pd.DataFrame({"respondent_id": ["a"], "item": [1]})),
            ParameterError,
            "expectation, perception",
        ),
        (
            lambda: sq.gaps(
                answers([("a", 1, 6, 5)]),
                weights=pd.DataFrame(
                    {"respondent_id": ["a"], "dimension": ["tangibles"], "points": [40]}
                ),
            ),
            DataError,
            "points",
        ),
        (lambda: sq.gaps(answers([("a", 1, 6, 5)]), alpha=5), ParameterError, "alpha"),
        (lambda: sq.change(answers([("a", 1, 6, 5)]), period="2026-06-01"), ParameterError, "date"),
        (
            lambda: sq.change(answers([("a", 1, 6, 5)]).assign(w=["x"]), period="w"),
            ParameterError,
            "w",
        ),
        (
            lambda: sq.change(
                answers([("a", 1, 6, 5)]).assign(date=pd.Timestamp("2026-01-01")),
                period="not a date",
            ),
            ParameterError,
            "period",
        ),
        (
            lambda: sq.change(
                answers([("a", 1, 6, 5), ("b", 1, 6, 5)]).assign(
                    date=pd.to_datetime(["2026-01-01", "2026-09-01"])
                ),
                period="2026-06-01",
            ),
            ParameterError,
            "period",
        ),
    ],
)
def test_user_errors(call, exc, column):
    with pytest.raises(exc) as err:
        call()
    assert err.value.problems[0].column == column


def test_sample_reliability_and_responsiveness_gaps_shrink(survey):
    s, w = survey
    g = sq.gaps(s, weights=w).set_index("dimension")
    assert list(g.index) == list(sq.RATER)
    assert (g["gap"] < 0).all()  # shortfalls everywhere
    assert g["gap"].idxmin() == "reliability"
    items = sq.item_gaps(s).set_index("item")
    assert items.loc[11, "reversed"] and items.loc[19, "reversed"]
    # reversed items honoured: they sit with their dimension, not with the opposite sign
    assert items.loc[11, "gap"] == pytest.approx(g.loc["responsiveness", "gap"], abs=0.25)
    assert items.loc[19, "gap"] == pytest.approx(g.loc["empathy", "gap"], abs=0.25)
    ch = sq.change(s, period="2026-06-01").set_index("dimension")
    assert ch.loc["reliability", "shrank"] and ch.loc["responsiveness", "shrank"]
    assert not ch.loc[["tangibles", "assurance", "empathy"], "shrank"].any()
    ipa = sq.importance_performance(s, w).set_index("dimension")
    assert ipa.loc["reliability", "quadrant"] == "concentrate here"
    sc = sq.score(s, weights=w).set_index("score")
    assert (
        sc.loc["weighted", "value"] < sc.loc["unweighted", "value"] < 0
    )  # the worst gaps matter most
