"""The documentation site: the KPI reference is written from the registry, docstrings read as text.

The whole site is built with ``make docs`` (``mkdocs build --strict``); these tests
check the pieces that write it, quickly.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cslib.metrics.registry import REGISTRY

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"docs_{name}", DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load("hooks")


def _sections(page: str) -> dict[str, str]:
    """KPI name → its section of the rendered page."""
    parts = page.split("\n### ")[1:]
    return {part.split("`")[1]: part for part in parts}


def test_every_kpi_has_a_section_with_formula_unit_and_source():
    page = hooks.on_page_markdown(f"# KPIs\n\n{hooks.MARKER}\n", None, None, None)
    sections = _sections(page)
    assert list(sections) == list(REGISTRY)
    for name, k in REGISTRY.items():
        section = sections[name]
        assert f"**Formula:** {hooks.FORMULA[name]}." in section
        assert "{" not in hooks.FORMULA[name]  # placeholders worded
        assert f"**Unit:** {k.unit}" in section
        assert f"**Source:** {k.source}" in section
        assert f"`{name}_n`" in section


def test_summary_table_has_one_row_per_kpi_with_pipes_escaped():
    table = hooks.summary_table().splitlines()
    assert len(table) == 2 + len(REGISTRY)
    # every row keeps five cells even when a formula holds a pipe
    fake = {
        "x": REGISTRY["volume"].__class__(**{**vars(REGISTRY["volume"]), "definition": "a | b"})
    }
    row = hooks.summary_table(fake).splitlines()[2]
    assert row.replace("\\|", "").count("|") == 6


def test_kpi_needs_name_inputs_other_than_columns():
    sections = _sections(hooks.render())
    assert "`contacts` or `reopens`" in sections["fcr"]
    assert "`economics.hourly_cost`" in sections["cost_per_contact"]
    assert "a complaints table" in sections["complaint_rate"]


def test_every_kpi_names_its_source():
    assert all(k.source.strip() for k in REGISTRY.values())


def test_pages_without_the_marker_are_left_alone():
    assert hooks.on_page_markdown("# Quick start\n", None, None, None) == "# Quick start\n"


def test_the_kpi_page_asks_for_the_registry():
    assert hooks.MARKER in (DOCS / "reference" / "kpis.md").read_text(encoding="utf-8")


def test_sphinx_roles_read_as_code():
    pytest.importorskip("griffe")
    docstrings = _load("griffe_filled")
    text = ":func:`~cslib.metrics.engine.compute`, :mod:`cslib.spc` and :py:class:`Verdict`"
    assert docstrings.plain_roles(text) == "`compute`, `cslib.spc` and `Verdict`"


def test_shared_parameter_entries_are_filled_in():
    griffe = pytest.importorskip("griffe")
    docstrings = _load("griffe_filled")
    package = griffe.Module("cslib")
    package["metrics"] = griffe.Module("metrics", parent=package)
    package["metrics"]["engine"] = engine = griffe.Module("engine", parent=package["metrics"])
    # as in the source: a shared entry by name (whose text names a module with a role)
    source = "KPIs.\n\nParameters\n----------\n{tickets}\n"
    compute = griffe.Function("compute", parent=engine, docstring=griffe.Docstring(source))
    docstrings.FilledDocstrings().on_object(obj=compute)
    text = compute.docstring.value
    assert "{tickets}" not in text
    assert "tickets : pandas.DataFrame or path" in text
    assert "(see `cslib.data.schema`)" in text
