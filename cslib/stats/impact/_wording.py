"""The words of a verdict: numbers and percentages as a reader expects them, and the sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _num(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    a = abs(v)
    s = f"{v:,.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.2f}" if a >= 1 else f"{v:.3g}"
    return s.replace("-", "−")


def _pct(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    return f"{100 * v:+.0f} %".replace("-", "−")


def _step_word(t: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(t) and len(t) > 1:
        days = (
            float(np.median(np.diff(np.sort(t.to_numpy())).astype("timedelta64[s]").astype(float)))
            / 86400
        )
        for lo, hi, word in (
            (0.9, 1.1, "days"),
            (6.5, 7.5, "weeks"),
            (27, 32, "months"),
            (85, 95, "quarters"),
        ):
            if lo <= days <= hi:
                return word
    return "periods"


def _sentence(
    name, units, direction, outcome, est, target, target_met, sustained, picked, step, level
) -> str:
    u = f" {units}" if units else ""
    b, a = _num(est["before"]), _num(est["after"])
    rel = f"{_pct(est['relative'])}, {100 * level:.0f} % CI {_pct(est['rel_low'])} to {_pct(est['rel_high'])}"
    lower = est["after"] < est["before"]
    verb = "fell" if lower else "rose"
    Name = name[:1].upper() + name[1:]
    if picked.method == "two-period":
        move = f"{Name} {verb} from {b} to {a}{u} ({rel}) after the change"
    else:
        ref = "the trend before it" if picked.method == "its" else "the control teams"
        move = f"{Name} averaged {a}{u} after the change against {b} expected from {ref} ({rel})"
    if outcome == "improved":
        text = f"{move}; the improvement is statistically clear"
        if sustained is True:
            text += f" and has held for the {picked.n_after} {step} since."
        elif sustained is False:
            text += ", but it has slipped back in the later part of the review period: keep watching it."
        else:
            text += "."
    elif outcome == "worsened":
        text = f"{move}; this deterioration is statistically clear: review the change."
    else:
        text = (
            f"{move}; the interval includes no change, so no improvement can be claimed yet "
            "(collect more data or revisit the change)."
        )
    if target_met is not None:
        goal = target if isinstance(target, str) else f"{_num(float(target))}{u}"
        text += f" The target ({goal}) was {'met' if target_met else 'not met'}."
    if picked.warning:
        text += f" Caution: {picked.warning}."
    del direction
    return text
