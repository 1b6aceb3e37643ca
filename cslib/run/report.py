"""The shareable report: self-contained HTML that opens offline and shows no code.

Each executed notebook is converted in-process with nbconvert's HTMLExporter
(inputs and tagged cells removed, images embedded as data URIs) into a page of
its own, and all four go into ``report.html`` after an executive summary — the
objectives scorecard with baseline, target, actual, verdict and decision — and a
table of contents. The page has its own stylesheet and no scripts or external
URLs. Every string from the cycle or the data is escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import jinja2
import nbformat
import pandas as pd
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from cslib.cycle import artefacts
from cslib.display import table_html
from cslib.run.notebooks import NOTEBOOKS

STAGE_TITLES = {"plan": "Plan", "do": "Do", "check": "Check", "act": "Act"}

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;max-width:1100px;margin:0 auto;padding:24px 32px;line-height:1.45}
h1{font-size:1.9em;margin-bottom:.2em} h2{border-bottom:2px solid #e3e3e3;padding-bottom:.2em;margin-top:1.8em} h4{margin:1em 0 .3em}
nav.toc{background:#f6f8fa;border:1px solid #e3e3e3;padding:10px 18px;margin:18px 0} nav.toc ul{margin:4px 0;padding-left:20px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:.88em} th,td{border-bottom:1px solid #e5e5e5;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa} img{max-width:100%;height:auto} .meta{color:#666;font-size:.85em}
.cslib-card{border:1px solid #dde3ea;border-radius:6px;padding:8px 14px;margin:8px 0;background:#fbfcfd}
.cslib-caption{color:#555;font-size:.9em;margin-bottom:2px} .improved{color:#0b7a3e;font-weight:600} .worsened{color:#b3261e;font-weight:600}
.no-detectable-change{color:#8a6d00;font-weight:600} section.stage{margin-top:2.5em} .jp-InputPrompt,.jp-OutputPrompt,.prompt{display:none}
pre{background:#f6f8fa;padding:8px;overflow-x:auto}
"""

PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title><style>{{ css | safe }}</style></head>
<body>
<h1>{{ title }}</h1>
<p class="meta">{{ subtitle }}</p>
{% if summary is not none %}<section id="summary"><h2>Executive summary</h2>{{ summary | safe }}</section>{% endif %}
{% if toc %}<nav class="toc"><strong>Contents</strong><ul>{% for stage in toc %}<li><a href="#{{ stage.id }}">{{ stage.title }}</a><ul>{% for h in stage.headings %}<li><a href="#{{ h.id }}">{{ h.text }}</a></li>{% endfor %}</ul></li>{% endfor %}</ul></nav>{% endif %}
{% for stage in stages %}<section class="stage" id="{{ stage.id }}">{{ stage.body | safe }}</section>{% endfor %}
<p class="meta">{{ footer }}</p>
</body></html>
"""
)


def render_notebook(path: str | Path, *, anchor: str = "") -> tuple[str, list[dict]]:
    """The body HTML of an executed notebook (no inputs, no tagged cells) and its section headings."""
    nb = nbformat.read(str(path), as_version=4)
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags={"remove-cell", "parameters", "injected-parameters"},
            remove_input_tags={"remove-input"},
            enabled=True,
        ),
        enabled=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    body = _scrub(body)
    headings = []

    def prefix(match: re.Match) -> str:
        ident = f"{anchor}-{match.group(2)}" if anchor else match.group(2)
        if match.group(1) == "2":
            text = re.sub(r"<[^>]+>", "", match.group(3)).replace("¶", "").strip()
            headings.append({"id": ident, "text": text})
        return f'<h{match.group(1)} id="{ident}">{match.group(3)}'

    body = re.sub(r'<h([1-3]) id="([^"]+)">(.*?)(?=</h\1>)', prefix, body, flags=re.S)
    body = re.sub(r'<a class="anchor-link" href="#[^"]*">¶</a>', "", body)
    return body, headings


def _scrub(body: str) -> str:
    """Remove anything that would reach out of the page: scripts and external references."""
    body = re.sub(r"<script\b[^>]*>.*?</script>", "", body, flags=re.S | re.I)
    body = re.sub(r"<link\b[^>]*>", "", body, flags=re.I)
    return body


def summary_html(run_dir: Path) -> str | None:
    """The objectives scorecard from the Check (and Act) artefacts, or None when Check did not run."""
    if not artefacts.exists(run_dir, "check", "verdicts"):
        return None
    v = artefacts.load(run_dir, "check", "verdicts")
    if artefacts.exists(run_dir, "act", "decisions"):
        v = v.merge(
            artefacts.load(run_dir, "act", "decisions")[["objective", "decision"]],
            on="objective",
            how="left",
        )
    cols = [
        "objective",
        "measure",
        "baseline",
        "target",
        "actual",
        "verdict",
        "change",
        "target_met",
        "sustained",
    ] + (["decision"] if "decision" in v else [])
    shown = v[cols].copy()
    shown["change"] = [
        f"{c:+.0%} ({lo:+.0%} to {hi:+.0%})" if pd.notna(c) else "–"
        for c, lo, hi in zip(v["change"], v["change_ci_low"], v["change_ci_high"], strict=True)
    ]
    shown["target_met"] = shown["target_met"].map({True: "yes", False: "no"}).fillna("–")
    shown["sustained"] = shown["sustained"].map({True: "yes", False: "no"}).fillna("–")
    table = table_html(shown)
    for outcome in ("improved", "worsened", "no detectable change"):
        table = table.replace(
            f"<td>{outcome}</td>", f'<td class="{outcome.replace(" ", "-")}">{outcome}</td>'
        )
    from cslib.display import esc

    sentences = "".join(
        f"<li><strong>{esc(r.objective)}</strong>: {esc(r.sentence)}</li>" for r in v.itertuples()
    )
    return f"{table}<ul>{sentences}</ul><p class='meta'>Change: the estimated effect relative to the level expected without the change, with its 95 % interval; methods are named in the Check.</p>"


def build_report(run_dir: str | Path) -> Path:
    """Render ``<stage>.html`` for each executed stage and the combined ``report.html``; returns its path."""
    run_dir = Path(run_dir)
    manifest = artefacts.read_manifest(run_dir) if artefacts.manifest_path(run_dir).exists() else {}
    title = manifest.get("title", "Improvement cycle")
    when = dt.datetime.now().strftime("%d %b %Y %H:%M")
    footer = _footer(manifest, when)
    stages = []
    for stage, name in NOTEBOOKS.items():
        path = artefacts.notebook_path(run_dir, name)
        if not path.exists():
            continue
        body, headings = render_notebook(path, anchor=stage)
        stages.append(
            {"id": stage, "title": STAGE_TITLES[stage], "headings": headings, "body": body}
        )
        page = PAGE.render(
            title=f"{title} — {STAGE_TITLES[stage]}",
            subtitle=f"{STAGE_TITLES[stage]} stage · run {manifest.get('run_id', run_dir.name)}",
            css=CSS,
            summary=None,
            toc=[],
            stages=[stages[-1]],
            footer=footer,
        )
        artefacts.page_path(run_dir, stage).write_text(page, encoding="utf-8")
    page = PAGE.render(
        title=title,
        subtitle=f"Improvement cycle report · run {manifest.get('run_id', run_dir.name)} · {when}",
        css=CSS,
        summary=summary_html(run_dir),
        toc=stages,
        stages=stages,
        footer=footer,
    )
    out = artefacts.report_path(run_dir)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)  # never a half-written report
    return out


def _footer(manifest: dict, when: str) -> str:
    versions = manifest.get("versions", {})
    inputs = manifest.get("inputs", {})
    parts = [f"Generated {when} by cslib {versions.get('cslib', '')}"]
    if inputs:
        parts.append("inputs: " + ", ".join(f"{k} {v['sha256'][:10]}" for k, v in inputs.items()))
    if manifest.get("parameters"):
        parts.append(
            "parameters: " + ", ".join(f"{k}={v}" for k, v in manifest["parameters"].items())
        )
    return " · ".join(parts)
