"""What the standards cells of each stage share: the evaluations as shown, weekly compliance, the change.

Evaluator and agent ids are pseudonymised as soon as the evaluations are read
(keyed hashes, :func:`cslib.data.privacy.pseudonymise`), so no figure, sentence
or appendix shows them; a training record is pseudonymised with the same key
before it is joined to them.

Examples
--------
>>> points(0.081, 0.02, 0.142)
'+8.1 points (+2.0 to +14.2)'
>>> label("accurate_answer")
'accurate answer'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.analyses.standards import BEYOND, compliance, compliance_change
from cslib.cycle.workbook import Workbook
from cslib.data import privacy
from cslib.display import MISSING, fmt, missing
from cslib.stages._shared import cycle_span, treated_teams, week_start
from cslib.stats.spc import compute as spc
from cslib.stats.spc.dispersion import share_chart, sigma_z

#: what the cells say when the cycle has no evaluations table
NO_EVALUATIONS = (
    "The cycle's data has no quality evaluations: add an evaluations table (QA or mystery "
    "shops scored against the standards) to follow the service standards."
)
#: the prefix of each pseudonymised id column
PSEUDONYMS = {"agent_id": "A-", "evaluator": "E-"}
#: labels and units of the standards' columns
COLUMNS = {
    "criterion": ("criterion", ""),
    "standard": ("service standard", ""),
    "n": ("checks", "count"),
    "n_evaluations": ("evaluations", "count"),
    "met": ("checks met", "count"),
    "compliance": ("compliance", "share"),
    "against_target": ("against the target", ""),
    "agent_id": ("agent", ""),
    "evaluator": ("evaluator", ""),
}


def label(name: object) -> object:
    """A criterion or id as people read it (underscores spaced)."""
    return name.replace("_", " ") if isinstance(name, str) else name


def points(diff: float | None, low: float | None, high: float | None) -> str:
    """A difference of shares in percentage points, with its interval (either may be missing)."""
    if diff is None or missing(diff):
        return MISSING
    text = f"{100 * diff:+.1f} points"
    if low is None or high is None or missing(low) or missing(high):
        return text
    return f"{text} ({100 * low:+.1f} to {100 * high:+.1f})"


def settings(wb: Workbook) -> dict:
    """How the cycle scores evaluations: its scorecard and pass mark."""
    s = wb.cycle.standards
    return {"scorecard": s.scorecard() or None, "pass_mark": s.pass_mark}


def alpha(wb: Workbook) -> float:
    return 1 - wb.cycle.standards.confidence


def pseudonymised(wb: Workbook, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its agent and evaluator ids replaced by keyed pseudonyms."""
    present = [c for c in PSEUDONYMS if c in frame]
    if not present:
        return frame
    key = privacy.pseudonym_key(wb.cycle.privacy.key)
    out = frame.copy()
    for column in present:
        out[column] = privacy.pseudonymise(out[column], key=key, prefix=PSEUDONYMS[column])
    return out


def evaluations(wb: Workbook, window: str | None = None) -> pd.DataFrame | None:
    """The run's evaluations, ids pseudonymised (within ``baseline`` or ``review`` when given); None without a table."""
    key = ("standards", "evaluations")
    if key not in wb._cache:
        table = wb.table("evaluations")
        wb._cache[key] = None if table is None else pseudonymised(wb, table)
    table = wb._cache[key]
    if table is None or window is None:
        return table
    return dated(table, *wb.window(window))


def held(wb: Workbook, window: str | None = None) -> pd.DataFrame:
    """:func:`evaluations` where the run has them: each stage's cell shows :data:`NO_EVALUATIONS`
    without an evaluations table before reaching the views that read them."""
    table = evaluations(wb, window)
    assert table is not None  # the stage's cell returned early without an evaluations table
    return table


def dated(table: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The evaluations dated from ``start`` to ``end`` (whole days)."""
    days = pd.to_datetime(table["date"])
    return table[(days >= start) & (days < end + pd.Timedelta(days=1))].reset_index(drop=True)


def in_teams(table: pd.DataFrame, teams: list[str]) -> pd.DataFrame:
    """The evaluations of ``teams`` (all when none are named or the table has no team)."""
    if not teams or "team" not in table:
        return table
    return table[table["team"].isin(teams)]


def weekly(wb: Workbook, table: pd.DataFrame) -> pd.DataFrame:
    """Checks and checks met per week (weeks start on Monday)."""
    weeks = week_start(pd.to_datetime(table["date"]))
    return compliance(table.assign(week=weeks), by="week", **settings(wb), alpha=alpha(wb))


def compliance_chart(wb: Workbook, weeks: pd.DataFrame, **kw) -> spc.SpcResult:
    """The chart of weekly compliance (NHS rules, higher is better, the cycle's target): a p chart,
    or Laney's p′ chart when the weeks vary more than their numbers of checks explain."""
    return spc.control_chart(
        weeks["met"],
        x=weeks["week"],
        chart=share_chart(weeks["met"], weeks["n"]),
        n=weeks["n"],
        rules="nhs",
        improvement="increase",
        target=wb.cycle.standards.target,
        **kw,
    )


def chart_note(weeks: pd.DataFrame) -> str:
    """Which chart weekly compliance is on, and why, in one sentence."""
    s = sigma_z(weeks["met"], weeks["n"])
    if share_chart(weeks["met"], weeks["n"]) == "pp":
        return (
            f"Weekly compliance varies more than the number of checks explains (σz = {s:.2f}), "
            "so the limits are those of Laney's p′ chart, widened by that factor."
        )
    return "Weekly compliance varies no more than the number of checks explains: a p chart."


def roll_out_weekly(wb: Workbook) -> pd.DataFrame:
    """Weekly compliance over the cycle in the teams that adopted the change (all in scope without a roll-out)."""
    return weekly(wb, dated(in_teams(held(wb), treated_teams(wb)), *cycle_span(wb)))


def change(wb: Workbook) -> pd.DataFrame:
    """Each criterion's compliance, baseline against review, in the roll-out and comparison teams (week clusters)."""
    key = ("standards", "change")
    if key not in wb._cache:
        rows = pd.concat(
            [held(wb, "baseline").assign(period="before")]
            + [held(wb, "review").assign(period="after")],
            ignore_index=True,
        )
        adopted = set(wb.cycle.rollout) if wb.cycle.rollout and "team" in rows else None
        rows["group"] = (
            np.where(rows["team"].isin(adopted), "roll-out", "comparison")
            if adopted
            else "roll-out"
        )
        rows["week"] = week_start(pd.to_datetime(rows["date"]))
        wb._cache[key] = compliance_change(rows, cluster="week", **settings(wb), alpha=alpha(wb))
    return wb._cache[key]


def improved(change_table: pd.DataFrame) -> pd.DataFrame:
    """The criteria whose compliance rose beyond the comparison teams (or in the roll-out teams without them).

    >>> t = pd.DataFrame({"criterion": ["a", "a", "a", "b"], "group": ["roll-out", "comparison", BEYOND, "roll-out"],
    ...                   "ci_low": [0.01, -0.1, 0.02, -0.05], "ci_high": [0.2, 0.1, 0.3, 0.1]})
    >>> improved(t)["criterion"].tolist()
    ['a']
    """
    has_beyond = set(change_table.loc[change_table["group"] == BEYOND, "criterion"])
    judged = change_table[
        (change_table["group"] == BEYOND)
        | ((change_table["group"] == "roll-out") & ~change_table["criterion"].isin(has_beyond))
    ]
    return judged[judged["ci_low"] > 0]


def share(value: float) -> str:
    """A share as the report writes it (one decimal of a percentage)."""
    return fmt(value, "share")
