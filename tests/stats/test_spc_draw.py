"""Tests of cslib.stats.spc.draw: charts render to PNG and show what the result says."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from cslib.errors import ParameterError
from cslib.stats.spc.compute import control_chart, run_chart
from cslib.stats.spc.draw import COLOURS, spc_chart, spc_grid

NIST = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
INFECTIONS = [17, 12, 27, 20, 20, 18, 22, 19, 19, 24, 17, 16, 24, 19, 19, 22, 25, 19,
              17, 6, 25, 17, 11, 14, 9, 11, 7, 13, 5, 5, 3, 5, 9, 4, 5, 9]  # fmt: skip
NHS_OUTLIER = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
MONTHS = pd.date_range("2022-01-01", periods=36, freq="MS")


def new_ax():
    return Figure(figsize=(8, 3.5), layout="constrained").subplots()


def by_gid(ax, gid):
    return [a for a in [*ax.lines, *ax.patches, *ax.texts] if a.get_gid() == gid]


def assert_png(fig, path):
    fig.savefig(path, dpi=80)
    assert path.exists() and path.stat().st_size > 5_000
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert img[..., :3].std() > 0.01  # not a blank canvas


def test_i_chart_renders(tmp_path):
    ax = new_ax()
    out = spc_chart(control_chart(NIST), ax=ax, ylabel="diameter")
    assert out is ax
    assert ax.get_title() == "I chart · Anhøj rules"
    assert ax.get_ylabel() == "diameter"
    assert len(by_gid(ax, "centre")) == 1
    assert len(by_gid(ax, "ucl")) == 1 and len(by_gid(ax, "lcl")) == 1
    (ucl,) = by_gid(ax, "ucl")
    assert ucl.get_ydata()[0] == pytest.approx(55.8041, abs=1e-4)
    (points,) = by_gid(ax, "points:common cause")
    assert len(points.get_xdata()) == 10
    assert by_gid(ax, "trial"), "10 baseline points: trial limits are noted"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["common cause", "centre line", "control limits"]
    assert_png(ax.figure, tmp_path / "i.png")


def test_nhs_colours_concern_and_target(tmp_path):
    res = control_chart(NHS_OUTLIER, rules="nhs", improvement="decrease", target=3)
    ax = spc_chart(res, ax=new_ax())
    (concern,) = by_gid(ax, "points:concern")
    assert list(concern.get_xdata()) == [4]
    assert to_hex(concern.get_color()) == COLOURS["concern"].lower()
    assert not by_gid(ax, "points:improvement")
    (target,) = by_gid(ax, "target")
    assert target.get_ydata()[0] == 3
    assert "target" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert_png(ax.figure, tmp_path / "nhs.png")


def test_nhs_improvement_colour():
    res = control_chart(NHS_OUTLIER, rules="nhs", improvement="increase")
    (improvement,) = by_gid(spc_chart(res, ax=new_ax()), "points:improvement")
    assert to_hex(improvement.get_color()) == COLOURS["improvement"].lower()


def test_anhoej_runs_signal_and_long_run(tmp_path):
    res = run_chart(INFECTIONS, x=MONTHS, freeze=24)
    ax = spc_chart(res, ax=new_ax())
    (centre,) = by_gid(ax, "centre")
    assert centre.get_linestyle() == "--"
    assert to_hex(centre.get_color()) == COLOURS["runs signal"].lower()
    (long_run,) = by_gid(ax, "points:long run")
    assert len(long_run.get_xdata()) == 15
    assert not by_gid(ax, "ucl")  # run charts have no limits
    assert by_gid(ax, "baseline"), "a frozen baseline is shaded"
    # dates on x render as dates
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert np.issubdtype(np.asarray(long_run.get_xdata()).dtype, np.datetime64)
    assert_png(ax.figure, tmp_path / "run.png")


def test_sigma_signal_colour():
    ax = spc_chart(control_chart([*NIST, 70.0], freeze=10), ax=new_ax())
    (red,) = by_gid(ax, "points:outside limits")
    assert list(red.get_xdata()) == [10]
    assert to_hex(red.get_color()) == COLOURS["outside limits"].lower()


def test_parts_step_and_labels(tmp_path):
    res = control_chart(INFECTIONS, x=MONTHS, chart="c", part=pd.Timestamp("2024-01-01"))
    ax = spc_chart(res, ax=new_ax())
    assert len(by_gid(ax, "centre")) == 2
    assert [c.get_ydata()[0] for c in by_gid(ax, "centre")] == pytest.approx(
        [18.708, 7.083], abs=1e-3
    )
    assert {t.get_text() for t in ax.texts} >= {"Part 1", "Part 2"}
    assert_png(ax.figure, tmp_path / "parts.png")


def test_p_chart_limits_vary_per_point(tmp_path):
    rng = np.random.default_rng(3)
    n = rng.integers(40, 200, 20)
    res = control_chart(rng.binomial(n, 0.2), n=n, chart="p", exclude=[5])
    ax = spc_chart(res, ax=new_ax())
    (ucl,) = by_gid(ax, "ucl")
    assert ucl.get_drawstyle() == "steps-mid"
    assert len(ucl.get_ydata()) == 20
    (excluded,) = by_gid(ax, "points:excluded")
    assert list(excluded.get_xdata()) == [5]
    assert excluded.get_markerfacecolor() == "none"
    assert_png(ax.figure, tmp_path / "p.png")


def test_text_labels_and_current_axes(tmp_path):
    x = [f"2024-W{w:02d}" for w in range(1, 11)]
    fig = plt.figure()
    try:
        ax = spc_chart(control_chart(NIST, x=x), title="Weekly")
        assert ax is plt.gca()
        assert ax.get_title() == "Weekly"
        assert ax.get_xticklabels()[0].get_text() == "2024-W01"
        assert_png(fig, tmp_path / "text.png")
    finally:
        plt.close(fig)


def test_grid_of_small_multiples(tmp_path):
    results = {
        "Team A": control_chart(NIST),
        "Team B": run_chart(INFECTIONS, x=MONTHS, freeze=24),
        "Team C": control_chart(NHS_OUTLIER, rules="nhs", improvement="decrease"),
        "Team D": control_chart(INFECTIONS, x=MONTHS, chart="c", part=[24]),
    }
    fig = spc_grid(results, ncols=3, title="Complaints by team")
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == list(results)
    assert len(fig.legends) == 1
    labels = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"common cause", "concern", "runs signal", "long run"} <= labels
    path = tmp_path / "grid.png"
    assert_png(fig, path)
    assert mpimg.imread(path).shape[1] > 600


def test_errors():
    with pytest.raises(ParameterError, match="needs the result of control_chart"):
        spc_chart([1, 2, 3], ax=new_ax())
    with pytest.raises(ParameterError, match="non-empty mapping"):
        spc_grid({})
    with pytest.raises(ParameterError, match="ncols"):
        spc_grid({"a": control_chart(NIST)}, ncols=0)


def test_a_p_chart_reads_in_percentages_and_an_i_chart_in_its_units():
    n = np.full(20, 200)
    shares = spc_chart(control_chart(np.full(20, 132), n=n, chart="p"), ax=new_ax())
    shares.figure.canvas.draw()
    assert {t.get_text() for t in shares.texts} >= {"66.0 %"}  # the centre line, 132 / 200
    ticks = [t.get_text() for t in shares.get_yticklabels() if t.get_text()]
    assert ticks and all(t.endswith("%") for t in ticks)
    hours = spc_chart(control_chart(NIST), ax=new_ax())
    assert not any(t.get_text().endswith("%") for t in hours.texts)
