"""Batch reviews: real parallel runs of the notebooks (one failing on purpose), skips, Dask, the index."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from cslib.cycle.model import load_cycle
from cslib.errors import ConfigError, CslibError
from cslib.run import batch as cslib_batch
from cslib.run.batch import (
    RunOutcome,
    expand_runs,
    parse_review,
    plan_batch,
    run_batch,
    workers,
    write_index,
)
from cslib.run.inputs import table_hashes

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "cycle.yaml"
pytestmark = pytest.mark.notebook


def _snapshot(folder: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in folder.iterdir()}


@pytest.fixture(scope="module")
def review(tmp_path_factory) -> Path:
    """Two teams reviewed for September, and one run whose Check notebook has a failing cell."""
    folder = tmp_path_factory.mktemp("review")
    shutil.copytree(ROOT / "notebooks", folder / "broken-notebooks")
    nb = nbformat.read(str(folder / "broken-notebooks" / "3-check.ipynb"), as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(nb, str(folder / "broken-notebooks" / "3-check.ipynb"))
    (folder / "review.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "september",
                "cycle": str(SAMPLE),
                "stages": ["check"],
                "workers": 1,  # one process runs them all, one after another
                "grid": {"teams": ["Billing", "Accounts"], "months": ["2026-09"]},
                "runs": [
                    {
                        "name": "broken",
                        "teams": "Orders",
                        "month": "2026-10",
                        "notebooks": "broken-notebooks",
                    }
                ],
            },
            sort_keys=False,
        )
    )
    return folder / "review.yaml"


def _batch_dir(out: Path) -> Path:
    return out / "faster-first-time-resolution" / "september"


def _statuses(out: Path) -> dict[str, str]:
    return {
        r["name"]: r["status"]
        for r in json.loads((_batch_dir(out) / "batch.json").read_text())["runs"]
    }


def test_batch_isolates_a_failing_run_and_indexes_every_run(review, cli, tmp_path):
    data_before = _snapshot(SAMPLE.parent)
    out = tmp_path / "reports"
    result = cli("batch", review, "--out", out)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    # the failure: run, stage, cell and error in the summary table
    assert re.search(
        r"broken.*failed.*check.*\b5\b.*ZeroDivisionError", result.stderr.replace("\n", " ")
    ), result.stderr
    assert _statuses(out) == {"billing-2026-09": "ok", "accounts-2026-09": "ok", "broken": "failed"}
    bdir = _batch_dir(out)
    processes = {
        json.loads((d / "run.json").read_text())["process"]["pid"]
        for d in bdir.iterdir()
        if (d / "run.json").is_file()
    }
    assert len(processes) == 1  # a failed run does not end the process that runs the next
    for name in ("billing-2026-09", "accounts-2026-09"):
        manifest = json.loads((bdir / name / "run.json").read_text())
        # one-team runs read the batch's KPI panel
        assert manifest["status"] == "ok" and manifest["parameters"] == {
            "teams": name.split("-")[0].title(),
            "panel": str(bdir / "panel"),
        }
        assert (bdir / name / "report.html").is_file() and (
            bdir / name / "fingerprint.json"
        ).is_file()
        derived = yaml.safe_load((bdir / "cycles" / f"{name}.yaml").read_text())
        assert derived["periods"]["review"] == {"start": "2026-09-01", "end": "2026-09-30"}
        assert Path(derived["data"]["tickets"]).is_absolute()
    kept = bdir / "broken" / "3-check.ipynb"
    assert (
        "ZeroDivisionError" in kept.read_text() and not (bdir / "broken" / "report.html").exists()
    )
    assert json.loads((bdir / "broken" / "run.json").read_text())["failed"]["stage"] == "check"

    html = (bdir / "index.html").read_text()
    for name in ("billing-2026-09", "accounts-2026-09", "broken"):
        assert f">{name}<" in html
    assert 'href="billing-2026-09/report.html"' in html and 'href="broken/3-check.ipynb"' in html
    assert (
        "improved" in html and "no detectable change" in html
    )  # verdicts from the Check artefacts
    assert "<script" not in html.lower() and not re.search(
        r"""(src|href)\s*=\s*["']?(https?:)?//""", html, flags=re.I
    )
    assert _snapshot(SAMPLE.parent) == data_before  # nothing written into the data folder
    # roll-out runs first (Billing; Orders is the broken run), then the comparison team, whose
    # decision is never to abandon
    first = html[html.index('id="first-order"') :]
    assert re.findall(r'<tr class="group-[\w-]+"><td>([^<]+)</td>', first) == [
        "billing-2026-09",
        "broken",
        "accounts-2026-09",
    ]
    billing, accounts = (
        re.search(rf"<td>{name}</td>(.*?)</tr>", first, flags=re.S).group(1)
        for name in ("billing-2026-09", "accounts-2026-09")
    )
    assert "<td>roll-out team</td>" in billing and "<td>comparison team</td>" in accounts
    assert "<td>not adopted here: comparison group</td>" in accounts and "abandon" not in accounts
    assert "1 run(s) of comparison teams" in html
    # a Check-only run has no Plan record: its report still knows Accounts did not adopt the change
    report = (bdir / "accounts-2026-09" / "report.html").read_text()
    assert "<h1>Faster first-time resolution: Accounts (comparison group" in report
    assert "Decision: not adopted here: comparison group" in report

    # second invocation: the unchanged successful runs are skipped, the failed one runs again
    started = time.perf_counter()
    again = cli("batch", review, "--out", out)
    assert again.returncode == 1
    assert _statuses(out) == {
        "billing-2026-09": "unchanged",
        "accounts-2026-09": "unchanged",
        "broken": "failed",
    }
    assert "billing-2026-09 unchanged" in again.stdout and time.perf_counter() - started < 120
    assert (bdir / "billing-2026-09" / "report.html").is_file()


def test_batch_on_a_dask_cluster(review, cli, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        out = tmp_path / "reports"
        result = cli("batch", review, "--out", out, "--scheduler", cluster.scheduler_address)
    assert result.returncode == 1, result.stderr
    assert _statuses(out) == {"billing-2026-09": "ok", "accounts-2026-09": "ok", "broken": "failed"}
    assert "ZeroDivisionError" in result.stderr
    html = (_batch_dir(out) / "index.html").read_text()
    assert all(f">{n}<" in html for n in ("billing-2026-09", "accounts-2026-09", "broken"))


def test_a_run_over_its_time_limit_is_stopped_with_its_kernels(tmp_path):
    psutil = pytest.importorskip("psutil")
    shutil.copytree(ROOT / "notebooks", tmp_path / "slow-notebooks")
    nb = nbformat.read(str(tmp_path / "slow-notebooks" / "1-plan.ipynb"), as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell("import time\ntime.sleep(600)"))
    nbformat.write(nb, str(tmp_path / "slow-notebooks" / "1-plan.ipynb"))
    (tmp_path / "review.yaml").write_text(
        yaml.safe_dump(
            {
                "cycle": str(SAMPLE),
                "stages": ["plan"],
                "timeout": 25,
                "notebooks": "slow-notebooks",
                "runs": [{"name": "slow", "teams": "Billing"}],
            }
        )
    )
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    started = time.perf_counter()
    result = run_batch(tmp_path / "review.yaml", out=tmp_path / "reports")
    assert time.perf_counter() - started < 60
    [outcome] = result.outcomes
    assert outcome.status == "timeout" and outcome.stage == "plan" and "25 s" in outcome.evalue, (
        outcome
    )
    assert json.loads((Path(outcome.run_dir) / "run.json").read_text())["status"] == "timeout"
    time.sleep(1)
    assert {p.pid for p in psutil.Process().children(recursive=True)} - before == set()


# --------------------------------------------------------------------------- without kernels


def _fake_run(calls: list[str]):
    """Stands in for a run's process: a successful run folder, as the real child writes it."""

    def execute(task: dict, *args, **kwargs) -> dict:
        calls.append(task["name"])
        run_dir = Path(task["run_dir"])
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        (run_dir / "run.json").write_text(json.dumps({"status": "ok", "timings": {"check": 1.0}}))
        (run_dir / "report.html").write_text("<html></html>")
        (run_dir / "fingerprint.json").write_text(json.dumps({"fingerprint": task["fingerprint"]}))
        return task.outcome("ok", report=str(run_dir / "report.html"), seconds=1.0)

    return execute


def test_unchanged_runs_are_skipped_and_changes_rerun(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE.parent, data, ignore=shutil.ignore_patterns("review.yaml"))
    review = tmp_path / "review.yaml"
    spec = {
        "cycle": "data/cycle.yaml",
        "stages": ["check"],
        "grid": {"teams": ["Billing", "Orders"], "months": ["2026-08", "2026-09"]},
    }
    review.write_text(yaml.safe_dump(spec))
    calls: list[str] = []
    monkeypatch.setattr(workers, "execute_run", _fake_run(calls))
    seen = []
    first = run_batch(
        review,
        out=tmp_path / "reports",
        on_run=lambda o, done, total: seen.append((o and o.status, done, total)),
    )
    assert sorted(calls) == [
        "billing-2026-08",
        "billing-2026-09",
        "orders-2026-08",
        "orders-2026-09",
    ]
    assert seen[0] == (None, 0, 4) and seen[-1][1:] == (4, 4)
    assert [o.status for o in first.outcomes] == ["ok"] * 4

    calls.clear()
    second = run_batch(review, out=tmp_path / "reports")
    assert calls == [] and [o.status for o in second.outcomes] == ["unchanged"] * 4

    run_batch(review, out=tmp_path / "reports", force=True)
    assert len(calls) == 4

    calls.clear()  # a changed parameter of the runs (here the stages) reruns them
    review.write_text(yaml.safe_dump({**spec, "stages": ["plan", "check"]}))
    run_batch(review, out=tmp_path / "reports")
    assert len(calls) == 4

    calls.clear()  # a changed cycle template reruns every run
    text = (data / "cycle.yaml").read_text().replace("target: 14\n", "target: 13\n")
    (data / "cycle.yaml").write_text(text)
    run_batch(review, out=tmp_path / "reports")
    assert len(calls) == 4

    calls.clear()  # a changed data file too
    (data / "agents.csv").write_text((data / "agents.csv").read_text() + "\n")
    run_batch(review, out=tmp_path / "reports")
    assert len(calls) == 4

    calls.clear()  # a run whose report went missing runs again, the others are skipped
    (Path(second.outcomes[0].run_dir) / "report.html").unlink()
    run_batch(review, out=tmp_path / "reports")
    assert calls == ["billing-2026-08"]


def test_dask_scheduler_address_sends_the_runs_to_that_cluster(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE.parent, data, ignore=shutil.ignore_patterns("review.yaml"))
    review = tmp_path / "review.yaml"
    spec = {
        "cycle": "data/cycle.yaml",
        "stages": ["check"],
        "grid": {"teams": ["Billing"], "months": ["2026-08"]},
    }
    review.write_text(yaml.safe_dump(spec))
    sent = []

    def cluster(tasks, address, collect):
        sent.append(address)
        for task in tasks:
            collect(_fake_run([])(task))

    monkeypatch.setattr(workers, "run_dask", cluster)
    monkeypatch.setattr(workers, "run_local", lambda *a: pytest.fail("ran on this machine"))
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://scheduler.example:8786")
    result = run_batch(review, out=tmp_path / "reports")
    assert sent == ["tcp://scheduler.example:8786"]
    record = json.loads((result.dir / "batch.json").read_text())
    assert record["scheduler"] == "tcp://scheduler.example:8786"
    run_batch(review, out=tmp_path / "reports", force=True, scheduler="tcp://given:8786")
    assert sent[-1] == "tcp://given:8786"  # --scheduler wins over the variable


def test_sample_review_plans_every_team_and_month(tmp_path):
    batch = plan_batch(ROOT / "data" / "sample" / "review.yaml", out=tmp_path)
    assert len(batch.tasks) == 18 and batch.workers >= 2
    names = [t["name"] for t in batch.tasks]
    assert (
        names[:3] == ["billing-2026-08", "billing-2026-09", "billing-2026-10"]
        and "onboarding-2026-10" in names
    )
    assert batch.dir == tmp_path / "faster-first-time-resolution" / "monthly-review"
    task = batch.tasks[names.index("orders-2026-09")]
    assert task["parameters"] == {"teams": "Orders"} and task["review"] == [
        "2026-09-01",
        "2026-09-30",
    ]
    assert task["run_dir"] == str(batch.dir / "orders-2026-09") and task["stages"] == [
        "plan",
        "do",
        "check",
        "act",
    ]
    derived = yaml.safe_load(Path(task["cycle"]).read_text())
    assert derived["periods"]["review"] == {"start": "2026-09-01", "end": "2026-09-30"}
    assert Path(task["cycle"]).parent == batch.dir / "cycles"
    # the batch checked the tables once: each run finds them as they were checked
    assert task["checked"] and task["checked"] == table_hashes(load_cycle(task["cycle"]))


def test_runs_from_a_grid_and_a_list():
    review = parse_review(
        {
            "cycle": "cycle.yaml",
            "grid": {
                "teams": ["Billing", ["Accounts", "Returns"]],
                "months": ["2026-08", "2026-09"],
            },
            "runs": [
                {"teams": "Billing,Orders", "review": {"start": "2026-06-01", "end": "2026-10-31"}},
                {"name": "everyone"},
            ],
        }
    )
    runs = expand_runs(review)
    assert [r.name for r in runs] == [
        "billing-2026-08",
        "billing-2026-09",
        "accounts-returns-2026-08",
        "accounts-returns-2026-09",
        "billing-orders",
        "everyone",
    ]
    assert runs[2].teams == ("Accounts", "Returns") and str(runs[1].window[1]) == "2026-09-30"
    assert runs[4].teams == ("Billing", "Orders") and str(runs[4].window[0]) == "2026-06-01"
    assert runs[5].teams == () and runs[5].window is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"cycle": "c.yaml", "grid": {"teamz": ["Billing"]}}, ["grid.teamz: unknown key 'teamz'"]),
        (
            {"cycle": "c.yaml", "grid": {"months": ["2026-13", "2026-08-01"]}},
            ["grid.months[0]: not a month: '2026-13'", "grid.months[1]: not a month"],
        ),
        (
            {"cycle": "c.yaml", "runs": [{"month": dt.date(2026, 8, 1)}]},
            ["runs[0].month: 2026-08-01 is not a month"],
        ),
        (
            {"cycle": "c.yaml", "stages": ["check", "plan"], "runs": [{}]},
            ["stages: stages must be listed once each in PDCA order"],
        ),
        (
            {"cycle": "c.yaml", "stages": ["act"], "runs": [{}]},
            ["the act stage needs the check stage"],
        ),
        ({"grid": {"teams": ["Billing"]}}, ["cycle: required key missing"]),
        ({"cycle": "c.yaml"}, ["no runs: add a grid"]),
        (
            {
                "cycle": "c.yaml",
                "runs": [
                    {
                        "name": "../up",
                        "month": "2026-08",
                        "review": {"start": "2026-08-01", "end": "2026-07-01"},
                    }
                ],
            },
            [
                "runs[0].name: not a folder-safe name",
                "runs[0].review: end 2026-07-01 is before start",
            ],
        ),
    ],
)
def test_review_file_errors_name_their_key_path(raw, expected):
    with pytest.raises(ConfigError) as err:
        parse_review(raw, source="r.yaml")
    for text in expected:
        assert text in str(err.value), str(err.value)


def test_cli_review_errors_exit_2_without_traceback(tmp_path, cli):
    bad = tmp_path / "review.yaml"
    bad.write_text(
        f"cycle: {SAMPLE}\ngrid:\n  teams: [Billing]\n  months: [2026-08]\n  colour: blue\nworkers: 0\n"
    )
    result = cli("batch", bad, "--out", tmp_path / "reports")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "grid.colour: unknown key 'colour'" in result.stderr and "workers:" in result.stderr

    bad.write_text(
        yaml.safe_dump(
            {
                "cycle": str(SAMPLE),
                "grid": {"teams": ["Billing", "Nowhere"], "months": ["2026-05", "2026-09"]},
                "runs": [
                    {"name": "billing-2026-09", "teams": "Billing"},
                    {"name": "extra", "parameters": {"colour": "blue"}},
                    {"name": "cycles"},
                ],
            }
        )
    )
    result = cli("batch", bad, "--out", tmp_path / "reports")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    text = " ".join(result.stderr.split())
    assert "grid.teams[1] × grid.months[0]: no tickets for team Nowhere" in text
    assert (
        "grid.teams[0] × grid.months[0]: the review window 2026-05-01…2026-05-31 starts before the baseline ends"
        in text
    )
    assert "runs[0]: two runs are both named 'billing-2026-09'" in text
    assert "runs[1].parameters: unknown notebook parameter colour" in text
    assert "runs[2]: the run name 'cycles' is taken" in text
    assert not (tmp_path / "reports").exists()

    result = cli("batch", tmp_path / "missing.yaml")
    assert result.returncode == 2 and "review file not found" in result.stderr


def test_scheduler_without_dask_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(CslibError, match=r"(?s)needs dask.distributed.*cslib\[dask\]"):
        workers.run_dask([{"name": "x"}], "tcp://127.0.0.1:1", lambda outcome: None)


def test_index_escapes_every_string_and_sorts_without_scripts(tmp_path):
    batch = cslib_batch.Batch(
        "b", tmp_path, tmp_path / "review.yaml", SAMPLE, "Title <b>bold</b>", [], 1
    )
    outcomes = [
        RunOutcome(
            "a-run",
            "failed",
            str(tmp_path / "a-run"),
            teams=["<script>alert(1)</script>"],
            review=["2026-08-01", "2026-08-31"],
            stage="do",
            cell=3,
            ename="ValueError",
            evalue="bad <img src=x onerror=alert(1)>",
            notebook=str(tmp_path / "a-run" / "2-do.ipynb"),
            seconds=12.0,
        ),
        RunOutcome(
            "b-run",
            "timeout",
            str(tmp_path / "b-run"),
            review=["2026-09-01", "2026-09-30"],
            stage="check",
            ename="Timeout",
            evalue="too long",
            seconds=99.0,
        ),
    ]
    (tmp_path / "a-run").mkdir()
    (tmp_path / "a-run" / "2-do.ipynb").write_text("{}")
    html = write_index(batch, outcomes).read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "Title &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script" not in html.lower() and "http" not in html.lower()
    assert 'href="a-run/2-do.ipynb"' in html
    # every column sorts both ways; the default (file order) comes last so CSS :target can hide it
    views = re.findall(r'<section class="view( default)?" id="([^"]+)"', html)
    assert (
        views[-1] == (" default", "first-order")
        and ("", "by-c7-desc") in views
        and ("", "by-c8-asc") not in views
    )
    time_desc = html[html.index('id="by-c7-desc"') :]
    assert time_desc.index(">b-run<") < time_desc.index(">a-run<")
    # a run of all teams holds roll-out teams: listed before a comparison team's run
    first = html[html.index('id="first-order"') :]
    assert first.index(">b-run<") < first.index(">a-run<")
    assert "<td>roll-out and comparison teams</td>" in first and "<td>comparison team</td>" in first


def test_a_remote_worker_gets_the_pseudonym_key_this_machine_uses(tmp_path, monkeypatch):
    """A Dask worker elsewhere has no installation secret of ours: the task brings the key."""
    from cslib.data import privacy

    monkeypatch.delenv("CSLIB_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("CSLIB_CONFIG_DIR", str(tmp_path / "settings"))
    task = plan_batch(ROOT / "data" / "sample" / "review.yaml", out=tmp_path).tasks[0]
    env = workers._worker_environment(task)
    assert env == {"CSLIB_PSEUDONYM_KEY": privacy.installation_key().decode()}
    monkeypatch.setenv("CSLIB_PSEUDONYM_KEY", "from-the-environment")
    assert workers._worker_environment(task) == {"CSLIB_PSEUDONYM_KEY": "from-the-environment"}
