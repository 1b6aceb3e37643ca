"""Benchmark: the Plan stage on a large tickets file (10 million by default).

Generates N sample tickets to Parquet (cached in benchmarks/out/), writes a copy of
the sample cycle that reads them (the other tables stay the sample's), then runs
every Plan stage function in one fresh process and reports each one's wall time
and the process's peak memory (max RSS) after it.

    python benchmarks/plan_bench.py                   # 10M tickets
    python benchmarks/plan_bench.py --tickets 1000000

Aim: the whole Plan runs without exhausting memory (peak < 3 GB) and only
aggregates reach pandas; 10M tickets in about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SAMPLE = ROOT / "data" / "sample"
STEPS = (
    "cycle_checks",
    "measures",
    "strategy",
    "stakeholders",
    "baseline",
    "baseline_charts",
    "stability",
    "segments",
    "servqual",
    "complaints",
    "journey",
    "staffing",
    "objectives",
    "risks",
    "actions",
    "save",
)


def big_cycle(n: int) -> Path:
    """The sample cycle pointed at N generated tickets (generated once)."""
    from cslib.data.sample import write_tickets

    OUT.mkdir(exist_ok=True)
    tickets = OUT / f"tickets_{n}.parquet"
    if not tickets.exists():
        start = time.perf_counter()
        write_tickets(tickets, n_tickets=n, seed=1)
        print(f"(generated {n:,} tickets in {time.perf_counter() - start:.0f} s)")
    cycle = yaml.safe_load((SAMPLE / "cycle.yaml").read_text(encoding="utf-8"))
    cycle["data"] = {k: str((SAMPLE / v).resolve()) for k, v in cycle["data"].items()}
    cycle["data"]["tickets"] = str(tickets)
    path = OUT / f"plan_cycle_{n}.yaml"
    path.write_text(yaml.safe_dump(cycle, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000_000)
    args = parser.parse_args()
    cycle = big_cycle(args.tickets)

    from cslib.cycle.workbook import open_workbook
    from cslib.stages import plan

    wb = open_workbook(cycle, run_dir=tempfile.mkdtemp(prefix="cslib-plan-bench-"), stage="plan")
    print(f"Plan stage on {args.tickets:,} tickets")
    print(f"{'step':>16} {'seconds':>8} {'peak MB':>8}")
    total = time.perf_counter()
    for step in STEPS:
        start = time.perf_counter()
        getattr(plan, step)(wb)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{step:>16} {time.perf_counter() - start:>8.1f} {peak:>8.0f}", flush=True)
    print(f"{'total':>16} {time.perf_counter() - total:>8.1f}")


if __name__ == "__main__":
    main()
