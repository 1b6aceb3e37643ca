"""The reports in a real browser: headless Debian Chromium driven by Playwright.

Both real-data cycles (ServiceNow incidents, Baltimore 311) and a sample cycle
with a hostile customer comment run end to end; each report must render with no
console errors, no network requests, every image loaded, and the comment's
script never executed. The demo's report must read as a report: the decision on
the first screen, short enough to read (appendices closed), no table wider than
the page, and no internals (missing-value markers, booleans, scientific
notation, the artefacts' column names) in its visible text.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cslib.cycle import artefacts
from cslib.display import INTERNALS, fmt, with_unit
from cslib.run.runner import run_cycle
from cslib.stages._shared import change_text
from cslib.stages.summary import money_sentence, summarise, teams_of

ROOT = Path(__file__).resolve().parents[2]
REALDATA = ROOT.parent / "shared" / "realdata"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: the width the demo report is read at, and the most it may scroll then (appendices closed)
WIDTH, MAX_HEIGHT, MAX_BYTES = 1280, 15_000, 1_500_000
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Waited days for a reply.'

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
    ),
]


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def visit(browser, report: Path) -> dict:
    """Open a report as a user would (file://) and record what happens."""
    page = browser.new_page()
    seen = {"console": [], "requests": [], "errors": []}
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on(
        "request",
        lambda r: (
            seen["requests"].append(r.url) if not r.url.startswith(("file:", "data:")) else None
        ),
    )
    page.goto(report.as_uri(), wait_until="load")
    seen["images"] = page.evaluate(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth])"
    )
    seen["headings"] = page.evaluate(
        "Array.from(document.querySelectorAll('h2')).map(h => h.textContent)"
    )
    seen["text"] = page.inner_text("body")
    seen["appendix"] = page.evaluate(
        "Array.from(document.querySelectorAll('details')).map(d => { d.open = true; return d.innerText }).join('\\n')"
    )
    # every appendix is open by now: nothing in them may have run either
    seen["pwned"] = page.evaluate("window.__pwned === undefined ? null : window.__pwned")
    page.close()
    return seen


def assert_clean(seen: dict) -> None:
    assert seen["console"] == [] and seen["errors"] == [], seen["console"] + seen["errors"]
    assert seen["requests"] == [], seen["requests"]
    assert seen["images"] and all(done and width > 0 for done, width in seen["images"])
    assert "Executive summary" in seen["headings"]


@pytest.mark.parametrize("example", ["servicenow", "baltimore311"])
def test_real_data_cycle_report_renders(browser, tmp_path, example):
    if not REALDATA.exists():
        pytest.skip("../shared/realdata is not beside the project")
    result = run_cycle(ROOT / "data" / "examples" / f"{example}.yaml", out=tmp_path)
    seen = visit(browser, result.report)
    assert_clean(seen)
    assert "Scorecard" in seen["headings"] and "Decisions" in seen["headings"]
    # KPIs the export cannot give are said to be unavailable, never drawn as zero
    assert "are not available and appear nowhere as numbers" in seen["text"]
    csat = next(ln for ln in seen["appendix"].splitlines() if ln.startswith("CSAT (top-2-box)\t"))
    assert csat.split("\t")[1] == "no" and csat.endswith("\tcsat")  # available: no; missing: csat


def test_injected_comment_is_shown_not_executed(browser, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    feedback = pd.read_csv(data / "feedback.csv")
    # the most common complaint of the adopting teams after the change, so it is the representative verbatim
    after = feedback.index[
        (pd.to_datetime(feedback["date"]) > "2026-07-01")
        & feedback["team"].isin(["Billing", "Technical"])
        & (feedback["score"] <= 2)
    ]
    feedback.loc[after, "text"] = HOSTILE
    feedback.to_csv(data / "feedback.csv", index=False)
    result = run_cycle(data / "cycle.yaml", out=tmp_path / "reports", stages=["check"])
    seen = visit(browser, result.report)
    assert seen["pwned"] is None
    assert "<script>window.__pwned = 1</script>" in seen["appendix"]  # shown as text (on demand)
    assert seen["console"] == [] and seen["requests"] == []


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> Path:
    return run_cycle(
        ROOT / "data" / "sample" / "cycle.yaml", out=tmp_path_factory.mktemp("demo")
    ).report


def layout(browser, report: Path) -> dict:
    """The report as read at ``WIDTH`` px with every appendix closed."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    page.goto(report.as_uri(), wait_until="load")
    found = page.evaluate(
        """() => {
        const column = document.body.getBoundingClientRect();
        const shown = [...document.querySelectorAll('table')].filter(t => !t.closest('details:not([open])'));
        const decision = document.querySelector('.decision');
        return {
          height: document.documentElement.scrollHeight,
          overflowing: shown.filter(t => t.getBoundingClientRect().right > column.right + 1).map(t => t.innerText.slice(0, 60)),
          open: document.querySelectorAll('details[open]').length,
          decision_top: decision ? decision.getBoundingClientRect().top : null,
          decision: decision ? decision.innerText : '',
        }
    }"""
    )
    found["text"] = page.inner_text("body")
    page.close()
    return found


def test_the_demo_report_reads_as_a_report(browser, demo_report):
    seen = layout(browser, demo_report)
    assert seen["height"] <= MAX_HEIGHT, seen["height"]
    assert demo_report.stat().st_size <= MAX_BYTES
    assert seen["overflowing"] == [] and seen["open"] == 0
    # the decision, why, and the money are on the first screen
    assert seen["decision_top"] is not None and seen["decision_top"] < 900
    assert re.search(r"Decision: (adopt|adapt|abandon|wait|not adopted here)", seen["decision"])
    assert "net benefit" in seen["decision"] and "simulations" in seen["decision"]
    text = seen["text"]
    found = {name: re.findall(pattern, text) for name, pattern in INTERNALS.items()}
    assert not any(found.values()), found
    leaked = {
        c
        for c in artefacts.table_columns(demo_report.parent)
        if "_" in c and re.search(rf"\b{re.escape(c)}\b", text)
    }
    assert leaked == set(), leaked


def test_the_demo_report_links_its_pages_and_draft(browser, demo_report):
    run = demo_report.parent
    html = demo_report.read_text(encoding="utf-8")
    cycle_boxes = re.findall(r'class="cslib-card"><h4>(?:Plan|Do|Check|Act) — ', html)
    assert len(cycle_boxes) == 1  # the cycle box once
    assert 'href="next-cycle.yaml"' in html and (run / "next-cycle.yaml").is_file()
    assert str(run.resolve()) not in (run / "next-cycle.yaml").read_text(encoding="utf-8")
    for stage in ("plan", "do", "check", "act"):
        page = artefacts.page_path(run, stage).read_text(encoding="utf-8")
        assert 'href="report.html"' in page
    # no notebook status lines ("Plan saved in …")
    assert not re.search(
        r"\b(?:Plan|Do stage|Check|Act) saved\b", layout(browser, demo_report)["text"]
    )


def test_a_comparison_team_report_never_says_abandon(browser, tmp_path):
    """A Check-only run of a comparison team: its title and decision say it did not adopt the
    change, and it reads as cleanly as the demo's."""
    report = run_cycle(
        ROOT / "data" / "sample" / "cycle.yaml",
        out=tmp_path,
        stages=["check"],
        parameters={"teams": "Accounts"},
    ).report
    seen = layout(browser, report)
    assert seen["decision"].startswith("Decision: not adopted here: comparison group")
    assert seen["text"].startswith(
        "Faster first-time resolution: Accounts (comparison group: did not adopt the change)"
    )
    assert "abandon" not in seen["text"].lower()
    assert seen["overflowing"] == [] and seen["open"] == 0
    found = {name: re.findall(pattern, seen["text"]) for name, pattern in INTERNALS.items()}
    assert not any(found.values()), found


def test_the_summary_the_check_and_the_act_show_the_artefacts_figures(browser, demo_report):
    """One number, one source, one formatter: each objective's figures in the summary line, the
    Check's sentence and the scorecard table, and the money in the summary and the Act, read back
    from the artefacts at display precision."""
    run = demo_report.parent
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    page.goto(demo_report.as_uri(), wait_until="load")
    summary, check, act = (
        page.inner_text(f"#{part}").replace("\xa0", " ") for part in ("summary", "check", "act")
    )
    page.close()
    verdicts = artefacts.load(run, "check", "verdicts")
    for row in verdicts.to_dict("records"):
        figures = [with_unit(row[k], row["unit"]) for k in ("baseline", "actual", "target")]
        figures.append(change_text(row["change"], row["change_ci_low"], row["change_ci_high"]))
        line = next(
            ln for ln in summary.splitlines() if f"{row['objective']} {row['measure']}:" in ln
        )
        sentence = next(
            ln
            for ln in check.splitlines()
            if f"{row['objective']} — {row['measure']}. {row['measure']} in "
            f"{', '.join(teams_of(run)[0])} went" in ln
        )
        table = next(
            ln
            for ln in check.splitlines()
            if ln.startswith(f"{row['objective']} {row['measure']}\t")
        )
        for shown in figures:
            assert shown in line and shown in sentence and shown in table, (
                shown,
                line,
                sentence,
                table,
            )
    money = summarise(run).money
    said = money_sentence(money)
    assert said in summary and said in act
    assert fmt(money.net, money.currency) in said and fmt(money.monthly[0], money.currency) in said
