"""The report's words: the chart and the estimate reconciled, one set of figures per objective, the money in plain terms."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from cslib.stages._shared import change_text, with_unit
from cslib.stages.decision import Money
from cslib.stages.summary import (
    chart_note,
    evidence_sentence,
    money_sentence,
    objective_line,
    scorecard_finding,
)

#: the demo's handle-time objective: the chart improves, the estimate against the comparison teams does not
AHT = {
    "objective": "O4",
    "measure": "Average handle time",
    "unit": "seconds",
    "direction": "decrease",
    "verdict": "no detectable change",
    "baseline": 555.23,
    "actual": 544.61,
    "target": 500.0,
    "target_met": False,
    "sustained": None,
    "change": -0.0412,
    "change_ci_low": -0.1189,
    "change_ci_high": 0.0466,
    "method": "difference-in-differences (group-time ATT against the mean before the go-live)",
}


def test_an_improving_chart_without_a_detectable_change_is_reconciled_in_one_sentence():
    line = objective_line(AHT, who="Billing", status={"variation": "improving"})
    # the line shows the estimate's figures once, then the one reconciling sentence
    assert "-4 % (-12 % to +5 %) against the level expected without the change." in line
    assert line.endswith(
        "The chart shows a run of improving weeks, but against the comparison teams the difference "
        "is within normal variation."
    )
    assert chart_note(AHT, {"variation": "improving"}).endswith(
        "within normal variation (-4 %, 95 % interval -12 % to +5 %)."
    )


@pytest.mark.parametrize(
    ("variation", "verdict", "expected"),
    [
        ("improving", "improved", ""),
        ("common cause", "no detectable change", ""),
        ("deteriorating", "no detectable change", "a run of deteriorating weeks, but against"),
        ("common cause", "improved", "smaller than the week-to-week variation"),
        ("improving", "worsened", "the KPI did worse than expected"),
        ("deteriorating", "improved", "the KPI did better than expected"),
        ("mixed", "improved", "both improving and deteriorating weeks"),
    ],
)
def test_the_chart_note_speaks_only_where_chart_and_verdict_differ(variation, verdict, expected):
    note = chart_note({**AHT, "verdict": verdict}, {"variation": variation})
    assert (expected in note) if expected else note == ""


def test_the_reference_follows_the_method():
    its = {**AHT, "method": "interrupted time series (segmented regression)"}
    assert "against the trend before the change" in chart_note(its, {"variation": "improving"})
    two = {**AHT, "method": "two-period comparison: Welch"}
    assert "against the baseline" in chart_note(two, {"variation": "improving"})


def test_a_target_met_only_on_average_says_so():
    met = {**AHT, "verdict": "improved", "target_met": True, "target": 560.0, "sustained": True}
    hit_or_miss = {"variation": "improving", "assurance": "hit or miss"}
    assert "(target 560 s: met on average, not every week)" in objective_line(
        met, who="Billing", status=hit_or_miss
    )
    assert "(target 560 s: met)" in objective_line(met, who="Billing")


def figures(text: str) -> list[str]:
    return re.findall(r"[-+]?\d[\d,]*(?:\.\d+)?(?: %| h| s)?", text)


def test_the_evidence_sentence_and_the_summary_line_show_the_same_figures():
    row = {**AHT, "verdict": "improved", "target_met": True, "sustained": True}
    sentence = evidence_sentence(row, who="Billing")
    line = objective_line(row, who="Billing")
    for shown in (
        with_unit(row["baseline"], "seconds"),
        with_unit(row["actual"], "seconds"),
        with_unit(row["target"], "seconds"),
        change_text(row["change"], row["change_ci_low"], row["change_ci_high"]),
    ):
        assert shown in sentence and shown in line, shown
    assert set(figures(sentence)) <= set(figures(line))
    assert "estimated from the comparison teams" in sentence


def test_the_money_names_the_one_off_cost_the_monthly_saving_and_the_payback():
    money = Money(-12308, -19908, -4703, 0.001, 30500, 20.1, "GBP", 12, 18192, 10592, 25797)
    text = money_sentence(money)
    assert text.startswith(
        "The change cost 30,500 GBP once and saves 1,516 GBP a month from go-live "
        "(95 % interval 883 GBP to 2,150 GBP a month): it pays back in 20.1 months."
    )
    assert "Over the 12 months valued the net benefit is -12,308 GBP" in text
    assert "positive in 0.1 % of simulations" in text
    loss = Money(-31000, -32000, -30000, 0.0, 30500, math.inf, "GBP", 12, -500, -1500, 500)
    assert "saves nothing a month: it does not pay back" in money_sentence(loss)
    slow = Money(-29113, -30702, -27535, 0.0, 30500, 263.9, "GBP", 12, 1387, -204, 2964)
    assert "saves 116 GBP a month from go-live" in money_sentence(slow)
    assert "it would take 22.0 years to pay back" in money_sentence(slow)


def test_the_scorecard_opens_with_its_finding_and_a_comparison_group_expects_no_change():
    frame = pd.DataFrame(
        {
            "measure": ["Resolution time", "First contact resolution", "Handle time"],
            "verdict": ["improved", "worsened", "no detectable change"],
            "target_met": [True, False, None],
        }
    )
    assert scorecard_finding(frame, who="Billing") == (
        "In Billing, 1 of 3 objectives improved against the level expected without the change "
        "(Resolution time); First contact resolution got worse; Handle time showed no detectable "
        "change; 1 of 2 targets was met."
    )
    assert scorecard_finding(frame, who="Accounts", comparison=True).startswith(
        "Accounts did not adopt the change (comparison group), so no change is the expected result: 1 of 3"
    )
