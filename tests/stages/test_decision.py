"""The decision rules: per objective and for the change as a whole, money included."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cslib.stages import act
from cslib.stages.decision import COMPARISON, Money, decide, money_of, overall

LOSS = Money(
    net=-13261,
    low=-19743,
    high=-6840,
    chance=0.0,
    cost=30500,
    payback=21.2,
    currency="GBP",
    months=12,
)
GAIN = Money(
    net=8200, low=1500, high=15000, chance=0.97, cost=30500, payback=7.5, currency="GBP", months=12
)


@pytest.mark.parametrize(
    ("outcome", "met", "held", "interval", "expected"),
    [
        ("improved", True, True, None, "adopt"),
        ("improved", None, True, None, "adopt"),
        ("improved", False, True, None, "adapt"),
        ("improved", True, False, None, "adapt"),
        ("worsened", None, None, None, "abandon"),
        ("no detectable change", False, None, (-0.01, 0.02), "abandon"),
        ("no detectable change", False, None, (-0.01, 0.08), "wait"),
        ("no detectable change", None, None, None, "abandon"),
    ],
)
def test_each_objective_follows_its_verdict(outcome, met, held, interval, expected):
    assert decide(outcome, met, held, interval=interval)[0] == expected


def test_a_wide_interval_waits_only_in_the_better_direction():
    assert (
        decide("no detectable change", None, None, interval=(-0.12, 0.0), direction="decrease")[0]
        == "wait"
    )
    assert (
        decide("no detectable change", None, None, interval=(-0.01, 0.2), direction="decrease")[0]
        == "abandon"
    )


@pytest.mark.parametrize("outcome", ["improved", "worsened", "no detectable change"])
def test_a_comparison_team_never_abandons(outcome):
    decision, why = decide(outcome, False, False, interval=(-0.5, 0.5), comparison=True)
    assert decision == COMPARISON and "did not adopt" in why
    whole = overall([decision], [outcome], money=LOSS, comparison=True)
    assert whole.decision == COMPARISON and whole.rule == 1
    assert "abandon" not in whole.decision + whole.why


def test_service_improved_but_the_money_says_no_is_adapt():
    d = overall(["adopt", "adopt", "adopt"], ["improved"] * 3, money=LOSS)
    assert (d.decision, d.rule) == ("adapt", 5) and "money says no" in d.why


def test_everything_adopted_and_paying_is_adopt():
    assert overall(["adopt", "adopt"], ["improved"] * 2, money=GAIN).decision == "adopt"
    without_money = overall(["adopt"], ["improved"])
    assert without_money.decision == "adopt" and "could not be valued" in without_money.why


@pytest.mark.parametrize(
    ("decisions", "verdicts", "expected", "rule"),
    [
        (["abandon", "abandon"], ["worsened", "no detectable change"], "abandon", 2),
        (["wait", "abandon"], ["no detectable change"] * 2, "wait", 3),
        (["abandon"], ["no detectable change"], "abandon", 4),
        (["adopt", "abandon"], ["improved", "worsened"], "adapt", 7),
        (["adopt", "adapt"], ["improved", "improved"], "adapt", 7),
    ],
)
def test_the_rules_apply_in_order(decisions, verdicts, expected, rule):
    d = overall(pd.Series(decisions), pd.Series(verdicts), money=GAIN)
    assert (d.decision, d.rule) == (expected, rule)


def test_money_is_read_from_the_benefit_totals():
    totals = pd.DataFrame(
        {
            "item": ["total benefit", "cost", "net benefit", "return on cost", "payback months"],
            "value": [17239.0, 30500.0, -13261.0, -0.43, math.inf],
            "ci_low": [10757.0, 30500.0, -19743.0, -0.65, 15.0],
            "ci_high": [23660.0, 30500.0, -6840.0, -0.22, math.inf],
            "p_positive": [1.0, None, 0.0, None, None],
        }
    )
    money = money_of(totals, currency="GBP", months=12)
    assert money.says_no and money.net == -13261.0 and money.cost == 30500.0


def test_act_keeps_its_decide():
    assert act.decide is decide
