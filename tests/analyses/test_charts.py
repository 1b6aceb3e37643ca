"""Every analysis chart renders to PNG from real results, draws what it should, and rejects bad input."""

from __future__ import annotations

import io as _io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cslib.analyses import benefits, capacity, complaints, journey, servqual, training
from cslib.analyses import charts as pa
from cslib.analyses import risks_actions as planning
from cslib.cycle.model import load_cycle
from cslib.data.tables import read_table
from cslib.errors import ParameterError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def data():
    return {
        "tickets": read_table(SAMPLE / "tickets.parquet", "tickets"),
        "complaints": read_table(SAMPLE / "complaints.csv", "complaints"),
        "survey": read_table(SAMPLE / "survey.csv", "survey"),
        "weights": read_table(SAMPLE / "survey_weights.csv", "survey_weights"),
        "training": read_table(SAMPLE / "training.csv", "training"),
        "cycle": load_cycle(SAMPLE / "cycle.yaml"),
    }


def render(draw, *args, **kwargs) -> Axes:
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    out = draw(*args, ax=ax, **kwargs)
    assert out is ax
    buf = _io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    return ax


def test_servqual_gap_chart(data):
    g = servqual.gaps(
        data["survey"].assign(
            wave=data["survey"]["date"].dt.month.map({3: "March", 9: "September"})
        ),
        by="wave",
    )
    ax = render(pa.servqual_gap_chart, g, hue="wave")
    assert len(ax.patches) == 10 and [t.get_text() for t in ax.get_yticklabels()][0] == "Tangibles"


def test_importance_performance_chart(data):
    grid = servqual.importance_performance(data["survey"], data["weights"])
    ax = render(pa.importance_performance_chart, grid)
    assert {t.get_text() for t in ax.texts} >= {"Reliability", "Tangibles"}


def test_pareto_chart_has_cumulative_and_80_line(data):
    p = complaints.pareto(data["complaints"], by="root_cause")
    ax = render(pa.pareto_chart, p, title="Root causes")
    assert len(ax.patches) == len(p)
    twin = [a for a in ax.figure.axes if a is not ax][0]
    ys = [line.get_ydata() for line in twin.lines]
    assert any(len(y) == 2 and y[0] == 0.8 for y in ys)  # the 80 % line
    assert any(len(y) == len(p) for y in ys)  # the cumulative line


def test_recovery_chart(data):
    r = complaints.recovery_paradox(data["complaints"], data["tickets"])
    ax = render(pa.recovery_chart, r)
    assert len(ax.patches) == 3


def test_journey_chart(data):
    prof = journey.journey_profile(data["tickets"], complaints=data["complaints"])
    ax = render(pa.journey_chart, prof)
    assert len(ax.patches) == 7 and any(t.get_text() == "#1" for t in ax.texts)


def test_risk_matrix_and_gantt(data):
    ax = render(pa.risk_matrix_chart, planning.risk_matrix(data["cycle"]))
    assert {t.get_text() for t in ax.texts} == {"1", "2", "3"}
    actions = [
        {
            "action": "late",
            "start": "2026-05-01",
            "end": "2026-05-10",
            "actual_start": "2026-05-03",
            "actual_end": "2026-05-15",
        },
        {"action": "planned only", "start": "2026-06-01", "end": "2026-06-10"},
    ]
    ax = render(
        pa.action_gantt, planning.action_timeline(actions, as_of="2026-06-05"), as_of="2026-06-05"
    )
    assert len(ax.patches) == 3
    render(pa.action_gantt, planning.action_timeline(data["cycle"]))


def test_benefit_waterfall():
    est = pd.DataFrame(
        {
            "kpi": ["aht_seconds", "fcr"],
            "estimate": [20.0, 0.08],
            "ci_low": [10.0, 0.06],
            "ci_high": [30.0, 0.1],
        }
    )
    res = benefits.dual_benefit(
        est, economics={"hourly_cost": 30, "cost_per_contact": 5}, volume=36_000, cost=5_000
    )
    ax = render(pa.benefit_waterfall, res)
    assert len(ax.patches) == 5


def test_staffing_curve_chart():
    curve = capacity.staffing_curve(calls=100, aht=180)
    ax = render(pa.staffing_curve_chart, curve, target=0.8)
    assert any("14 agents" in t.get_text() for t in ax.texts)


def test_training_chart(data):
    res = training.training_effect(
        data["tickets"],
        data["training"],
        course="Knowledge base and first-contact resolution",
        kpis=["fcr"],
    )
    ax = render(pa.training_chart, res, kpi="fcr")
    assert {line.get_label() for line in ax.lines} == {"trained", "not yet trained"}


@pytest.mark.parametrize(
    ("call", "column"),
    [
        (
            lambda ax: pa.pareto_chart(pd.DataFrame({"category": ["a"]}), ax=ax),
            "count, cumulative_share",
        ),
        (
            lambda ax: pa.servqual_gap_chart(
                pd.DataFrame({"dimension": ["x"], "gap": [1.0], "ci_low": [0.0], "ci_high": [2.0]}),
                hue="wave",
                ax=ax,
            ),
            "wave",
        ),
        (
            lambda ax: pa.staffing_curve_chart(
                capacity.staffing_curve(calls=10, aht=100), target=80, ax=ax
            ),
            "target",
        ),
        (
            lambda ax: pa.training_chart(
                pd.DataFrame(
                    {
                        "kpi": ["fcr"],
                        "week": [pd.Timestamp("2026-01-05")],
                        "group": ["trained"],
                        "value": [0.5],
                    }
                ),
                kpi="csat",
                ax=ax,
            ),
            "kpi",
        ),
        (lambda ax: pa.risk_matrix_chart([1, 2], ax=ax), None),
    ],
)
def test_user_errors(call, column):
    with pytest.raises(ParameterError) as err:
        call(Figure().subplots())
    assert err.value.problems[0].column == column


def test_labels_from_the_data_are_drawn_as_written():
    """A root cause such as ``price $_$`` is a label, not a formula (matplotlib's mathtext fails on it)."""
    from cslib.display import Chart
    from cslib.stats.spc import control_chart, spc_grid

    causes = ["price $_$", "fees in $ and €", "late"]
    p = pd.DataFrame(
        {
            "category": causes,
            "count": [5, 3, 1],
            "share": [5 / 9, 3 / 9, 1 / 9],
            "cumulative_share": [5 / 9, 8 / 9, 1.0],
            "rank": [1, 2, 3],
            "vital_few": [True, True, False],
        }
    )
    pareto = Chart.of(pa.pareto_chart, p, title="Complaints: $_$")
    assert pareto._repr_png_()[:4] == b"\x89PNG"
    drawn = [t.get_text() for t in pareto.figure.axes[0].get_xticklabels()]
    assert [d.replace("\n", " ") for d in drawn] == causes
    chart = control_chart([5, 7, 6, 9, 4, 6, 8, 5])
    grid = Chart(spc_grid({"O1: team $_$": chart}, title="Teams A$_$, B"))
    assert grid._repr_png_()[:4] == b"\x89PNG"
    assert "data:image/png" in chart._repr_html_()


def test_a_chart_is_embedded_as_a_palette_png_on_white_a_third_of_its_size():
    import io

    import numpy as np
    from matplotlib.figure import Figure
    from PIL import Image

    from cslib.display import png

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    x = np.arange(60)
    ax.plot(x, np.sin(x / 5), marker="o", color="#005eb8")
    ax.fill_between(x, -0.5, 0.5, alpha=0.2, color="#ed8b00")
    ax.set_title("A title")
    fig.patch.set_alpha(0.0)  # a transparent background must not turn black
    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=110, bbox_inches="tight")
    shown = png(fig)
    img = Image.open(io.BytesIO(shown))
    assert img.mode == "P" and len(shown) < len(raw.getvalue()) / 2
    assert img.convert("RGB").getpixel((0, 0)) == (255, 255, 255)
    # the margins cut as matplotlib's tight box cuts them, to a few pixels (the box holds the
    # texts' whole line height, the cut only their ink)
    tight = Image.open(raw)
    assert abs(img.width - tight.width) <= 6 and abs(img.height - tight.height) <= 6
    assert img.width < 8 * 110 - 40 and img.height < 4 * 110 - 20


def test_a_tight_chart_is_drawn_once_and_what_reaches_past_its_edge_is_kept(monkeypatch):
    import io

    from matplotlib.figure import Figure
    from PIL import Image

    from cslib.display import png

    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: draws.append(1) or original(self, r))
    fig = Figure(figsize=(4, 3))
    fig.subplots().plot([1, 2, 3])
    fig.tight_layout()
    inside = Image.open(io.BytesIO(png(fig)))
    assert len(draws) == 1 and inside.width < 4 * 110
    fig.axes[0].set_title("a title far wider than the figure it belongs to, on both of its sides")
    del draws[:]
    wide = Image.open(io.BytesIO(png(fig)))
    assert wide.width > 4 * 110  # widened to show the whole title, as bbox_inches="tight" does


def test_every_text_of_a_chart_is_drawn_as_written():
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from cslib.display import png

    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    ax.plot(pd.date_range("2026-01-01", periods=30), np.arange(30))
    ax.set_title("price $_$")
    ax.set_ylabel("$a$ per $b$")
    ax.legend(["team $x$"])
    inset = fig.add_axes((0.6, 0.6, 0.2, 0.2))
    inset.bar(["a $1$", "b $2$"], [1, 2])
    inset.set_yticks([0, 1, 2], ["$0$", "$1$", "$2$"])  # ticks made before drawing
    fig.suptitle("$$")
    png(fig)
    texts = fig.findobj(Text)
    assert len(texts) > 20 and [t.get_text() for t in texts if t.get_parse_math()] == []
