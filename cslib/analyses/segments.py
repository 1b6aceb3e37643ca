"""KPIs per customer segment (or channel, team…) and whether segments really differ.

So that the plan is not one-size-fits-all: the same registry KPIs per segment,
then for each KPI

* a test across all segments — a cluster-robust Wald F test that the
  segments' means are equal;
* each segment against the rest of the operation — the difference of shares,
  NPS or means, and for durations the ratio of geometric means (means of log
  hours, so a few very long tickets do not dominate), with a cluster-robust t
  interval;

and all p-values of the family (every KPI × segment) are adjusted by Holm
(or Benjamini–Hochberg), the method named in the output.

Tickets of one day share its staffing and backlog, so they are not
independent: the tests count **weeks** (when the tickets span at least four
weeks) **or days** as the independent units
(:func:`cslib.stats.impact._clustered.cluster_contrasts` and
:func:`~cslib.stats.impact._clustered.cluster_wald`); a test that counted
tickets would find differences that are only a few busy days. Everything is
computed from aggregates in DuckDB — each segment's count and sum per day or
week, and its median — so a file of millions of tickets is never loaded.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"ticket_id": [str(i) for i in range(8)], "created_at": pd.Timestamp("2026-04-01"),
...                   "segment": ["a"] * 4 + ["b"] * 4, "csat": pd.array([5, 5, 4, 5, 1, 2, 5, 2], dtype="Int64")})
>>> segment_profile(t, kpis=["csat"]).table[["segment", "csat"]].values.tolist()
[['a', 1.0], ['b', 0.25]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cslib._args import check_alpha, choice, frame_html
from cslib._docstrings import TICKET_SCAN
from cslib.data import sql
from cslib.data import tables as io
from cslib.data.tables import ReadOptions
from cslib.errors import ParameterError, Problem
from cslib.metrics import engine as kpi_engine
from cslib.stats.impact import adjust_pvalues
from cslib.stats.impact._clustered import cluster_contrasts, cluster_wald
from cslib.stats.impact._estimates import MIN_WEEKS

__all__ = ["SegmentProfile", "profiled", "segment_profile", "segment_profiles"]

DEFAULT_KPIS = (
    "resolution_hours",
    "first_response_hours",
    "fcr",
    "reopen_rate",
    "aht_seconds",
    "csat",
    "ces",
    "nps",
)
ADJUST = ("holm", "fdr_bh")
#: kinds of KPI that are counted over a period rather than measured ticket by ticket
NOT_PER_TICKET = ("count", "stock", "rate")


@dataclass(frozen=True)
class SegmentProfile:
    """Result of :func:`segment_profile`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment: ``<by>``, ``volume`` and each KPI with ``<kpi>_n``
        (and ``<kpi>_p90`` for durations), as :func:`cslib.metrics.engine.compute` gives them.
    tests : pandas.DataFrame
        One row per KPI: ``kpi``, ``test``, ``statistic``, ``p_value``,
        ``p_adjusted``, ``significant``.
    contrasts : pandas.DataFrame
        One row per KPI × segment, the segment against the rest: ``kpi``,
        ``<by>``, ``n``, ``n_rest``, ``value``, ``rest``, ``diff`` (or ratio),
        ``scale``, ``ci_low``, ``ci_high``, ``p_value``, ``clusters`` (the
        days or weeks the interval counts), ``p_adjusted``,
        ``adjust_method``, ``differs``, ``better`` (nullable boolean: True when the
        segment is significantly better than the rest, False when worse, missing otherwise).
    findings : tuple of str
        One sentence per segment that differs significantly.
    """

    by: str
    table: pd.DataFrame
    tests: pd.DataFrame
    contrasts: pd.DataFrame
    findings: tuple[str, ...]
    adjust: str

    def summary(self) -> pd.DataFrame:
        return self.tests

    def _repr_html_(self) -> str:
        notes = list(self.findings) or [
            f"No {self.by} differs significantly from the rest on any KPI."
        ]
        return frame_html(
            f"KPIs by {self.by}",
            [
                ("", self.table),
                ("Tests across segments", self.tests),
                ("Each segment against the rest", self.contrasts),
            ],
            notes,
        )


def profiled(kpi: str) -> bool:
    """True for a registry KPI with one value per ticket (or answer), which segments can be compared on.

    >>> profiled("abandon_rate"), profiled("backlog")
    (True, False)
    """
    return kpi in kpi_engine.REGISTRY and kpi_engine.REGISTRY[kpi].kind not in NOT_PER_TICKET


def _kind(name: str) -> str:
    k = kpi_engine.REGISTRY[name].kind
    if name == "nps":
        return "nps"
    return {"proportion": "proportion", "duration": "duration"}.get(k, "continuous")


def _summaries(con) -> pd.DataFrame:
    """Per segment of the ``cases`` table: the number of values and their median."""
    return con.execute(
        "SELECT seg, count(*) AS n, median(value) AS median FROM cases GROUP BY seg ORDER BY seg"
    ).df()


def _score(kind: str) -> str:
    """The SQL of the per-case score whose mean is the KPI (log hours for durations)."""
    if kind == "duration":
        return "ln(greatest(value, 1.0 / 60))"
    if kind == "nps":
        return "100 * (CASE WHEN value >= 9 THEN 1 WHEN value <= 6 THEN -1 ELSE 0 END)"
    return "value"


def _cluster_grid(con, kind: str, segments: list) -> tuple[np.ndarray, np.ndarray, str]:
    """Each segment's count and sum of scores per week (when the cases span ``MIN_WEEKS``
    weeks) or per day: segments × clusters, and the unit."""
    weeks = con.execute(
        "SELECT count(DISTINCT date_trunc('week', created_at)) FROM cases"
    ).fetchone()[0]
    unit = "week" if weeks >= MIN_WEEKS else "day"
    grid = con.execute(
        f"""SELECT seg, date_trunc('{unit}', created_at) AS cl, count(*) AS n,
                   sum({_score(kind)}) AS s
            FROM cases WHERE created_at IS NOT NULL GROUP BY ALL"""
    ).df()
    rows = pd.Index(segments).get_indexer(grid["seg"])
    cols, clusters = pd.factorize(grid["cl"], sort=True)
    kept = rows >= 0
    n, s = (np.zeros((len(segments), len(clusters))) for _ in range(2))
    # one row per segment and cluster; a sum over no score counts 0
    n[rows[kept], cols[kept]] = grid["n"].to_numpy(dtype=float)[kept]
    s[rows[kept], cols[kept]] = np.nan_to_num(grid["s"].to_numpy(dtype=float)[kept], nan=0.0)
    return n, s, unit


def _overall_test(n: np.ndarray, s: np.ndarray, unit: str) -> tuple[str, float, float]:
    """The cluster-robust Wald F test that the tested segments' means are equal."""
    if n.shape[0] < 2:
        return "too few segments", np.nan, np.nan
    f, p, q, d = cluster_wald(n, s)
    if not np.isfinite(p):
        return f"too few {unit}s to test {n.shape[0]} segments", np.nan, np.nan
    return f"cluster-robust Wald F test ({unit}s as units; F({q}, {d}))", f, p


def _contrast(row: pd.Series, kind: str, seg_median, rest_median) -> dict:
    """One segment against the rest, from :func:`cluster_contrasts`' row."""
    if kind == "duration":
        return {
            "value": float(seg_median),
            "rest": float(rest_median),
            "diff": float(np.exp(row["diff"])),
            "scale": "ratio of geometric means",
            "ci_low": float(np.exp(row["ci_low"])),
            "ci_high": float(np.exp(row["ci_high"])),
            "p_value": float(row["p_value"]),
        }
    return {
        "value": float(row["mean"]),
        "rest": float(row["rest"]),
        "diff": float(row["diff"]),
        "scale": "difference",
        "ci_low": float(row["ci_low"]),
        "ci_high": float(row["ci_high"]),
        "p_value": float(row["p_value"]),
    }


def _rest_medians(con, segments: list) -> dict:
    """Median of every other segment's values, for each segment, in one scan."""
    if not segments:
        return {}
    parts = [f"median(value) FILTER (WHERE seg <> ${i + 1})" for i in range(len(segments))]
    row = con.execute(f"SELECT {', '.join(parts)} FROM cases", list(segments)).fetchall()[0]
    return dict(zip(segments, row, strict=True))


@TICKET_SCAN.fill
def segment_profile(
    tickets: pd.DataFrame | str | Path,
    *,
    by: str = "segment",
    kpis: Sequence[str] | None = None,
    adjust: str = "holm",
    alpha: float = 0.05,
    min_n: int = 20,
    start: object = None,
    end: object = None,
    filters: Mapping[str, Sequence[str] | str] | None = None,
    options: ReadOptions | None = None,
    settings: Mapping[str, object] | None = None,
    validate: bool = True,
) -> SegmentProfile:
    """The same KPIs per segment (or channel), with tests of which segments differ.

    With a single segment in the data (one channel, one customer segment) there is
    nothing to compare: the profile holds that segment's KPIs, no tests, and a
    finding that says so.

    Parameters
    ----------
    {tickets}
    by : str
        The segment column: ``"segment"``, ``"channel"``, ``"team"``, ``"priority"``…
    kpis : sequence of str, optional
        Registry KPIs (default: :data:`DEFAULT_KPIS` that the data allows).
    adjust : {"holm", "fdr_bh"}
        Multiplicity adjustment over all KPI × segment contrasts (and, separately,
        over the per-KPI overall tests).
    alpha : float
        Test level and 1 − confidence level.
    min_n : int
        Segments with fewer values for a KPI are shown but not tested.
    {start_end}
    {filters}
    {options}
    settings : mapping, optional
        How the KPIs are defined: the keyword arguments that
        :func:`cslib.metrics.engine.compute` and :func:`~cslib.metrics.engine.case_query`
        share (``sla``, ``economics``, ``service_level_seconds``, ``definitions``, ``repeat_days``).
    {validate}

    Returns
    -------
    SegmentProfile
    """
    return segment_profiles(
        tickets,
        by=[by],
        kpis=kpis,
        adjust=adjust,
        alpha=alpha,
        min_n=min_n,
        start=start,
        end=end,
        filters=filters,
        options=options,
        settings=settings,
        validate=validate,
    )[by]


def segment_profiles(
    tickets: pd.DataFrame | str | Path,
    *,
    by: Sequence[str],
    kpis: Sequence[str] | None = None,
    adjust: str = "holm",
    alpha: float = 0.05,
    min_n: int = 20,
    start: object = None,
    end: object = None,
    filters: Mapping[str, Sequence | str] | None = None,
    options: ReadOptions | None = None,
    settings: Mapping[str, object] | None = None,
    validate: bool = True,
) -> dict[str, SegmentProfile]:
    """:func:`segment_profile` by each column of ``by`` (e.g. segment and channel), each KPI's
    tickets read once for all of them; the arguments as there.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"ticket_id": [str(i) for i in range(8)], "created_at": pd.Timestamp("2026-04-01"),
    ...                   "segment": ["a"] * 4 + ["b"] * 4, "channel": ["email", "chat"] * 4,
    ...                   "csat": pd.array([5, 5, 4, 5, 1, 2, 5, 2], dtype="Int64")})
    >>> p = segment_profiles(t, by=["segment", "channel"], kpis=["csat"])
    >>> p["channel"].table[["channel", "csat"]].values.tolist()
    [['chat', 0.5], ['email', 0.75]]
    """
    choice(adjust, ADJUST, "adjust")
    alpha = check_alpha(alpha)
    where: dict[str, Any] = dict(filters=filters, start=start, end=end, options=options)
    con, view = kpi_engine.scan(tickets, by=list(by), validate=validate, **where)
    try:
        return _profiles(
            con, view, tickets, list(by), kpis, adjust, alpha, min_n, where, settings or {}
        )
    finally:
        con.close()


def _profiles(
    con, view, tickets, dims, kpis, adjust, alpha, min_n, where, settings
) -> dict[str, SegmentProfile]:
    kpis = _tested_kpis(con, view, kpis, settings)
    tables = {}
    for by in dims:
        table = kpi_engine.compute(
            tickets, kpis=["volume", *kpis], freq="all", by=by, validate=False, **where, **settings
        ).drop(columns="period")
        tables[by] = table[table[by].notna()].reset_index(drop=True)
    tested = [by for by in dims if len(tables[by]) >= 2]
    found = _tests(con, tickets, tested, kpis, alpha, min_n, settings) if tested else {}
    out = {}
    for by in dims:
        if by not in found:
            out[by] = _single(by, tables[by], adjust)
            continue
        tests, contrasts = (pd.DataFrame(rows) for rows in found[by])
        _adjusted(tests, contrasts, adjust, alpha)
        findings = tuple(_findings(tests, contrasts, by, alpha))
        out[by] = SegmentProfile(by, tables[by], tests, contrasts, findings, adjust)
    return out


def _single(by: str, table: pd.DataFrame, adjust: str) -> SegmentProfile:
    """The profile of one segment (or none): its KPIs, no tests, and why."""
    finding = (
        f"Every ticket has the same {by} ('{table[by].iloc[0]}'): there is no other {by} to compare it with."
        if len(table)
        else f"No ticket in the window has a {by}: there is nothing to compare."
    )
    return SegmentProfile(
        by=by,
        table=table,
        tests=pd.DataFrame(columns=["kpi", "test", "segments", "statistic", "p_value"]),
        contrasts=pd.DataFrame(columns=["kpi", by, "n", "n_rest"]),
        findings=(finding,),
        adjust=adjust,
    )


def _tested_kpis(con, view: str, kpis: Sequence[str] | None, settings: Mapping) -> list[str]:
    """The KPIs to profile and test: per-ticket registry KPIs (by default those the data allows)."""
    columns = con.table(view).columns
    avail = kpi_engine.availability(
        columns, sla=settings.get("sla"), economics=settings.get("economics")
    )
    ok = set(avail.loc[avail["available"], "kpi"])
    if kpis is None:
        kpis = [k for k in DEFAULT_KPIS if k in ok]
    else:
        bad = [k for k in kpis if not profiled(k)]
        if bad:
            raise ParameterError(
                Problem(
                    "not a per-ticket registry KPI",
                    column="kpis",
                    values=tuple(bad),
                    fix="use e.g. fcr, csat, nps, ces, resolution_hours, aht_seconds",
                )
            )
    return list(kpis)


def _tests(con, tickets, dims: list[str], kpis: list[str], alpha: float, min_n: int, settings):
    """Per ``dims`` column: per KPI, the test across segments and each segment against the rest
    (p-values unadjusted). The KPIs' cases are computed in one scan, for all the columns."""
    found: dict[str, tuple[list, list]] = {by: ([], []) for by in dims}
    if not kpis:
        return found
    query = kpi_engine.case_query(con, kpis, by=dims, source=io.label(tickets), **settings)
    con.execute(f"CREATE OR REPLACE TEMP TABLE all_cases AS {query}")  # every KPI in one scan
    for i, name in enumerate(kpis):
        for by in dims:
            col = sql.ident(by)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW cases AS SELECT {col} AS seg, value_{i} AS value, "
                f"created_at FROM all_cases WHERE case_{i} AND {col} IS NOT NULL"
            )
            tests, contrasts = found[by]
            _test(con, name, by, alpha, min_n, tests, contrasts)
    con.execute("DROP VIEW IF EXISTS cases")
    con.execute("DROP TABLE all_cases")
    return found


def _test(con, name: str, by: str, alpha: float, min_n: int, tests: list, contrasts: list) -> None:
    """The KPI's test across the segments of ``cases`` and each against the rest, added to
    ``tests`` and ``contrasts``."""
    kind = _kind(name)
    summ = _summaries(con)
    n, s, unit = _cluster_grid(con, kind, summ["seg"].tolist())
    tested = (summ["n"] >= min_n).to_numpy()
    test, stat, p = _overall_test(n[tested], s[tested], unit)
    tests.append(
        {
            "kpi": name,
            "test": test,
            "segments": int(tested.sum()),
            "statistic": stat,
            "p_value": p,
        }
    )
    each = cluster_contrasts(n, s, alpha)
    total = int(summ["n"].sum())
    chosen = [
        i
        for i in np.flatnonzero(tested)
        if summ["n"].iloc[i] >= 2 and total - summ["n"].iloc[i] >= max(min_n, 2)
    ]
    labels = [summ["seg"].iloc[i] for i in chosen]
    medians = _rest_medians(con, labels) if kind == "duration" else {}
    for i, label in zip(chosen, labels, strict=True):
        contrasts.append(
            {
                "kpi": name,
                by: label,
                "n": int(summ["n"].iloc[i]),
                "n_rest": total - int(summ["n"].iloc[i]),
                **_contrast(each.iloc[i], kind, summ["median"].iloc[i], medians.get(label)),
                "clusters": f"{int(each['clusters'].iloc[i])} {unit}s",
            }
        )


def _adjusted(tests: pd.DataFrame, contrasts: pd.DataFrame, adjust: str, alpha: float) -> None:
    """Add ``p_adjusted`` and ``adjust_method`` to the tests and, separately, the contrasts."""
    method = adjust_pvalues([0.5], method=adjust)["adjust_method"].item()
    for frame in (tests, contrasts):
        if frame.empty:
            continue
        okp = frame["p_value"].notna()
        frame["p_adjusted"] = np.nan
        if okp.any():
            frame.loc[okp, "p_adjusted"] = adjust_pvalues(
                frame.loc[okp, "p_value"].to_numpy(), method=adjust, alpha=alpha
            )["p_adjusted"].to_numpy()
        frame["adjust_method"] = method


def _findings(tests: pd.DataFrame, contrasts: pd.DataFrame, by: str, alpha: float) -> list[str]:
    """Add ``significant`` to the tests, ``differs`` and ``better`` to the contrasts; the findings."""
    if not tests.empty:
        tests["significant"] = tests["p_adjusted"] < alpha
    findings: list[str] = (
        [
            f"{kpi_engine.REGISTRY[r.kpi].label} differs across the {by} values ({r.test}, adjusted p = {r.p_adjusted:.2g})."
            for r in tests.itertuples()
            if r.significant
        ]
        if not tests.empty
        else []
    )
    if not contrasts.empty:
        contrasts["differs"] = contrasts["p_adjusted"] < alpha
        better: list[bool | None] = []
        for r in contrasts.itertuples():
            if not r.differs:
                better.append(None)
                continue
            up = r.diff > (1 if r.scale.startswith("ratio") else 0)
            better.append(bool(up) == (kpi_engine.REGISTRY[r.kpi].better == "higher"))
        contrasts["better"] = pd.array(better, dtype="boolean")
        for r in contrasts[contrasts["differs"]].itertuples():
            label = kpi_engine.REGISTRY[r.kpi].label
            word = "better" if r.better else "worse"
            if r.scale.startswith("ratio"):
                eff = f"{(r.diff - 1) * 100:+.0f} % (CI {(r.ci_low - 1) * 100:+.0f} to {(r.ci_high - 1) * 100:+.0f} %)"
            elif kpi_engine.REGISTRY[r.kpi].unit == "share":
                eff = f"{r.diff * 100:+.1f} points (CI {r.ci_low * 100:+.1f} to {r.ci_high * 100:+.1f})"
            else:
                unit = kpi_engine.REGISTRY[r.kpi].unit
                eff = f"{r.diff:+.3g} {unit} (CI {r.ci_low:+.3g} to {r.ci_high:+.3g})"
            findings.append(
                f"{label}: {by} '{getattr(r, by)}' is {word} than the rest by {eff}, adjusted p = {r.p_adjusted:.2g}."
            )
    return findings
