"""Qualitative feedback: comment themes from a keyword lexicon, their frequency and
sentiment before vs after, and representative verbatims safe to share.

A **lexicon** maps themes to RATER dimensions, root causes and keywords. The
default (:data:`DEFAULT_LEXICON`) suits a service desk; pass your own as a dict,
either in the same form ``{theme: {"dimension": …, "root_cause": …, "keywords":
[…]}}`` or flat ``{keyword: dimension}`` / ``{keyword: (dimension, root_cause)}``
(each dimension then is a theme). Keywords match whole words or phrases,
case-insensitively; a comment can carry several themes.

The **sentiment proxy** is the score given with the comment (the ticket's CSAT,
1–5, or a 0–10 rating): the mean score of the comments of a theme, and the share
of *negative* comments (score at most ``negative_at_most``, default 3 — not a
top-2-box CSAT).

Verbatims are masked (:func:`cslib.data.privacy.mask_text`), customer ids
pseudonymised (:func:`cslib.data.privacy.pseudonymise`) and HTML-escaped when shown.

Examples
--------
>>> import pandas as pd
>>> fb = pd.DataFrame({"feedback_id": ["f1", "f2"], "date": pd.to_datetime(["2026-03-01", "2026-07-01"]),
...                    "text": ["Kept on hold far too long.", "Kind and patient with me."], "score": [2, 5]})
>>> tag(fb)[["feedback_id", "theme", "dimension"]].values.tolist()
[['f1', 'speed of response', 'responsiveness'], ['f2', 'care and attitude', 'empathy']]
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame
from cslib.analyses.servqual import RATER
from cslib.data.privacy import mask_text, pseudonymise
from cslib.errors import ParameterError, Problem
from cslib.stats.impact import adjust_pvalues, compare

__all__ = [
    "DEFAULT_LEXICON",
    "Verbatims",
    "lexicon_table",
    "tag",
    "theme_change",
    "theme_summary",
    "verbatims",
]

#: theme → RATER dimension, likely root cause and keywords (whole words or phrases)
DEFAULT_LEXICON: dict[str, dict[str, object]] = {
    "fixed first time": {
        "dimension": "reliability",
        "root_cause": "process",
        "keywords": (
            "first time",
            "fixed",
            "sorted",
            "stayed fixed",
            "came back",
            "came straight back",
            "chase",
            "call back",
            "different answer",
            "again",
            "still not",
            "right answer",
            "the answer was right",
        ),
    },
    "speed of response": {
        "dimension": "responsiveness",
        "root_cause": "capacity",
        "keywords": (
            "wait",
            "waited",
            "waiting",
            "on hold",
            "hold",
            "quick",
            "fast",
            "minutes",
            "days",
            "turnaround",
            "reply",
            "got back",
            "slow",
            "promised",
            "queue",
            "answered within",
        ),
    },
    "knowledge and confidence": {
        "dimension": "assurance",
        "root_cause": "people",
        "keywords": (
            "knew",
            "unsure",
            "confident",
            "advice",
            "explain",
            "explained",
            "explanation",
            "safe hands",
            "keep asking",
            "convinced",
            "what would happen next",
        ),
    },
    "care and attitude": {
        "dimension": "empathy",
        "root_cause": "people",
        "keywords": (
            "listened",
            "kind",
            "patient",
            "rude",
            "dismissive",
            "care",
            "cared",
            "just a number",
            "understood",
            "inconvenience",
            "polite",
            "friendly",
        ),
    },
    "tools and channels": {
        "dimension": "tangibles",
        "root_cause": "system",
        "keywords": (
            "app",
            "website",
            "web site",
            "chat",
            "form",
            "emails",
            "e-mails",
            "contact details",
            "crashed",
            "portal",
            "online",
            "letter",
        ),
    },
}


def lexicon_table(lexicon: Mapping | None = None) -> pd.DataFrame:
    """The lexicon as a table: one row per theme × keyword.

    Parameters
    ----------
    lexicon : mapping, optional
        ``{theme: {"dimension", "root_cause", "keywords"}}`` or flat
        ``{keyword: dimension}`` / ``{keyword: (dimension, root_cause)}``.
        Default :data:`DEFAULT_LEXICON`.

    Returns
    -------
    pandas.DataFrame
        ``theme``, ``dimension``, ``root_cause``, ``keyword``.
    """
    lexicon = DEFAULT_LEXICON if lexicon is None else lexicon
    if not isinstance(lexicon, Mapping) or not lexicon:
        raise ParameterError(
            Problem(
                "the lexicon must be a non-empty mapping",
                column="lexicon",
                values=(type(lexicon).__name__,),
                fix="pass {theme: {'dimension': 'reliability', 'root_cause': 'process', 'keywords': [...]}} or {keyword: dimension}",
            )
        )
    rows = []
    for key, spec in lexicon.items():
        if isinstance(spec, Mapping):
            words = spec.get("keywords")
            if isinstance(words, str) or not words:
                raise ParameterError(
                    Problem(
                        f"theme '{key}' needs a list of keywords",
                        column="lexicon",
                        values=(key,),
                        fix="give 'keywords': ['word', 'a phrase', ...]",
                    )
                )
            dim, cause = spec.get("dimension"), spec.get("root_cause")
            rows += [(str(key), dim, cause, str(w).lower()) for w in words]
        elif isinstance(spec, str):
            rows.append((spec.lower(), spec, None, str(key).lower()))
        elif isinstance(spec, tuple | list) and len(spec) == 2:
            rows.append((str(spec[0]).lower(), spec[0], spec[1], str(key).lower()))
        else:
            raise ParameterError(
                Problem(
                    f"cannot read the lexicon entry '{key}'",
                    column="lexicon",
                    values=(spec,),
                    fix="map a keyword to a dimension, or a theme to {'dimension', 'root_cause', 'keywords'}",
                )
            )
    out = pd.DataFrame(rows, columns=["theme", "dimension", "root_cause", "keyword"])
    dims = out["dimension"].dropna().astype(str).str.lower()
    bad = sorted(set(dims) - set(RATER))
    if bad:
        raise ParameterError(
            Problem(
                "unknown RATER dimension in the lexicon",
                column="lexicon",
                values=tuple(bad),
                fix=f"use one of {', '.join(RATER)}",
            )
        )
    out["dimension"] = out["dimension"].map(lambda d: d.lower() if isinstance(d, str) else d)
    return out


def _patterns(lex: pd.DataFrame) -> dict[str, re.Pattern]:
    out = {}
    for theme, g in lex.groupby("theme", sort=False):
        words = sorted(set(g["keyword"]), key=len, reverse=True)
        out[theme] = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
        )
    return out


def tag(
    feedback: pd.DataFrame, *, lexicon: Mapping | None = None, text: str = "text"
) -> pd.DataFrame:
    """Themes found in each comment (long format: one row per comment × theme).

    Returns
    -------
    pandas.DataFrame
        ``feedback_id``, ``theme``, ``dimension``, ``root_cause``, ``keyword``
        (the first match), then the other feedback columns (``date``,
        ``score``…). Comments without a theme are left out.
    """
    check_frame(feedback, ["feedback_id", text], where="feedback.tag")
    lex = lexicon_table(lexicon)
    meta = lex.drop_duplicates("theme").set_index("theme")
    texts = feedback[text].astype(object).fillna("").astype(str).to_numpy()
    rows = []
    for theme, pat in _patterns(lex).items():
        for i, s in enumerate(texts):
            m = pat.search(s)
            if m:
                rows.append(
                    (
                        i,
                        theme,
                        meta.loc[theme, "dimension"],
                        meta.loc[theme, "root_cause"],
                        m.group(0).lower(),
                    )
                )
    tags = pd.DataFrame(
        rows, columns=["_i", "theme", "dimension", "root_cause", "keyword"]
    ).sort_values(["_i", "theme"], kind="stable")
    base = feedback.reset_index(drop=True)
    out = tags.join(base, on="_i").drop(columns="_i").reset_index(drop=True)
    first = ["feedback_id", "theme", "dimension", "root_cause", "keyword"]
    return out[first + [c for c in out.columns if c not in first]]


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


@dataclass(frozen=True)
class Verbatims:
    """Representative comments, masked and pseudonymised; ``_repr_html_`` escapes every cell."""

    table: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.table.columns)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row)
            + "</tr>"
            for row in self.table.itertuples(index=False)
        )
        return f"<div class='cslib-verbatims'><h4>Representative comments</h4><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def verbatims(
    feedback: pd.DataFrame,
    *,
    lexicon: Mapping | None = None,
    n: int = 2,
    theme: str | None = None,
    score: str = "score",
    negative_at_most: float = 3,
    key: str | bytes | None = None,
    text: str = "text",
) -> Verbatims:
    """Representative comments per theme and tone, safe to put in a report.

    "Representative" = the most frequent wordings (after masking) among the
    theme's negative and positive comments, most recent example first; ``similar``
    says how many comments share the wording.

    Parameters
    ----------
    feedback : pandas.DataFrame
        The feedback table; not modified.
    n : int
        Comments per theme and tone.
    theme : str, optional
        Only this theme.
    key : str or bytes, optional
        Pseudonym key (default: environment / default key, see :mod:`cslib.data.privacy`).

    Returns
    -------
    Verbatims
        ``.table``: ``theme``, ``dimension``, ``tone`` (negative / positive),
        ``text`` (masked), ``similar``, ``score``, ``date``, ``customer``
        (pseudonym), ``feedback_id``.
    """
    if not (isinstance(n, int) and n >= 1):
        raise ParameterError(
            Problem(
                "n must be a whole number of at least 1", column="n", values=(n,), fix="e.g. n=3"
            )
        )
    check_frame(feedback, ["feedback_id", text, score], where="verbatims")
    tags = tag(feedback, lexicon=lexicon, text=text)
    if theme is not None:
        if theme not in set(lexicon_table(lexicon)["theme"]):
            raise ParameterError(
                Problem(
                    "unknown theme",
                    column="theme",
                    values=(theme,),
                    fix="use a theme of the lexicon",
                )
            )
        tags = tags[tags["theme"] == theme]
    tags = tags.assign(
        _masked=[mask_text(s) for s in tags[text].astype(object)],
        _score=pd.to_numeric(tags[score], errors="coerce").astype(float),
    )
    tags["tone"] = np.where(tags["_score"] <= negative_at_most, "negative", "positive")
    tags["_norm"] = (
        tags["_masked"]
        .str.replace(
            r"\s*(you can reach me on|call me on|mail me at).*$", "", regex=True, flags=re.I
        )
        .str.strip()
        .str.lower()
    )
    rows = []
    for (th, tone), g in tags.groupby(["theme", "tone"], sort=True):
        counts = g["_norm"].value_counts()
        for wording in counts.index[:n]:
            ex = g[g["_norm"] == wording]
            ex = ex.sort_values("date", ascending=False) if "date" in ex else ex
            e = ex.iloc[0]
            rows.append(
                {
                    "theme": th,
                    "dimension": e["dimension"],
                    "tone": tone,
                    "text": e["_masked"],
                    "similar": int(counts[wording]),
                    "score": e["_score"],
                    "date": e.get("date", pd.NaT),
                    "customer": pseudonymise([e.get("customer_id")], key=key)[0]
                    if "customer_id" in ex
                    else None,
                    "feedback_id": e["feedback_id"],
                }
            )
    order = {"negative": 0, "positive": 1}
    out = pd.DataFrame(
        rows,
        columns=[
            "theme",
            "dimension",
            "tone",
            "text",
            "similar",
            "score",
            "date",
            "customer",
            "feedback_id",
        ],
    )
    out = out.sort_values(
        ["theme", "tone", "similar"],
        key=lambda s: s.map(order) if s.name == "tone" else (-s if s.name == "similar" else s),
        ignore_index=True,
    )
    return Verbatims(table=out)
