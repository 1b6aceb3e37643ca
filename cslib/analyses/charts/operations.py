"""Charts of the work done and its return: risks, the action plan, staffing, training and benefits."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import MaxNLocator, PercentFormatter

from cslib.analyses.charts._style import BAD, GOOD, GREY, NEUTRAL, PALETTE, axes, checked, wrap
from cslib.errors import ParameterError, Problem

__all__ = [
    "action_gantt",
    "benefit_waterfall",
    "risk_matrix_chart",
    "staffing_curve_chart",
    "training_chart",
]

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
    checked(risks, ["likelihood", "impact"], "risk_matrix_chart")
    ax = axes(ax)
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
    checked(timeline, ["action", "planned_start", "planned_end"], "action_gantt")
    ax = axes(ax)
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
    ax.set_yticks(range(n), wrap(timeline["action"], 34), fontsize=8)
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
    steps = checked(steps, ["step", "value", "start", "end", "kind"], "benefit_waterfall")
    ax = axes(ax)
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
    ax.set_xticks(x, wrap(steps["step"]))
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
    checked(curve, ["agents", "service_level"], "staffing_curve_chart")
    if not 0 < target < 1:
        raise ParameterError(
            Problem(
                "target must be a share between 0 and 1",
                column="target",
                values=(target,),
                fix="e.g. target=0.8",
            )
        )
    ax = axes(ax)
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
    weekly = checked(weekly, ["kpi", "week", "group", "value"], "training_chart")
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
    ax = axes(ax)
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
