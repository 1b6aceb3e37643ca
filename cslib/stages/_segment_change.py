"""The Check stage's segment comparisons and mix analysis from plain arrays, not a frame of cases.

The cases behind an objective (the tickets of the adopting teams, labelled baseline or
review, with their day) are read from DuckDB once per objective for all the segment
dimensions (:func:`objective_cases`): values, periods as flags, days as numbers and
segments as codes, in time order, which is what the per-segment tests (medians, day
bootstraps, rank effects) need. The mix/rate decomposition needs only each segment's count
and mean per period, two counts over the same arrays (:func:`mix_of`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from cslib.cycle.workbook import Workbook
from cslib.data import sql
from cslib.data import tables as io
from cslib.metrics import engine as kpi
from cslib.stages._shared import cycle_span, treated_teams
from cslib.stats.impact.segment_tables import mix_from_means, segment_table


def objective_cases(wb: Workbook, obj, dims: list[str]) -> CaseArrays:
    """The :class:`CaseArrays` of an objective: its tickets in the adopting teams (or all in
    scope), labelled baseline or review, tickets between the periods left out, with their
    ``dims`` segments; read from the tickets in one query for all the dimensions."""
    teams = treated_teams(wb) or wb.scope_teams
    filters = {**(obj.segment or {}), **({"team": teams} if teams else {})}
    start, end = cycle_span(wb)
    c = wb.cycle
    path, options = wb.source("tickets")
    con, view = kpi.scan(
        path,
        by=dims,
        filters=filters or None,
        start=start,
        end=end,
        options=options,
        validate=False,
    )
    try:
        query = kpi.case_query(
            con,
            obj.kpi,
            by=dims,
            sla=c.sla_spec(),
            economics=c.economics.model_dump(),
            source=io.label(path),
            **c.queue_definitions(),
        )
        review = pd.Timestamp(c.periods.review.start).to_pydatetime()
        gap = (wb.window("baseline")[1] + pd.Timedelta(days=1)).to_pydatetime()  # neither period
        cases = f"""SELECT {", ".join(sql.ident(d) for d in dims)},
                           CASE WHEN created_at >= TIMESTAMP {sql.quote(review)} THEN 'review'
                                WHEN created_at > TIMESTAMP {sql.quote(gap)} THEN NULL
                                ELSE 'baseline' END AS period,
                           date_trunc('day', created_at) AS day, created_at, value
                    FROM ({query})"""
        return case_arrays(con, dims, cases=f"({cases})", segments=view)
    finally:
        con.close()


class CaseArrays(NamedTuple):
    """Cases in time order: each one's value, whether it is of the review, its day (a number)
    and, per segment dimension, its segment's code (−1: none) and the labels of the codes
    (segments without a case among them)."""

    value: np.ndarray
    review: np.ndarray
    day: np.ndarray
    codes: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]


def case_arrays(
    con, dims: list[str], *, cases: str = "all_cases", segments: str | None = None
) -> CaseArrays:
    """The :class:`CaseArrays` of ``cases`` (a table, or a query in brackets, with ``dims``,
    ``period`` — baseline, review or NULL: left out —, ``day``, ``created_at`` and ``value``),
    read in one query. The segments are coded from the distinct values of the table
    ``segments`` (default: ``cases``), which holds every case's: joined, not ranked over
    every case."""
    distinct = con.execute(
        f"SELECT DISTINCT {', '.join(sql.ident(d) for d in dims)} FROM {segments or cases}"
    ).df()
    labels, joins, codes = {}, [], []
    for i, dim in enumerate(dims):
        found = sorted(v for v in distinct[dim].dropna().unique())
        labels[dim] = np.asarray(found, dtype=object)
        codes_of = {"seg": pd.Series(found, dtype="string"), "code": np.arange(len(found))}
        con.register(f"seg_codes_{i}", pd.DataFrame(codes_of))  # text, even when empty
        col = sql.ident(dim)
        joins.append(f"LEFT JOIN seg_codes_{i} s{i} ON s{i}.seg = c.{col}")
        codes.append(f"coalesce(s{i}.code, -1) AS code_{i}")
    got = con.execute(  # periods as flags, days as numbers: no string or timestamp per case
        f"""SELECT {", ".join(codes)}, c.period = 'review' AS review,
                   CAST(epoch(c.day) // 86400 AS BIGINT) AS day, c.value
            FROM {cases} c {" ".join(joins)} WHERE c.period IS NOT NULL ORDER BY c.created_at"""
    ).fetchnumpy()
    return CaseArrays(
        np.ma.filled(np.ma.asarray(got["value"], dtype=float), np.nan),  # NULL: NaN, not 0
        np.asarray(got["review"], dtype=bool),
        np.asarray(got["day"], dtype=np.int64),
        {dim: np.asarray(got[f"code_{i}"], dtype=np.int64) for i, dim in enumerate(dims)},
        labels,
    )


def segment_changes(
    cases: CaseArrays, dim: str, kind: str, *, adjust: str = "holm"
) -> pd.DataFrame:
    """Every segment of the ``dim`` column compared between baseline and review, its days as
    the units (the ``table`` of :func:`~cslib.stats.impact.compare_segments` with ``day``)."""
    seg = cases.codes[dim]
    given = _given(seg)
    table = segment_table(
        cases.value[given],
        seg[given],
        cases.review[given],
        cases.day[given],
        kind=kind,
        before=False,
        after=True,
        adjust=adjust,
    )
    table["segment"] = cases.labels[dim][table["segment"].to_numpy(dtype=np.intp)]
    return table


def _given(codes: np.ndarray) -> np.ndarray | slice:
    """The cases with a segment: every one (a slice, so no copies) or those of a mask."""
    given = codes >= 0
    return slice(None) if given.all() else given


def in_both_periods(cases: CaseArrays, dim: str) -> bool:
    """Whether the cases with a ``dim`` segment hold tickets of both the baseline and the review."""
    review = cases.review[cases.codes[dim] >= 0]
    return bool(review.any() and not review.all())


def mix_of(cases: CaseArrays, dim: str, kind: str) -> pd.DataFrame:
    """The mix/rate decomposition (:func:`~cslib.stats.impact.mix_decomposition`) of the cases
    with a ``dim`` segment, from each segment's count and mean score per period (a missing
    value counted, not averaged); segments without a case are left out."""
    seg = cases.codes[dim]
    given = _given(seg)
    cell = seg[given] * 2 + cases.review[given]  # segment × period: baseline 2s, review 2s + 1
    value = cases.value[given]
    size = 2 * len(cases.labels[dim])
    score = value
    if kind == "nps":  # the Net Promoter Score of each answer
        score = 100.0 * ((value >= 9).astype(float) - (value <= 6))
    n = np.bincount(cell, minlength=size).astype(float)
    scored = n
    known = ~np.isnan(value)
    if not known.all():
        cell, score = cell[known], score[known]
        scored = np.bincount(cell, minlength=size).astype(float)
    total = np.bincount(cell, weights=score, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / scored
    seen = (n[0::2] + n[1::2]) > 0
    n0, n1, m0, m1 = (a[seen] for a in (n[0::2], n[1::2], mean[0::2], mean[1::2]))
    return mix_from_means(cases.labels[dim][seen], n0, n1, m0, m1)
