"""The shareable report: self-contained HTML that opens offline and shows no code.

Each executed notebook is converted in-process with nbconvert's HTMLExporter
(inputs and tagged cells removed, images embedded as data URIs) into a page of
its own, and all four go into ``report.html`` after the decision on the change
(see :mod:`cslib.stages.decision`), one line per objective and the money, then
a table of contents. The cycle box is shown once; links between stage pages
become links within the combined page. The page has its own stylesheet (with a
print stylesheet: a page per stage, no cut table rows) and no scripts or
external URLs. Every string from the cycle or the data is escaped, and the notebooks' own
output passes an HTML sanitiser (nh3) that keeps text, tables and embedded figures only.

A run made in JupyterLab (the shipped notebooks with ``run_dir`` pointing at the
run folder, run and saved there) is built from those notebooks and marked as
built from an interactive session.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import jinja2
import nbformat
import nh3
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import TagRemovePreprocessor

from cslib.cycle import artefacts
from cslib.cycle.workbook import default_run_dir
from cslib.display import badge, esc, units_kept
from cslib.errors import CslibError
from cslib.run.notebooks import NOTEBOOKS, notebooks_dir
from cslib.run.page_style import CSS
from cslib.stages.decision import RULES
from cslib.stages.summary import RunSummary, money_sentence, summarise, teams_of

log = logging.getLogger(__name__)

STAGE_TITLES = {"plan": "Plan", "do": "Do", "check": "Check", "act": "Act"}


PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title><style>{{ css | safe }}</style></head>
<body>
<h1>{{ title }}</h1>
<p class="meta">{{ subtitle }}</p>
{% if interactive %}<p class="interactive">Built from an interactive session: the notebooks as last saved in JupyterLab.</p>{% endif %}
{% if pages %}<nav class="pages">{% for page in pages %}{% if page.href %}<a href="{{ page.href }}">{{ page.title }}</a>{% else %}<strong>{{ page.title }}</strong> {% endif %}{% endfor %}</nav>{% endif %}
{% if summary is not none %}<section id="summary"><h2>Executive summary</h2>{{ summary | safe }}</section>{% endif %}
{% if toc %}<nav class="toc"><strong>Contents</strong><ul>{% for stage in toc %}<li><a href="#{{ stage.id }}"><strong>{{ stage.title }}</strong></a>: {% for h in stage.headings %}<a href="#{{ h.id }}">{{ h.text }}</a>{% if not loop.last %} · {% endif %}{% endfor %}</li>{% endfor %}</ul></nav>{% endif %}
{% for stage in stages %}<section class="stage" id="{{ stage.id }}">{{ stage.body | safe }}</section>{% endfor %}
<p class="meta">{{ footer }}</p>
</body></html>
"""
)
#: the cycle box each notebook shows first: kept once, in the first stage of the combined report
CYCLE_BOX = re.compile(
    r'<div class="cslib-card"><h4>(?:Plan|Do|Check|Act) — .*?</table></div>', re.S
)
#: a link to another stage's page, made a link within the combined report
STAGE_LINK = re.compile(r'href="(?:plan|do|check|act)\.html#')


class _BodyExporter(HTMLExporter):
    """nbconvert's HTML exporter without its last pass over the page with BeautifulSoup (about
    a second a notebook): that pass marks cells focusable, which :func:`_scrub` undoes, and gives
    images without alt text a placeholder, which :data:`NO_ALT` gives them here."""

    def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[override]
        info = nb.metadata.get("language_info", {})
        lexer = info.get("pygments_lexer", info.get("name"))
        highlight = self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
        )
        resources = self._init_resources(resources)
        data_types = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight)
        self.register_filter("filter_data_type", data_types)
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


#: an image without alt text, and the placeholder nbconvert gives it
NO_ALT = (
    re.compile(r"<img(?![^>]*\balt=)"),
    '<img alt="No description has been provided for this image"',
)


@functools.cache
def _exporter() -> HTMLExporter:
    """One exporter per process: its templates are compiled once for every notebook."""
    exporter = _BodyExporter(
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
    return exporter


def render_notebook(path: str | Path, *, anchor: str = "") -> tuple[str, list[dict]]:
    """The body HTML of an executed notebook (no inputs, no tagged cells) and its section headings."""
    nb = nbformat.read(str(path), as_version=4)
    body, _ = _exporter().from_notebook_node(nb)
    body = _scrub(NO_ALT[0].sub(NO_ALT[1], body))
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


#: what a notebook's output may keep on a page: text, tables, details, figures as data URIs
SAFE_TAGS = set(
    """a b br caption code col colgroup dd details div dl dt em figcaption figure h1 h2 h3 h4
    h5 h6 hr i img li ol p pre small span strong sub summary sup table tbody td tfoot th
    thead tr u ul svg title circle text""".split()  # noqa: SIM905
)
SAFE_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "tr": {"style"},
    "details": {"open"},
    "svg": {"width", "height", "viewbox", "role", "aria-label"},
    "circle": {"cx", "cy", "r", "fill"},
    "text": {"x", "y", "font-size", "font-weight", "text-anchor", "fill"},
}
#: a URL that leaves the page (``http:``, ``javascript:``, ``//host`` …)
LEAVES_THE_PAGE = re.compile(r"^\s*([a-z][a-z0-9+.-]*:|//)", re.I)
#: the one style a table row keeps: pandas' alignment of its cells
ALIGNMENT = re.compile(r"^\s*text-align\s*:\s*(left|right|center|justify|start|end)\s*$", re.I)


def _kept(tag: str, attribute: str, value: str) -> str | None:
    """Links stay within the report; images are embedded data (``data:image/…``); a style
    keeps only its text alignment.

    >>> _kept("tr", "style", "text-align: right; background: url(https://x)")
    'text-align: right'
    >>> _kept("tr", "style", "color: red") is None
    True
    """
    if attribute == "href" and LEAVES_THE_PAGE.match(value):
        return None
    if attribute == "src" and not value.startswith("data:image/"):
        return None
    if attribute == "style":
        aligned = [d.strip() for d in value.split(";") if ALIGNMENT.match(d)]
        return "; ".join(aligned) or None
    return value


def _scrub(body: str) -> str:
    """The notebook's HTML through an HTML sanitiser (nh3): no scripts, event handlers, frames,
    forms, styles or references out of the page; tables, figures and text stay.

    >>> _scrub('<p onclick="x()">a<script>alert(1)</script><img src="http://x/y.png"></p>')
    '<p>a<img></p>'
    """
    return nh3.clean(
        body,
        tags=SAFE_TAGS,
        attributes=SAFE_ATTRIBUTES,
        attribute_filter=_kept,
        url_schemes={"data"},
        link_rel=None,
    )


def summary_html(run_dir: Path) -> str | None:
    """The decision first, then one line per objective and the money; None when the Check did not run."""
    found = summarise(run_dir)
    return None if found is None else decision_html(found)


def decision_html(found: RunSummary) -> str:
    """The first screen: the decision for the change and why, each objective in one line, the dual benefit."""
    d = found.decision
    slug = d.decision.split(":")[0].split()[0]
    basis = (
        "The decision combines each objective's verdict, target and sustainment with the dual benefit"
        if found.money is not None
        else "The business side was not valued: the decision rests on the objectives alone"
    )
    if not found.acted:
        basis += " (the Act stage has not run)"
    money = f"<p>{esc(money_sentence(found.money))}</p>" if found.money is not None else ""
    lines = "".join(
        f"<li>{objective_html(line, status)}</li>"
        for line, status in zip(found.lines, found.status, strict=True)
    )
    return (
        f'<div class="decision decision-{esc(slug)}"><p class="verdict">Decision: {esc(d.decision)}</p>'
        f"<p>Why: {esc(d.why)} (rule {d.rule} of the decision rules).</p>{_rules_html(d.rule)}"
        f'{money}<p class="meta">{esc(basis)}.</p></div>'
        f"<h4>The objectives</h4><ul>{lines}</ul>"
        f'<p class="meta">Baseline and actual: the KPI over the baseline and the review period in {esc(found.who)}. '
        "The change is the estimated effect relative to the level expected without the change, with its 95 % interval; "
        'the method is named in the <a href="#check">Check</a>.</p>'
    )


def _rules_html(applied: int) -> str:
    """The decision rules, folded, with the one that decided in bold (none for a comparison
    team's run: rule 1, whose teams have nothing to adopt, adapt or abandon)."""
    if applied == 1:
        return ""
    items = "".join(
        f"<li><strong>{esc(rule)}</strong></li>" if i == applied else f"<li>{esc(rule)}</li>"
        for i, rule in enumerate(RULES, start=1)
    )
    return (
        "<details><summary>The decision rules (the first that applies decides)</summary>"
        f"<ol>{items}</ol></details>"
    )


#: the NHS *Making Data Count* icons: symbol and colour of each variation and assurance
MDC_ICONS = {
    "improving": ("+", "#005eb8"),
    "deteriorating": ("−", "#ed8b00"),
    "common cause": ("~", "#768692"),
    "consistently meets the target": ("P", "#005eb8"),
    "consistently fails the target": ("F", "#ed8b00"),
    "hit or miss": ("?", "#768692"),
}


def objective_html(line: str, status: dict[str, str] | None) -> str:
    """One objective's line after its variation and assurance icons, their meaning in words at the end."""
    if status is None:
        return esc(line)
    shown = [s for s in (status["variation"], status["assurance"]) if s in MDC_ICONS]
    badges = "".join(badge(*MDC_ICONS[s], s) for s in shown)
    words = "; ".join(f"{k}: {status[k]}" for k in ("variation", "assurance"))
    return f'<span class="mdc">{badges}</span> {esc(line)} <span class="meta">({esc(words)})</span>'


def stage_notebooks(run_dir: Path) -> tuple[dict[str, Path], bool]:
    """The executed notebook of each stage: the run folder's, else the JupyterLab notebooks that ran into it.

    Returns the notebooks by stage and whether they come from an interactive session.
    """
    executed = {
        stage: artefacts.notebook_path(run_dir, name)
        for stage, name in NOTEBOOKS.items()
        if artefacts.notebook_path(run_dir, name).exists()
    }
    if executed:
        return executed, False
    try:
        folder = notebooks_dir()
    except CslibError:
        return {}, False
    interactive = {
        stage: folder / name
        for stage, name in NOTEBOOKS.items()
        if (folder / name).exists() and _ran_into(folder / name, run_dir)
    }
    return interactive, bool(interactive)


#: the run folder a notebook's parameters cell writes to
RUN_DIR_PARAMETER = re.compile(r"""^run_dir(?:\s*:\s*str)?\s*=\s*["']([^"']*)["']""", re.M)


def _ran_into(path: Path, run_dir: Path) -> bool:
    """Was this notebook run (it has outputs) with its results saved in ``run_dir``?"""
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    # the last assignment wins: parameters papermill injected follow the notebook's own
    targets = [m.group(1) for c in code if (m := RUN_DIR_PARAMETER.search(c.source))]
    if not targets or not any(c.get("outputs") for c in code):
        return False
    target = targets[-1]
    folder = (path.parent / target) if target else default_run_dir(path.parent)
    return folder.resolve() == run_dir.resolve()


def build_report(run_dir: str | Path, *, rendered: Mapping[str, Future] | None = None) -> Path:
    """Render ``<stage>.html`` for each executed stage and the combined ``report.html``; returns its path.

    ``rendered``: stages whose executed notebook is being rendered already (the future of
    :func:`render_notebook` of the run folder's notebook, anchored at the stage), as a run
    renders each stage while the next one runs.
    """
    run_dir = Path(run_dir)
    manifest = artefacts.read_manifest(run_dir) if artefacts.manifest_path(run_dir).exists() else {}
    title = manifest.get("title") or _plan_title(run_dir) or "Improvement cycle"
    when = dt.datetime.now().strftime("%d %b %Y %H:%M")
    footer = _footer(manifest, when)
    run_id = manifest.get("run_id", run_dir.name)
    teams = (manifest.get("parameters") or {}).get("teams")
    if teams:
        group = " (comparison group: did not adopt the change)" if teams_of(run_dir)[1] else ""
        title, run_id = f"{title}: {teams}{group}", f"{run_id} · teams {teams}"
    notebooks, interactive = stage_notebooks(run_dir)
    stages: list[dict[str, Any]] = []
    rendered = rendered or {}
    for stage, path in notebooks.items():
        ahead = rendered.get(stage)
        body, headings = ahead.result() if ahead else render_notebook(path, anchor=stage)
        stages.append(
            {"id": stage, "title": STAGE_TITLES[stage], "headings": headings, "body": body}
        )
    common = {"css": CSS, "footer": footer, "interactive": interactive}
    for page in stages:
        html = units_kept(
            PAGE.render(
                title=f"{title} — {page['title']}",
                subtitle=f"{page['title']} stage · run {run_id}",
                summary=None,
                toc=[],
                stages=[page],
                pages=_page_links(stages, current=page["id"]),
                **common,
            )
        )
        artefacts.write_whole(artefacts.page_path(run_dir, page["id"]), html)
    combined = [
        {
            **page,
            "body": STAGE_LINK.sub(
                'href="#', CYCLE_BOX.sub("", page["body"]) if n else page["body"]
            ),
        }
        for n, page in enumerate(stages)
    ]
    html = units_kept(
        PAGE.render(
            title=title,
            subtitle=f"Improvement cycle report · run {run_id} · {when}",
            summary=summary_html(run_dir),
            toc=combined,
            stages=combined,
            pages=_page_links(stages, current=None),
            **common,
        )
    )
    out = artefacts.write_whole(artefacts.report_path(run_dir), html)
    log.info("report of %d stage(s) written to %s", len(stages), out)
    return out


def _page_links(stages: list[dict], *, current: str | None) -> list[dict]:
    """Links to the combined report and each stage page (the current page named, not linked)."""
    report = {
        "title": "Combined report",
        "href": None if current is None else artefacts.report_path(".").name,
    }
    return [report] + [
        {
            "title": f"{p['title']} page",
            "href": None if p["id"] == current else artefacts.page_path(".", p["id"]).name,
        }
        for p in stages
    ]


def _plan_title(run_dir: Path) -> str | None:
    """The cycle's title from the Plan's record (a run folder without a manifest)."""
    return (
        artefacts.load(run_dir, "plan", "plan").get("title")
        if artefacts.exists(run_dir, "plan", "plan")
        else None
    )


def _footer(manifest: dict, when: str) -> str:
    versions = manifest.get("versions", {})
    inputs = manifest.get("inputs", {})
    parts = [f"Generated {when} by cslib {versions.get('cslib', '')}"]
    if inputs:
        parts.append(
            "inputs: "
            + ", ".join(f"{k.replace('_', ' ')} {v['sha256'][:10]}" for k, v in inputs.items())
        )
    if manifest.get("parameters"):
        parts.append(
            "parameters: " + ", ".join(f"{k}={v}" for k, v in manifest["parameters"].items())
        )
    return " · ".join(parts)
