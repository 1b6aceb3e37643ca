"""Pseudonyms, masking of contact details, and spreadsheet-formula neutralising."""

from __future__ import annotations

import re
import stat
import time
import warnings

import pandas as pd
import pytest

from cslib.data import privacy
from cslib.errors import ConfigError


def test_pseudonyms_are_keyed_stable_and_not_the_raw_value(monkeypatch):
    monkeypatch.delenv(privacy.ENV_KEY, raising=False)
    a = privacy.pseudonymise(["C1", "C2", "C1"], key="one")
    assert a[0] == a[2] != a[1] and all(p.startswith("P-") and "C1" not in p for p in a)
    assert privacy.pseudonymise(["C1"], key="two") != a[:1]
    monkeypatch.setenv(privacy.ENV_KEY, "from-env")
    assert privacy.pseudonymise(
        ["C1"], key=privacy.pseudonym_key("in-cycle")
    ) == privacy.pseudonymise(["C1"], key="from-env")


def test_no_pseudonym_reads_as_a_number():
    """Hex digests read as scientific notation now and then (``6843222e52``); pseudonyms never do,
    and 20,000 of them (more than any operation's agents) do not collide."""
    found = privacy.pseudonymise([f"agent {i}" for i in range(20_000)], key="k", prefix="")
    assert len(set(found)) == len(found) and {len(p) for p in found} == {10}
    assert set("".join(found)) == set(privacy.PSEUDONYM_ALPHABET)  # every character is used
    assert not [p for p in found if re.search(r"\d(?:\.\d+)?[eE][+-]?\d|^\d+$", p)]
    assert not [p for p in found if p[0].isdigit()]


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


#: phone numbers as customers write them: 15 countries, international and national formats
PHONES = {
    "GB": [
        "+44 7700 900123",
        "+44 (0)20 7946 0958",
        "07700 900123",
        "07700-900-123",
        "(020) 7946 0958",
        "0044 20 7946 0958",
        "020 7946 0958 ext. 204",
        "+44 20 7946 0958 x12",
        "07700900123",
        "+447700900123",
        "+44 20 7946–0958",
    ],
    "FR": [
        "+33 6 12 34 56 78",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33 (0)1 42 68 53 00",
        "0033 1 42 68 53 00",
        "+33\u00a06\u00a012\u00a034\u00a056\u00a078",
    ],
    "DE": [
        "+49 30 12345678",
        "030 12345678",
        "030/1234567",
        "+49 (0)30 1234-5678",
        "0151 23456789",
        "089 / 12 34 56 78",
        "+49—30—12345678",
    ],
    "US": [
        "+1 555 123 4567x89",
        "+1 (212) 555-0147",
        "(212) 555-0147",
        "212-555-0147",
        "212.555.0147",
        "+1-416-555-0199 ext 7",
        "+1 212 555 0147 #12",
    ],
    "JP": ["+81-3-1234-5678", "03-1234-5678", "+81 90 1234 5678", "090-1234-5678"],
    "ES": ["+34 912 345 678", "912 34 56 78"],
    "IT": ["+39 06 1234 5678", "06 1234 5678"],
    "NL": ["+31 20 123 4567", "020–123–4567"],
    "BE": ["+32 2 123 45 67"],
    "CH": ["+41 44 668 18 00", "044 668 18 00"],
    "IE": ["+353 1 234 5678"],
    "AU": ["+61 2 9876 5432", "(02) 9876 5432", "0412 345 678"],
    "IN": ["+91 98765 43210", "098765 43210"],
    "BR": ["+55 11 91234-5678", "(11) 91234-5678"],
    "CN": ["+86 138 0013 8000"],
    "SG": ["+65 6123 4567"],
    "ZA": ["+27 21 123 4567"],
    "MX": ["+52 55 1234 5678"],
}
ALL_PHONES = [p for numbers in PHONES.values() for p in numbers]

#: numbers in ordinary text that are not contact details
NOT_CONTACTS = [
    "2026-04-01",
    "01/04/2026",
    "01.04.2026",
    "4/1/26",
    "2026-04-01 14:30",
    "14:30:15",
    "£1,234.50",
    "$12,345,678.90",
    "1 234 567,89 €",
    "€ 1.234.567",
    "INC0012345",
    "REQ00012345",
    "12.5%",
    "99.95 %",
    "v2.3.1",
    "order 12345",
    "3 days and 45 minutes",
    "ticket #4521 reopened 3 times",
    "between 09:00 and 17:30",
    "score 4/5",
    "1e20",
]


def test_the_corpus_covers_many_formats_and_countries():
    assert len(ALL_PHONES) >= 40 and len(PHONES) >= 10


@pytest.mark.parametrize("number", ALL_PHONES)
def test_phone_numbers_are_masked(number):
    assert privacy.mask_text(f"ring me {number} please") == "ring me [phone] please"
    assert privacy.mask_texts([f"ring me {number}."]) == ["ring me [phone]."]


@pytest.mark.parametrize("text", NOT_CONTACTS)
def test_ordinary_numbers_are_kept(text):
    assert privacy.mask_text(f"see {text} here") == f"see {text} here"
    assert privacy.mask_texts([f"see {text} here"]) == [f"see {text} here"]


@pytest.mark.parametrize(
    "address",
    [
        "JÖRG.MÜLLER@müller.de",
        "jane.doe+orders@example.co.uk",
        "Jane.Doe@EXAMPLE.COM",
        "иван@пример.рф",
        "a_b@xn--mller-kva.de",
        "o'brien@example.ie",
    ],
)
def test_email_addresses_are_masked(address):
    assert privacy.mask_text(f"mail {address}, thanks") == "mail [e-mail], thanks"


def test_identifiers_written_inside_comments_are_masked():
    feedback = pd.DataFrame(
        {
            "customer_id": ["C0000042", "C0000043", None],
            "text": ["I am c0000042.", "ask C0000043 (my wife)", "C0000044 is not ours"],
        }
    )
    known = privacy.identifiers_in(feedback, ["customer_id", "absent"])
    assert known == {"C0000042", "C0000043"}
    assert privacy.mask_texts(feedback["text"], identifiers=known) == [
        "I am [identifier].",
        "ask [identifier] (my wife)",
        "C0000044 is not ours",
    ]
    assert privacy.mask_text("C0000042", identifiers=known) == "[identifier]"


def test_missing_values_stay_missing():
    out = privacy.mask_texts([None, float("nan"), "ok"], identifiers=["C1"])
    assert out[0] is None and pd.isna(out[1]) and out[2] == "ok"


def test_masking_200k_comments_is_fast():
    comments = [
        f"waited 3 days for order {i} opened 2026-04-01, refund £45.20 (INC{i:07d})"
        + (f" ring me on {ALL_PHONES[i % len(ALL_PHONES)]}" if i % 20 == 0 else "")
        + (f" I am C{i:07d}" if i % 50 == 0 else "")
        for i in range(200_000)
    ]
    start = time.perf_counter()
    out = privacy.mask_texts(comments, identifiers=[f"C{i:07d}" for i in range(200_000)])
    seconds = time.perf_counter() - start
    assert sum("[phone]" in t for t in out) == 10_000
    assert sum("[identifier]" in t for t in out) == 4_000
    assert seconds < 60, seconds


# ------------------------------------------------------------------ the pseudonym key


def test_without_a_key_each_installation_has_its_own_secret(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.ENV_KEY, raising=False)
    pseudonyms = []
    for home in ("one", "two"):
        monkeypatch.setenv(privacy.ENV_CONFIG_DIR, str(tmp_path / home))
        with pytest.warns(UserWarning, match=f"{home}.+pseudonym.key"):
            pseudonyms.append(privacy.pseudonymise(["C0000001"])[0])
        key_file = tmp_path / home / privacy.KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert len(key_file.read_text()) == 64
        with warnings.catch_warnings():  # warned once per installation
            warnings.simplefilter("error")
            assert privacy.pseudonymise(["C0000001"])[0] == pseudonyms[-1]
    assert pseudonyms[0] != pseudonyms[1]
    # nothing shipped in the package reproduces them
    assert pseudonyms[0] not in privacy.pseudonymise(
        ["C0000001"], key="cslib-default-pseudonym-key"
    )


def test_the_environment_key_wins_and_is_stable(monkeypatch, tmp_path):
    monkeypatch.setenv(privacy.ENV_KEY, "shared-secret")
    given = []
    for home in ("one", "two"):
        monkeypatch.setenv(privacy.ENV_CONFIG_DIR, str(tmp_path / home))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            given.append(privacy.pseudonymise(["C0000001"], key=privacy.pseudonym_key("in-cycle")))
    assert given[0] == given[1] == privacy.pseudonymise(["C0000001"], key="shared-secret")
    assert not (tmp_path / "one").exists()  # no secret is written when a key is given
    assert privacy.worker_environment() == {privacy.ENV_KEY: "shared-secret"}


def test_a_key_that_cannot_be_kept_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.ENV_KEY, raising=False)
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv(privacy.ENV_CONFIG_DIR, str(tmp_path / "file" / "cslib"))
    with pytest.raises(ConfigError, match="CSLIB_PSEUDONYM_KEY"):
        privacy.pseudonym_key()


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
