"""Every stage runs on thin data and says in plain words what it cannot show: the degenerate-data matrix.

The variants (see ``thin_variants.py``) run the notebooks' own steps in this process, in
the notebooks' order, each result shown as a notebook shows it (HTML built, charts
drawn); the call log also runs through a real ``cslib run``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
import thin_variants

from cslib.cycle.model import Objective
from cslib.cycle.workbook import open_workbook
from cslib.stages import act, check, do, plan

ROOT = Path(__file__).resolve().parents[2]
thin_data = thin_variants.thin_data  # the fixture: the variants, written once per session
STAGES = {
    "plan": (plan, "1-plan.ipynb"),
    "do": (do, "2-do.ipynb"),
    "check": (check, "3-check.ipynb"),
    "act": (act, "4-act.ipynb"),
}


def steps(stage: str) -> list[str]:
    """The functions of ``stage`` its notebook calls, in order."""
    nb = nbformat.read(ROOT / "notebooks" / STAGES[stage][1], as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return re.findall(rf"{stage}\.(\w+)\(wb\)", code)


def shown(result) -> str:
    """The text a notebook shows of a step's result (a chart is drawn and shows no text)."""
    if result is None:
        return ""
    if hasattr(result, "_repr_mimebundle_"):
        result._repr_mimebundle_()
        return ""
    return html.unescape(re.sub(r"<[^>]+>", " ", result._repr_html_()))


def run_cycle(cycle: Path, run_dir: Path, teams: tuple[str, ...] = ()) -> dict[str, str]:
    """Every step of the four stages on ``cycle`` (for ``teams``): ``"stage.step"`` → the text it shows."""
    said = {}
    for stage, (module, _) in STAGES.items():
        wb = open_workbook(cycle, run_dir=run_dir, stage=stage, teams=teams)
        for step in steps(stage):
            said[f"{stage}.{step}"] = " ".join(shown(getattr(module, step)(wb)).split())
    return said


#: what each variant's steps must say about what they cannot show
SAYS = {
    "one-team": {
        "plan.segments": "Every ticket has the same segment ('consumer'): there is no other segment to compare it with.",
        "plan.complaints": "price $_$",
        "check.servqual": "The SERVQUAL survey has no wave on both sides of the change.",
    },
    "sample-100": {
        "plan.servqual": "Importance against performance",
        "do.training_effect": "No week had both trained and not-yet-trained agents",
        "plan.power": "cannot be estimated: only 0 baseline weeks with a value for every team",
    },
}


#: what a manager should never read, in the steps' text or their appendices
INTERNALS = re.compile(
    r"\bNone\b|\bNaN\b|\bnan\b|<NA>|\b(?:True|False)\b|\b\d+(?:\.\d+)?e[+-]?\d+\b"
)


@pytest.mark.parametrize("variant", list(SAYS))
def test_every_step_runs_on_thin_data(thin_data, variant, tmp_path):
    said = run_cycle(thin_data(variant), tmp_path)
    for step, words in SAYS[variant].items():
        assert words in said[step], (step, said[step][:1000])
    leaked = {step: INTERNALS.findall(text) for step, text in said.items()}
    assert not any(leaked.values()), {step: found for step, found in leaked.items() if found}


def test_the_segment_profile_holds_every_objective_kpi(thin_data, tmp_path):
    """A call log's objectives (abandonment, service level, speed of answer, handle time) are profiled
    with the cycle's own definitions: the one channel's values are the baseline's."""
    wb = open_workbook(thin_data("call-log"), run_dir=tmp_path, stage="plan")
    plan.baseline(wb)
    said = shown(plan.segments(wb))
    assert "no other channel to compare it with" in said
    profile = wb.load("segments_by_channel").set_index("channel").loc["phone"]
    for row in wb.load("baseline").itertuples():
        assert profile[row.kpi] == pytest.approx(row.baseline), row.kpi
    more = [Objective(id="O5", kpi="csat", direction="increase")]
    more.append(Objective(id="O6", kpi="backlog", direction="decrease"))
    wb.cycle = wb.cycle.model_copy(update={"objectives": [*wb.cycle.objectives, *more]})
    said = shown(plan.segments(wb))
    assert "O5 (CSAT (top-2-box)) is not profiled by segment: the data lacks csat." in said
    assert "O6 (Backlog) is not profiled by segment: it is counted per period" in said


@pytest.mark.notebook
def test_cslib_run_on_a_phone_call_log(thin_data, cli, tmp_path):
    """One channel, no team or segment, closed at night and on Sundays, no survey or complaints: the
    whole cycle runs and each section says what it cannot show."""
    result = cli("run", thin_data("call-log"), "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    report = next(tmp_path.rglob("report.html")).read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", report)).split())
    for words in (
        "Every ticket has the same channel ('phone'): there is no other channel to compare it with.",
        "had contacts but none was answered in the whole baseline (the centre closed?): they are left unstaffed.",
        "No SERVQUAL survey in the cycle's data.",
        "No complaints log in the cycle's data.",
    ):
        assert words in text


def test_every_step_runs_for_a_comparison_team_of_a_monthly_review(tmp_path):
    # a batch reviews each team on its own; the comparison teams were never trained
    said = run_cycle(ROOT / "data" / "sample" / "cycle.yaml", tmp_path, teams=("Accounts",))
    assert said["do.training_effect"] == (
        "No agent of Accounts completed the course “Knowledge base and first-contact "
        "resolution”: training cannot be tied to outcomes here."
    )
    assert not INTERNALS.search(" ".join(said.values()))
