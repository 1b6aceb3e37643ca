"""Benchmark: how the demo's shared report reads, measured in headless Chromium.

Runs the sample cycle (or takes a run folder already built), opens its
``report.html`` at 1280 px wide with every appendix closed and prints what a reader
meets: the page's height, the file's size, the visible words and tokens, the
tables shown and those wider than the content column, missing-value markers,
booleans, scientific notation and artefact column names in the visible text,
and whether the summary's figures are the Check's and the Act's. It saves a
screenshot of the first screen beside the report (``first-screen.png``).

    python benchmarks/report_bench.py                     # runs the demo cycle first
    python benchmarks/report_bench.py --run RUN_DIR       # measures a run folder already built
    python benchmarks/report_bench.py --extras            # also a comparison team, a batch index
                                                          # and a report of Run All in JupyterLab

Aim: at most 15,000 px tall and 1.5 MB, no table wider than the column, none of
the internals in the visible text, every summary figure equal to the artefacts'.
Needs Debian's ``chromium`` and the ``playwright`` package.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cslib.cycle import artefacts
from cslib.display import INTERNALS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
WIDTH, SCREEN = 1280, 900
LAYOUT = """() => {
  const column = document.body.getBoundingClientRect();
  const tables = [...document.querySelectorAll('table')];
  const shown = tables.filter(t => !t.closest('details:not([open])'));
  return {
    height: document.documentElement.scrollHeight,
    tables: shown.length,
    appendix_tables: tables.length - shown.length,
    widest: Math.max(0, ...shown.map(t => t.rows.length ? t.rows[0].cells.length : 0)),
    overflowing: shown.filter(t => t.getBoundingClientRect().right > column.right + 1).length,
    images: document.images.length,
    appendices: document.querySelectorAll('details').length,
  }
}"""


def browser():
    """Debian's Chromium, driven by Playwright (the context manager and the browser)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("Debian's chromium is not installed")
    manager = sync_playwright().start()
    return manager, manager.chromium.launch(executable_path=chromium, args=["--no-sandbox"])


def words(text: str) -> tuple[int, int]:
    """Visible words (runs of non-space) and tokens (words and punctuation marks apart)."""
    return len(text.split()), len(re.findall(r"\w+|[^\w\s]", text))


def summary_mismatches(run_dir: Path, summary: str, act: str) -> list[str]:
    """The summary figures (each objective's baseline, actual, target and change, the money)
    that are not the artefacts' at display precision."""
    from cslib.display import with_unit
    from cslib.stages._shared import change_text
    from cslib.stages.summary import money_sentence, summarise

    missing = []
    for row in artefacts.load(run_dir, "check", "verdicts").to_dict("records"):
        figures = [with_unit(row[k], row["unit"]) for k in ("baseline", "actual", "target")]
        figures.append(change_text(row["change"], row["change_ci_low"], row["change_ci_high"]))
        line = next((ln for ln in summary.splitlines() if f"{row['objective']} " in ln), "")
        missing += [f"{row['objective']}: {f}" for f in figures if f not in line]
    result = summarise(run_dir)
    if result is not None and result.money is not None:
        said = money_sentence(result.money)
        missing += [
            f"money in the {w}" for w, t in (("summary", summary), ("Act", act)) if said not in t
        ]
    return missing


def measure(page_factory, report: Path, shot: Path | None = None) -> dict:
    """The report as read at ``WIDTH`` px with its appendices closed."""
    page = page_factory(viewport={"width": WIDTH, "height": SCREEN})
    page.goto(report.as_uri(), wait_until="load")
    found = page.evaluate(LAYOUT)
    text = page.inner_text("body")
    found["words"], found["tokens"] = words(text)
    found["first_screen_words"] = words(
        page.evaluate(
            f"""() => [...document.body.querySelectorAll('*')]
              .filter(e => e.children.length === 0 && e.getBoundingClientRect().top < {SCREEN})
              .map(e => e.innerText || '').join(' ')"""
        )
    )[0]
    found["internals"] = {k: len(re.findall(p, text)) for k, p in INTERNALS.items()}
    found["leaked"] = sorted(
        c
        for c in artefacts.table_columns(report.parent)
        if "_" in c and re.search(rf"\b{re.escape(c)}\b", text)
    )
    found["abandon"] = text.lower().count("abandon")
    found["text"] = text
    for part in ("summary", "act"):  # figures as the formatter writes them (units after a space)
        shown = page.inner_text(f"#{part}") if page.query_selector(f"#{part}") else ""
        found[part] = shown.replace("\xa0", " ")
    if shot is not None:
        page.screenshot(path=str(shot))
    page.close()
    found["bytes"] = report.stat().st_size
    return found


def show(name: str, found: dict) -> None:
    print(f"{name}")
    print(f"  height at {WIDTH} px, appendices closed: {found['height']:,} px")
    print(f"  size: {found['bytes']:,} bytes")
    print(f"  visible words: {found['words']:,}; tokens: {found['tokens']:,}")
    print(f"  words on the first screen ({SCREEN} px): {found['first_screen_words']:,}")
    print(
        f"  tables shown: {found['tables']} (widest {found['widest']} columns), in appendices: "
        f"{found['appendix_tables']}; appendices: {found['appendices']}; images: {found['images']}"
    )
    print(f"  tables wider than the column: {found['overflowing']}")
    print(f"  internals in the visible text: {found['internals']}")
    print(f"  artefact column names in the visible text: {found['leaked'] or 'none'}")
    print(f"  'abandon' in the visible text: {found['abandon']}")


def run_demo(out: Path) -> Path:
    from cslib.run.runner import run_cycle

    return run_cycle(SAMPLE / "cycle.yaml", out=out).report


def comparison_team(page_factory, out: Path) -> None:
    """A Check-only run of Accounts, a team that did not adopt the change."""
    from cslib.run.runner import run_cycle

    report = run_cycle(
        SAMPLE / "cycle.yaml", out=out, stages=["check"], parameters={"teams": "Accounts"}
    ).report
    found = measure(page_factory, report)
    show("One-team run of a comparison team (Accounts, Check only)", found)
    print(f"  title: {found['text'].splitlines()[0]}")


def batch_index(out: Path) -> None:
    """A Check-only batch of one roll-out and one comparison team: how the index marks each."""
    import yaml

    from cslib.run.batch import run_batch

    out.mkdir(parents=True)
    review = out / "review.yaml"
    review.write_text(
        yaml.safe_dump(
            {
                "name": "bench",
                "cycle": str(SAMPLE / "cycle.yaml"),
                "stages": ["check"],
                "workers": 1,
                "grid": {"teams": ["Billing", "Accounts"], "months": ["2026-09"]},
            }
        ),
        encoding="utf-8",
    )
    result = run_batch(review, out=out / "reports")
    html = result.index.read_text(encoding="utf-8")
    first = html[html.index('id="first-order"') :]
    print("Batch index (Billing and Accounts, September, Check only)")
    for name in ("billing-2026-09", "accounts-2026-09"):
        row = re.search(rf"<td>{name}</td>(.*?)</tr>", first, flags=re.S)
        cells = re.findall(r"<td>([^<]*)</td>", row.group(1)) if row else []
        group = next((c for c in cells if c.endswith(("team", "teams"))), "not marked")
        print(
            f"  {name}: {group}; 'abandon' in its row: {'abandon' in (row.group(1) if row else '')}"
        )


def interactive(page_factory, out: Path) -> None:
    """Run All of the four notebooks in a copy of the checkout, then ``cslib report`` on the
    folder they saved into, as a JupyterLab user would."""
    import nbformat
    from nbclient import NotebookClient

    checkout = out / "checkout"
    shutil.copytree(ROOT / "cslib", checkout / "cslib")
    shutil.copytree(ROOT / "notebooks", checkout / "notebooks")
    shutil.copytree(SAMPLE, checkout / "data" / "sample")
    env = {**__import__("os").environ, "PYTHONPATH": str(checkout)}
    for path in sorted((checkout / "notebooks").glob("[1-4]-*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        client = NotebookClient(nb, timeout=900, resources={"metadata": {"path": str(path.parent)}})
        client.km_kwargs = {"env": env}  # the kernel imports the copy's cslib
        client.execute()
        nbformat.write(nb, str(path))
    run = checkout / "reports" / "sample" / "interactive"
    done = subprocess.run(
        [sys.executable, "-m", "cslib", "report", str(run)],
        capture_output=True,
        text=True,
        cwd=checkout,
        env=env,
    )
    print(f"`cslib report reports/sample/interactive` after Run All: exit {done.returncode}")
    if done.returncode == 0:
        report = run / "report.html"
        html = report.read_text(encoding="utf-8")
        stages = [s for s in ("plan", "do", "check", "act") if f'id="{s}"' in html]
        found = measure(page_factory, report)
        print(f"  stages in the report: {', '.join(stages)}")
        print(f"  marked interactive: {'Built from an interactive session' in html}")
        print(
            f"  height {found['height']:,} px, {found['bytes']:,} bytes, {found['words']:,} words"
        )
    else:
        print(done.stderr[-2000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--run", type=Path, help="a run folder already built (default: run the demo)"
    )
    parser.add_argument(
        "--extras", action="store_true", help="also comparison team, batch, JupyterLab"
    )
    args = parser.parse_args()
    manager, chromium = browser()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            report = (args.run / "report.html") if args.run else run_demo(Path(tmp) / "demo")
            shot = report.parent / "first-screen.png"
            found = measure(chromium.new_page, report, shot)
            show(f"Demo report: {report}", found)
            wrong = summary_mismatches(report.parent, found["summary"], found["act"])
            print(f"  summary figures not equal to the artefacts': {wrong or 'none'}")
            print(f"  first screen: {shot}")
            if args.extras:
                comparison_team(chromium.new_page, Path(tmp) / "comparison")
                batch_index(Path(tmp) / "batch")
                interactive(chromium.new_page, Path(tmp) / "lab")
    finally:
        chromium.close()
        manager.stop()


if __name__ == "__main__":
    main()
