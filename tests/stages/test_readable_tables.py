"""One formatter for every table and sentence: labels, units, no internals."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cslib.display import INTERNALS, Table, fmt, header, rounded, table_html
from cslib.stages._shared import by_row_unit, change_text, columns, with_unit
from cslib.stages.summary import objective_line

BAD = re.compile(r"\bNone\b|\bNaN\b|<NA>|\bTrue\b|\bFalse\b|\d\.?\d*e[+-]\d+|\b[a-z]+_[a-z_0-9]+\b")


def test_values_read_as_people_write_them():
    assert fmt(0.757, "share") == "75.7 %"
    assert fmt(2.6e-277, "p") == "< 0.001" and fmt(0.0456, "p") == "0.046"
    assert fmt(17240.4, "GBP") == "17,240 GBP"
    assert fmt(1.724e04) == "17,240" and fmt(3.2e-7) == "0.0000"
    assert [fmt(v) for v in (None, np.nan, pd.NA, pd.NaT)] == ["—"] * 4
    assert (fmt(True), fmt(np.bool_(False))) == ("yes", "no")
    assert fmt(pd.Timestamp("2026-07-01 09:30")) == "01 Jul 2026 09:30"


def test_a_statistical_table_shows_labels_and_no_internals():
    frame = pd.DataFrame(
        {
            "segment": ["retail", "business"],
            "resolution_hours_p90": [25.123, np.nan],
            "fcr_n": [1200, 30],
            "csat_few": [False, True],
            "p_adjusted": [2.6e-277, 0.2],
            "change_ci_low": [pd.NA, -0.1],
            "volume_share": [0.61, 0.39],
            "cost": [17240.0, None],
        }
    )
    html = table_html(frame, columns=columns(cost=("cost", "GBP")))
    text = re.sub(r"<[^>]+>", " ", html)
    assert not BAD.search(text), BAD.findall(text)
    assert "Resolution time (90th percentile) (hours)" in text and "61.0 %" in text
    assert "17,240 GBP" in text and "&lt; 0.001" in html


def test_a_wide_table_keeps_eight_columns_and_the_rest_in_a_closed_appendix():
    frame = pd.DataFrame({f"c{i}": [i] for i in range(12)})
    html = Table(frame)._repr_html_()
    body, appendix = html.split("<details", 1)
    assert body.count("<th>") == 8 and appendix.count("<th>") == 12
    assert "<details class" in html and " open" not in html


def test_kpi_values_carry_their_own_unit_in_mixed_tables():
    frame = pd.DataFrame({"unit": ["share", "hours", "GBP"], "actual": [0.7512, 10.84, 5120.2]})
    assert by_row_unit(frame, ["actual"])["actual"].tolist() == ["75.1 %", "10.8 h", "5,120 GBP"]
    assert with_unit(None, "hours") == "—"
    assert header("p_value") == "p-value"


def test_the_objective_line_uses_the_scorecard_figures_at_display_precision():
    row = {
        "objective": "O2",
        "measure": "First contact resolution",
        "unit": "share",
        "verdict": "improved",
        "baseline": 0.66341,
        "actual": 0.75712,
        "target": 0.75,
        "target_met": True,
        "sustained": True,
        "change": 0.1081,
        "change_ci_low": 0.0803,
        "change_ci_high": 0.1502,
    }
    line = objective_line(row, who="Billing")
    assert "from 66.3 % to 75.7 % in Billing (target 75.0 %: met)" in line
    assert change_text(0.1081, 0.0803, 0.1502) in line
    assert (
        rounded(0.75712, "share") == 0.757 and fmt(rounded(0.75712, "share"), "share") == "75.7 %"
    )


def test_no_detectable_change_never_claims_to_have_held():
    row = {
        "objective": "O4",
        "measure": "Average handle time",
        "unit": "seconds",
        "verdict": "no detectable change",
        "baseline": 555.2,
        "actual": 545.0,
        "target": None,
        "target_met": None,
        "sustained": True,
        "change": -0.03,
        "change_ci_low": -0.06,
        "change_ci_high": 0.01,
    }
    line = objective_line(row, who="all teams in scope")
    assert "held" not in line and "target" not in line and "555 s to 545 s" in line


def test_scientific_notation_is_found_but_not_in_an_id():
    found = re.findall(
        INTERNALS["scientific notation"],
        "p = 2e-16, about -3.2e+07 tickets; run 20261204-141316-0e66, batch A-12e5",
    )
    assert found == ["2e-16", "3.2e+07"]
