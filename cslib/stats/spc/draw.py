"""Charts of cslib results, drawn with matplotlib: Axes in, Axes out.

Functions draw into the ``ax=`` they are given (or the current Axes) and
return it; small multiples return their Figure. Nothing is shown or saved
here: notebooks display the returned objects, reports save them.

Point colours follow the rule set of the chart:

- ``rules="nhs"``: the NHS "Making Data Count" palette — blue improvement,
  orange concern, purple neutral special cause, grey common cause.
- ``rules="anhoej"``: red for points outside the 3-sigma limits, amber for
  points in an unusually long run; a runs signal also turns the part's centre
  line into an amber dashed line.

Excluded points are drawn hollow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cslib._lazy import lazy
from cslib.errors import ParameterError, Problem

if TYPE_CHECKING:
    import matplotlib.dates as mdates
    from matplotlib import lines, ticker
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from cslib.stats.spc.compute import SpcResult
else:
    mdates = lazy("matplotlib.dates")
    lines = lazy("matplotlib.lines")
    ticker = lazy("matplotlib.ticker")

__all__ = ["COLOURS", "spc_chart", "spc_grid"]

#: colour of each point category and line
COLOURS = {
    "common cause": "#7B7D7D",
    "improvement": "#289DE0",
    "concern": "#FAB428",
    "neutral": "#490092",
    "outside limits": "#D62728",
    "long run": "#F28E2B",
    "line": "#A6A6A6",
    "centre": "#3A3A3A",
    "limits": "#7F7F7F",
    "target": "#059748",
    "runs signal": "#F28E2B",
}

#: charts of proportions: their axis and centre line read as percentages
_SHARES = ("p", "pp")

_CHART_NAMES = {
    "run": "Run chart",
    "i": "I chart",
    "mr": "MR chart",
    "xbar": "Xbar chart",
    "s": "S chart",
    "c": "C chart",
    "u": "U chart",
    "p": "P chart",
    "pp": "P′ chart (Laney)",
    "up": "U′ chart (Laney)",
    "g": "G chart",
    "t": "T chart",
}


def spc_chart(
    result: SpcResult,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: bool = True,
    annotate: bool = True,
) -> Axes:
    """Draw a run or control chart.

    Parameters
    ----------
    result : SpcResult
        From :func:`cslib.stats.spc.compute.control_chart` or :func:`cslib.stats.spc.compute.run_chart`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    title, xlabel, ylabel : str, optional
        Labels; the title defaults to the chart type and rule set.
    legend : bool
        Draw a legend of the point categories and lines.
    annotate : bool
        Label parts, the centre-line value of each part, and trial limits.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn into: the data line, one marker series per point
        category (labelled with the category), per part the centre line and the
        limits (stepped where they vary), the target line.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from cslib.stats.spc.compute import control_chart
    >>> ax = spc_chart(control_chart([5, 7, 6, 9, 4, 6, 8, 5]), ax=Figure().subplots())
    >>> ax.get_title()
    'I chart · Anhøj rules'
    """
    if not _is_chart(result):
        raise ParameterError(
            Problem(
                f"spc_chart needs the result of control_chart or run_chart, "
                f"got {type(result).__name__}",
                fix="pass the object returned by cslib.stats.spc.compute.control_chart(...)",
            )
        )
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    d = result.data
    xv, ticks = _x_values(d["x"])

    ax.plot(xv, d["y"].to_numpy(dtype=float), color=COLOURS["line"], lw=1.2, zorder=2, gid="data")
    _draw_points(ax, result, xv)
    for part_no, rows in d.groupby("part", sort=True):
        at = np.flatnonzero(d["part"].to_numpy() == part_no)
        _draw_part(ax, result, rows, xv[at], part_no, annotate)
    if result.target is not None:
        ax.axhline(result.target, color=COLOURS["target"], ls=":", lw=1.5, gid="target", zorder=1)
    _draw_part_boundaries(ax, d, xv, annotate)
    if annotate and d["trial_limits"].any():
        trial = sorted(d.loc[d["trial_limits"], "part"].unique())
        ax.text(
            0.99,
            0.99,
            f"trial limits (baseline < 12 points) in part {', '.join(map(str, trial))}",
            transform=ax.transAxes,
            fontsize=7,
            style="italic",
            color="0.3",
            ha="right",
            va="top",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            gid="trial",
        )

    if ticks is not None:
        step = max(1, len(ticks) // 12)
        ax.set_xticks(xv[::step], ticks[::step], rotation=45, ha="right")
    elif np.issubdtype(xv.dtype, np.datetime64):
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    elif np.all(np.mod(xv, 1) == 0):  # positions or whole-number labels
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    if result.chart in _SHARES:
        ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=None))
    rules = "Anhøj rules" if result.rules == "anhoej" else "NHS rules"
    ax.set_title(title if title is not None else f"{_CHART_NAMES[result.chart]} · {rules}")
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="0.92", lw=0.8)
    ax.set_axisbelow(True)
    if legend:
        ax.legend(
            handles=_legend_entries(result),
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
            frameon=False,
        )
    return ax


def spc_grid(
    results: Mapping[str, SpcResult],
    *,
    ncols: int = 3,
    sharey: bool = False,
    figsize: tuple[float, float] | None = None,
    title: str | None = None,
    **kwargs: Any,
) -> Figure:
    """Small multiples: one chart per result (e.g. per team or KPI) in one figure.

    Parameters
    ----------
    results : mapping of str to SpcResult
        Panel title → chart result, drawn in mapping order.
    ncols : int
        Panels per row.
    sharey : bool
        Share the y axis between panels.
    figsize : (float, float), optional
        Figure size in inches; 4.2 × 3 per panel by default.
    title : str, optional
        Figure title.
    **kwargs
        Passed on to :func:`spc_chart` (e.g. ``ylabel``, ``annotate``).

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per result (unused grid cells removed), one shared legend.

    Examples
    --------
    >>> from cslib.stats.spc.compute import control_chart
    >>> fig = spc_grid({"A": control_chart([1, 3, 2, 4, 3]), "B": control_chart([2, 2, 5, 1, 3])})
    >>> len(fig.axes)
    2
    """
    if not isinstance(results, Mapping) or not results:
        raise ParameterError(
            Problem(
                "spc_grid needs a non-empty mapping of panel titles to chart results",
                fix="pass e.g. {'Team A': control_chart(...), 'Team B': control_chart(...)}",
            )
        )
    if not isinstance(ncols, int) or ncols < 1:
        raise ParameterError(Problem(f"ncols={ncols!r} must be a whole number of at least 1"))
    ncols = min(ncols, len(results))
    nrows = -(-len(results) // ncols)
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize or (4.2 * ncols, 3.0 * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=sharey, squeeze=False)).ravel()
    handles: dict[str, Line2D] = {}
    for ax, (name, res) in zip(axes, results.items(), strict=False):
        spc_chart(res, ax=ax, title=str(name), legend=False, **kwargs)
        for h in _legend_entries(res):
            handles.setdefault(str(h.get_label()), h)
    for ax in axes[len(results) :]:
        fig.delaxes(ax)
    if handles:
        fig.legend(
            handles.values(),
            handles.keys(),
            loc="outside lower center",
            ncols=min(len(handles), 6),
            fontsize=8,
            frameon=False,
        )
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------- helpers


def _is_chart(result: object) -> bool:
    """A result of ``control_chart`` or ``run_chart`` (checked by shape: this module draws, it does not compute)."""
    data = getattr(result, "data", None)
    return isinstance(data, pd.DataFrame) and {"y", "cl"} <= set(data) and hasattr(result, "chart")


def _x_values(x: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """Plottable x: dates as datetime64, numbers as floats, other labels as positions."""
    if isinstance(x.dtype, pd.PeriodDtype):
        return x.dt.to_timestamp().to_numpy(), None
    if pd.api.types.is_datetime64_any_dtype(x.dtype):
        if getattr(x.dt, "tz", None) is not None:
            x = x.dt.tz_localize(None)
        return x.to_numpy(dtype="datetime64[ns]"), None
    if pd.api.types.is_numeric_dtype(x.dtype) and not pd.api.types.is_bool_dtype(x.dtype):
        return x.to_numpy(dtype=float), None
    return np.arange(len(x), dtype=float), [str(v) for v in x]


def _categories(result: SpcResult) -> pd.Series:
    """Colour category of each point."""
    d = result.data
    if result.rules == "nhs":
        return d["variation"]
    cat = pd.Series("common cause", index=d.index, dtype=object)
    cat[d["long_run"]] = "long run"
    cat[d["sigma_signal"]] = "outside limits"
    return cat


def _legend_entries(result: SpcResult) -> list[Line2D]:
    """Legend proxies for what the chart shows (not added to any Axes)."""
    d = result.data
    cats = set(_categories(result)[~d["excluded"]])
    order = ["common cause", "long run", "outside limits", "neutral", "improvement", "concern"]
    out = [
        lines.Line2D([], [], ls="none", marker="o", color=COLOURS[c], mec="white", label=c)
        for c in order
        if c in cats
    ]
    if d["excluded"].any():
        out.append(
            lines.Line2D(
                [],
                [],
                ls="none",
                marker="o",
                mfc="none",
                mec=COLOURS["common cause"],
                label="excluded",
            )
        )
    out.append(lines.Line2D([], [], color=COLOURS["centre"], lw=1.4, label="centre line"))
    if result.rules == "anhoej" and d["runs_signal"].any():
        out.append(
            lines.Line2D([], [], color=COLOURS["runs signal"], ls="--", lw=1.4, label="runs signal")
        )
    if np.isfinite(d["ucl"]).any():
        out.append(
            lines.Line2D([], [], color=COLOURS["limits"], ls="--", lw=1.0, label="control limits")
        )
    if result.target is not None:
        out.append(lines.Line2D([], [], color=COLOURS["target"], ls=":", lw=1.5, label="target"))
    return out


def _draw_points(ax: Axes, result: SpcResult, xv: np.ndarray) -> None:
    d = result.data
    cats = _categories(result).to_numpy()
    y = d["y"].to_numpy(dtype=float)
    excluded = d["excluded"].to_numpy(dtype=bool)
    order = ["common cause", "long run", "outside limits", "neutral", "improvement", "concern"]
    for cat in order:
        at = (cats == cat) & ~excluded
        if at.any():
            ax.plot(
                xv[at],
                y[at],
                ls="none",
                marker="o",
                ms=5,
                color=COLOURS[cat],
                mec="white",
                mew=0.5,
                label=cat,
                gid=f"points:{cat}",
                zorder=3,
            )
    if excluded.any():
        ax.plot(
            xv[excluded],
            y[excluded],
            ls="none",
            marker="o",
            ms=5,
            mfc="none",
            mec=COLOURS["common cause"],
            label="excluded",
            gid="points:excluded",
            zorder=3,
        )


def _draw_part(
    ax: Axes, result: SpcResult, rows: pd.DataFrame, xv: np.ndarray, part_no: int, annotate: bool
) -> None:
    signal = result.rules == "anhoej" and bool(rows["runs_signal"].iloc[0])
    centre_style = {
        "color": COLOURS["runs signal"] if signal else COLOURS["centre"],
        "ls": "--" if signal else "-",
        "lw": 1.4,
        "zorder": 1,
    }
    _level(ax, xv, rows["cl"].to_numpy(dtype=float), gid="centre", **centre_style)
    for col in ("lcl", "ucl"):
        values = rows[col].to_numpy(dtype=float)
        if np.isfinite(values).any():
            _level(
                ax,
                xv,
                values,
                color=COLOURS["limits"],
                ls="--",
                lw=1.0,
                zorder=1,
                gid=col,
            )
    if annotate and np.isfinite(rows["cl"].iloc[-1]):
        ax.annotate(
            _level_text(rows["cl"].iloc[-1], result.chart),
            (xv[-1], rows["cl"].iloc[-1]),
            xytext=(3, 2),
            textcoords="offset points",
            fontsize=7,
            color="0.25",
        )


def _level_text(value: float, chart: str) -> str:
    """The centre line's value as written beside it: a share as a percentage.

    >>> _level_text(0.6634, "p"), _level_text(14.41, "i")
    ('66.3 %', '14.4')
    """
    return f"{100 * value:.1f} %" if chart in _SHARES else f"{value:.3g}"


def _level(ax: Axes, xv: np.ndarray, values: np.ndarray, **style: Any) -> None:
    """A horizontal line over the part, stepped when the values vary (e.g. varying n)."""
    finite = np.isfinite(values)
    if not finite.any():
        return
    if np.all(values[finite] == values[finite][0]) or len(xv) < 2:
        ax.plot([xv[0], xv[-1]], [values[finite][0]] * 2, **style)
    else:
        ax.step(xv, values, where="mid", **style)


def _draw_part_boundaries(ax: Axes, d: pd.DataFrame, xv: np.ndarray, annotate: bool) -> None:
    parts = d["part"].to_numpy()
    starts = np.flatnonzero(np.r_[True, parts[1:] != parts[:-1]])
    if len(starts) > 1:
        for s in starts[1:]:
            ax.axvline(xv[s - 1] + (xv[s] - xv[s - 1]) / 2, color="0.6", ls=":", lw=1, zorder=0)
    if annotate and len(starts) > 1:
        for s in starts:
            ax.annotate(
                f"Part {parts[s]}",
                (xv[s], 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -2),
                textcoords="offset points",
                fontsize=8,
                va="top",
                color="0.35",
            )
    # shade a frozen baseline that ends before its part does
    for s, e in zip(starts, np.r_[starts[1:], len(parts)], strict=True):
        base = d["baseline"].to_numpy()[s:e]
        last = np.flatnonzero(base)
        if last.size and last[-1] < e - s - 1:
            ax.axvspan(
                xv[s], xv[s + last[-1]], color="0.5", alpha=0.08, lw=0, zorder=0, gid="baseline"
            )
