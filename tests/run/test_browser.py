"""The reports in a real browser: headless Debian Chromium driven by Playwright.

Both real-data cycles (ServiceNow incidents, Baltimore 311) and a sample cycle
with a hostile customer comment run end to end; each report must render with no
console errors, no network requests, every image loaded, and the comment's
script never executed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cslib.run.runner import run_cycle

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
    seen["pwned"] = page.evaluate("window.__pwned === undefined ? null : window.__pwned")
    seen["headings"] = page.evaluate(
        "Array.from(document.querySelectorAll('h2')).map(h => h.textContent)"
    )
    seen["text"] = page.inner_text("body")
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
    assert "CSAT (top-2-box)\tcsat\tno\tcsat" in seen["text"]


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
    assert "<script>window.__pwned = 1</script>" in seen["text"]  # shown as text
    assert seen["console"] == [] and seen["requests"] == []
