"""The service standards at each stage, on the sample cycle with hand-made evaluations."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest
import standards_cycle
import yaml

from cslib.cycle.workbook import open_workbook
from cslib.data import privacy
from cslib.display import Html, fmt
from cslib.stages import act, check, do, plan
from cslib.stages.standards._common import NO_EVALUATIONS

STAGES = {"plan": plan, "do": do, "check": check, "act": act}
standards_cycle_file = standards_cycle.standards_cycle  # the fixture, written once per session
#: the weights of the fixture's scorecard
WEIGHTS = {"greeting": 1, "id_check": 1, "accurate_answer": 2, "empathy": 1, "ownership": 1}
ROLL_OUT = ["Billing", "Technical", "Orders"]


@pytest.fixture(scope="module")
def shown(standards_cycle_file, tmp_path_factory) -> dict:
    """Each stage's standards cell on the fixture cycle, in one run folder: its HTML and the workbook."""
    run = tmp_path_factory.mktemp("run")
    out = {}
    for stage, module in STAGES.items():
        wb = open_workbook(standards_cycle_file, run_dir=run, stage=stage)
        out[stage] = (module.standards(wb)._repr_html_(), wb)
    return out


@pytest.fixture(scope="module")
def checks(standards_cycle_file) -> pd.DataFrame:
    """The fixture's evaluations, each check's verdict worked out here (pass mark 0.8)."""
    e = pd.read_csv(standards_cycle_file.parent / "evaluations.csv", parse_dates=["date"])
    fraction = (e["score"] / e["max_score"]).where(e["score"].notna(), e["met"].astype(float))
    return e.assign(fraction=fraction, ok=fraction >= 0.8)


def _between(frame: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return frame[(frame["date"] >= start) & (frame["date"] <= end)]


def test_without_evaluations_each_cell_says_so_in_one_sentence(tmp_path):
    cycle = standards_cycle.sample_cycle(absolute=True)
    (tmp_path / "cycle.yaml").write_text(yaml.safe_dump(cycle), encoding="utf-8")
    for stage, module in STAGES.items():
        wb = open_workbook(tmp_path / "cycle.yaml", run_dir=tmp_path / "run", stage=stage)
        assert module.standards(wb)._repr_html_() == Html.text(NO_EVALUATIONS).markup


def test_plan_shows_the_baseline_compliance_and_weighted_score(shown, checks):
    markup, wb = shown["plan"]
    base = _between(checks, "2026-01-05", "2026-05-31")
    table = wb.load("standards_baseline").set_index("criterion")
    own = base[base["criterion"] == "ownership"]
    assert table.loc["ownership", "compliance"] == own["ok"].sum() / len(own)
    # each evaluation: 100 × Σ weight × fraction ÷ Σ weight, 0 when the identity check failed
    per = base.assign(w=base["criterion"].map(WEIGHTS)).groupby("evaluation_id")
    score = 100 * per.apply(lambda g: (g["w"] * g["fraction"]).sum() / g["w"].sum())
    failed = per.apply(lambda g: not g.loc[g["criterion"] == "id_check", "ok"].all())
    mean = score.where(~failed, 0.0).mean()
    assert f"overall weighted score is {fmt(mean)} out of 100" in markup
    weakest = table["compliance"].nsmallest(3).index.str.replace("_", " ")
    assert re.search("Weakest: " + ".*, ".join(weakest), markup)
    assert re.search(
        r"\d+ figures? rests? on too few evaluations for ± 5%: [^.]*Onboarding", markup
    )


def test_plan_flags_the_lenient_evaluator_under_a_pseudonym(shown):
    markup, wb = shown["plan"]
    key = privacy.pseudonym_key(wb.cycle.privacy.key)
    lenient, others = privacy.pseudonymise(["Q4", "Q1"], key=key, prefix="E-")
    assert f"{lenient} scores high compared with the others" in markup
    assert f"{others} scores" not in markup
    assert "Fleiss&#x27; kappa" in markup and "ICC(2,1)" in markup


def test_no_raw_agent_or_evaluator_id_is_shown(shown):
    for markup, _ in shown.values():
        assert not re.search(r"\bA\d{4}\b|\bQ[1-4]\b", markup)


def test_do_charts_weekly_compliance_of_the_roll_out_teams(shown, checks):
    markup, wb = shown["do"]
    weeks = wb.load("standards_weekly")
    cycle = _between(checks, "2026-01-05", "2026-10-31")
    rolled = cycle[cycle["team"].isin(ROLL_OUT)]
    assert (weeks["n"].sum(), weeks["met"].sum()) == (len(rolled), rolled["ok"].sum())
    assert "<img" in markup and "since the change: improving" in markup


def test_check_finds_the_two_criteria_improved_beyond_the_comparison_teams(shown, checks):
    markup, wb = shown["check"]
    table = wb.load("standards_change")
    beyond = table[table["group"] == "roll-out − comparison"].set_index("criterion")
    assert sorted(beyond.index[beyond["ci_low"] > 0]) == ["accurate_answer", "ownership"]
    base = _between(checks, "2026-01-05", "2026-05-31")
    own = base[(base["criterion"] == "ownership") & base["team"].isin(ROLL_OUT)]
    treated = table[(table["group"] == "roll-out") & (table["criterion"] == "ownership")]
    assert treated["before"].item() == own["ok"].mean()
    # intervals over weeks: the number of weeks with evaluations before and after
    assert treated["n_clusters"].item() < treated["n_before"].item()
    assert (
        "Compliance improved beyond the comparison teams on accurate answer, ownership." in markup
    )
    assert "Standards and training" in markup and "Standards and customer outcomes" in markup


def test_act_lists_the_standards_to_update_and_their_new_limits(shown, checks):
    markup, wb = shown["act"]
    limits = wb.load("standards_limits").set_index("measure")
    review = _between(checks, "2026-06-01", "2026-10-31")
    rolled = review[review["team"].isin(ROLL_OUT)]
    # the p chart's centre line is Σ met ÷ Σ checks over the review weeks
    centre = limits.loc["compliance: all standards", "centre"]
    assert centre == pytest.approx(rolled["ok"].mean())
    assert list(limits.index) == [
        "compliance: all standards",
        "compliance: accurate answer",
        "compliance: ownership",
    ]
    assert "Give the right answer first time" in markup and "Own the issue to resolution" in markup
    assert "New weekly limits of compliance (review period, Billing, Technical, Orders)" in markup


def test_tables_show_at_most_eight_columns_outside_the_appendix(shown):
    for markup, _ in shown.values():
        while "<details" in markup:  # innermost blocks first
            markup = re.sub(r"<details(?:(?!<details).)*?</details>", "", markup, flags=re.S)
        for head in re.findall(r"<thead>(.*?)</thead>", markup, flags=re.S):
            assert 0 < head.count("<th") <= 8
        assert not re.search(r"\b\w+_\w+\b", re.sub(r"<[^>]+>", " ", markup))  # no snake_case


def test_lower_limit_is_below_the_centre(shown):
    limits = shown["act"][1].load("standards_limits")
    assert np.all(limits["lower limit"] < limits["centre"])


def test_bare_evaluations_show_without_failing(tmp_path):
    """Pass/fail checks only: no team, agent, evaluator, ticket or scorecard, a few weeks each side."""
    days = pd.date_range("2026-05-04", "2026-06-26", freq="D")
    bare = pd.DataFrame(
        {
            "evaluation_id": [f"e{i}" for i in range(len(days))],
            "date": days.strftime("%Y-%m-%d"),
            "criterion": "greeting",
            "met": [i % 3 != 0 or day.month == 6 for i, day in enumerate(days)],
        }
    )
    bare.to_csv(tmp_path / "evaluations.csv", index=False)
    cycle = standards_cycle.sample_cycle(absolute=True)
    cycle["data"]["evaluations"] = str(tmp_path / "evaluations.csv")
    (tmp_path / "cycle.yaml").write_text(yaml.safe_dump(cycle), encoding="utf-8")
    shown = {}
    for stage, module in STAGES.items():
        wb = open_workbook(tmp_path / "cycle.yaml", run_dir=tmp_path / "run", stage=stage)
        shown[stage] = module.standards(wb)._repr_html_()
    # the baseline holds 4–31 May: 28 evaluations, every third failed, so 18 of 28 met
    assert (
        "28 evaluations scored 1 criterion: the overall weighted score is 64.3 out of 100"
        in shown["plan"]
    )
    assert "Evaluator agreement" not in shown["plan"]
    assert "<img" in shown["do"]
    assert "improved in the roll-out teams" in shown["check"]
    assert "greeting" in shown["act"]
    # evaluations after the change only: the chart has one part and says why
    bare[bare["date"] >= "2026-06-01"].to_csv(tmp_path / "evaluations.csv", index=False)
    wb = open_workbook(tmp_path / "cycle.yaml", run_dir=tmp_path / "after", stage="do")
    assert "evaluations on one side of the change only" in do.standards(wb)._repr_html_()


def test_check_links_the_standards_to_the_course_the_cycle_file_names(shown):
    markup, wb = shown["check"]
    assert wb.cycle.change.course == "Knowledge base and first-contact resolution"
    text = html.unescape(" ".join(markup.split()))
    assert "completing 'Knowledge base and first-contact resolution' (the change's course)" in text
    assert not wb.load("standards_training").empty


@pytest.mark.parametrize(
    ("course", "said"),
    [
        ("Systems refresher", "completing 'Systems refresher' (the change's course)"),
        ("Coaching", "no completions of 'Coaching' (change.course); their courses are"),
        (None, "completing 'Knowledge base and first-contact resolution' (the course the roll-out"),
    ],
)
def test_check_uses_the_named_course_and_guesses_only_without_one(
    standards_cycle_file, tmp_path, course, said
):
    cycle = yaml.safe_load(standards_cycle_file.read_text(encoding="utf-8"))
    cycle["change"]["course"] = course
    cycle["data"] = {k: str(standards_cycle_file.parent / v) for k, v in cycle["data"].items()}
    path = tmp_path / "cycle.yaml"
    path.write_text(yaml.safe_dump(cycle), encoding="utf-8")
    wb = open_workbook(path, run_dir=tmp_path / "run", stage="check")
    assert said in html.unescape(" ".join(check.standards(wb)._repr_html_().split()))


def test_do_names_the_weekly_chart_and_why(shown):
    markup, wb = shown["do"]
    weeks = wb.load("standards_weekly")
    # σz by hand: z-scores of the weekly shares around Σ met ÷ Σ checks, mean moving range ÷ 1.128
    centre = weeks["met"].sum() / weeks["n"].sum()
    z = (weeks["met"] / weeks["n"] - centre) / np.sqrt(centre * (1 - centre) / weeks["n"])
    mr = z.diff().abs().dropna()
    mr = mr[mr < 3.267 * mr.mean()]
    s = mr.mean() / 1.128
    text = html.unescape(" ".join(markup.split()))
    if s > 1:
        assert f"(σz = {s:.2f}), so the limits are those of Laney's p′ chart" in text
    else:
        assert "varies no more than the number of checks explains: a p chart" in text
