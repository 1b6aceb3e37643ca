"""Charts of what customers experience: SERVQUAL gaps, the importance–performance grid,
complaint Pareto, the recovery paradox and the journey."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from cslib.analyses.charts._style import BAD, GOOD, GREY, NEUTRAL, PALETTE, axes, checked, wrap

__all__ = [
    "importance_performance_chart",
    "journey_chart",
    "pareto_chart",
    "recovery_chart",
    "servqual_gap_chart",
]

# ------------------------------------------------------------------------ SERVQUAL


def servqual_gap_chart(
    gaps: pd.DataFrame, *, hue: str | None = None, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Horizontal bars of each dimension's gap (P − E) with its confidence interval.

    Parameters
    ----------
    gaps : pandas.DataFrame
        :func:`cslib.analyses.servqual.gaps` output (``dimension``, ``gap``, ``ci_low``, ``ci_high``).
    hue : str, optional
        A group column (a wave, a segment): one bar per group within each dimension.
    """
    checked(gaps, ["dimension", "gap", "ci_low", "ci_high", hue], "servqual_gap_chart")
    ax = axes(ax)
    dims = list(dict.fromkeys(gaps["dimension"]))
    groups = list(dict.fromkeys(gaps[hue])) if hue else [None]
    height = 0.8 / len(groups)
    for j, g in enumerate(groups):
        part = gaps if g is None else gaps[gaps[hue] == g]
        part = part.set_index("dimension").reindex(dims)
        y = np.arange(len(dims)) + (j - (len(groups) - 1) / 2) * height
        err = np.vstack([part["gap"] - part["ci_low"], part["ci_high"] - part["gap"]])
        ax.barh(
            y,
            part["gap"],
            height=height * 0.9,
            xerr=err,
            color=PALETTE[j % len(PALETTE)],
            ecolor="#333333",
            capsize=3,
            label=str(g) if g is not None else None,
        )
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(np.arange(len(dims)), [d.capitalize() for d in dims])
    ax.invert_yaxis()
    ax.set_xlabel("Gap: perception − expectation (negative = shortfall), 95 % CI")
    if hue:
        ax.legend(title=hue, frameon=False)
    ax.set_title(title or "SERVQUAL gaps by RATER dimension")
    sns.despine(ax=ax)
    return ax


def importance_performance_chart(
    grid: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Importance (mean points) against the gap, with intervals, cross-hairs at the means and quadrant names.

    Parameters
    ----------
    grid : pandas.DataFrame
        :func:`cslib.analyses.servqual.importance_performance` output.
    """
    checked(
        grid,
        ["dimension", "importance", "gap", "ci_low", "ci_high", "quadrant"],
        "importance_performance_chart",
    )
    ax = axes(ax)
    colours = {
        "concentrate here": BAD,
        "keep up the good work": GOOD,
        "low priority": GREY,
        "possible overkill": NEUTRAL,
    }
    xerr = None
    if {"importance_ci_low", "importance_ci_high"} <= set(grid.columns):
        xerr = np.vstack(
            [
                grid["importance"] - grid["importance_ci_low"],
                grid["importance_ci_high"] - grid["importance"],
            ]
        )
    yerr = np.vstack([grid["gap"] - grid["ci_low"], grid["ci_high"] - grid["gap"]])
    ax.errorbar(
        grid["importance"],
        grid["gap"],
        xerr=xerr,
        yerr=yerr,
        fmt="none",
        ecolor="#999999",
        capsize=2,
        zorder=1,
    )
    ax.scatter(
        grid["importance"],
        grid["gap"],
        s=80,
        c=[colours.get(q, GREY) for q in grid["quadrant"]],
        zorder=2,
        edgecolor="white",
    )
    for r in grid.itertuples():
        ax.annotate(
            str(r.dimension).capitalize(),
            (r.importance, r.gap),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=9,
        )
    mi = grid["importance_mean"].iloc[0] if "importance_mean" in grid else grid["importance"].mean()
    mg = grid["gap_mean"].iloc[0] if "gap_mean" in grid else grid["gap"].mean()
    ax.axvline(mi, color=GREY, ls="--", lw=0.8)
    ax.axhline(mg, color=GREY, ls="--", lw=0.8)
    ax.set_xlabel("Importance (mean of 100 points)")
    ax.set_ylabel("Gap P − E (lower = worse)")
    handles = [Patch(color=c, label=q) for q, c in colours.items() if q in set(grid["quadrant"])]
    ax.legend(handles=handles, frameon=False, fontsize=8, loc="best")
    ax.set_title(title or "Importance–performance grid")
    sns.despine(ax=ax)
    return ax


# ------------------------------------------------------------------------ complaints


def pareto_chart(
    pareto: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    threshold: float = 0.8,
) -> Axes:
    """Pareto chart: bars by count (vital few highlighted), cumulative share line and the 80 % line.

    Parameters
    ----------
    pareto : pandas.DataFrame
        :func:`cslib.analyses.complaints.pareto` output (first column = the category).
    """
    checked(pareto, ["count", "cumulative_share"], "pareto_chart")
    ax = axes(ax)
    label = pareto.columns[0]
    x = np.arange(len(pareto))
    vital = pareto["vital_few"].to_numpy() if "vital_few" in pareto else np.ones(len(pareto), bool)
    ax.bar(x, pareto["count"], color=[BAD if v else GREY for v in vital])
    ax.set_xticks(x, wrap(pareto[label]), fontsize=8)
    ax.set_ylabel("Count" if "count" in pareto else "")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2 = ax.twinx()
    ax2.plot(x, pareto["cumulative_share"], color="#333333", marker="o")
    ax2.axhline(threshold, color=PALETTE[1], ls="--", lw=1)
    ax2.text(
        x[-1] if len(x) else 0,
        threshold,
        f" {threshold:.0%}",
        va="bottom",
        ha="right",
        color=PALETTE[1],
        fontsize=8,
    )
    ax2.set_ylim(0, 1.05)
    ax2.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax2.set_ylabel("Cumulative share")
    ax.set_title(title or f"Pareto of {str(label).replace('_', ' ')}")
    sns.despine(ax=ax, right=False)
    return ax


def recovery_chart(result: object, *, ax: Axes | None = None) -> Axes:
    """Later NPS of the recovery-paradox groups with their intervals.

    Parameters
    ----------
    result : RecoveryParadox or its ``.table``
    """
    table = getattr(result, "table", result)
    table = checked(table, ["group", "nps", "nps_ci_low", "nps_ci_high"], "recovery_chart")
    ax = axes(ax)
    x = np.arange(len(table))
    err = np.vstack([table["nps"] - table["nps_ci_low"], table["nps_ci_high"] - table["nps"]])
    ax.bar(
        x, table["nps"], yerr=np.nan_to_num(err), color=[GOOD, BAD, GREY][: len(table)], capsize=4
    )
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xticks(
        x,
        [f"{g}\n(n = {n})" for g, n in zip(table["group"], table["nps_n"], strict=True)]
        if "nps_n" in table
        else table["group"],
    )
    ax.set_ylabel("Later NPS (95 % CI)")
    ax.set_title("Service recovery paradox: loyalty after a complaint")
    sns.despine(ax=ax)
    return ax


# ------------------------------------------------------------------------- journey


def journey_chart(
    profile: pd.DataFrame,
    *,
    ax: Axes | None = None,
    satisfaction: str = "csat",
    title: str | None = None,
) -> Axes:
    """The journey: tickets per stage as bars (darker = more painful), satisfaction as a line, pain ranks on top.

    Parameters
    ----------
    profile : pandas.DataFrame
        :func:`cslib.analyses.journey.journey_profile` output (first column = the stage).
    satisfaction : str
        The KPI drawn as the line (``csat``, ``ces``, ``nps``); skipped when absent.
    """
    checked(profile, ["volume"], "journey_chart")
    ax = axes(ax)
    stage = profile.columns[0]
    x = np.arange(len(profile))
    if "pain_score" in profile:
        pain = profile["pain_score"].to_numpy(dtype=float)
        span = np.nanmax(pain) - np.nanmin(pain) if len(pain) else 0
        level = (pain - np.nanmin(pain)) / span if span > 0 else np.zeros_like(pain)
        cmap = LinearSegmentedColormap.from_list("pain", ["#CFE3F1", BAD])
        colours = [cmap(v) for v in level]
    else:
        colours = [NEUTRAL] * len(profile)
    ax.bar(x, profile["volume"], color=colours)
    if "pain_rank" in profile:
        for xi, v, r in zip(x, profile["volume"], profile["pain_rank"], strict=True):
            ax.text(float(xi), v, f"#{int(r)}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, wrap(profile[stage]))
    ax.set_ylabel("Tickets")
    ax.set_xlabel("Journey stage (bar colour: pain score; #: pain rank)")
    if satisfaction in profile:
        ax2 = ax.twinx()
        ax2.plot(x, profile[satisfaction], color="#333333", marker="o", label=satisfaction.upper())
        ax2.set_ylabel(satisfaction.upper())
        if profile[satisfaction].between(0, 1).all():
            ax2.yaxis.set_major_formatter(PercentFormatter(1.0))
        sns.despine(ax=ax, right=False)
    else:
        sns.despine(ax=ax)
    ax.set_title(title or "Customer journey: volume, satisfaction and pain points")
    return ax
