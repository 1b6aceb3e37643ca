"""False signals of weekly compliance charts: the p chart against the chart cslib chooses.

Simulated stable processes: 26 weeks of quality checks, about ``--checks`` a
week (Poisson), long-run compliance 85 %. Each week has its own true compliance,
drawn from a beta distribution whose between-week ICC (the correlation of two
checks of the same week) is 0, 0.05, 0.15 or 0.30: 0 is pure binomial sampling,
larger values the week-to-week variation of real operations (other evaluators,
case mix, staffing). Nothing changes, so every signal is false.

For each ICC it prints, over ``--reps`` series, the share of series with a false
signal on the p chart and on the chart :func:`cslib.stats.spc.dispersion.share_chart`
chooses (Laney's p′ when σz > 1), side by side: a point outside the limits, and
any special cause under the NHS rules the standards cells use (outside the
limits, trend, two of three close to a limit, shift). It also prints how often
the p′ chart was chosen.

Run: ``python benchmarks/standards_chart_bench.py [--reps 400] [--checks 100] [--seed 1]``
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from cslib.stats.spc import control_chart
from cslib.stats.spc.dispersion import share_chart

WEEKS = 26
COMPLIANCE = 0.85
ICCS = (0.0, 0.05, 0.15, 0.30)


def series(rng: np.random.Generator, icc: float, checks: float) -> tuple[np.ndarray, np.ndarray]:
    """One stable weekly series: checks met and checks per week (beta-binomial with ICC ``icc``)."""
    n = np.maximum(rng.poisson(checks, WEEKS), 1)
    if icc == 0:
        p = np.full(WEEKS, COMPLIANCE)
    else:
        total = 1 / icc - 1  # a + b of the beta distribution
        p = rng.beta(COMPLIANCE * total, (1 - COMPLIANCE) * total, WEEKS)
    return rng.binomial(n, p), n


def signals(met: np.ndarray, n: np.ndarray, chart: str) -> tuple[bool, bool]:
    """Whether the chart has a point outside its limits, and any NHS special cause."""
    d = control_chart(met, chart=chart, n=n, rules="nhs", improvement="increase").data
    return bool(d["outside_limits"].any()), bool(d["special_cause"].any())


def run(reps: int, checks: float, seed: int) -> pd.DataFrame:
    """False-signal rates per ICC, the p chart beside the chosen chart."""
    rng = np.random.default_rng(seed)
    rows = []
    for icc in ICCS:
        found = []
        for _ in range(reps):
            met, n = series(rng, icc, checks)
            chosen = share_chart(met, n)
            found.append((*signals(met, n, "p"), *signals(met, n, chosen), chosen == "pp"))
        f = np.array(found, dtype=float).mean(axis=0)
        rows.append(
            {
                "ICC": icc,
                "p: outside": f[0],
                "chosen: outside": f[2],
                "p: any NHS": f[1],
                "chosen: any NHS": f[3],
                "p′ chosen": f[4],
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400, help="series per ICC")
    parser.add_argument("--checks", type=float, default=100, help="mean checks per week")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    table = run(args.reps, args.checks, args.seed)
    print(
        f"False signals in {args.reps} stable series of {WEEKS} weeks, "
        f"~{args.checks:g} checks a week, compliance {COMPLIANCE:.0%}"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
