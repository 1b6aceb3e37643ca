"""Representative comments per theme and tone, safe to share.

Verbatims are masked (:func:`cslib.data.privacy.mask_texts`), customer ids
pseudonymised (:func:`cslib.data.privacy.pseudonymise`) and HTML-escaped when shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cslib._args import check_frame
from cslib.analyses.feedback.lexicon import lexicon_table, tag
from cslib.data.privacy import identifiers_in, mask_texts, pseudonymise
from cslib.errors import ParameterError, Problem

__all__ = ["Verbatims", "verbatims"]


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
    identifiers: Sequence[str] = ("customer_id",),
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
        Pseudonym key (default: the environment's, else this installation's; see
        :mod:`cslib.data.privacy`).
    identifiers : sequence of str
        Identifier columns (the cycle's ``privacy.identifiers``): their values are
        masked where a comment writes them.

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
        _masked=mask_texts(tags[text], identifiers=identifiers_in(feedback, identifiers)),
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
