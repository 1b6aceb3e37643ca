"""The combined report from a run folder: decision first, the cycle box once, linked pages, interactive runs."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from cslib.cycle import artefacts
from cslib.run import report

ROOT = Path(__file__).resolve().parents[2]
BOX = '<div class="cslib-card"><h4>{stage} — Faster</h4><table><tr><th>cycle</th><td>Faster</td></tr></table></div>'


def verdicts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "objective": ["O1", "O2"],
            "kpi": ["resolution_hours", "fcr"],
            "measure": ["Resolution time (median)", "First contact resolution"],
            "unit": ["hours", "share"],
            "direction": ["decrease", "increase"],
            "baseline": [14.4123, 0.66341],
            "target": [14.0, 0.75],
            "actual": [10.8123, 0.75712],
            "verdict": ["improved", "improved"],
            "change": [-0.251, 0.108],
            "change_ci_low": [-0.43, 0.08],
            "change_ci_high": [-0.06, 0.15],
            "target_met": [True, True],
            "sustained": [True, True],
            "sentence": ["", ""],
        }
    )


def totals(net: float, chance: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["total benefit", "cost", "net benefit", "return on cost", "payback months"],
            "value": [17239.0, 30500.0, net, net / 30500, math.inf],
            "ci_low": [10757.0, 30500.0, net - 6000, -0.6, 15.0],
            "ci_high": [23660.0, 30500.0, net + 6000, 0.2, math.inf],
            "p_positive": [1.0, None, chance, None, None],
        }
    )


def run_folder(tmp_path: Path, *, teams=("Billing",), net=-13261.0, chance=0.0, act=True) -> Path:
    run = tmp_path / "reports" / "faster" / "run1"
    artefacts.save(
        run,
        "plan",
        "plan",
        {"title": "Faster", "rollout": {"Billing": "2026-07-01"}, "teams": list(teams)},
    )
    artefacts.save(run, "check", "verdicts", verdicts())
    if act:
        artefacts.save(run, "act", "benefits", totals(net, chance))
        artefacts.save(
            run,
            "act",
            "decision",
            {
                "decision": "adapt",
                "why": "the service improved but the money says no",
                "rule": 5,
                "currency": "GBP",
                "months": 12,
            },
        )
    return run


def notebook(path: Path, stage: str, run_dir: str, body: str) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        f'cycle: str = "c.yaml"\nrun_dir: str = "{run_dir}"\nteams: str = ""'
    )
    params.metadata["tags"] = ["parameters", "remove-cell"]
    box = nbformat.v4.new_code_cell("wb = open_workbook(cycle)\nwb")
    box.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": BOX.format(stage=stage.capitalize())}
        )
    ]
    content = nbformat.v4.new_code_cell("stage.part(wb)")
    content.outputs = [nbformat.v4.new_output("display_data", data={"text/html": body})]
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {stage.capitalize()}\n\n## Results"),
        params,
        box,
        content,
    ]
    nbformat.write(nb, str(path))


def test_the_first_screen_states_the_decision_the_money_and_each_objective(tmp_path):
    run = run_folder(tmp_path)
    html = report.build_report(run).read_text(encoding="utf-8")
    assert "14.4\xa0h" in html  # a number and its unit are never split across lines
    html = html.replace("\xa0", " ")
    summary = html.split('<section id="summary">', 1)[1].split("</section>", 1)[0]
    assert "Decision: adapt" in summary and "rule 5" in summary
    assert "cslib.stages" not in summary  # no module path in front of a manager
    applied = summary.split("<strong>", 1)[1].split("</strong>", 1)[0]
    assert applied.startswith("the service improved but the money says no")  # rule 5, in bold
    assert "net benefit is -13,261 GBP (95 % interval -19,261 GBP to -7,261 GBP)" in summary
    assert "positive in 0.0 % of simulations" in summary
    # the scorecard's figures at display precision, the same teams for baseline and actual
    assert "from 14.4 h to 10.8 h in Billing (target 14.0 h: met)" in summary
    assert "from 66.3 % to 75.7 % in Billing" in summary


def test_without_the_act_the_decision_rests_on_the_check(tmp_path):
    run = run_folder(tmp_path, act=False)
    html = report.build_report(run).read_text(encoding="utf-8")
    assert "Decision: adopt" in html and "the Act stage has not run" in html


def test_a_comparison_team_run_is_not_adopted_here(tmp_path):
    run = run_folder(tmp_path, teams=("Orders",), act=False)
    html = report.build_report(run).read_text(encoding="utf-8")
    assert "Decision: not adopted here: comparison group" in html
    assert "abandon" not in html.split('<section id="summary">', 1)[1].split("</section>", 1)[0]


def test_a_jupyterlab_session_builds_a_marked_report_with_linked_pages(tmp_path, monkeypatch):
    run = run_folder(tmp_path)
    lab = tmp_path / "notebooks"
    lab.mkdir()
    for stage, name in report.NOTEBOOKS.items():
        link = (
            '<p><a href="check.html#check-Results">the charts</a></p>'
            if stage == "do"
            else "<p>done</p>"
        )
        notebook(lab / name, stage, "../reports/faster/run1", link)
    monkeypatch.setattr(report, "notebooks_dir", lambda: lab)
    html = report.build_report(run).read_text(encoding="utf-8")
    assert "Built from an interactive session" in html
    assert html.count('class="cslib-card"') == 1  # the cycle box once, in the Plan
    assert 'href="#check-Results"' in html and "check.html#" not in html
    do_page = artefacts.page_path(run, "do").read_text(encoding="utf-8")
    assert 'href="report.html"' in do_page and 'href="check.html"' in do_page
    assert 'href="check.html#check-Results"' in do_page and "cslib-card" in do_page


def test_notebooks_run_into_another_folder_are_not_taken(tmp_path, monkeypatch):
    run = run_folder(tmp_path)
    lab = tmp_path / "notebooks"
    lab.mkdir()
    notebook(lab / report.NOTEBOOKS["plan"], "plan", "../reports/elsewhere", "<p>other</p>")
    monkeypatch.setattr(report, "notebooks_dir", lambda: lab)
    assert report.stage_notebooks(run) == ({}, False)


def test_notebooks_on_their_defaults_ran_into_the_checkouts_interactive_folder(
    tmp_path, monkeypatch
):
    interactive = tmp_path / "reports" / "sample" / "interactive"
    shutil.copytree(run_folder(tmp_path), interactive)
    (tmp_path / "data" / "sample").mkdir(parents=True)
    (tmp_path / "data" / "sample" / "cycle.yaml").write_text("title: Faster")
    lab = tmp_path / "notebooks"
    lab.mkdir()
    notebook(lab / report.NOTEBOOKS["plan"], "plan", "", "<p>plan</p>")  # run_dir: str = ""
    monkeypatch.setattr(report, "notebooks_dir", lambda: lab)
    assert report.stage_notebooks(interactive) == ({"plan": lab / "1-plan.ipynb"}, True)
    assert report.stage_notebooks(run_folder(tmp_path)) == ({}, False)


def test_the_print_stylesheet_starts_each_stage_on_a_page_and_keeps_rows_whole():
    print_css = report.CSS.split("@media print", 1)[1]
    assert "section.stage{break-before:page}" in print_css and "tr,img" in print_css
    assert "details.cslib-appendix{display:none}" in print_css


def cli(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cslib", *map(str, args)], capture_output=True, text=True, cwd=ROOT
    )


def test_the_report_command_builds_and_prints_the_decision(tmp_path):
    run = run_folder(tmp_path)
    result = cli("report", run)
    assert result.returncode == 0, result.stderr
    assert "Decision: adapt" in result.stdout and "Report:" in result.stdout
    assert (run / "report.html").is_file()


def test_verbose_shows_cslibs_log_and_quiet_only_errors(tmp_path):
    run = run_folder(tmp_path)
    verbose = cli("--verbose", "report", run)
    assert verbose.returncode == 0 and "written to" in verbose.stderr
    assert "written to" not in cli("report", run).stderr
    quiet = cli("--quiet", "report", run)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    failed = cli("-q", "report", tmp_path / "no-such-run")
    assert failed.returncode == 2 and "the run folder does not exist" in failed.stderr


def test_the_report_command_refuses_a_missing_folder(tmp_path):
    result = cli("report", tmp_path / "no-such-run")
    assert result.returncode == 2 and "the run folder does not exist" in result.stderr


@pytest.mark.notebook
def test_run_all_in_jupyterlab_gives_a_complete_report(tmp_path, monkeypatch):
    """The shipped notebooks run in order where they are, as Run All in JupyterLab does, then the report."""
    from nbclient import NotebookClient

    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data" / "sample")
    for name in report.NOTEBOOKS.values():
        path = tmp_path / "notebooks" / name
        nb = nbformat.read(str(path), as_version=4)
        NotebookClient(
            nb, timeout=900, resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        nbformat.write(nb, str(path))  # JupyterLab saves the outputs
    monkeypatch.setattr(report, "notebooks_dir", lambda: tmp_path / "notebooks")
    html = report.build_report(tmp_path / "reports" / "sample" / "interactive").read_text(
        encoding="utf-8"
    )
    assert "Built from an interactive session" in html and "Decision: " in html
    for stage in ("plan", "do", "check", "act"):
        assert f'<section class="stage" id="{stage}">' in html


def test_a_comparison_team_run_shows_no_money_it_did_not_spend(tmp_path):
    run = run_folder(tmp_path, teams=("Orders",))
    summary = (
        report.build_report(run).read_text(encoding="utf-8").split('<section id="summary">')[1]
    )
    summary = summary.split("</section>", 1)[0]
    # the benefit artefacts exist, yet these teams neither paid for the change nor saved by it
    assert "net benefit" not in summary and "a month" not in summary


def test_stages_rendered_ahead_are_the_report_pages(tmp_path):
    from concurrent.futures import Future

    from cslib.run.render_ahead import rendering_ahead

    run = run_folder(tmp_path)
    for stage in ("plan", "check"):
        notebook(run / report.NOTEBOOKS[stage], stage, "", f"<p>{stage} as run</p>")
    with rendering_ahead(True) as rendered:
        rendered("plan", run / report.NOTEBOOKS["plan"])
        body, headings = rendered.bodies["plan"].result()
    assert (body, headings) == report.render_notebook(run / "1-plan.ipynb", anchor="plan")
    assert "<p>plan as run</p>" in body
    ahead: Future = Future()
    ahead.set_result(("<p>check rendered ahead</p>", [{"id": "check-x", "text": "X"}]))
    report.build_report(run, rendered={"plan": rendered.bodies["plan"], "check": ahead})
    page = (run / "check.html").read_text(encoding="utf-8")
    assert "check rendered ahead" in page and "check as run" not in page
    assert "plan as run" in (run / "plan.html").read_text(encoding="utf-8")
    with rendering_ahead(False) as nothing:
        nothing("plan", run / report.NOTEBOOKS["plan"])
    assert nothing.bodies == {}
