"""Charts of the Plan and Act analyses: Axes in, Axes out.

Each function draws one result table of :mod:`cslib.analyses.servqual`,
:mod:`cslib.analyses.complaints`, :mod:`cslib.analyses.journey`, :mod:`cslib.analyses.risks_actions`,
:mod:`cslib.analyses.benefits`, :mod:`cslib.analyses.capacity` or :mod:`cslib.analyses.training` into the
``ax=`` it is given (or the current Axes) and returns that Axes. Nothing is
shown or saved here. Colours come from seaborn's colour-blind palette.

Examples
--------
>>> import pandas as pd
>>> from matplotlib.figure import Figure
>>> p = pd.DataFrame({"category": ["a", "b"], "count": [3, 1], "share": [0.75, 0.25],
...                   "cumulative_share": [0.75, 1.0], "rank": [1, 2], "vital_few": [True, False]})
>>> ax = pareto_chart(p, ax=Figure().subplots())
>>> [t.get_text() for t in ax.get_xticklabels()]
['a', 'b']
"""

from __future__ import annotations

import textwrap

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from cslib._args import check_frame
from cslib.errors import ParameterError, Problem

__all__ = [
    "action_gantt",
    "benefit_waterfall",
    "importance_performance_chart",
    "journey_chart",
    "pareto_chart",
    "recovery_chart",
    "risk_matrix_chart",
    "servqual_gap_chart",
    "staffing_curve_chart",
    "training_chart",
]

PALETTE = sns.color_palette("colorblind")
GREY = "#8C8C8C"
GOOD, BAD, NEUTRAL = PALETTE[2], PALETTE[3], PALETTE[0]


def _ax(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def _wrap(labels, width: int = 14) -> list[str]:
    return [textwrap.fill(str(s), width) for s in labels]


def _frame(data: object, columns: list[str], where: str) -> pd.DataFrame:
    return check_frame(data, columns, where=where)


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
    _frame(gaps, ["dimension", "gap", "ci_low", "ci_high", hue], "servqual_gap_chart")
    ax = _ax(ax)
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
    _frame(
        grid,
        ["dimension", "importance", "gap", "ci_low", "ci_high", "quadrant"],
        "importance_performance_chart",
    )
    ax = _ax(ax)
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
    _frame(pareto, ["count", "cumulative_share"], "pareto_chart")
    ax = _ax(ax)
    label = pareto.columns[0]
    x = np.arange(len(pareto))
    vital = pareto["vital_few"].to_numpy() if "vital_few" in pareto else np.ones(len(pareto), bool)
    ax.bar(x, pareto["count"], color=[BAD if v else GREY for v in vital])
    ax.set_xticks(x, _wrap(pareto[label]), fontsize=8)
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
    _frame(table, ["group", "nps", "nps_ci_low", "nps_ci_high"], "recovery_chart")
    ax = _ax(ax)
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
    _frame(profile, ["volume"], "journey_chart")
    ax = _ax(ax)
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
            ax.text(xi, v, f"#{int(r)}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, _wrap(profile[stage]))
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


# ------------------------------------------------------------------------ planning


def risk_matrix_chart(
    risks: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Likelihood × impact heat map with each risk numbered in its cell (numbers follow the table's rows).

    Parameters
    ----------
    risks : pandas.DataFrame
        :func:`cslib.analyses.risks_actions.risk_matrix` output.
    """
    _frame(risks, ["likelihood", "impact"], "risk_matrix_chart")
    ax = _ax(ax)
    score = np.outer(np.arange(1, 6), np.arange(1, 6))  # rows likelihood 1..5, columns impact 1..5
    cmap = LinearSegmentedColormap.from_list("risk", ["#DFF2E1", "#FFE9A8", "#F7B27A", "#D9534F"])
    ax.imshow(score, origin="lower", cmap=cmap, extent=(0.5, 5.5, 0.5, 5.5), vmin=1, vmax=25)
    cells: dict[tuple[int, int], list[str]] = {}
    for i, r in enumerate(risks.itertuples(), start=1):
        cells.setdefault((int(r.likelihood), int(r.impact)), []).append(str(i))
    for (lik, imp), labels in cells.items():
        ax.text(
            imp, lik, ", ".join(labels), ha="center", va="center", fontsize=10, fontweight="bold"
        )
    ax.set_xticks(range(1, 6))
    ax.set_yticks(range(1, 6))
    ax.set_xlabel("Impact")
    ax.set_ylabel("Likelihood")
    ax.set_title(title or "Risk matrix (numbers = risks in table order)")
    return ax


def action_gantt(
    timeline: pd.DataFrame,
    *,
    ax: Axes | None = None,
    as_of: object = None,
    title: str | None = None,
) -> Axes:
    """Gantt chart of the actions: planned (light bar) against actual (dark bar) dates.

    Parameters
    ----------
    timeline : pandas.DataFrame
        :func:`cslib.analyses.risks_actions.action_timeline` output.
    as_of : date-like, optional
        Draw a "today" line.
    """
    _frame(timeline, ["action", "planned_start", "planned_end"], "action_gantt")
    ax = _ax(ax)
    n = len(timeline)
    for i, r in enumerate(timeline.itertuples()):
        if pd.notna(r.planned_start) and pd.notna(r.planned_end):
            s = mdates.date2num(pd.Timestamp(r.planned_start))
            ax.barh(
                i - 0.15,
                mdates.date2num(pd.Timestamp(r.planned_end) + pd.Timedelta(days=1)) - s,
                left=s,
                height=0.3,
                color=PALETTE[0],
                alpha=0.35,
                label="planned" if i == 0 else None,
            )
        a_start = getattr(r, "actual_start", None)
        a_end = getattr(r, "actual_end", None)
        if a_start is not None and pd.notna(a_start):
            end = (
                a_end
                if a_end is not None and pd.notna(a_end)
                else (pd.Timestamp(as_of) if as_of is not None else a_start)
            )
            s = mdates.date2num(pd.Timestamp(a_start))
            late = getattr(r, "end_slip_days", 0)
            ax.barh(
                i + 0.15,
                mdates.date2num(pd.Timestamp(end) + pd.Timedelta(days=1)) - s,
                left=s,
                height=0.3,
                color=BAD if (late is not None and pd.notna(late) and late > 0) else PALETTE[0],
                label="actual",
            )
    handles, labels = ax.get_legend_handles_labels()
    seen = dict(zip(labels, handles, strict=True))
    if seen:
        ax.legend(seen.values(), seen.keys(), frameon=False, loc="lower right", fontsize=8)
    if as_of is not None:
        ax.axvline(mdates.date2num(pd.Timestamp(as_of)), color="#333333", ls=":", lw=1)
    ax.set_yticks(range(n), _wrap(timeline["action"], 34), fontsize=8)
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.set_title(title or "Action plan: planned vs actual (late actions in red)")
    sns.despine(ax=ax)
    return ax


# ------------------------------------------------------------------------ benefits


def benefit_waterfall(
    result: object, *, ax: Axes | None = None, currency: str | None = None, title: str | None = None
) -> Axes:
    """Waterfall of the business benefit: each component, minus the cost, to the net benefit, with 95 % intervals.

    Parameters
    ----------
    result : BenefitResult or its ``.waterfall()`` table
    """
    steps = result.waterfall() if hasattr(result, "waterfall") else result
    currency = currency or getattr(result, "currency", "")
    _frame(steps, ["step", "value", "start", "end", "kind"], "benefit_waterfall")
    ax = _ax(ax)
    colours = {"gain": GOOD, "loss": BAD, "cost": GREY, "net": NEUTRAL}
    x = np.arange(len(steps))
    bottom = np.minimum(steps["start"], steps["end"])
    height = (steps["end"] - steps["start"]).abs()
    ax.bar(x, height, bottom=bottom, color=[colours.get(k, GREY) for k in steps["kind"]])
    if {"ci_low", "ci_high"} <= set(steps.columns):
        top = steps["end"].to_numpy(dtype=float)
        lo = top - (steps["value"] - steps["ci_low"]).to_numpy(dtype=float)
        hi = top + (steps["ci_high"] - steps["value"]).to_numpy(dtype=float)
        ax.vlines(x, lo, hi, color="#333333", lw=1)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xticks(x, _wrap(steps["step"]))
    ax.set_ylabel(f"Value {currency}".strip())
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_title(title or "Business benefit against the cost of the actions (95 % intervals)")
    sns.despine(ax=ax)
    return ax


# ------------------------------------------------------------------------ capacity


def staffing_curve_chart(
    curve: pd.DataFrame, *, target: float = 0.8, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Service level (and ASA) against the number of agents, with the target and the agents needed.

    Parameters
    ----------
    curve : pandas.DataFrame
        :func:`cslib.analyses.capacity.staffing_curve` output.
    target : float
        Service-level target drawn as a line.
    """
    _frame(curve, ["agents", "service_level"], "staffing_curve_chart")
    if not 0 < target < 1:
        raise ParameterError(
            Problem(
                "target must be a share between 0 and 1",
                column="target",
                values=(target,),
                fix="e.g. target=0.8",
            )
        )
    ax = _ax(ax)
    ax.plot(
        curve["agents"], curve["service_level"], marker="o", color=PALETTE[0], label="service level"
    )
    ax.axhline(target, color=PALETTE[1], ls="--", lw=1)
    ok = curve[curve["service_level"] >= target]
    if len(ok):
        n = int(ok["agents"].iloc[0])
        ax.axvline(n, color=GOOD, ls=":", lw=1)
        ax.annotate(
            f"{n} agents",
            (n, target),
            xytext=(5, -14),
            textcoords="offset points",
            color=GOOD,
            fontsize=9,
        )
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Agents")
    ax.set_ylabel("Service level")
    if "asa" in curve:
        ax2 = ax.twinx()
        asa = curve["asa"].replace(np.inf, np.nan)
        ax2.plot(curve["agents"], asa, color=GREY, ls="--", marker=".", label="ASA")
        ax2.set_ylabel("Average speed of answer (s)")
        sns.despine(ax=ax, right=False)
    else:
        sns.despine(ax=ax)
    ax.set_title(title or "Erlang C staffing curve")
    return ax


# ------------------------------------------------------------------------ training


def training_chart(
    result: object, *, kpi: str = "fcr", ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Weekly KPI of trained vs not-yet-trained agents in the weeks both exist.

    Parameters
    ----------
    result : TrainingEffect or its ``.weekly`` table
    kpi : str
        The KPI to draw.
    """
    weekly = getattr(result, "weekly", result)
    _frame(weekly, ["kpi", "week", "group", "value"], "training_chart")
    part = weekly[weekly["kpi"] == kpi]
    if part.empty:
        raise ParameterError(
            Problem(
                "no weekly values for this KPI",
                column="kpi",
                values=(kpi,),
                fix=f"use one of {', '.join(map(str, pd.unique(weekly['kpi'])))}",
            )
        )
    ax = _ax(ax)
    for (g, d), colour in zip(part.groupby("group", sort=False), (PALETTE[0], GREY), strict=False):
        d = d.sort_values("week")
        ax.plot(
            d["week"], d["value"], marker="o", color=GOOD if g == "trained" else colour, label=g
        )
    if part["value"].between(0, 1).all():
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.set_ylabel(kpi)
    ax.legend(frameon=False)
    ax.set_title(title or f"{kpi}: trained vs not-yet-trained agents, same weeks")
    sns.despine(ax=ax)
    return ax
