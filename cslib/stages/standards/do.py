"""Service standards in the Do: weekly compliance during the roll-out on a p chart (Laney p′ when the weeks vary more than their checks explain) (``do.standards(wb)``)."""

from __future__ import annotations

from cslib.cycle.workbook import Workbook
from cslib.display import Chart, Html
from cslib.stages._shared import mdc_status, treated_teams, week_start
from cslib.stages._waiting import after_review_starts
from cslib.stages.standards._common import (
    NO_EVALUATIONS,
    chart_note,
    compliance_chart,
    evaluations,
    roll_out_weekly,
    share,
)
from cslib.stats.spc.dispersion import SHARE_CHART_NAMES
from cslib.stats.spc.draw import spc_chart

__all__ = ["standards"]


@after_review_starts
def standards(wb: Workbook) -> Html:
    """Weekly compliance with the standards in the roll-out teams on a p chart, a new part at the change;
    saved as ``standards_weekly``."""
    if evaluations(wb) is None:
        return Html.text(NO_EVALUATIONS)
    weeks = roll_out_weekly(wb)
    if weeks.empty:
        return Html.text("No quality evaluation is dated within the cycle.")
    wb.save("standards_weekly", weeks)
    change = week_start(wb.cycle.change.date)
    who = ", ".join(treated_teams(wb)) or ", ".join(wb.scope_teams) or "all teams"
    if (weeks["week"] < change).any() and (weeks["week"] >= change).any():
        parted = compliance_chart(wb, weeks, part=change)
        status = mdc_status(compliance_chart(wb, weeks, freeze=change), parted, change)
        target = wb.cycle.standards.target
        words = (
            f"Weekly compliance with the standards in {who} since the change: {status['variation']}"
            + (
                f"; against the target of {share(target)}: {status['assurance']}."
                if target
                else "."
            )
        )
        title = f"Compliance with the standards, weekly ({who}): {SHARE_CHART_NAMES[parted.chart]}, new part at the change"
    else:  # evaluations on one side of the change only: one part, nothing to set against
        parted = compliance_chart(wb, weeks)
        words = f"Weekly compliance with the standards in {who}: evaluations on one side of the change only."
        title = f"Compliance with the standards, weekly ({who}): {SHARE_CHART_NAMES[parted.chart]}"
    return Html.join(
        Html.text(words),
        Chart.of(
            spc_chart,
            parted,
            title=title,
            ylabel="share of checks met",
            size=(9, 3.8),
        ),
        Html.text(
            "Each point is a week's checks met ÷ checks; limits widen in weeks with fewer "
            f"evaluations. {chart_note(weeks)} The criteria of one evaluation tend to pass or fail together, so a "
            "point just outside the limits is weaker evidence than on a ticket chart."
        ),
    )
