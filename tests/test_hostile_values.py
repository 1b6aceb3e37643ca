"""Hostile values reaching the command line and the cycle's numbers: rich markup in data is
printed as text, non-finite numbers are refused where the cycle or a review takes a number, and
the batch index never links a file that is not there."""

from __future__ import annotations

import textwrap

import pytest

from cslib.cycle.model import validate_cycle
from cslib.errors import ConfigError
from cslib.run.batch import Batch, RunOutcome, parse_review, write_index

TICKETS = "ticket_id,created_at,[/]\nA,2026-01-05 10:00,x\nB,2026-02-05 10:00,y\n"


def _cycle(folder, extra: str = "", title: str = "Tiny") -> str:
    (folder / "tickets.csv").write_text(TICKETS)
    path = folder / "cycle.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            title: {title!r}
            data:
              tickets:
                path: tickets.csv
                mapping: {{columns: {{ticket_id: ticket_id, created_at: created_at, segment: "[/]"}}}}
            periods:
              baseline: {{start: 2026-01-01, end: 2026-01-31}}
              review: {{start: 2026-02-01, end: 2026-02-28}}
            change: {{date: 2026-02-01}}
            """
        )
        + textwrap.dedent(extra)
    )
    return path


def test_markup_in_the_title_and_a_mapped_column_is_printed_as_text(cli, tmp_path):
    objective = """
    objectives:
      - {id: O1, kpi: volume, direction: increase, target: 3, deadline: 2026-02-28, owner: Lead}
    """
    result = cli("validate", _cycle(tmp_path, objective, title="Faster [/bold] replies"))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "Faster [/bold] replies" in result.stdout and "[/]" in result.stdout


def test_markup_in_a_failed_runs_error_is_printed_as_text(capsys):
    from cslib.cli import _print_failures

    failed = RunOutcome(
        "r[/]1", "failed", "/tmp/r1", stage="do", cell=4, ename="ValueError", evalue="bad [/] [b]"
    )
    _print_failures([failed])
    shown = capsys.readouterr().err
    assert "r[/]1" in shown and "ValueError: bad [/] [b]" in shown


def test_non_finite_numbers_are_refused_in_the_cycle(tmp_path):
    extra = """
    sla:
      resolution: {by: priority, hours: {urgent: .nan, normal: 48}}
    objectives:
      - {id: O1, kpi: volume, direction: increase, target: .inf, deadline: 2026-02-28, owner: Lead}
    economics: {currency: GBP, cost_per_contact: .inf}
    """
    with pytest.raises(ConfigError) as refused:
        validate_cycle(_cycle(tmp_path, extra))
    problems = refused.value.problems
    found = {p.file.split(": ", 1)[1]: p.what for p in problems if "finite" in p.what}
    assert set(found) == {
        "sla.resolution.hours.dict[str,float].urgent",
        "objectives[0].target",
        "economics.cost_per_contact",
    }, problems


def test_non_finite_numbers_are_refused_in_a_review():
    with pytest.raises(ConfigError, match="timeout: Input should be a finite number"):
        parse_review({"cycle": "cycle.yaml", "timeout": float("inf"), "runs": [{"name": "a"}]})


def test_the_index_never_links_a_missing_report(tmp_path, sample_dir):
    cycle = sample_dir / "cycle.yaml"  # the index reads which teams adopted the change
    batch = Batch("b", tmp_path, tmp_path / "review.yaml", cycle, "T", [], 1)
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "report.html").write_text("<html></html>")
    outcomes = [
        RunOutcome(name, "ok", str(tmp_path / name), report=str(tmp_path / name / "report.html"))
        for name in ("kept", "deleted")
    ]
    html = write_index(batch, outcomes).read_text()
    assert 'href="kept/report.html"' in html and "deleted/report.html" not in html
