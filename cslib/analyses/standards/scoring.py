"""Evaluations scored: each criterion met or not, each evaluation's weighted score.

A criterion row gives a pass/fail ``met``, or a ``score`` out of ``max_score``
(or both: ``met`` then wins for the verdict, the score for the points). A
scored criterion counts as met when ``score / max_score >= pass_mark`` (full
marks by default). An evaluation's score is

    100 × Σ weight × fraction ÷ Σ weight

where ``fraction`` is ``score / max_score`` (or 1/0 for met/not met), and it is
0 when any **critical** criterion was not met (the critical-fail rule).

Weight, critical flag, RATER dimension and standard come from the data's own
columns where given, otherwise from the declared scorecard (see
:func:`scored`); a criterion neither gives has weight 1 and is not critical.

Examples
--------
>>> import pandas as pd
>>> e = pd.DataFrame({"evaluation_id": ["e1", "e1"], "criterion": ["greeting", "id_check"],
...                   "met": [True, False], "critical": [False, True]})
>>> evaluation_scores(e)[["evaluation_id", "raw_score", "critical_fail", "score"]].values.tolist()
[['e1', 50.0, True, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame
from cslib.analyses.servqual._common import mean_ci
from cslib.analyses.standards._common import (
    DECLARED,
    EVALUATION_COLUMNS,
    Scorecard,
    declared,
    group_columns,
)
from cslib.errors import DataError, ParameterError, Problem

__all__ = ["evaluation_scores", "mean_scores", "scored"]


def scored(
    evaluations: pd.DataFrame, *, scorecard: Scorecard = None, pass_mark: float = 1.0
) -> pd.DataFrame:
    """Each criterion row with its verdict, its share of points and the scorecard's declarations.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        The evaluations table (one row per evaluation × criterion): ``evaluation_id``,
        ``criterion`` and ``met`` or ``score`` with ``max_score``; not modified.
    scorecard : DataFrame or list of mappings, optional
        One row per criterion: ``criterion`` and any of ``dimension``, ``weight``,
        ``critical``, ``standard`` (and ``scorecard`` when several forms are
        declared), e.g. the cycle file's ``standards.scorecard()``. The data's
        own values win where a row gives them.
    pass_mark : float
        Share of ``max_score`` at which a scored criterion counts as met.

    Returns
    -------
    pandas.DataFrame
        The input rows (same order) with ``met`` (bool), ``fraction`` (0–1),
        ``weight`` (float), ``critical`` (bool) and, where known, ``dimension``
        and ``standard``.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"evaluation_id": ["e1", "e2"], "criterion": ["empathy", "empathy"],
    ...                   "score": [4, 5], "max_score": [5, 5]})
    >>> scored(e, scorecard=[{"criterion": "empathy", "weight": 2}])[["met", "fraction", "weight"]].values.tolist()
    [[False, 0.8, 2.0], [True, 1.0, 2.0]]
    """
    check_frame(evaluations, ["evaluation_id", "criterion"], where="standards")
    if not 0 < pass_mark <= 1:
        raise ParameterError(
            Problem(
                "pass_mark must be a share of max_score above 0 and at most 1",
                values=(pass_mark,),
                fix="use e.g. 1.0 (full marks) or 0.8",
            )
        )
    out = evaluations.copy()
    met, fraction = _verdicts(out, pass_mark)
    out["met"], out["fraction"] = met, fraction
    table = declared(scorecard)
    if table is not None:
        out = _with_declared(out, table)
    out["weight"] = _numbers(out, "weight").fillna(1.0)
    out["critical"] = _truths(out, "critical") == 1
    return out


def _verdicts(rows: pd.DataFrame, pass_mark: float) -> tuple[np.ndarray, np.ndarray]:
    """Each row's verdict and share of points, or a DataError naming every row that has neither."""
    if "score" not in rows and "met" not in rows:
        raise ParameterError(
            Problem(
                "the evaluations have neither a score nor a met column",
                column="score, met",
                fix="give score with max_score, or met (true/false), for every criterion",
            )
        )
    given = _truths(rows, "met")
    score, top = _numbers(rows, "score").to_numpy(), _numbers(rows, "max_score").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        points = np.where(top > 0, score / top, np.nan)
    problems = [
        _problem(
            rows,
            np.isnan(given) & np.isnan(score),
            "score, met",
            "gives no score and no met",
            "give met, or score with max_score, on every row",
        ),
        _problem(
            rows,
            ~np.isnan(score) & ~(top > 0),
            "max_score",
            "missing or not above 0 where a score is given",
            "give the most points the criterion can get (e.g. 5 for a 0–5 scale)",
        ),
        _problem(rows, points > 1, "score", "above max_score", "check the scale of the rows named"),
    ]
    found = [p for p in problems if p is not None]
    if found:
        raise DataError(found, where="evaluations")
    met = np.where(np.isnan(given), points >= pass_mark, given == 1)
    return met.astype(bool), np.where(np.isnan(points), given, points)


def _problem(rows, bad: np.ndarray, column: str, what: str, fix: str) -> Problem | None:
    where = np.flatnonzero(bad)
    if not where.size:
        return None
    return Problem(
        what,
        column=column,
        rows=tuple(int(i) + 2 for i in where[:5]),  # as a spreadsheet numbers them
        n_rows=int(where.size),
        values=tuple(rows["evaluation_id"].iloc[where[:5]]),
        fix=fix,
    )


def _numbers(rows: pd.DataFrame, column: str) -> pd.Series:
    if column not in rows:
        return pd.Series(np.nan, index=rows.index)
    return pd.to_numeric(rows[column], errors="coerce").astype(float)


def _truths(rows: pd.DataFrame, column: str) -> np.ndarray:
    """A true/false column as 1.0/0.0, NaN where not given."""
    if column not in rows:
        return np.full(len(rows), np.nan)
    return rows[column].astype("boolean").astype("Float64").to_numpy(float, na_value=np.nan)


def _with_declared(rows: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The scorecard's declarations filled into the rows that do not give them."""
    keys = [k for k in ("criterion", "scorecard") if k in table]
    if "scorecard" in keys and "scorecard" not in rows:
        keys = ["criterion"]
        table = table.drop(columns="scorecard").drop_duplicates("criterion")
    merged = rows.merge(table, on=keys, how="left", suffixes=("", "_declared"), validate="m:1")
    merged.index = rows.index
    for column in DECLARED:
        extra = f"{column}_declared"
        if extra in merged:
            merged[column] = (
                merged[column].astype(object).where(merged[column].notna(), merged.pop(extra))
            )
    return merged


def evaluation_scores(
    evaluations: pd.DataFrame, *, scorecard: Scorecard = None, pass_mark: float = 1.0
) -> pd.DataFrame:
    """One row per evaluation: criteria met, weighted score and the critical-fail rule.

    Parameters
    ----------
    evaluations, scorecard, pass_mark
        As for :func:`scored`.

    Returns
    -------
    pandas.DataFrame
        ``evaluation_id``, the evaluation's own columns present (``date``,
        ``source``, ``team``, ``agent_id``, ``channel``, ``ticket_id``,
        ``evaluator``, ``scorecard``; first value of its rows), ``n_criteria``,
        ``n_met``, ``raw_score`` (0–100, weighted), ``critical_fail`` (a
        critical criterion not met) and ``score`` (0 when ``critical_fail``,
        else ``raw_score``).

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"evaluation_id": ["e1"] * 3, "criterion": ["greet", "answer", "close"],
    ...                   "score": [1, 3, 0], "max_score": [1, 4, 2], "weight": [1, 2, 1]})
    >>> evaluation_scores(e)[["raw_score", "score"]].values.tolist()
    [[62.5, 62.5]]
    """
    rows = scored(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    rows["points"] = rows["weight"] * rows["fraction"]
    rows["critical_fail"] = rows["critical"] & ~rows["met"]
    groups = rows.groupby("evaluation_id", sort=False)
    out = groups.agg(
        n_criteria=("criterion", "size"),
        n_met=("met", "sum"),
        weight=("weight", "sum"),
        points=("points", "sum"),
        critical_fail=("critical_fail", "any"),
    )
    described = [c for c in EVALUATION_COLUMNS if c in rows]
    out = groups[described].first().join(out).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["raw_score"] = 100 * out.pop("points") / out.pop("weight")
    out["score"] = out["raw_score"].where(~out["critical_fail"], 0.0)
    out["n_met"] = out["n_met"].astype(int)
    return out


def mean_scores(
    evaluations: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    scorecard: Scorecard = None,
    pass_mark: float = 1.0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The mean evaluation score per group, with its t interval and the share of critical fails.

    Evaluations are the independent units; a critical fail counts as a score of 0,
    so the mean mixes quality and critical failures (``critical_fail_share``
    separates them).

    Parameters
    ----------
    evaluations, scorecard, pass_mark
        As for :func:`scored`.
    by : str or list of str, optional
        Evaluation columns to group by (``team``, ``agent_id``, ``channel``,
        ``source``, ``evaluator``…); none gives one overall row.
    alpha : float
        1 − confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``n``, ``mean``, ``ci_low``, ``ci_high`` (NaN for
        fewer than two evaluations) and ``critical_fail_share``.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"evaluation_id": ["e1", "e2", "e3", "e4"], "team": ["A", "A", "B", "B"],
    ...                   "criterion": "greeting", "score": [4, 2, 3, 3], "max_score": 4})
    >>> mean_scores(e, by="team")[["team", "n", "mean"]].values.tolist()
    [['A', 2, 75.0], ['B', 2, 75.0]]
    """
    alpha = check_alpha(alpha)
    scores = evaluation_scores(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    columns = group_columns(by, scores, where="mean_scores")
    groups = scores.groupby(columns, sort=True) if columns else [((), scores)]
    rows = []
    for key, part in groups:
        mean, _, low, high = mean_ci(part["score"].dropna().to_numpy(float), alpha)
        rows.append(
            {
                **dict(zip(columns, key if isinstance(key, tuple) else (key,), strict=True)),
                "n": len(part),
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "critical_fail_share": float(part["critical_fail"].mean()),
            }
        )
    return pd.DataFrame(rows)
