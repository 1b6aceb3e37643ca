"""Service standards in the Act's standardise section: the standards to update and the new limits of
weekly compliance (``act.standards(wb)``)."""

from __future__ import annotations

import pandas as pd

from cslib.analyses.standards import BEYOND
from cslib.cycle.workbook import Workbook
from cslib.display import Html, Table
from cslib.stages._shared import CHART_NAMES, treated_teams
from cslib.stages._waiting import after_review_starts
from cslib.stages.standards._common import (
    COLUMNS,
    NO_EVALUATIONS,
    change,
    compliance_chart,
    evaluations,
    improved,
    in_teams,
    label,
    points,
    weekly,
)

__all__ = ["standards"]


@after_review_starts
def standards(wb: Workbook) -> Html:
    """The standards to update (criteria that improved in the roll-out teams) and the new limits of weekly
    compliance from the review period; saved as ``standards_limits``."""
    if evaluations(wb) is None:
        return Html.text(NO_EVALUATIONS)
    better = improved(change(wb))
    limits = _limits(wb, list(better["criterion"]))
    if limits.empty:
        return Html.text("No quality evaluation is dated within the review period.")
    wb.save("standards_limits", limits)
    scorecard = {c.criterion: c.standard for c in wb.cycle.standards.criteria}
    update = pd.DataFrame(
        {
            "criterion": better["criterion"].map(label),
            "standard": better["criterion"].map(scorecard),
            "change": [points(*r) for r in better[["diff", "ci_low", "ci_high"]].to_numpy()],
        }
    )
    words = (
        "Update these standards — their wording, coaching notes and the evaluators' guidance — "
        "to the practice of the roll-out teams, where compliance rose"
        + (" beyond the comparison teams:" if (better["group"] == BEYOND).any() else ":")
        if len(update)
        else "No criterion's compliance rose clearly in the roll-out teams: no standard needs updating yet."
    )
    return Html.join(
        Html.text(words),
        Table(update, columns=COLUMNS | {"change": ("change (95 % interval)", "")})
        if len(update)
        else None,
        Table(
            limits,
            folded="New weekly control limits of compliance",
            columns={c: (c, "share") for c in ("centre", "lower limit", "upper limit")}
            | {"weeks": ("weeks", "count")},
            body=["measure", "chart", "centre", "lower limit", "upper limit", "weeks"],
            caption="New weekly limits of compliance (review period, "
            f"{', '.join(treated_teams(wb)) or 'all teams of this run'}): monitor against "
            "these from now on; the limits vary with each week's checks (mean shown); Laney's p′ "
            "chart where weeks vary more than their checks explain",
        ),
    )


def _limits(wb: Workbook, criteria: list[str]) -> pd.DataFrame:
    """Control limits over the review period in the roll-out teams: all standards, then each criterion to update."""
    table = in_teams(evaluations(wb, "review"), treated_teams(wb))
    rows = []
    for name, part in [("all standards", table)] + [
        (label(c), table[table["criterion"] == c]) for c in criteria
    ]:
        weeks = weekly(wb, part)
        if weeks.empty:
            continue
        chart = compliance_chart(wb, weeks)
        d = chart.data
        rows.append(
            {
                "measure": f"compliance: {name}",
                "chart": CHART_NAMES[chart.chart],
                "centre": float(d["cl"].mean()),
                "lower limit": float(d["lcl"].mean()),
                "upper limit": float(d["ucl"].mean()),
                "weeks": len(d),
            }
        )
    return pd.DataFrame(rows)
