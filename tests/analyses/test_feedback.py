"""Feedback themes: lexicon forms, tagging, frequency and sentiment before/after, safe verbatims."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cslib.analyses import feedback as fbm
from cslib.data.privacy import pseudonymise
from cslib.data.tables import read_table
from cslib.errors import ParameterError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def comments():
    return pd.DataFrame(
        {
            "feedback_id": ["f1", "f2", "f3", "f4", "f5"],
            "date": pd.to_datetime(
                ["2026-03-01", "2026-03-02", "2026-07-01", "2026-07-02", "2026-07-03"]
            ),
            "text": [
                "Kept on hold far too long.",
                "Rude and dismissive <b>agent</b>.",
                "Kept on HOLD again, mail me: jo@example.com",
                "Kind and patient with me.",
                "Nothing to add.",
            ],
            "score": [2, 1, 3, 5, 4],
            "customer_id": ["C1", "C2", "C3", "C4", "C5"],
        }
    )


def test_tagging_whole_words_case_insensitive_several_themes():
    t = fbm.tag(comments())
    got = t.groupby("feedback_id")["theme"].apply(list).to_dict()
    assert got == {
        "f1": ["speed of response"],
        "f2": ["care and attitude"],
        "f3": ["fixed first time", "speed of response"],
        "f4": ["care and attitude"],
    }
    assert t.loc[t.feedback_id == "f1", "keyword"].item() == "on hold"
    # whole words only: "apply" does not match "app"
    assert fbm.tag(pd.DataFrame({"feedback_id": ["x"], "text": ["I had to apply twice"]})).empty


def test_lexicon_forms_and_override():
    flat = fbm.lexicon_table({"refund": ("reliability", "policy"), "smile": "Empathy"})
    assert flat[["theme", "dimension", "keyword"]].values.tolist() == [
        ["reliability", "reliability", "refund"],
        ["empathy", "empathy", "smile"],
    ]
    assert flat["root_cause"].iloc[0] == "policy" and pd.isna(flat["root_cause"].iloc[1])
    custom = {
        "billing": {
            "dimension": "reliability",
            "root_cause": "system",
            "keywords": ["bill", "invoice"],
        }
    }
    t = fbm.tag(
        pd.DataFrame({"feedback_id": ["a", "b"], "text": ["Wrong invoice", "kept on hold"]}),
        lexicon=custom,
    )
    assert t[["feedback_id", "theme", "root_cause"]].values.tolist() == [["a", "billing", "system"]]


def test_theme_summary_by_hand():
    s = fbm.theme_summary(comments(), split="2026-06-01").set_index(["period", "theme"])
    row = s.loc[("before", "speed of response")]
    assert (
        row["comments"] == 2
        and row["mentions"] == 1
        and row["share"] == 0.5
        and row["mean_score"] == 2
    )
    after = s.loc[("after", "care and attitude")]
    assert after["comments"] == 3 and after["mean_score"] == 5 and after["negative_share"] == 0
    assert s.loc[("before", "care and attitude"), "negative_mentions"] == 1
    overall = fbm.theme_summary(comments())
    assert (
        "period" not in overall
        and overall.set_index("theme").loc["speed of response", "mentions"] == 2
    )


def test_verbatims_are_masked_pseudonymised_and_escaped():
    v = fbm.verbatims(comments(), key="k")
    table = v.table
    assert "jo@example.com" not in " ".join(table["text"])
    assert "[e-mail]" in " ".join(table["text"])
    assert "C3" not in set(table["customer"]) and pseudonymise(["C3"], key="k")[0] in set(
        table["customer"]
    )
    page = v._repr_html_()
    assert "<b>agent</b>" not in page and "&lt;b&gt;agent&lt;/b&gt;" in page
    only = fbm.verbatims(comments(), theme="care and attitude", n=1).table
    assert set(only["theme"]) == {"care and attitude"} and set(only["tone"]) == {
        "negative",
        "positive",
    }


def test_a_customer_id_written_in_a_comment_is_masked():
    feedback = comments()
    feedback.loc[0, "text"] = (
        f"slow reply, my account is {feedback.loc[0, 'customer_id']} please call"
    )
    shown = " ".join(fbm.verbatims(feedback, key="k", n=5).table["text"])
    assert feedback.loc[0, "customer_id"] not in shown and "[identifier]" in shown
    kept = " ".join(fbm.verbatims(feedback, key="k", n=5, identifiers=()).table["text"])
    assert feedback.loc[0, "customer_id"] in kept


@pytest.mark.parametrize(
    ("call", "column"),
    [
        (lambda: fbm.lexicon_table({}), "lexicon"),
        (
            lambda: fbm.lexicon_table({"x": {"dimension": "reliability", "keywords": "one"}}),
            "lexicon",
        ),
        (lambda: fbm.lexicon_table({"x": "speed"}), "lexicon"),
        (lambda: fbm.lexicon_table({"x": 3}), "lexicon"),
        (lambda: fbm.theme_summary(comments(), split="soon"), "split"),
        (lambda: fbm.theme_summary(comments().drop(columns="score")), "score"),
        (lambda: fbm.verbatims(comments(), n=0), "n"),
        (lambda: fbm.verbatims(comments(), theme="price"), "theme"),
        (lambda: fbm.theme_change(comments(), split="2020-01-01"), "split"),
    ],
)
def test_user_errors(call, column):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.problems[0].column == column


def test_sample_feedback():
    from cslib.data.sample import THEMES

    f = read_table(SAMPLE / "feedback.csv", "feedback")
    tags = fbm.tag(f)
    truth = {s: d for d, (pos, neg) in THEMES.items() for s in pos + neg}
    expected = (
        f.set_index("feedback_id")["text"]
        .str.replace(r" You can reach.*", "", regex=True)
        .map(truth)
    )
    assert (
        tags.set_index("feedback_id")["dimension"] == expected.loc[tags["feedback_id"]]
    ).mean() > 0.95
    assert tags["feedback_id"].nunique() == len(f)
    ch = fbm.theme_change(f, split="2026-06-01").set_index(["theme", "measure"])
    # the change lifted satisfaction: reliability comments score higher and are less often negative
    assert ch.loc[("fixed first time", "mean score"), "ci_low"] > 0
    assert ch.loc[("fixed first time", "negative share"), "ci_high"] < 0
    v = fbm.verbatims(f).table
    assert (
        not v["text"].str.contains("@example.com").any()
        and not v["text"].str.contains("07700").any()
    )
    assert v["customer"].str.startswith("P-").all()
