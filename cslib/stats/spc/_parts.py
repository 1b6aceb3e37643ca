"""One part of a chart: centre, limits and signals; then each point's variation and each part's assurance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.errors import ParameterError, Problem
from cslib.stats.spc._inputs import _show
from cslib.stats.spc.limits import LIMITS, TRIAL_POINTS, Part
from cslib.stats.spc.rules import Runs, nhs_rules, runs_analysis


def _analyse_part(
    pts: pd.DataFrame,
    part_no: int,
    baseline: np.ndarray,
    excluded: np.ndarray,
    chart: str,
    rules: str,
    screen_mr: bool,
) -> tuple[pd.DataFrame, dict]:
    """Centre, limits and signals of one part."""
    y = pts["y"].to_numpy(dtype=float)
    finite = np.isfinite(y)
    usable = ~excluded & finite
    if chart == "mr":  # a moving range next to an excluded value carries its weight
        usable &= ~np.r_[False, excluded[:-1]]
    base = baseline & usable
    if not base.any():  # the part starts after the frozen baseline
        base = usable.copy()
    if base.sum() < 2:
        where = _show(pts.index[usable])
        raise ParameterError(
            Problem(
                f"part {part_no} has {int(base.sum())} usable point(s) for centre and limits "
                f"(positions {where or 'none'}); a chart needs at least 2",
                fix="start parts later, freeze a longer baseline, or exclude fewer points",
            )
        )
    n = pts["n"].to_numpy(dtype=float) if "n" in pts else None
    sd = pts["sd"].to_numpy(dtype=float) if "sd" in pts else None
    cl, lcl, ucl = LIMITS[chart](Part(y, n, sd, base, rules, screen_mr))

    with np.errstate(invalid="ignore"):
        sigma = (y > ucl) | (y < lcl)
    runs = runs_analysis(y, cl, ~excluded & finite)
    if chart == "mr":  # moving ranges are autocorrelated: no pattern rules (as qicharts2)
        runs = Runs(runs.n_useful, np.nan, np.nan, np.nan, np.nan, False, np.zeros(len(y), bool))
    out = pts.copy()
    out["cl"], out["lcl"], out["ucl"] = cl, lcl, ucl
    out["sigma_signal"] = sigma
    out["runs_signal"] = runs.signal
    out["long_run"] = runs.long_run
    if rules == "nhs":
        use = ~excluded & finite if chart != "mr" else np.zeros(len(y), bool)
        flags = nhs_rules(y, cl, lcl, ucl, sigma, use)
        out["outside_limits"] = sigma
        out["trend"], out["two_of_three"], out["shift"] = (
            flags.trend,
            flags.two_of_three,
            flags.shift,
        )
        out["special_cause"] = flags.special_cause
        out["special_cause_rule"] = pd.Series(flags.rule, index=out.index, dtype=object)
        out["_direction"] = flags.direction
    else:
        out["special_cause"] = sigma | runs.long_run
        out["_direction"] = np.nan_to_num(np.sign(y - cl)).astype(int)
    n_base = int(base.sum())
    out["part"] = part_no
    out["excluded"] = excluded
    out["baseline"] = base
    out["trial_limits"] = n_base < TRIAL_POINTS
    row = _summary_row(part_no, int((~excluded & finite).sum()), n_base, runs, sigma, cl, lcl, ucl)
    return out, row


def _summary_row(part_no, n_obs, n_base, runs, sigma, cl, lcl, ucl) -> dict:
    """The part's row of the summary: counts, runs analysis, limits and the trial-limits note."""
    trial = n_base < TRIAL_POINTS
    return {
        "part": part_no,
        "n_obs": n_obs,
        "n_baseline": n_base,
        "n_useful": runs.n_useful,
        "longest_run": runs.longest_run,
        "longest_run_max": runs.longest_run_max,
        "n_crossings": runs.n_crossings,
        "n_crossings_min": runs.n_crossings_min,
        "runs_signal": runs.signal,
        "sigma_signals": int(sigma.sum()),
        "cl": _constant(cl),
        "lcl": _constant(lcl),
        "ucl": _constant(ucl),
        "trial_limits": trial,
        "note": (
            f"trial limits: centre and limits from {n_base} points (fewer than "
            f"{TRIAL_POINTS}); recompute them when more data arrive"
            if trial
            else ""
        ),
    }


def _constant(v: np.ndarray) -> float:
    """The value of an array holding one value throughout; NaN when it varies within the part."""
    return float(v[0]) if np.allclose(v, v[0], equal_nan=True, rtol=0, atol=0) else np.nan


def _variation(data: pd.DataFrame, improvement: str | None) -> pd.DataFrame:
    """Label each point improvement / concern / neutral / common cause."""
    sign = {"increase": 1, "decrease": -1}.get(improvement or "", 0)
    good = data["_direction"].to_numpy() * sign > 0
    variation = np.where(
        ~data["special_cause"].to_numpy(dtype=bool),
        "common cause",
        np.where(sign == 0, "neutral", np.where(good, "improvement", "concern")),
    )
    data = data.drop(columns="_direction")
    at = data.columns.get_loc("special_cause") + 1
    if "special_cause_rule" in data:
        at += 1
    data.insert(at, "variation", pd.Series(variation, index=data.index, dtype=object))
    return data


def _assurance(part: pd.DataFrame, target: float | None, improvement: str | None) -> object:
    """Will the process meet the target? Judged on the part's latest limits."""
    if target is None or improvement is None:
        return None
    lcl, ucl = part["lcl"].iloc[-1], part["ucl"].iloc[-1]
    if not (np.isfinite(lcl) and np.isfinite(ucl)):
        return None
    up = improvement == "increase"
    if target > ucl:  # every value falls short of (or passes) the target
        return "consistently fail" if up else "consistently pass"
    if target < lcl:
        return "consistently pass" if up else "consistently fail"
    return "inconsistent"
