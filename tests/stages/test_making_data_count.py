"""The NHS Making Data Count summary of a control chart: variation and assurance."""

from __future__ import annotations

import pandas as pd

from cslib.display import badge
from cslib.run.report import objective_html
from cslib.stages._shared import mdc_status
from cslib.stats.spc import compute as spc

WEEKS = pd.date_range("2026-01-05", periods=30, freq="W-MON")
BEFORE = [14.1, 14.6, 13.9, 14.4, 14.2, 14.8, 13.8, 14.3, 14.5, 14.0, 14.2, 14.6, 14.1, 14.4, 14.3]


def chart(after: list[float], *, target: float | None) -> dict[str, str]:
    """The status of a weekly chart whose change falls on its 16th week."""
    common = {"x": WEEKS, "chart": "i", "rules": "nhs", "improvement": "decrease", "target": target}
    frozen = spc.control_chart(BEFORE + after, freeze=WEEKS[15], **common)
    parted = spc.control_chart(BEFORE + after, part=WEEKS[15], **common)
    return mdc_status(frozen, parted, WEEKS[15])


def test_a_fall_in_a_time_to_lower_is_improving_and_a_rise_deteriorating():
    falling = [
        12.1,
        11.8,
        12.0,
        11.7,
        11.9,
        12.2,
        11.8,
        12.0,
        11.9,
        11.6,
        12.1,
        11.8,
        12.0,
        11.9,
        11.7,
    ]
    assert (chart(falling, target=None))["variation"] == "improving"
    rising = [2 * BEFORE[0] - v for v in falling]
    assert (chart(rising, target=None))["variation"] == "deteriorating"


def test_noise_is_common_cause_and_a_target_inside_the_limits_hit_or_miss():
    status = chart(BEFORE, target=14.3)
    assert status == {"variation": "common cause", "assurance": "hit or miss"}


def test_without_a_target_there_is_no_assurance_icon():
    status = chart(BEFORE, target=None)
    assert status["assurance"] == "no target"
    html = objective_html("O1 Resolution time: no detectable change.", status)
    assert html.count("<svg") == 1 and "(variation: common cause; assurance: no target)" in html


def test_the_icons_carry_their_meaning_without_scripts():
    icon = badge("P", "#005eb8", "consistently meets the target")
    assert "<title>consistently meets the target</title>" in icon and "<script" not in icon
