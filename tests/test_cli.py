"""The command line, run as real processes."""

from __future__ import annotations

import pytest


def test_sample_data_then_validate(tmp_path, cli):
    result = cli("sample-data", "--out", tmp_path / "op", "--tickets", "3000", "--seed", "7")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "op" / "tickets.parquet").exists() and (
        tmp_path / "op" / "cycle.yaml"
    ).exists()
    result = cli("validate", tmp_path / "op" / "cycle.yaml")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "repeat_contact_rate" in result.stdout
    # a target the review cannot detect is a warning, not a failure
    assert "warning: objective O1: the target" in " ".join(result.stdout.split())


@pytest.mark.notebook
def test_demo_writes_sample_runs_the_cycle_and_prints_the_report(tmp_path, cli):
    result = cli("demo", "--out", tmp_path / "reports", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "reports" / "sample" / "tickets.parquet").exists()
    assert "Decision: " in result.stdout and "Report:" in result.stdout
    assert "O1 Resolution time (median): " in result.stdout  # each objective's result
    report = next((tmp_path / "reports").rglob("report.html"))
    assert str(report) in result.stdout.replace("\n", "")
    assert "WARNING" not in result.stderr  # kernels talk over local sockets, quietly


def test_user_errors_exit_2_without_traceback(tmp_path, cli):
    result = cli("validate", tmp_path / "missing.yaml")
    assert result.returncode == 2 and "cycle file not found" in result.stderr
    bad = tmp_path / "cycle.yaml"
    bad.write_text("title: x\nunknown_section: 1\n")
    result = cli("validate", bad)
    assert result.returncode == 2 and "unknown key 'unknown_section'" in result.stderr
    assert "Traceback" not in result.stderr
    result = cli("sample-data")
    assert result.returncode == 2 and "--out" in result.stderr


def test_python_dash_m_and_help(cli):
    result = cli("--help")
    assert result.returncode == 0
    for command in ("sample-data", "validate", "demo"):
        assert command in result.stdout


def test_sample_data_into_a_file_is_an_input_problem(tmp_path, cli):
    target = tmp_path / "taken"
    target.write_text("not a folder", encoding="utf-8")
    result = cli("sample-data", "--out", target / "sample", "--tickets", 100)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "--out" in result.stderr and "taken" in result.stderr
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_a_warning_reads_as_a_plain_note_without_its_source_line(capsys, monkeypatch):
    import warnings

    from cslib import cli

    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # restored afterwards
    cli._configure_logging(verbose=False, quiet=False)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("no pseudonym key is set", UserWarning, stacklevel=1)
    said = capsys.readouterr().err
    assert "Note: no pseudonym key is set" in said
    assert "UserWarning" not in said and "test_cli.py" not in said
    cli._configure_logging(verbose=False, quiet=True)
    assert warnings.showwarning is not cli._note  # --quiet: errors only
    cli._configure_logging(verbose=False, quiet=False)
