"""Inference for :func:`~cslib.stats.impact.did.did`: aggregations of ATT(g,t), bootstrap, permutations.

An aggregate is a recipe (cells and weights, nested for the overall value); its
influence function includes the estimated cohort shares, as in R ``did::aggte``.
"""

from __future__ import annotations

import math

import numpy as np

from cslib.stats.impact._did_estimate import _Cells, _Panel


def _cohort_shares(gpos: np.ndarray, cell_g: np.ndarray) -> dict[float, float]:
    return {g: float(np.mean(gpos == g)) for g in np.unique(cell_g)}


def _aggregation_specs(kind: str, cells: _Cells, panel: _Panel) -> list[tuple[tuple, dict]]:
    """Each aggregate as a recipe: cells and weights (pg-weighted or equal) — nested for overall."""
    post = cells.t >= cells.g
    per = panel.periods
    if kind == "simple":
        return [(("overall", "", None), {"cells": np.flatnonzero(post), "w": "pg"})]
    if kind == "group":
        parts = [
            {"cells": np.flatnonzero(post & (cells.g == g)), "w": "equal", "g": g}
            for g in np.unique(cells.g)
            if (post & (cells.g == g)).any()
        ]
        rows = [(("overall", "group", None), {"parts": parts, "w": "pg"})]
        rows += [(("group", "group", per[int(p["g"])]), p) for p in parts]
        return rows
    e = cells.t - cells.g.astype(int)
    parts = [{"cells": np.flatnonzero(e == k), "w": "pg", "e": int(k)} for k in np.unique(e)]
    rows = [
        (
            ("overall", "event_time", None),
            {"parts": [p for p in parts if p["e"] >= 0], "w": "equal"},
        )
    ]
    rows += [(("event_time", "event_time", p["e"]), p) for p in parts]
    return rows


def _apply_spec(spec, att, inf, gshare, gpos, cell_g) -> tuple[float, np.ndarray]:
    """Point estimate and influence function (with the weight-estimation term of R ``did``)."""
    if "parts" in spec:
        sub = [_apply_spec(p, att, inf, gshare, gpos, cell_g) for p in spec["parts"]]
        if not sub:
            return np.nan, np.zeros(inf.shape[0])
        a = np.array([s[0] for s in sub])
        f = np.column_stack([s[1] for s in sub])
        groups = np.array([p["g"] for p in spec["parts"]]) if "g" in spec["parts"][0] else None
    else:
        keep = spec["cells"]
        if keep.size == 0:
            return np.nan, np.zeros(inf.shape[0])
        a, f, groups = att[keep], inf[:, keep], cell_g[keep]
    if spec["w"] == "equal" or groups is None:
        return float(a.mean()), f.mean(axis=1)
    pg = np.array([gshare[g] for g in groups])
    s = pg.sum()
    w = pg / s
    ind = (gpos[:, None] == groups[None, :]).astype(float) - pg[None, :]  # IF of each pg
    wif = ind / s - ind.sum(axis=1, keepdims=True) * pg[None, :] / s**2
    return float(w @ a), f @ w + wif @ a


def _bootstrap(
    cells: _Cells, panel: _Panel, n_boot: int, random_state
) -> tuple[np.ndarray, np.ndarray]:
    """Unit-level (cluster) bootstrap: draws of ATT(g,t) and of the unit counts per draw."""
    rng = np.random.default_rng(random_state)
    n = panel.y.shape[0]
    counts = rng.multinomial(n, np.full(n, 1 / n), size=n_boot).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        att = (counts @ (cells.treat * cells.delta)) / (counts @ cells.treat) - (
            counts @ (cells.ctrl * cells.delta)
        ) / (counts @ cells.ctrl)
    return att, counts


def _boot_spec(spec, att_b, counts, cell_g, gpos) -> np.ndarray:
    """The aggregate recomputed in every bootstrap draw (cohort shares re-estimated)."""
    if "parts" in spec:
        sub = np.column_stack([_boot_spec(p, att_b, counts, cell_g, gpos) for p in spec["parts"]])
        groups = np.array([p["g"] for p in spec["parts"]]) if "g" in spec["parts"][0] else None
    else:
        sub, groups = att_b[:, spec["cells"]], cell_g[spec["cells"]]
    if spec["w"] == "equal" or groups is None:
        return sub.mean(axis=1)
    pg = counts @ (gpos[:, None] == groups[None, :]).astype(float)
    return (pg * sub).sum(axis=1) / pg.sum(axis=1)


def _boot_summary(draws: np.ndarray, alpha: float) -> tuple[float, float, float]:
    d = draws[np.isfinite(draws)]
    if d.size < 10:
        return np.nan, np.nan, np.nan
    lo, hi = np.quantile(d, [alpha / 2, 1 - alpha / 2])
    return float(d.std(ddof=1)), float(lo), float(hi)


def _n_assignments(gpos: np.ndarray) -> int:
    _, counts = np.unique(gpos, return_counts=True)
    total = math.factorial(gpos.size)
    for c in counts:
        total //= math.factorial(int(c))
    return total


def _multiset_permutations(items: np.ndarray):
    """All distinct orderings of a multiset (for exact randomisation inference)."""
    vals, counts = np.unique(items, return_counts=True)
    counts = counts.tolist()
    out: list[float] = []

    def rec():
        if len(out) == items.size:
            yield list(out)
            return
        for i, v in enumerate(vals):
            if counts[i]:
                counts[i] -= 1
                out.append(v)
                yield from rec()
                out.pop()
                counts[i] += 1

    yield from rec()


def _linear_weights(spec, cells: _Cells, panel: _Panel) -> np.ndarray:
    """The weight of each ATT(g,t) cell in an aggregate (cohort shares held fixed)."""
    k = cells.g.size
    gshare = _cohort_shares(panel.gpos, cells.g)
    zero = np.zeros((1, k))
    return np.array([_apply_spec(spec, e, zero, gshare, panel.gpos, cells.g)[0] for e in np.eye(k)])


def _pooled_t(spec, cells: _Cells, panel: _Panel) -> tuple[float, float, int]:
    """Standard error of an aggregate from the spread of units within their cohort, and its df.

    Each unit's contribution to the aggregate is ``rho_i · s_i``: ``s_i`` its
    weighted outcome change, ``rho_i`` its weight (+ for treated, − for control
    roles). The s_i vary about their cohort's mean with one variance pooled over
    all cohorts and the never-treated (degrees of freedom: units − groups), so a
    cohort of one team still carries the sampling variance of a team. With one
    cohort and never-treated controls this is the pooled two-sample t.
    """
    w = _linear_weights(spec, cells, panel)
    w = np.where(np.isfinite(w), w, 0.0)
    nt, nc = cells.treat.sum(axis=0), cells.ctrl.sum(axis=0)
    role = cells.treat / nt - cells.ctrl / nc
    rho = role @ w
    used = np.abs(rho) > 1e-12
    score = (role * cells.delta) @ w
    score = score[used] / rho[used]
    group = panel.gpos[used]
    resid = score.copy()
    for g in np.unique(group):
        resid[group == g] -= score[group == g].mean()
    df = int(used.sum() - np.unique(group).size)
    if df < 1:
        return np.nan, np.nan, df
    s2 = float(resid @ resid) / df
    return float(rho[used] @ score), float(np.sqrt(s2 * (rho[used] @ rho[used]))), df
