"""The Check stage's segment comparisons and mix analysis from DuckDB, not from a frame of cases.

The cases behind an objective (the tickets of the adopting teams, labelled baseline or
review, with their day) stay in a DuckDB table, computed once per objective for all the
segment dimensions. The mix/rate decomposition needs only
each segment's count and mean per period, a SQL aggregate; the segment comparisons read
the values, segments, periods and days as plain arrays in time order (:func:`case_arrays`,
once for all the dimensions), which is what the per-segment tests (medians, day
bootstraps, rank effects) need.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import pandas as pd

from cslib.cycle.workbook import Workbook
from cslib.data import sql
from cslib.data import tables as io
from cslib.metrics import engine as kpi
from cslib.stages._shared import cycle_span, treated_teams
from cslib.stats.impact.segment_tables import mix_from_means, segment_table

#: the per-case score whose mean the mix analysis splits, by comparison kind
SCORE = {"nps": "100.0 * ((value >= 9)::INT - (value <= 6)::INT)"}


@contextmanager
def case_table(wb: Workbook, obj, dims: list[str]) -> Iterator:
    """A DuckDB connection holding ``all_cases``: the objective's tickets in the adopting teams
    (or all in scope) with the ``dims`` columns, ``period`` (baseline / review), ``day``,
    ``created_at`` and ``value``, tickets between the periods left out; :func:`by_segment`
    then picks the dimension the analyses read. The cases are computed once for all ``dims``."""
    teams = treated_teams(wb) or wb.scope_teams
    filters = {**(obj.segment or {}), **({"team": teams} if teams else {})}
    start, end = cycle_span(wb)
    c = wb.cycle
    path, options = wb.source("tickets")
    con, _ = kpi.scan(
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
        review = pd.Timestamp(c.periods.review.start)
        gap = wb.window("baseline")[1] + pd.Timedelta(days=1)  # after it and before review: neither
        con.execute(
            f"""CREATE TEMP TABLE all_cases AS SELECT * FROM (
                  SELECT {", ".join(sql.ident(d) for d in dims)},
                         CASE WHEN created_at >= $1 THEN 'review'
                              WHEN created_at > $2 THEN NULL ELSE 'baseline' END AS period,
                         date_trunc('day', created_at) AS day, created_at, value
                  FROM ({query})) WHERE period IS NOT NULL""",
            [review.to_pydatetime(), pd.Timestamp(gap).to_pydatetime()],
        )
        yield con
    finally:
        con.close()


def by_segment(con, by: str) -> None:
    """Point the view ``cases`` at the ``by`` column of ``all_cases`` (as ``seg``), its tickets
    without a ``by`` left out."""
    col = sql.ident(by)
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW cases AS SELECT {col} AS seg, period, day, created_at, value
            FROM all_cases WHERE {col} IS NOT NULL"""
    )


def both_periods(con) -> bool:
    """Whether ``cases`` holds tickets of both the baseline and the review."""
    return con.execute("SELECT count(DISTINCT period) FROM cases").fetchone()[0] == 2


class CaseArrays(NamedTuple):
    """The cases of ``all_cases`` in time order: each one's value, whether it is of the review,
    its day (a number) and, per segment dimension, its segment's code (−1: none) and the labels."""

    value: np.ndarray
    review: np.ndarray
    day: np.ndarray
    codes: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]


def case_arrays(con, dims: list[str]) -> CaseArrays:
    """The :class:`CaseArrays` of ``all_cases`` for the ``dims`` columns, read in one query
    (segments as codes: joined, not ranked over every case)."""
    labels, joins, codes = {}, [], []
    for i, dim in enumerate(dims):
        col = sql.ident(dim)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE seg_codes_{i} AS SELECT {col} AS seg,
                  row_number() OVER (ORDER BY {col}) - 1 AS code
                FROM (SELECT DISTINCT {col} FROM all_cases WHERE {col} IS NOT NULL)"""
        )
        found = con.execute(f"SELECT seg FROM seg_codes_{i} ORDER BY code").fetchall()
        labels[dim] = np.asarray([r[0] for r in found], dtype=object)
        joins.append(f"LEFT JOIN seg_codes_{i} s{i} ON s{i}.seg = c.{col}")
        codes.append(f"coalesce(s{i}.code, -1) AS code_{i}")
    got = con.execute(  # periods as flags, days as numbers: no string or timestamp per case
        f"""SELECT {", ".join(codes)}, c.period = 'review' AS review,
                   CAST(epoch(c.day) // 86400 AS BIGINT) AS day, c.value
            FROM all_cases c {" ".join(joins)} ORDER BY c.created_at"""
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
    """:func:`mix_effects` from the arrays: each segment's count and mean score per period
    (a missing value counted, not averaged, as SQL's ``avg`` leaves it out)."""
    seg = cases.codes[dim]
    given = _given(seg)
    cell = seg[given] * 2 + cases.review[given]  # segment × period: baseline 2s, review 2s + 1
    value = cases.value[given]
    size = 2 * len(cases.labels[dim])
    score = value
    if kind in SCORE:  # the Net Promoter Score of each answer
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
    return mix_from_means(cases.labels[dim], n[0::2], n[1::2], mean[0::2], mean[1::2])


def mix_effects(con, kind: str) -> pd.DataFrame:
    """The mix/rate decomposition of ``cases`` (:func:`~cslib.stats.impact.mix_decomposition`)
    from each segment's count and mean score per period."""
    score = SCORE.get(kind, "value")
    g = con.execute(
        f"""SELECT seg,
                   count(*) FILTER (WHERE period = 'baseline') AS n0,
                   count(*) FILTER (WHERE period = 'review') AS n1,
                   avg({score}) FILTER (WHERE period = 'baseline') AS m0,
                   avg({score}) FILTER (WHERE period = 'review') AS m1
            FROM cases GROUP BY seg ORDER BY seg"""
    ).df()
    return mix_from_means(
        g["seg"].to_numpy(dtype=object),
        g["n0"].to_numpy(dtype=float),
        g["n1"].to_numpy(dtype=float),
        g["m0"].to_numpy(dtype=float),
        g["m1"].to_numpy(dtype=float),
    )
