"""What customers say about the change: comment themes and perceived service quality before and after it.

The Check shows these beside the numbers (:func:`comments`, :func:`servqual`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.analyses import feedback
from cslib.analyses import servqual as servqual_module
from cslib.cycle.workbook import Workbook
from cslib.data import privacy
from cslib.display import Html, Table, fmt
from cslib.stages._shared import cycle_span, treated_teams


def comments(wb: Workbook) -> Html:
    """Customer comments before vs after the change in the adopting teams: themes, their tone, representative verbatims."""
    fb = wb.table("feedback")
    if fb is None or fb.empty:
        return Html.text(
            "No customer comments in the cycle's data: the Check has no qualitative evidence."
        )
    teams = treated_teams(wb)
    if teams and "team" in fb:
        fb = fb[fb["team"].isin(teams)]
    start, end = cycle_span(wb)
    fb = fb[(fb["date"] >= start) & (fb["date"] < end + pd.Timedelta(days=1))]
    split = pd.Timestamp(wb.cycle.change.date)
    summary = feedback.theme_summary(fb, split=split)
    wide = summary.pivot_table(
        index=["theme", "dimension"], columns="period", values=["share", "mean_score"]
    ).reset_index()
    wide.columns = [" ".join(c).strip() if isinstance(c, tuple) else c for c in wide.columns]
    wide = wide.rename(
        columns={
            "share before": "share of comments before",
            "share after": "share of comments after",
            "mean_score before": "mean score before",
            "mean_score after": "mean score after",
        }
    )
    wb.save("comment_themes", summary)
    after = fb[fb["date"] >= split]
    quotes = (
        feedback.verbatims(
            after,
            n=1,
            key=privacy.pseudonym_key(wb.cycle.privacy.key),
            identifiers=wb.cycle.privacy.identifiers,
        )
        if len(after)
        else None
    )
    counts = summary.groupby("period")["comments"].first().to_dict()
    caption = f"{counts.get('before', 0):,} comments before and {counts.get('after', 0):,} after the change; themes from a keyword lexicon mapped to the RATER dimensions; score = the customer's rating"
    shares = {c: (c, "share") for c in wide.columns if c.startswith("share of")}
    order = ["theme", "dimension", "share of comments before", "share of comments after"]
    order += ["mean score before", "mean score after"]
    return Html.join(
        Html.text(themes_finding(wide)),
        Table(wide[[c for c in order if c in wide]], caption=caption, columns=shares),
        Html.folded(
            "Representative comments after the change (contact details masked)",
            Table(quotes.table, body=["theme", "tone", "text", "similar", "score"])
            if quotes is not None
            else None,
        ),
    )


def servqual(wb: Workbook):
    """SERVQUAL / RATER: change of each dimension's gap between the survey before and the survey after the change."""
    survey = wb.table("survey")
    if survey is None or "date" not in survey:
        return Html.text(
            "No dated SERVQUAL survey in the cycle's data: the change in perceived quality cannot be measured."
        )
    split = pd.Timestamp(wb.cycle.change.date)
    if not ((survey["date"] < split).any() and (survey["date"] >= split).any()):
        return Html.text("The SERVQUAL survey has no wave on both sides of the change.")
    period = np.where(survey["date"] >= split, "after", "before")
    result = servqual_module.change(
        survey.assign(wave=period), period="wave", before="before", after="after"
    )
    wb.save("servqual_change", result)
    return Html.join(
        Html.text(gaps_finding(result)),
        Table(
            result,
            body=[
                "dimension",
                "before",
                "after",
                "diff",
                "ci_low",
                "ci_high",
                "p_adjusted",
                "shrank",
            ],
            columns={
                "before": ("gap before", "scale points"),
                "after": ("gap after", "scale points"),
                "diff": ("change in gap", "scale points"),
                "ci_low": ("95 % interval from", "scale points"),
                "ci_high": ("95 % interval to", "scale points"),
            },
            caption="Gap = perception − expectation on the 1–7 scale; change = gap after − gap before per dimension "
            "(positive = the shortfall narrowed), Holm-adjusted p-values",
        ),
    )


def gaps_finding(result: pd.DataFrame) -> str:
    """The SERVQUAL change in one sentence: where the shortfall narrowed or widened clearly.

    >>> gaps_finding(pd.DataFrame({"dimension": ["reliability", "empathy", "tangibles"],
    ...                            "diff": [0.25, 0.05, -0.3], "significant": [True, False, True]}))
    "Customers' shortfall between expectation and perception narrowed clearly on reliability, widened on tangibles; the others show no clear change."
    """
    clear = result["significant"].fillna(False).astype(bool)
    said = [
        f"{verb} on {' and '.join(result.loc[clear & side, 'dimension'])}"
        for verb, side in (
            ("narrowed clearly", result["diff"] > 0),
            ("widened", result["diff"] < 0),
        )
        if (clear & side).any()
    ]
    if not said:
        return "No dimension's shortfall between expectation and perception changed clearly."
    rest = "; the others show no clear change" if (~clear).any() else ""
    return f"Customers' shortfall between expectation and perception {', '.join(said)}{rest}."


def themes_finding(wide: pd.DataFrame) -> str:
    """The comments before and after the change in one sentence: the themes whose score rose, the commonest theme.

    >>> themes_finding(pd.DataFrame({"theme": ["speed", "care"], "share of comments after": [0.3, 0.1],
    ...                              "mean score before": [4.2, 4.1], "mean score after": [4.3, 4.0]}))
    "After the change customers' mean score rose in 1 of 2 themes; the commonest theme is 'speed' (30.0 % of comments)."
    """
    if not {"mean score before", "mean score after", "share of comments after"} <= set(wide):
        return "The comments do not span both sides of the change: their themes cannot be compared."
    rose = int((wide["mean score after"] > wide["mean score before"]).sum())
    top = wide.loc[wide["share of comments after"].idxmax()]
    return (
        f"After the change customers' mean score rose in {rose} of {len(wide)} themes; the commonest theme "
        f"is '{top['theme']}' ({fmt(top['share of comments after'], 'share')} of comments)."
    )
