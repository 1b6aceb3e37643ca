"""Service standards in the Check: compliance before and after, the link to training and to customer outcomes.

One notebook cell (``check.standards(wb)``): each criterion's compliance in the
baseline against the review, in the roll-out teams beside the comparison teams
(intervals over weeks, not checks); the criteria agents failed most before and
after a course; and CSAT, FCR… on the evaluated tickets where a standard was met
and where it was not.
"""

from __future__ import annotations

import pandas as pd

from cslib.analyses.standards import BEYOND, failed_around_course, outcomes
from cslib.cycle.workbook import Workbook
from cslib.display import Html, Table, fmt
from cslib.metrics.engine import REGISTRY
from cslib.stages._shared import by_row_unit, change_course, kpi_unit
from cslib.stages._waiting import after_review_starts
from cslib.stages.standards._common import (
    COLUMNS,
    NO_EVALUATIONS,
    alpha,
    change,
    evaluations,
    held,
    label,
    points,
    pseudonymised,
    settings,
)

__all__ = ["change_view", "standards"]

#: the customer outcomes set beside the standards, where the tickets give them
OUTCOME_KPIS = ("csat", "fcr")


@after_review_starts
def standards(wb: Workbook) -> Html:
    """Compliance before vs after, the training link and customer outcomes; saved as ``standards_change``,
    ``standards_training`` and ``standards_outcomes``."""
    if evaluations(wb) is None:
        return Html.text(NO_EVALUATIONS)
    table = change(wb)
    if table.empty:
        return Html.text("No quality evaluation is dated within the baseline and review periods.")
    wb.save("standards_change", table)
    return Html.join(
        change_view(table),
        Html.folded(
            "Standards against training and customer outcomes", _training(wb), _outcomes(wb)
        ),
    )


def change_view(table: pd.DataFrame) -> Html:
    """The change per criterion as people read it: one row per criterion, the full table on demand.

    >>> t = pd.DataFrame({"criterion": ["ownership"] * 3, "group": ["roll-out", "comparison", BEYOND],
    ...     "before": [0.6, 0.7, None], "after": [0.8, 0.7, None], "diff": [0.2, 0.0, 0.2],
    ...     "ci_low": [0.1, -0.05, 0.09], "ci_high": [0.3, 0.05, 0.31]})
    >>> change_view(t).markup.count("improved beyond the comparison teams")
    2
    """
    wide = []
    for criterion, part in table.groupby("criterion", sort=True):
        rows = {r["group"]: r for r in part.to_dict("records")}
        treated, other, beyond = (rows.get(g, {}) for g in ("roll-out", "comparison", BEYOND))
        judged = beyond or treated
        wide.append(
            {
                "criterion": label(criterion),
                "roll-out before": treated.get("before"),
                "roll-out after": treated.get("after"),
                "roll-out change": _change(treated),
                "comparison change": _change(other),
                "beyond comparison": _change(beyond),
                "reading": _reading(judged, bool(beyond)),
            }
        )
    wide = pd.DataFrame(wide)
    better = wide.loc[wide["reading"].str.startswith("improved"), "criterion"].tolist()
    where = (
        "beyond the comparison teams" if BEYOND in set(table["group"]) else "in the roll-out teams"
    )
    words = (
        f"Compliance improved {where} on {', '.join(better)}."
        if better
        else "No criterion's compliance rose clearly between baseline and review."
    )
    return Html.join(
        Html.text(words),
        Table(
            wide,
            folded="Compliance per criterion, baseline against review",
            columns={c: (c, "share") for c in ("roll-out before", "roll-out after")},
            caption="Compliance per criterion, baseline against review; changes in percentage points with 95 % "
            "intervals over weeks (evaluations of one week are not independent); beyond comparison = the "
            "roll-out teams' change less the comparison teams'",
        ),
        Html.appendix(
            "Compliance before and after, per group, with the tests",
            {"": _in_points(table)},
            COLUMNS
            | {c: (c, "share") for c in ("before", "after")}
            | {"diff": ("change", "points"), "n_clusters": ("weeks", "count")}
            | {
                "ci_low": ("95 % interval from", "points"),
                "ci_high": ("95 % interval to", "points"),
            }
            | {"n_before": ("checks before", "count"), "n_after": ("checks after", "count")},
        ),
    )


def _in_points(table: pd.DataFrame) -> pd.DataFrame:
    """The change table with its differences in percentage points and criteria as labels."""
    shown = table.assign(criterion=table["criterion"].map(label))
    for column in ("diff", "ci_low", "ci_high"):
        shown[column] = 100 * shown[column]
    return shown


def _change(row: dict) -> str:
    return points(row.get("diff"), row.get("ci_low"), row.get("ci_high")) if row else fmt(None)


def _reading(row: dict, beyond: bool) -> str:
    """Improved or worsened when the interval clears zero, else no clear change."""
    where = " beyond the comparison teams" if beyond else " in the roll-out teams"
    low, high = row.get("ci_low"), row.get("ci_high")
    if low is not None and pd.notna(low) and low > 0:
        return "improved" + where
    if high is not None and pd.notna(high) and high < 0:
        return "worsened" + where
    return "no clear change"


def _training(wb: Workbook) -> Html:
    """The criteria failed most by agents before and after the change's course (``change.course``)."""
    table, training = held(wb), wb.table("training")
    if training is None or "agent_id" not in table or training.empty:
        return Html.text("No training records to link to the evaluations' agents.")
    course, named = change_course(wb), bool(wb.cycle.change.course)
    if course is None:
        return Html.text(
            "No training course to link to the evaluations: name the course the change brings in "
            "under change.course in the cycle file."
        )
    if not training["course"].eq(course).any():
        courses = ", ".join(f"'{c}'" for c in sorted(training["course"].dropna().unique()))
        return Html.text(
            f"The training records have no completions of '{course}' (change.course); "
            f"their courses are {courses}."
        )
    training = pseudonymised(wb, training)
    failed = failed_around_course(table, training, course=course, **settings(wb), alpha=alpha(wb))
    if failed.empty:
        return Html.text(f"No agent was evaluated both before and after completing '{course}'.")
    why = (
        "the change's course"
        if named
        else "the course the roll-out teams completed around go-live; name it under change.course"
    )
    wb.save("standards_training", failed)
    shown = pd.DataFrame(
        {
            "criterion": failed["criterion"].map(label),
            "agents": failed["agents"],
            "failed before": failed["failed_before"],
            "failed after": failed["failed_after"],
            "change": [points(*r) for r in failed[["diff", "ci_low", "ci_high"]].to_numpy()],
            "p_value": failed["p_value"],
        }
    )
    return Html.join(
        Html.text("Standards and training", level="h4"),
        Table(
            shown,
            columns={c: (c, "share") for c in ("failed before", "failed after")}
            | {"agents": ("agents", "count"), "change": ("change (95 % interval)", "")},
            caption=f"Criteria failed most by the agents evaluated both before and after completing "
            f"'{course}' ({why}): share of checks failed, "
            "intervals over agents; other changes in the same weeks are not controlled",
        ),
    )


def _outcomes(wb: Workbook) -> Html | None:
    """CSAT, FCR… on the evaluated tickets, standard met against not met."""
    table = held(wb)
    available = set(wb.availability().query("available")["kpi"])
    kpis = [k for k in OUTCOME_KPIS if k in available]
    if "ticket_id" not in table or not kpis:
        return None
    path, options = wb.source("tickets")
    found = outcomes(
        table,
        path,
        kpis=kpis,
        **settings(wb),
        alpha=alpha(wb),
        timezone=options.timezone,
        validate=False,  # the workbook checked the tickets
    )
    wb.save("standards_outcomes", found)
    currency = wb.cycle.economics.currency
    shown = by_row_unit(
        found.assign(unit=[kpi_unit(k, currency) for k in found["kpi"]]),
        ["met", "not_met", "diff", "ci_low", "ci_high"],
    ).assign(
        criterion=found["criterion"].map(label),
        kpi=found["kpi"].map(lambda k: REGISTRY[k].label),
    )
    clear = found["p_adjusted"] < alpha(wb)
    body = ["criterion", "kpi", "n_met", "n_not_met", "met", "not_met", "diff", "p_adjusted"]
    return Html.join(
        Html.text("Standards and customer outcomes", level="h4"),
        Html.text(
            f"{int(clear.sum())} of {len(found)} criterion × outcome pairs differ clearly between tickets that met "
            "the standard and tickets that did not (Holm-adjusted). This is an association on the evaluated "
            "tickets, not the effect of meeting a standard: harder contacts may both miss standards and "
            "disappoint customers."
        ),
        Table(
            shown.drop(columns="unit"),
            body=body,
            columns={
                "kpi": ("outcome", ""),
                "n_met": ("tickets met", "count"),
                "n_not_met": ("tickets not met", "count"),
                "met": ("standard met", ""),
                "not_met": ("not met", ""),
            },
        ),
    )
