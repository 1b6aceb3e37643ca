"""Pseudonyms, masking of contact details, and spreadsheet-formula neutralising."""

from __future__ import annotations

import pandas as pd
import pytest

from cslib.data import privacy


def test_pseudonyms_are_keyed_stable_and_not_the_raw_value(monkeypatch):
    monkeypatch.delenv(privacy.ENV_KEY, raising=False)
    a = privacy.pseudonymise(["C1", "C2", "C1"], key="one")
    assert a[0] == a[2] != a[1] and all(p.startswith("P-") and "C1" not in p for p in a)
    assert privacy.pseudonymise(["C1"], key="two") != a[:1]
    monkeypatch.setenv(privacy.ENV_KEY, "from-env")
    assert privacy.pseudonymise(
        ["C1"], key=privacy.pseudonym_key("in-cycle")
    ) == privacy.pseudonymise(["C1"], key="from-env")


def test_pseudonymise_columns_copies():
    frame = pd.DataFrame({"customer_id": ["C1", None], "x": [1, 2]})
    out = privacy.pseudonymise_columns(frame, ["customer_id", "absent"], key="k")
    assert frame["customer_id"].iloc[0] == "C1"  # the input is untouched
    assert out["customer_id"].iloc[0].startswith("P-") and pd.isna(out["customer_id"].iloc[1])


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail me at a.b-c@mail.example.co.uk please", "mail me at [e-mail] please"),
        ("ring +44 7700 900123 today", "ring [phone] today"),
        ("my number is (020) 7946 0958.", "my number is [phone]."),
        ("order 12345 arrived on 2026-04-01", "order 12345 arrived on 2026-04-01"),
        ("waited 3 days and 45 minutes", "waited 3 days and 45 minutes"),
    ],
)
def test_mask_text(text, masked):
    assert privacy.mask_text(text) == masked


def test_neutralise_cells_and_headers():
    frame = pd.DataFrame(
        {
            "=HYPERLINK()": ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "plain", None],
            "n": range(6),
        }
    )
    out = privacy.neutralise_frame(frame)
    assert out.columns[0] == "'=HYPERLINK()"
    assert out.iloc[:, 0].tolist()[:5] == [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "plain",
    ]
    assert out["n"].tolist() == list(range(6))
