"""The Plan's power cell and the validate warning on the sample operation, and the sentence's forms."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from cslib.cycle.model import load_cycle
from cslib.cycle.workbook import open_workbook
from cslib.stages import plan
from cslib.stages.plan_power import power_warnings, review_weeks, sentence
from cslib.stats.impact.power import PlanPower

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "cycle.yaml"


@pytest.fixture(scope="module")
def sample_power(tmp_path_factory):
    wb = open_workbook(SAMPLE, run_dir=tmp_path_factory.mktemp("run"), stage="plan")
    shown = plan.power(wb)._repr_html_()
    return wb, wb.load("power"), shown


def test_each_objective_gets_the_checks_method_and_a_sentence(sample_power):
    wb, frame, shown = sample_power
    assert frame["objective"].tolist() == ["O1", "O2", "O3", "O4", "O5"]  # O5: a service standard
    # three adopting teams and three comparison teams: the Check's difference-in-differences
    assert set(frame["method"]) == {"difference-in-differences"}
    assert (frame["review weeks"] == 22).all()
    # weeks with a value: evaluations (about 2 % of tickets) leave some baseline weeks empty
    assert frame["baseline weeks"].tolist() == [21, 21, 21, 21, 18]
    o2 = frame.set_index("objective").loc["O2"]
    assert o2["sentence"].startswith("O2: with your volumes a ")
    assert f"becomes detectable after about {int(o2['weeks needed'])} weeks" in o2["sentence"]
    assert "how it was estimated" in shown and "points" in shown


def test_validate_warns_about_targets_the_review_cannot_detect(sample_power):
    wb, frame, _ = sample_power
    lines = power_warnings(load_cycle(SAMPLE))
    undetectable = frame.loc[frame["detectable by the deadline"] == False, "objective"]  # noqa: E712
    assert [line.split(":")[0] for line in lines] == [f"objective {o}" for o in undetectable]
    o1 = next(line for line in lines if line.startswith("objective O1"))
    assert o1.startswith("objective O1: the target 14.0 h, a ")
    assert "(80 % power) within 104 weeks, and the review has 22;" in o1
    assert re.search(r"smallest detectable change is an? \d+\.\d % fall \(\d+\.\d h\)$", o1)


def test_review_weeks_run_to_the_review_end_or_an_earlier_deadline():
    cycle = load_cycle(SAMPLE)
    o = cycle.objectives[0]
    assert review_weeks(cycle, o) == 22  # 1 June to 31 October 2026: 153 days
    assert review_weeks(cycle, o.model_copy(update={"deadline": dt.date(2026, 8, 30)})) == 13


def _power(**kw) -> PlanPower:
    base = dict(
        method="its",
        scale="difference",
        level=20.0,
        review_weeks=13,
        baseline_weeks=26,
        mde=-2.0,
        mde_relative=-0.1,
        target_change=-3.0,
        weeks_needed=9,
        sd=1.0,
        phi=0.2,
    )
    return PlanPower(**{**base, **kw})


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        (
            {},
            "O1: with your volumes a 15.0 % fall (3.0 h) in Resolution time (median) becomes "
            "detectable after about 9 weeks; your review period has 13.",
        ),
        (
            {"weeks_needed": None},
            "is not detectable within 104 weeks; over 13 weeks the "
            "smallest change the Check can detect is a 10.0 % fall (2.0 h).",
        ),
        ({"target_change": -1.7}, "with your volumes an 8.5 % fall (1.7 h) in"),
        ({"target_change": None}, "(no target to judge)"),
        ({"target_change": 1.0, "weeks_needed": None}, "(the target is no improvement to judge)"),
        (
            {"note": "only 3 baseline weeks with a value; the power needs 6", "mde": np.nan},
            "O1: the power for Resolution time (median) cannot be estimated: only 3 baseline",
        ),
    ],
)
def test_the_sentence_says_when_the_target_becomes_detectable(kw, says):
    o = load_cycle(SAMPLE).objectives[0]
    assert says in sentence(_power(**kw), o, "hours")
