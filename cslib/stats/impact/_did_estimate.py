"""Estimation for :func:`~cslib.stats.impact.did.did`: the wide panel, the (g, t) cells and their ATT.

Also the plain two-way fixed-effects coefficient the result shows for comparison.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_frame, no_missing, numeric_column
from cslib._lazy import lazy
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._notes import _caught

if TYPE_CHECKING:
    from statsmodels.regression import linear_model
else:
    linear_model = lazy("statsmodels.regression.linear_model")  # not all of statsmodels.api


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


def _panel(data, *, y, unit, time, first_treated) -> tuple[_Panel, list[str]]:
    """The wide panel of the long data, with notes on the units set aside or counted as never treated."""
    check_frame(data, [y, unit, time, first_treated], where="did")
    for col in (unit, time):
        no_missing(data, col)
    Y, periods, units, ucode = _wide(data, y=y, unit=unit, time=time)
    gpos, late = _cohort_positions(data, first_treated, time, periods, units, ucode)
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


def _wide(data, *, y, unit, time) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Units × periods outcome matrix (NaN where unobserved), the periods, units and unit codes."""
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
    return Y, periods, units, ucode


def _cohort_positions(
    data, first_treated, time, periods, units, ucode
) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's period position of first treatment (inf: never treated, or after the last
    period), and which treated units go live after the last period."""
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
    if pd.api.types.is_datetime64_any_dtype(data[time]):
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
    gpos[treated] = np.where(late, np.inf, gp).astype(float)
    return gpos, late


def _build_cells(panel: _Panel, control: str, base_period: str = "varying") -> _Cells:
    """The (g, t) cells. Post periods are compared with period g−1 (``"varying"``) or with
    each unit's mean over all periods before g (``"pre-mean"``); pre periods with t−1."""
    Y, gpos = panel.y, panel.gpos
    n, T = Y.shape
    cohorts = np.unique(gpos[np.isfinite(gpos)])
    gs, ts, bs, tr, cr, dl = [], [], [], [], [], []
    for g in cohorts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a unit with no pre-period value
            pre_mean = np.nanmean(Y[:, : int(g)], axis=1)
        for t in range(1, T):
            base = int(g) - 1 if t >= g else t - 1
            before = pre_mean if t >= g and base_period == "pre-mean" else Y[:, base]
            d = Y[:, t] - before
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


def _twfe(panel: _Panel, alpha: float, notes: list[str]) -> pd.DataFrame:
    """Plain two-way fixed-effects DiD coefficient with unit-clustered errors (comparison only);
    the fit's warnings are added to ``notes``."""
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
    with _caught(notes, "two-way fixed effects (for comparison)"):
        fit = linear_model.OLS(ry, rd[:, None]).fit(cov_type="cluster", cov_kwds={"groups": ui})
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
