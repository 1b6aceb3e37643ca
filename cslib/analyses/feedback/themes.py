"""Themes counted: their frequency and sentiment proxy, and their change before vs after.

The **sentiment proxy** is the score given with the comment (the ticket's CSAT,
1–5, or a 0–10 rating): the mean score of the comments of a theme, and the share
of *negative* comments (score at most ``negative_at_most``, default 3 — not a
top-2-box CSAT).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame
from cslib.analyses.feedback.lexicon import lexicon_table, tag
from cslib.errors import ParameterError, Problem
from cslib.stats.impact import adjust_pvalues, compare

__all__ = ["theme_change", "theme_summary"]


def _split(feedback: pd.DataFrame, split: object, date: str) -> np.ndarray:
    check_frame(feedback, [date], where="feedback")
    try:
        cut = pd.Timestamp(split)
    except (TypeError, ValueError):
        raise ParameterError(
            Problem(
                "split is not a date",
                column="split",
                values=(split,),
                fix="give the change date, e.g. split='2026-06-01'",
            )
        ) from None
    return np.where(pd.to_datetime(feedback[date]) < cut, "before", "after")


def theme_summary(
    feedback: pd.DataFrame,
    *,
    lexicon: Mapping | None = None,
    split: object = None,
    score: str = "score",
    negative_at_most: float = 3,
    text: str = "text",
    date: str = "date",
) -> pd.DataFrame:
    """Frequency and sentiment proxy of each theme (per period when ``split`` is given).

    Parameters
    ----------
    feedback : pandas.DataFrame
        The feedback table; not modified.
    lexicon : mapping, optional
        See :func:`lexicon_table`.
    split : date-like, optional
        Comments dated before it are ``"before"``, the others ``"after"``.
    score : str
        The score column (sentiment proxy).
    negative_at_most : float
        Scores at or below this count as negative.

    Returns
    -------
    pandas.DataFrame
        One row per (period ×) theme: ``period`` (with ``split``), ``theme``,
        ``dimension``, ``root_cause``, ``comments`` (in the period),
        ``mentions``, ``share`` (of comments), ``mean_score``,
        ``negative_share`` (of the theme's comments), ``negative_mentions``.
    """
    check_frame(feedback, ["feedback_id", text, score], where="theme_summary")
    fb = feedback.assign(_period=_split(feedback, split, date) if split is not None else "all")
    fb = fb.assign(_score=pd.to_numeric(fb[score], errors="coerce").astype(float))
    tags = tag(fb, lexicon=lexicon, text=text)
    lex = lexicon_table(lexicon).drop_duplicates("theme")
    rows = []
    periods = ["before", "after"] if split is not None else ["all"]
    for period in periods:
        n = int((fb["_period"] == period).sum())
        part = tags[tags["_period"] == period]
        for r in lex.itertuples():
            t = part[part["theme"] == r.theme]
            s = t["_score"].dropna()
            rows.append(
                {
                    "period": period,
                    "theme": r.theme,
                    "dimension": r.dimension,
                    "root_cause": r.root_cause,
                    "comments": n,
                    "mentions": len(t),
                    "share": len(t) / n if n else np.nan,
                    "mean_score": float(s.mean()) if len(s) else np.nan,
                    "negative_share": float((s <= negative_at_most).mean()) if len(s) else np.nan,
                    "negative_mentions": int((s <= negative_at_most).sum()),
                }
            )
    out = pd.DataFrame(rows)
    return out if split is not None else out.drop(columns="period")


def theme_change(
    feedback: pd.DataFrame,
    *,
    split: object,
    lexicon: Mapping | None = None,
    score: str = "score",
    negative_at_most: float = 3,
    alpha: float = 0.05,
    text: str = "text",
    date: str = "date",
) -> pd.DataFrame:
    """Before vs after per theme: share of comments mentioning it, and its mean score.

    Uses :func:`cslib.stats.impact.compare` (``proportion`` for the share of
    comments, ``continuous`` for the score); p-values Holm-adjusted over all rows.

    Returns
    -------
    pandas.DataFrame
        One row per theme × ``measure`` (``"share of comments"``, ``"mean score"``,
        ``"negative share"``): ``theme``, ``dimension``, ``measure``, ``n_before``,
        ``n_after``, ``before``, ``after``, ``diff``, ``ci_low``, ``ci_high``,
        ``p_value``, ``p_adjusted``, ``adjust_method``.
    """
    alpha = check_alpha(alpha)
    check_frame(feedback, ["feedback_id", text, score], where="theme_change")
    period = _split(feedback, split, date)
    fb = feedback.assign(
        _period=period, _score=pd.to_numeric(feedback[score], errors="coerce").astype(float)
    )
    tags = tag(fb, lexicon=lexicon, text=text)
    lex = lexicon_table(lexicon).drop_duplicates("theme")
    rows = []
    n_b, n_a = int((period == "before").sum()), int((period == "after").sum())
    for r in lex.itertuples():
        t = tags[tags["theme"] == r.theme]
        b, a = t[t["_period"] == "before"], t[t["_period"] == "after"]
        tries = [
            ("share of comments", "proportion", (len(b), n_b), (len(a), n_a)),
            (
                "mean score",
                "continuous",
                b["_score"].dropna().to_numpy(),
                a["_score"].dropna().to_numpy(),
            ),
            (
                "negative share",
                "proportion",
                (b["_score"] <= negative_at_most).astype(int).to_numpy(),
                (a["_score"] <= negative_at_most).astype(int).to_numpy(),
            ),
        ]
        for measure, kind, xb, xa in tries:
            try:
                res = compare(xb, xa, kind=kind, alpha=alpha).iloc[0]
            except ParameterError:
                continue
            rows.append(
                {
                    "theme": r.theme,
                    "dimension": r.dimension,
                    "measure": measure,
                    "n_before": res["n_before"],
                    "n_after": res["n_after"],
                    "before": res["before"],
                    "after": res["after"],
                    "diff": res["diff"],
                    "ci_low": res["ci_low"],
                    "ci_high": res["ci_high"],
                    "p_value": res["p_value"],
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        raise ParameterError(
            Problem(
                "too few themed comments on one side of the split",
                column="split",
                values=(split,),
                fix="move the split date or widen the feedback period",
            )
        )
    adj = adjust_pvalues(out["p_value"].fillna(1.0).to_numpy(), method="holm", alpha=alpha)
    out["p_adjusted"] = adj["p_adjusted"].to_numpy()
    out["adjust_method"] = adj["adjust_method"].to_numpy()
    return out
