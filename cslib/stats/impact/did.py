"""Difference-in-differences with staggered roll-out: :func:`did` (public via :mod:`cslib.stats.impact`).

Group-time average treatment effects in the style of Callaway & Sant'Anna (2021),
unconditional (no covariates), with the "varying" base period of R's ``did``:
period g−1 for post periods, t−1 for pre periods.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from cslib._args import check_alpha, check_frame, choice, frame_html, no_missing, numeric_column
from cslib.errors import ParameterError, Problem

AGGREGATIONS = ("simple", "group", "dynamic")


@dataclass(frozen=True)
class _Panel:
    """Wide panel: units × periods outcome matrix and cohort position per unit."""

    y: np.ndarray  # N × T, NaN where unobserved
    gpos: np.ndarray  # N, period position of first treatment, inf = never treated
    periods: np.ndarray  # T sorted period values
    units: np.ndarray  # N unit labels


@dataclass(frozen=True)
class _Cells:
    """The (g, t) cells: treated/control indicators and outcome changes, N × K."""

    g: np.ndarray  # K cohort positions
    t: np.ndarray  # K period positions
    base: np.ndarray  # K base-period positions
    treat: np.ndarray  # N × K 0/1
    ctrl: np.ndarray  # N × K 0/1
    delta: np.ndarray  # N × K outcome change (0 where unused)


@dataclass(frozen=True)
class DidResult:
    """Result of :func:`did`.

    Attributes
    ----------
    att_gt : pandas.DataFrame
        One row per cohort × period: ``group`` (first treated period), ``time``,
        ``base`` (the comparison period), ``event_time`` (periods since the
        cohort's go-live; negative = placebo pre-periods), ``att``, ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``post``, ``n_treated``,
        ``n_control``.
    twfe : pandas.DataFrame
        The plain two-way fixed-effects coefficient, **for comparison only**:
        with staggered roll-outs it can weight cohort effects negatively.
    control : str
        ``"never"`` or ``"notyet"``.
    inference : str
        ``"analytic"`` (influence function) or ``"bootstrap"`` (units resampled).
    n_units, n_never : int
        Units used, and never-treated units among them.
    notes : tuple of str
    """

    att_gt: pd.DataFrame
    twfe: pd.DataFrame
    control: str
    inference: str
    alpha: float
    n_units: int
    n_never: int
    notes: tuple[str, ...]
    _panel: _Panel = field(repr=False, compare=False)
    _cells: _Cells = field(repr=False, compare=False)
    _inf: np.ndarray = field(repr=False, compare=False)
    _boot: tuple[np.ndarray, np.ndarray] | None = field(repr=False, compare=False)

    @property
    def table(self) -> pd.DataFrame:
        """The group-time effects (``att_gt``)."""
        return self.att_gt

    def summary(self) -> pd.DataFrame:
        """The three overall effects (simple, group, dynamic) and the TWFE comparison.

        Returns
        -------
        pandas.DataFrame
            ``estimator``, ``att``, ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``note``.
        """
        rows = []
        for kind in AGGREGATIONS:
            r = self.aggregate(kind).iloc[0]
            rows.append(
                {
                    "estimator": f"{kind} (Callaway–Sant'Anna)",
                    "att": r["att"],
                    "se": r["se"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                    "p_value": r["p_value"],
                    "note": "",
                }
            )
        tw = self.twfe.iloc[0]
        rows.append(
            {
                "estimator": "two-way fixed effects",
                "att": tw["estimate"],
                "se": tw["se"],
                "ci_low": tw["ci_low"],
                "ci_high": tw["ci_high"],
                "p_value": tw["p_value"],
                "note": "comparison only, not the answer",
            }
        )
        return pd.DataFrame(rows)

    def aggregate(self, kind: str = "simple") -> pd.DataFrame:
        """Aggregate the ATT(g,t) as R ``did::aggte`` does.

        Parameters
        ----------
        kind : {"simple", "group", "dynamic"}
            ``simple``: post cells weighted by cohort size. ``group``: average
            of each cohort's post effects, then cohorts weighted by size.
            ``dynamic``: by event time e (cohorts weighted by size within e);
            the overall value averages the e ≥ 0 effects.

        Returns
        -------
        pandas.DataFrame
            First row ``level == "overall"``, then one per cohort (``group``) or
            event time (``dynamic``; e < 0 are placebo pre-periods): ``level``,
            ``group`` or ``event_time``, ``att``, ``se``, ``ci_low``, ``ci_high``,
            ``p_value``, ``inference``.

        Examples
        --------
        >>> # res = did(panel, y="lemp", unit="countyreal", time="year", first_treated="first.treat")
        >>> # res.aggregate("dynamic")
        """
        choice(kind, AGGREGATIONS, "kind")
        specs = _aggregation_specs(kind, self._cells, self._panel)
        att = self.att_gt["att"].to_numpy()
        gshare = _cohort_shares(self._panel.gpos, self._cells.g)
        rows = []
        for label, spec in specs:
            est, inf = _apply_spec(spec, att, self._inf, gshare, self._panel.gpos, self._cells.g)
            if self._boot is None:
                se = float(np.sqrt(np.sum(inf**2)) / inf.size)
                z = stats.norm.ppf(1 - self.alpha / 2)
                lo, hi = est - z * se, est + z * se
            else:
                draws = _boot_spec(spec, *self._boot, self._cells.g, self._panel.gpos)
                se, lo, hi = _boot_summary(draws, self.alpha)
            p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan
            rows.append(
                {
                    "level": label[0],
                    **({label[1]: label[2]} if label[1] else {}),
                    "att": est,
                    "se": se,
                    "ci_low": lo,
                    "ci_high": hi,
                    "p_value": p,
                    "inference": self.inference,
                }
            )
        out = pd.DataFrame(rows)
        key = "group" if kind == "group" else "event_time"
        if kind == "simple":
            out = out.drop(columns=[c for c in out.columns if c in ("group", "event_time")])
        else:
            out[key] = pd.Series([r.get(key) for r in rows], dtype=object)
        return out

    def permutation_test(
        self, kind: str = "simple", *, n_perm: int = 999, random_state: int | None = 0
    ) -> pd.DataFrame:
        """Randomisation inference over units (teams): sensible with few teams.

        The cohort labels are shuffled across whole units (all distinct
        assignments when there are at most ``n_perm`` of them), the overall
        effect recomputed, and the p-value is the share of assignments with an
        effect at least as large in absolute value as the observed one.

        Returns
        -------
        pandas.DataFrame
            One row: ``kind``, ``att``, ``p_value``, ``n_assignments``,
            ``exact``, ``method``.
        """
        choice(kind, AGGREGATIONS, "kind")
        obs = float(self.aggregate(kind)["att"].iloc[0])
        gpos = self._panel.gpos
        total = _n_assignments(gpos)
        rng = np.random.default_rng(random_state)
        exact = total <= n_perm
        perms = (
            _multiset_permutations(gpos)
            if exact
            else (rng.permutation(gpos) for _ in range(n_perm))
        )
        draws = []
        for g in perms:
            panel = _Panel(
                self._panel.y, np.asarray(g, dtype=float), self._panel.periods, self._panel.units
            )
            try:
                cells = _build_cells(panel, self.control)
            except ParameterError:
                continue
            att, inf = _att_and_if(cells)
            spec = _aggregation_specs(kind, cells, panel)[0][1]
            est, _ = _apply_spec(
                spec, att, inf, _cohort_shares(panel.gpos, cells.g), panel.gpos, cells.g
            )
            if np.isfinite(est):
                draws.append(est)
        d = np.abs(np.asarray(draws)) >= abs(obs) - 1e-12
        p = float(d.mean()) if exact else float((1 + d.sum()) / (1 + d.size))
        return pd.DataFrame(
            [
                {
                    "kind": kind,
                    "att": obs,
                    "p_value": p,
                    "n_assignments": int(d.size),
                    "exact": exact,
                    "method": "permutation of cohort labels across units"
                    + (" (all assignments)" if exact else f" ({n_perm} random assignments)"),
                }
            ]
        )

    def _repr_html_(self) -> str:
        return frame_html(
            f"Difference-in-differences, {self.control}-treated controls ({self.n_units} units)",
            [("Overall effects", self.summary()), ("Group-time effects ATT(g,t)", self.att_gt)],
            list(self.notes),
        )


def did(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    first_treated: str,
    control: str = "never",
    alpha: float = 0.05,
    inference: str = "analytic",
    n_boot: int = 999,
    random_state: int | None = 0,
) -> DidResult:
    """Group-time difference-in-differences (Callaway & Sant'Anna, unconditional).

    ATT(g,t) is the 2×2 DiD of cohort g (units first treated in period g)
    against the control units, between period t and a base period: g−1 for
    post periods (t ≥ g) and t−1 for pre periods (placebo effects that check
    parallel trends). A single go-live date is the same machinery with one
    cohort.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per unit × period (not modified).
    y, unit, time : str
        Outcome, unit (team) and period columns.
    first_treated : str
        Column holding each unit's first treated period (a ``time`` value);
        0 or missing = never treated. Units treated after the last period
        count as never treated; units treated in the first period are dropped.
    control : {"never", "notyet"}
        Never-treated units only, or also units not yet treated by period t.
    alpha : float
        1 − confidence level (pointwise intervals).
    inference : {"analytic", "bootstrap"}
        Influence-function standard errors, or a bootstrap resampling whole
        units (clusters), ``n_boot`` times with seed ``random_state``
        (percentile intervals). For few teams see
        :meth:`DidResult.permutation_test`.

    Returns
    -------
    DidResult
        ``.att_gt``, ``.aggregate(kind)``, ``.summary()``, ``.twfe``
        (comparison only), ``.permutation_test()``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"team": list("AABBCC"), "month": [1, 2] * 3,
    ...                    "fcr": [0.60, 0.70, 0.50, 0.52, 0.55, 0.56],
    ...                    "start": [2, 2, 0, 0, 0, 0]})
    >>> res = did(df, y="fcr", unit="team", time="month", first_treated="start")
    >>> round(float(res.aggregate("simple")["att"].iloc[0]), 3)
    0.085
    """
    choice(control, ("never", "notyet"), "control")
    choice(inference, ("analytic", "bootstrap"), "inference")
    alpha = check_alpha(alpha)
    panel, notes = _panel(data, y=y, unit=unit, time=time, first_treated=first_treated)
    cells = _build_cells(panel, control)
    att, inf = _att_and_if(cells)
    boot = None
    if inference == "bootstrap":
        if not (isinstance(n_boot, int) and n_boot >= 99):
            raise ParameterError(
                Problem(
                    "too few bootstrap draws",
                    column="n_boot",
                    values=(n_boot,),
                    fix="use n_boot >= 99 (999 is a good default)",
                )
            )
        boot = _bootstrap(cells, panel, n_boot, random_state)
    n = panel.y.shape[0]
    z = stats.norm.ppf(1 - alpha / 2)
    if boot is None:
        se = np.sqrt((inf**2).sum(axis=0)) / n
        lo, hi = att - z * se, att + z * se
    else:
        summ = [_boot_summary(boot[0][:, k], alpha) for k in range(att.size)]
        se, lo, hi = (np.array(v) for v in zip(*summ, strict=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.norm.sf(np.abs(att / se)), np.nan)
    per = panel.periods
    table = pd.DataFrame(
        {
            "group": per[cells.g.astype(int)],
            "time": per[cells.t],
            "base": per[cells.base],
            "event_time": cells.t - cells.g.astype(int),
            "att": att,
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": p,
            "post": cells.t >= cells.g,
            "n_treated": cells.treat.sum(axis=0).astype(int),
            "n_control": cells.ctrl.sum(axis=0).astype(int),
        }
    )
    n_treated_units = int(np.isfinite(panel.gpos).sum())
    n_never = int((~np.isfinite(panel.gpos)).sum())
    if min(n_treated_units, int(table["n_control"].max())) < 10:
        notes.append(
            "few units: influence-function and bootstrap intervals are approximate; "
            "prefer .permutation_test() for the p-value"
        )
    return DidResult(
        att_gt=table,
        twfe=_twfe(panel, alpha),
        control=control,
        inference=inference,
        alpha=alpha,
        n_units=n,
        n_never=n_never,
        notes=tuple(notes),
        _panel=panel,
        _cells=cells,
        _inf=inf,
        _boot=boot,
    )


def _panel(data, *, y, unit, time, first_treated) -> tuple[_Panel, list[str]]:
    check_frame(data, [y, unit, time, first_treated], where="did")
    for col in (unit, time):
        no_missing(data, col)
    yv = numeric_column(data, y)
    if data.duplicated([unit, time]).any():
        dup = data.loc[data.duplicated([unit, time]), [unit, time]].head(3)
        raise ParameterError(
            Problem(
                "more than one row per unit and period",
                column=f"{unit}, {time}",
                values=tuple(map(tuple, dup.to_numpy().tolist())),
                fix="aggregate to one row per unit × period first",
            )
        )
    tcol = data[time]
    if not (pd.api.types.is_numeric_dtype(tcol) or pd.api.types.is_datetime64_any_dtype(tcol)):
        raise ParameterError(
            Problem(
                "time must hold numbers or dates",
                column=time,
                values=tuple(tcol.head(3)),
                fix="convert with pd.to_numeric or pd.to_datetime",
            )
        )
    periods = np.sort(tcol.unique())
    if periods.size < 2:
        raise ParameterError(
            Problem(
                "needs at least two periods",
                column=time,
                values=tuple(periods),
                fix="include periods before and after the go-live",
            )
        )
    units, ucode = np.unique(data[unit].to_numpy(), return_inverse=True)
    tpos = np.searchsorted(periods, tcol.to_numpy())
    Y = np.full((units.size, periods.size), np.nan)
    Y[ucode, tpos] = yv
    ft = data[first_treated]
    per_unit = pd.DataFrame({"u": ucode, "g": ft}).groupby("u")["g"].nunique(dropna=False)
    if (per_unit > 1).any():
        bad = units[per_unit.index[per_unit > 1].to_numpy()]
        raise ParameterError(
            Problem(
                "first_treated differs between rows of the same unit",
                column=first_treated,
                values=tuple(bad[:5]),
                fix="give each unit one first-treated period",
            )
        )
    gvals = pd.Series(ft.to_numpy()).groupby(ucode).first()
    never = gvals.isna().to_numpy().copy()
    if pd.api.types.is_datetime64_any_dtype(tcol):
        g = pd.to_datetime(gvals).to_numpy()
    else:
        g = pd.to_numeric(gvals, errors="coerce").to_numpy(dtype=float)
        never |= g == 0
        if np.isnan(g[~never]).any():
            raise ParameterError(
                Problem(
                    "first_treated must hold period values, 0 or missing",
                    column=first_treated,
                    fix="use the go-live period of each unit",
                )
            )
    gpos = np.full(units.size, np.inf)
    treated = ~never
    gp = np.searchsorted(periods, g[treated])
    inside = gp < periods.size
    hit = np.zeros(gp.size, dtype=bool)
    hit[inside] = periods[gp[inside]] == g[treated][inside]
    late = ~inside
    if (~hit & ~late).any():
        bad = g[treated][~hit & ~late]
        raise ParameterError(
            Problem(
                "first_treated values are not periods of the data",
                column=first_treated,
                values=tuple(bad[:5]),
                fix=f"use one of the '{time}' values (or 0 for never treated)",
            )
        )
    pos = np.where(late, np.inf, gp).astype(float)
    gpos[treated] = pos
    notes: list[str] = []
    if late.any():
        notes.append(
            f"{int(late.sum())} unit(s) first treated after the last period count as never treated"
        )
    first = gpos == 0
    if first.any():
        notes.append(
            f"{int(first.sum())} unit(s) treated from the first period were dropped (no pre-period)"
        )
        Y, gpos, units = Y[~first], gpos[~first], units[~first]
    if not np.isfinite(gpos).any():
        raise ParameterError(
            Problem(
                "no unit is treated within the data",
                column=first_treated,
                fix="check the go-live periods against the time range",
            )
        )
    return _Panel(Y, gpos, periods, units), notes


def _build_cells(panel: _Panel, control: str) -> _Cells:
    Y, gpos = panel.y, panel.gpos
    n, T = Y.shape
    cohorts = np.unique(gpos[np.isfinite(gpos)])
    gs, ts, bs, tr, cr, dl = [], [], [], [], [], []
    for g in cohorts:
        for t in range(1, T):
            base = int(g) - 1 if t >= g else t - 1
            d = Y[:, t] - Y[:, base]
            ok = np.isfinite(d)
            treat = ok & (gpos == g)
            if control == "never":
                ctrl = ok & ~np.isfinite(gpos)
            else:
                ctrl = ok & (~np.isfinite(gpos) | ((gpos > max(t, base)) & (gpos != g)))
            if not treat.any() or not ctrl.any():
                continue
            gs.append(g)
            ts.append(t)
            bs.append(base)
            tr.append(treat)
            cr.append(ctrl)
            dl.append(np.where(ok, d, 0.0))
    if not gs:
        raise ParameterError(
            Problem(
                "no cohort has control units to compare with",
                column="first_treated",
                fix="include never-treated teams, or use control='notyet' with a staggered roll-out",
            )
        )
    return _Cells(
        np.array(gs),
        np.array(ts),
        np.array(bs),
        np.column_stack(tr).astype(float),
        np.column_stack(cr).astype(float),
        np.column_stack(dl),
    )


def _att_and_if(cells: _Cells) -> tuple[np.ndarray, np.ndarray]:
    n = cells.treat.shape[0]
    nt, nc = cells.treat.sum(axis=0), cells.ctrl.sum(axis=0)
    mt = (cells.treat * cells.delta).sum(axis=0) / nt
    mc = (cells.ctrl * cells.delta).sum(axis=0) / nc
    inf = n * (cells.treat * (cells.delta - mt) / nt - cells.ctrl * (cells.delta - mc) / nc)
    return mt - mc, inf


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


def _twfe(panel: _Panel, alpha: float) -> pd.DataFrame:
    """Plain two-way fixed-effects DiD coefficient with unit-clustered errors (comparison only)."""
    ui, ti = np.nonzero(np.isfinite(panel.y))
    yv = panel.y[ui, ti]
    dv = (ti >= panel.gpos[ui]).astype(float)
    ry, rd = yv.copy(), dv.copy()
    for _ in range(200):  # alternating projections; exact after one pass for balanced panels
        shift = 0.0
        for idx in (ui, ti):
            for arr in (ry, rd):
                m = np.bincount(idx, arr) / np.bincount(idx)
                arr -= m[idx]
                shift = max(shift, float(np.abs(m).max()))
        if shift < 1e-12:
            break
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.OLS(ry, rd[:, None]).fit(cov_type="cluster", cov_kwds={"groups": ui})
    lo, hi = fit.conf_int(alpha=alpha)[0]
    return pd.DataFrame(
        [
            {
                "estimate": float(fit.params[0]),
                "se": float(fit.bse[0]),
                "ci_low": float(lo),
                "ci_high": float(hi),
                "p_value": float(fit.pvalues[0]),
                "method": "two-way fixed effects (unit + period), unit-clustered errors — for comparison "
                "only: with a staggered roll-out it can weight effects negatively; not the answer",
            }
        ]
    )


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
