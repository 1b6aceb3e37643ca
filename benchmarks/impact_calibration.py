"""Calibration of cslib.stats.impact.verdict on simulated operations (the slow, larger version).

Two paths (``--path its``, ``--path did``, default both).

Interrupted time series (``--path its``): mean resolution times with a trend, a
weekend effect (daily) and AR(1) persistence with phi = 0.3, 0.5 and 0.7
(cslib.stats.impact.sim.simulate_daily_kpi), daily over 84 + 56 days and weekly
over 21 + 22 weeks, judged on the ratio scale as the Check judges a KPI that cannot
be negative: the false-"improved" rate (nominal 2.5 %, one side of a 95 %
interval) and the coverage with no change, and the power at a 15 % fall;
``--before REV`` adds the library as of REV.

Difference-in-differences: team × period panels from simulated tickets
(cslib.stats.impact.sim.simulate_team_panel: lognormal durations or binary
first-contact resolution, team effects, shared AR(1) period shocks) at the
sample's design, 6 teams of which 3 adopt, over 10 months in weeks or months,
and with a single adopting team. For resolution time and FCR it prints the
false-"improved" rate and the coverage of the interval with no change, and the
power at a 15 % fall in resolution time or a 5-point rise in FCR. ``--before
REV`` runs the same simulations on the library as of git revision REV too
(in a subprocess on an exported copy) and prints both columns. ``--path
methods`` compares the candidate inferences for few teams on the same kind of
panels: the influence-function interval, pooled t intervals, a wild cluster
bootstrap with Webb weights and exact randomisation inference.

Two periods on ticket-level rows (``--path two-period``): tickets over 6 + 6
weeks (and 4 + 4) whose days share AR(1) shocks
(cslib.stats.impact.sim.simulate_ticket_days), resolution time and FCR: the
false-"improved" rate and coverage with no change, and the power at −15 % /
+5 points; ``--before REV`` adds the library as of REV. ``--path open-tickets``:
the same resolution times as an export taken at the end of the last day sees
them (cslib.stats.impact.sim.open_at_end: tickets still running are open, their
value their age), compared with Kaplan–Meier medians (open tickets last at
least their age) and, for contrast, with the open tickets left out.

"Sustained" (``--path sustained``): daily resolution times with a 15 % fall
(cslib.stats.impact.sim.sustained_rate), kept for the whole review or gone
after 4 or 5 of its 8 weeks: how often the verdict calls the change sustained
(should be ≥ 95 % for the permanent step, low when it slips back), by the
interrupted time series and the two-period comparison.

Power at Plan time (``--path power``): for the DiD over 3 + 3 teams (weekly, and in
4-week months), two periods of 6 + 6 weeks and an ITS of 21 + 22 weeks, the minimum
detectable effect the Plan states (cslib.stats.impact.power.plan_power on each
simulated baseline, the median taken) and the verdict's simulated power at it, the
verdict called as the Check calls it (ratio scale for a KPI that cannot be negative),
which should lie within 75–85 % (cslib.stats.impact.power_sim.power_at_mde).

Rates are printed with their Monte Carlo standard errors.

Usage::

    python benchmarks/impact_calibration.py [--sims 2000] [--seed 1] [--path did|power|…] [--before HEAD~1]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# the simulators are read from this checkout, so that --before runs older code on the same data
_SIM = Path(__file__).resolve().parents[1] / "cslib" / "stats" / "impact" / "sim.py"
_spec = importlib.util.spec_from_file_location("impact_sim", _SIM)
sim = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sim)
simulate_daily_kpi = sim.simulate_daily_kpi

#: DiD designs: name → simulate_team_panel arguments (10 months; the change halfway)
DID_DESIGNS = {
    "3 + 3 teams, weekly": {"n_periods": 43, "change": 22, "tickets": 40.0},
    "3 + 3 teams, monthly": {"n_periods": 10, "change": 5, "tickets": 170.0},
    "1 + 5 teams, weekly": {"n_periods": 43, "change": 22, "tickets": 40.0, "n_treated": 1},
}
#: KPI → (better direction, effect for the power column)
DID_KPIS = {"resolution": ("lower", -0.15), "fcr": ("higher", 0.05)}


#: ITS designs: name → simulate_daily_kpi arguments (the AR(1) coefficient is added per row)
ITS_DESIGNS = {
    "daily, 84 + 56 days": {"n_before": 84, "n_after": 56},
    "weekly, 21 + 22 weeks": {"n_before": 21, "n_after": 22, "step_days": 7, "trend": 0.0035},
}
ITS_PHIS = (0.3, 0.5, 0.7)


def its_table(n: int, seed: int) -> dict[str, dict[str, float]]:
    """False "improved", coverage and power at a 15 % fall, of the ITS verdict, per design × phi."""
    rows = {}
    for i, (design, args) in enumerate(ITS_DESIGNS.items()):
        for j, phi in enumerate(ITS_PHIS):
            kw = {**args, "phi": phi, "seed": seed + 100 * i + j}
            null = sim.its_calibration(n, **kw)
            real = sim.its_calibration(n, improvement=0.15, **kw)
            rows[f"{design}, phi {phi}"] = {
                "false improved": null["improved"],
                "coverage": null["covers"],
                "power": real["improved"],
            }
    return rows


def did_rates(n: int, *, kpi: str, seed: int, **design) -> dict[str, float]:
    """False "improved" and coverage with no change, power at the KPI's effect, on one design."""
    direction, effect = DID_KPIS[kpi]
    null = sim.did_calibration(n, kpi=kpi, direction=direction, seed=seed, **design)
    real = sim.did_calibration(n, kpi=kpi, direction=direction, effect=effect, seed=seed, **design)
    return {
        "false improved": null["improved"],
        "coverage": null["covers_null"],
        "power": real["improved"],
    }


def did_table(n: int, seed: int) -> dict[str, dict[str, float]]:
    """Rates for every DiD design × KPI."""
    rows = {}
    for i, (design, args) in enumerate(DID_DESIGNS.items()):
        for j, kpi in enumerate(DID_KPIS):
            rows[f"{design}, {kpi}"] = did_rates(n, kpi=kpi, seed=seed + 100 * i + j, **args)
    return rows


#: two-period designs: name → simulate_ticket_days arguments
TWO_PERIOD_DESIGNS = {
    "6 + 6 weeks, 30 a day": {"n_before": 42, "n_after": 42, "per_day": 30},
    "4 + 4 weeks, 30 a day": {"n_before": 28, "n_after": 28, "per_day": 30},
}


def two_period_table(n: int, seed: int) -> dict[str, dict[str, float]]:
    """False "improved", coverage and power of the two-period verdict on ticket-level rows."""
    rows = {}
    for i, (design, args) in enumerate(TWO_PERIOD_DESIGNS.items()):
        for j, (kpi, (direction, effect)) in enumerate(DID_KPIS.items()):
            kw = {"kpi": kpi, "direction": direction, "seed": seed + 100 * i + j, **args}
            null = sim.two_period_calibration(n, **kw)
            real = sim.two_period_calibration(n, effect=effect, **kw)
            rows[f"{design}, {kpi}"] = {
                "false improved": null["improved"],
                "coverage": null["covers_null"],
                "power": real["improved"],
            }
    return rows


def open_tickets_table(n: int, seed: int) -> dict[str, dict[str, float]]:
    """The two-period verdict on resolution times when the data ends with tickets still open:
    Kaplan–Meier medians against leaving the open tickets out."""
    rows = {}
    direction, effect = DID_KPIS["resolution"]
    for i, (design, args) in enumerate(TWO_PERIOD_DESIGNS.items()):
        for how in ("kaplan-meier", "dropped"):
            kw = {"kpi": "resolution", "direction": direction, "seed": seed + 100 * i}
            kw |= {"censored": how, **args}
            null = sim.two_period_calibration(n, **kw)
            real = sim.two_period_calibration(n, effect=effect, **kw)
            rows[f"{design}, open {how}"] = {
                "false improved": null["improved"],
                "coverage": null["covers_null"],
                "power": real["improved"],
            }
    return rows


#: "sustained" scenarios: name → days the gain lasts (None = permanent)
SLIPS = {"permanent −15 % step": None, "gone after 4 weeks": 28, "gone after 5 weeks": 35}


def sustained_table(n: int, seed: int) -> dict[str, dict[str, float]]:
    """How often a 15 % fall is called sustained, kept or slipping back, by method."""
    return {
        name: {
            f"sustained, {method}": sim.sustained_rate(
                n, slip_after=days, method=method, seed=seed + i
            )
            for method in ("its", "two-period")
        }
        for i, (name, days) in enumerate(SLIPS.items())
    }


def _old_table(rev: str, n: int, seed: int, path: str) -> dict[str, dict[str, float]]:
    """The rates of ``path`` with the library as of git revision ``rev`` (exported to a temporary folder)."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        tar = subprocess.run(
            ["git", "-C", str(root), "archive", rev, "cslib"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=tar, check=True)
        args = [sys.executable, __file__, "--path", path, "--sims", str(n), "--seed", str(seed)]
        done = subprocess.run(
            [*args, "--json"],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": tmp},
        )
    return json.loads(done.stdout)


def _rate(p: float, m: int) -> str:
    return f"{100 * p:5.1f} % ± {100 * np.sqrt(p * (1 - p) / m):.1f}"


def print_table(n: int, seed: int, before: str | None, path: str) -> None:
    """The rates of ``did`` or ``two-period``, with those of git revision ``before`` beside them."""
    start = time.perf_counter()
    after = TABLES[path](n, seed)
    old = _old_table(before, n, seed, path) if before else None
    title = {
        "its": "Interrupted time series, mean resolution time with AR(1) noise",
        "did": "Difference-in-differences",
        "two-period": "Two periods, ticket-level rows",
        "sustained": '"Sustained" of a 15 % fall in daily resolution time',
        "open-tickets": "Two periods, resolution times with tickets still open at the data's end",
    }
    print(
        f"\n{title[path]}: {n} simulations per cell; rate ± Monte Carlo s.e."
        + (f"; before = git {before}" if before else "")
    )
    cols = tuple(next(iter(after.values())))
    head = "".join(f" | {c + ' (before)':>18s} | {c:>18s}" if old else f" | {c:>18s}" for c in cols)
    print(f"{'scenario' if path == 'sustained' else 'design, KPI':44s}{head}")
    for row, rates in after.items():
        cells = ""
        for c in cols:
            if old:
                cells += f" | {_rate(old[row][c], n):>18s}"
            cells += f" | {_rate(rates[c], n):>18s}"
        print(f"{row:44s}{cells}")
    print(f"({time.perf_counter() - start:.0f} s)")


TABLES = {
    "its": its_table,
    "did": did_table,
    "two-period": two_period_table,
    "open-tickets": open_tickets_table,
    "sustained": sustained_table,
}

WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def _t_hc(d: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """Difference of group means over its heteroskedasticity-robust (CR1, one row a team) s.e."""
    g = treated.size
    b = d[..., treated].mean(-1) - d[..., ~treated].mean(-1)
    e = d - np.where(treated, d[..., treated].mean(-1, keepdims=True), 0.0)
    e = e - np.where(~treated, d[..., ~treated].mean(-1, keepdims=True), 0.0)
    x = treated - treated.mean()
    return b / np.sqrt(((x * e) ** 2).sum(-1) / (x @ x) ** 2 * g / (g - 1))


def method_rates(n: int, *, kpi: str, effect: float, seed: int, n_treated: int) -> dict:
    """Share of "improved" by each candidate inference, on the teams' log changes (weekly design)."""
    from scipy import stats

    start, y = sim.simulate_team_panel(n, kpi=kpi, effect=effect, seed=seed, n_treated=n_treated)
    logs = np.log(y)
    d = logs[..., 22:].mean(-1) - logs[..., :22].mean(-1)  # each team's change, sims × teams
    treated = start > 0
    g, nt = treated.size, int(treated.sum())
    sign = -1.0 if DID_KPIS[kpi][0] == "lower" else 1.0
    b = d[:, treated].mean(1) - d[:, ~treated].mean(1)
    dev = [d[:, m] - d[:, m].mean(1, keepdims=True) for m in (treated, ~treated)]
    se_if = np.sqrt(sum((v**2).sum(1) / v.shape[1] ** 2 for v in dev))
    se_pool = np.sqrt(sum((v**2).sum(1) for v in dev) / (g - 2) * (1 / nt + 1 / (g - nt)))
    out = {}
    for name, se, q in (
        ("influence function, normal (old interval)", se_if, stats.norm.ppf(0.975)),
        ("influence function, t(G-1)", se_if, stats.t.ppf(0.975, g - 1)),
        ("pooled over teams, t(G-1)", se_pool, stats.t.ppf(0.975, g - 1)),
        ("pooled over teams, t(G-2) (chosen)", se_pool, stats.t.ppf(0.975, g - 2)),
    ):
        out[name] = float(np.mean(sign * b / se > q))
    rng = np.random.default_rng(seed)
    t_obs, hits = _t_hc(d, treated), []
    for i in range(n):  # wild cluster bootstrap with the null imposed, 999 Webb draws
        star = d[i].mean() + (d[i] - d[i].mean()) * WEBB[rng.integers(0, 6, size=(999, g))]
        hits.append(np.mean(sign * _t_hc(star, treated) >= sign * t_obs[i]) <= 0.025)
    out["wild cluster bootstrap (Webb, null imposed)"] = float(np.mean(hits))
    assign = [np.isin(np.arange(g), c) for c in itertools.combinations(range(g), nt)]
    draws = np.column_stack([d[:, a].mean(1) - d[:, ~a].mean(1) for a in assign])
    p = (np.abs(draws) >= np.abs(b)[:, None] - 1e-12).mean(1)
    out[f"randomisation inference ({len(assign)} assignments)"] = float(
        np.mean((p <= 0.05) & (sign * b > 0))
    )
    return out


def print_methods(n: int, seed: int) -> None:
    """The candidates for few-team inference side by side: false "improved" and power."""
    print(
        f"\nFew-team inference candidates, weekly design: {n} simulations; rate ± Monte Carlo s.e."
    )
    for j, kpi in enumerate(DID_KPIS):
        for n_treated in (3, 1):
            args = {"kpi": kpi, "seed": seed + 10 * j + n_treated, "n_treated": n_treated}
            null = method_rates(n, effect=0.0, **args)
            power = method_rates(n, effect=DID_KPIS[kpi][1], **args)
            print(f"{kpi}, {n_treated} + {6 - n_treated} teams: false improved | power")
            for name, p in null.items():
                print(f"  {name:46s} {_rate(p, n)} | {100 * power[name]:5.1f} %")


def print_power(n: int, seed: int) -> None:
    """The Plan's stated MDE per design and the verdict's simulated power there."""
    from cslib.stats.impact.power_sim import DESIGNS, power_at_mde

    print(
        f"\nPower at the Plan's minimum detectable effect: {n} simulations per design, "
        "MDE from 1,000 simulated baselines (median; 10th–90th percentile)"
    )
    print(f"{'design':42s} | {'stated MDE':>22s} | {'over baselines':>16s} | {'power':>14s}")
    for i, design in enumerate(DESIGNS):
        start = time.perf_counter()
        r = power_at_mde(design, n, pilots=1000, seed=seed + 10 * i)
        fcr = design.endswith("FCR")
        unit, k = (" points", 100) if fcr else (" h", 1)
        stated = f"{k * r['mde']:+.2f}{unit} ({100 * r['mde_relative']:+.1f} %)"
        spread = f"{k * r['mde_low']:+.2f} to {k * r['mde_high']:+.2f}"
        print(
            f"{design:42s} | {stated:>22s} | {spread:>16s} | {_rate(r['power'], n):>14s}"
            f"  ({time.perf_counter() - start:.0f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=2000, help="simulations per scenario")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--path",
        choices=(
            "its",
            "did",
            "methods",
            "two-period",
            "open-tickets",
            "sustained",
            "power",
            "all",
        ),
        default="all",
    )
    parser.add_argument("--before", help="git revision to run the same simulations on as well")
    parser.add_argument("--json", action="store_true", help="the path's rates as JSON only")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(TABLES[args.path](args.sims, args.seed)))
        return
    for path in ("its", "did", "two-period", "open-tickets", "sustained"):
        if args.path in (path, "all"):
            print_table(args.sims, args.seed, args.before, path)
    if args.path in ("methods", "all"):
        print_methods(args.sims, args.seed)
    if args.path in ("power", "all"):
        print_power(args.sims, args.seed)


if __name__ == "__main__":
    main()
