"""The recovery groups compared: their loyalty table, pairwise tests and the finding in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.analyses.complaints._loyalty import GROUPS
from cslib.errors import ParameterError
from cslib.stats.impact import NpsCounts, adjust_pvalues, compare

TEST_COLUMNS = [
    "measure",
    "comparison",
    "n_a",
    "n_b",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
    "method",
]


def group_table(totals: dict[str, tuple[int, ...]], alpha: float) -> pd.DataFrame:
    """One row per group (in :data:`GROUPS` order) from the groups' totals."""
    return pd.DataFrame([_group_row(name, totals[name], alpha) for name in GROUPS])


def pairwise_tests(totals: dict[str, tuple[int, ...]], alpha: float) -> pd.DataFrame:
    """NPS and repeat business compared between the groups, p-values adjusted by Holm.

    Each group against "never complained", then "resolved well" against
    "resolved poorly"; a pair without answers on both sides is left out.
    """
    nps = {name: NpsCounts(p, n - p - d, d) for name, (_, n, p, d, *_) in totals.items()}
    repeat = {name: (s, n) for name, (*_, n, s) in totals.items()}
    rows = []
    pairs = ((GROUPS[0], GROUPS[2]), (GROUPS[1], GROUPS[2]), (GROUPS[0], GROUPS[1]))
    for measure, given, kind in (("nps", nps, "nps"), ("repeat", repeat, "proportion")):
        for a, b in pairs:
            na, nb = _size(given[a]), _size(given[b])
            if not (na and nb):
                continue  # nothing to compare
            try:
                res = compare(given[b], given[a], kind=kind, alpha=alpha).iloc[0]
            except ParameterError:
                continue
            rows.append(
                {
                    "measure": measure,
                    "comparison": f"{a} − {b}",
                    "n_a": na,
                    "n_b": nb,
                    **{k: res[k] for k in ("diff", "ci_low", "ci_high", "p_value", "method")},
                }
            )
    tests = pd.DataFrame(rows, columns=TEST_COLUMNS)
    ok = tests["p_value"].notna()
    tests["p_adjusted"] = np.nan
    if ok.any():
        tests.loc[ok, "p_adjusted"] = adjust_pvalues(
            tests.loc[ok, "p_value"].to_numpy(), method="holm"
        )["p_adjusted"].to_numpy()
    return tests


def _size(counts: tuple[int, ...]) -> int:
    return sum(counts) if isinstance(counts, NpsCounts) else counts[1]


def _group_row(name: str, counts: tuple[int, ...], alpha: float) -> dict[str, object]:
    """One row of the table from the group's totals."""
    customers, n, promoters, detractors, rating_sum, repeat_n, repeats = counts
    row = {
        "group": name,
        "customers": customers,
        "nps_n": n,
        "nps": np.nan,
        "nps_ci_low": np.nan,
        "nps_ci_high": np.nan,
        "promoters": np.nan,
        "detractors": np.nan,
        "mean_rating": rating_sum / n if n else np.nan,
        "repeat_n": repeat_n,
        "repeat_rate": repeats / repeat_n if repeat_n else np.nan,
        "repeat_ci_low": np.nan,
        "repeat_ci_high": np.nan,
    }
    if n:
        row.update(
            nps=100 * (promoters / n - detractors / n),
            promoters=promoters / n,
            detractors=detractors / n,
        )
        if n >= 2:
            row.update(_nps_ci(NpsCounts(promoters, n - promoters - detractors, detractors), alpha))
    if repeat_n:
        from statsmodels.stats.proportion import proportion_confint

        lo, hi = proportion_confint(repeats, repeat_n, alpha=alpha, method="wilson")
        row.update(repeat_ci_low=float(lo), repeat_ci_high=float(hi))
    return row


def _nps_ci(counts: NpsCounts, alpha: float) -> dict[str, float]:
    """Normal interval of the NPS: mean ± z·sd/√n of the answers scored +100, 0, −100.

    The sample variance (ddof=1) comes from the counts in exact integer
    arithmetic: Σ(s − m)² = 10 000 · ((p + d)·n − (p − d)²) / n.

    Examples
    --------
    >>> ci = _nps_ci(NpsCounts(promoters=6, passives=3, detractors=1), 0.05)
    >>> round(ci["nps_ci_low"], 2), round(ci["nps_ci_high"], 2)
    (6.17, 93.83)
    """
    from scipy import stats

    p, d = counts.promoters, counts.detractors
    n = p + counts.passives + d
    var = 10_000 * ((p + d) * n - (p - d) ** 2) / (n * (n - 1))
    half = float(stats.norm.ppf(1 - alpha / 2) * np.sqrt(var) / np.sqrt(n))
    m = 100 * (p - d) / n
    return {"nps_ci_low": max(m - half, -100.0), "nps_ci_high": min(m + half, 100.0)}


def finding(table: pd.DataFrame, tests: pd.DataFrame, alpha: float) -> tuple[bool | None, str]:
    """Whether the paradox holds (None: too few answers to test) and the result in words."""
    key = tests[(tests["measure"] == "nps") & (tests["comparison"] == f"{GROUPS[0]} − {GROUPS[2]}")]
    if key.empty:
        return (
            None,
            "Too few later NPS answers from customers whose complaint was resolved well to test the service recovery paradox.",
        )
    k = key.iloc[0]
    t = table.set_index("group")
    lvl = f"{100 * (1 - alpha):g} %"
    base = (
        f"Customers whose complaint was resolved well later gave an NPS of {t.loc[GROUPS[0], 'nps']:.0f} "
        f"(n = {int(t.loc[GROUPS[0], 'nps_n'])}), against {t.loc[GROUPS[2], 'nps']:.0f} for customers who never complained "
        f"(n = {int(t.loc[GROUPS[2], 'nps_n'])}): a difference of {k['diff']:+.0f} points ({lvl} CI {k['ci_low']:+.0f} to {k['ci_high']:+.0f}, "
        f"adjusted p = {k['p_adjusted']:.3g})."
    )
    if k["p_adjusted"] < alpha and k["diff"] > 0:
        holds, verdict = (
            True,
            " The service recovery paradox holds in this data: a good recovery left customers more loyal than no problem at all.",
        )
    elif k["p_adjusted"] < alpha:
        holds, verdict = (
            False,
            " The paradox does not hold: even well-handled complainers end less loyal than customers who never complained.",
        )
    else:
        holds, verdict = (
            False,
            (
                " The paradox is not shown in this data: well-recovered complainers are not measurably more loyal than "
                "customers who never complained, so do not plan on complaints turning into loyalty."
            ),
        )
    poor = tests[
        (tests["measure"] == "nps") & (tests["comparison"] == f"{GROUPS[0]} − {GROUPS[1]}")
    ]
    extra = ""
    if not poor.empty and poor.iloc[0]["p_adjusted"] < alpha and poor.iloc[0]["diff"] > 0:
        p = poor.iloc[0]
        extra = (
            f" Recovery quality matters: resolved-well complainers score {p['diff']:.0f} NPS points higher than those resolved "
            f"poorly ({lvl} CI {p['ci_low']:.0f} to {p['ci_high']:.0f})."
        )
    rep = tests[
        (tests["measure"] == "repeat") & (tests["comparison"] == f"{GROUPS[0]} − {GROUPS[2]}")
    ]
    if not rep.empty:
        r = rep.iloc[0]
        same = (
            "no measurable difference"
            if r["p_adjusted"] >= alpha
            else ("more" if r["diff"] > 0 else "less")
        )
        extra += (
            f" Repeat business within the window: {same} between resolved-well complainers and customers who never "
            f"complained ({r['diff'] * 100:+.1f} percentage points, {lvl} CI {r['ci_low'] * 100:+.1f} to {r['ci_high'] * 100:+.1f})."
        )
    return holds, base + verdict + extra
