"""KPIs per customer segment (or channel, team…) and whether segments really differ.

So that the plan is not one-size-fits-all: the same registry KPIs per segment,
then for each KPI

* a test across all segments — chi-square test of homogeneity for shares
  (FCR, CSAT top-2-box…) and for NPS (promoter / passive / detractor),
  Kruskal–Wallis for durations and other continuous values;
* each segment against the rest of the operation — difference of shares
  (Newcombe interval) and of NPS via :func:`cslib.impact.compare`, difference of
  means (Welch) for continuous KPIs, and for durations the ratio of geometric
  means (Welch t on log hours, so a few very long tickets do not dominate);

and all p-values of the family (every KPI × segment) are adjusted by Holm
(or Benjamini–Hochberg), the method named in the output.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"ticket_id": [str(i) for i in range(8)], "created_at": pd.Timestamp("2026-04-01"),
...                   "segment": ["a"] * 4 + ["b"] * 4, "csat": pd.array([5, 5, 4, 5, 1, 2, 5, 2], dtype="Int64")})
>>> segment_profile(t, kpis=["csat"]).table[["segment", "csat"]].values.tolist()
[['a', 1.0], ['b', 0.25]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import kpi as kpi_engine
from ._impact_util import check_alpha, check_frame, choice, frame_html
from .errors import ParameterError, Problem
from .impact import adjust_pvalues, compare

__all__ = ["SegmentProfile", "segment_profile"]

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


@dataclass(frozen=True)
class SegmentProfile:
    """Result of :func:`segment_profile`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment: ``<by>``, ``volume`` and each KPI with ``<kpi>_n``
        (and ``<kpi>_p90`` for durations), as :func:`cslib.kpi.compute` gives them.
    tests : pandas.DataFrame
        One row per KPI: ``kpi``, ``test``, ``statistic``, ``p_value``,
        ``p_adjusted``, ``significant``.
    contrasts : pandas.DataFrame
        One row per KPI × segment, the segment against the rest: ``kpi``,
        ``<by>``, ``n``, ``n_rest``, ``value``, ``rest``, ``diff`` (or ratio),
        ``scale``, ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``,
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


def _kind(name: str) -> str:
    k = kpi_engine.REGISTRY[name].kind
    if name == "nps":
        return "nps"
    return {"proportion": "proportion", "duration": "duration"}.get(k, "continuous")


def _overall_test(groups: list[np.ndarray], kind: str) -> tuple[str, float, float]:
    groups = [g for g in groups if g.size]
    if len(groups) < 2:
        return "too few segments", np.nan, np.nan
    if kind == "proportion":
        table = np.array([[g.sum(), g.size - g.sum()] for g in groups])
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] < 2:
            return "chi-square (no variation)", 0.0, 1.0
        res = stats.chi2_contingency(table, correction=False)
        return "chi-square test of homogeneity", float(res.statistic), float(res.pvalue)
    if kind == "nps":
        table = np.array(
            [[np.sum(g >= 9), np.sum((g >= 7) & (g <= 8)), np.sum(g <= 6)] for g in groups]
        )
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] < 2:
            return "chi-square (no variation)", 0.0, 1.0
        res = stats.chi2_contingency(table, correction=False)
        return (
            "chi-square test (promoters / passives / detractors)",
            float(res.statistic),
            float(res.pvalue),
        )
    if all(np.ptp(g) == 0 for g in groups) and len({float(g[0]) for g in groups}) == 1:
        return "Kruskal–Wallis (no variation)", 0.0, 1.0
    res = stats.kruskal(*groups)
    return "Kruskal–Wallis", float(res.statistic), float(res.pvalue)


def _contrast(seg: np.ndarray, rest: np.ndarray, kind: str, alpha: float) -> dict[str, object]:
    if kind == "duration":
        ls, lr = np.log(np.maximum(seg, 1 / 60)), np.log(np.maximum(rest, 1 / 60))
        row = compare(lr, ls, kind="continuous", alpha=alpha).iloc[0]
        return {
            "value": float(np.median(seg)),
            "rest": float(np.median(rest)),
            "diff": float(np.exp(row["diff"])),
            "scale": "ratio of geometric means",
            "ci_low": float(np.exp(row["ci_low"])),
            "ci_high": float(np.exp(row["ci_high"])),
            "p_value": float(row["p_value"]),
        }
    row = compare(rest, seg, kind=kind, alpha=alpha).iloc[0]
    return {
        "value": float(row["after"]),
        "rest": float(row["before"]),
        "diff": float(row["diff"]),
        "scale": "difference",
        "ci_low": float(row["ci_low"]),
        "ci_high": float(row["ci_high"]),
        "p_value": float(row["p_value"]),
    }


def segment_profile(
    tickets: pd.DataFrame,
    *,
    by: str = "segment",
    kpis: Sequence[str] | None = None,
    adjust: str = "holm",
    alpha: float = 0.05,
    min_n: int = 20,
    start: object = None,
    end: object = None,
) -> SegmentProfile:
    """The same KPIs per segment (or channel), with tests of which segments differ.

    Parameters
    ----------
    tickets : pandas.DataFrame
        Tickets in the data contract; not modified.
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
    start, end : date-like, optional
        Only tickets created in this window.

    Returns
    -------
    SegmentProfile
    """
    choice(adjust, ADJUST, "adjust")
    alpha = check_alpha(alpha)
    check_frame(tickets, ["ticket_id", "created_at", by], where="segment_profile")
    t = tickets[tickets[by].notna()]
    if start is not None:
        t = t[pd.to_datetime(t["created_at"]) >= pd.Timestamp(start)]
    if end is not None:
        t = t[pd.to_datetime(t["created_at"]) < pd.Timestamp(end) + pd.Timedelta(days=1)]
    if t[by].nunique() < 2:
        raise ParameterError(
            Problem(
                "needs at least two segments to compare",
                column=by,
                values=tuple(pd.unique(t[by]))[:5],
                fix="choose a column with several values, or widen the dates",
            )
        )
    avail = kpi_engine.availability(list(t.columns))
    ok = set(avail.loc[avail["available"], "kpi"])
    if kpis is None:
        kpis = [k for k in DEFAULT_KPIS if k in ok]
    else:
        bad = [
            k
            for k in kpis
            if k not in kpi_engine.REGISTRY
            or kpi_engine.REGISTRY[k].kind in ("count", "stock", "rate")
        ]
        if bad:
            raise ParameterError(
                Problem(
                    "not a per-ticket registry KPI",
                    column="kpis",
                    values=tuple(bad),
                    fix="use e.g. fcr, csat, nps, ces, resolution_hours, aht_seconds",
                )
            )
    kpis = list(kpis)
    table = kpi_engine.compute(t, kpis=["volume", *kpis], freq="all", by=by).drop(columns="period")
    tests, contrasts = [], []
    for name in kpis:
        kind = _kind(name)
        cases = kpi_engine.cases(t, name, by=by, validate=False)
        segs = sorted(pd.unique(cases[by].dropna()))
        vals = {s: cases.loc[cases[by] == s, "value"].to_numpy(dtype=float) for s in segs}
        tested = [s for s in segs if vals[s].size >= min_n]
        test, stat, p = _overall_test([vals[s] for s in tested], kind)
        tests.append(
            {"kpi": name, "test": test, "segments": len(tested), "statistic": stat, "p_value": p}
        )
        for s in tested:
            rest = np.concatenate([vals[o] for o in segs if o != s])
            if rest.size < min_n:
                continue
            contrasts.append(
                {
                    "kpi": name,
                    by: s,
                    "n": vals[s].size,
                    "n_rest": rest.size,
                    **_contrast(vals[s], rest, kind, alpha),
                }
            )
    tests = pd.DataFrame(tests)
    contrasts = pd.DataFrame(contrasts)
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
        better = []
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
    return SegmentProfile(
        by=by,
        table=table,
        tests=tests,
        contrasts=contrasts,
        findings=tuple(findings),
        adjust=adjust,
    )
