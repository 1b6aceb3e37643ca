"""Benchmark: runs per minute of `cslib batch` with 1, 2 and 4 workers on this machine.

Writes a review file of N monthly team reviews of the sample operation (teams ×
August–October 2026) into a temporary folder, runs the whole batch once per
worker count (``force=True``: nothing skipped), and reports wall time, runs per
minute and the speed-up over one worker. Each run is a full PDCA cycle by default
(four kernels and the report), as in a real monthly review.

    python benchmarks/batch_bench.py                       # 8 runs, 1/2/4 workers
    python benchmarks/batch_bench.py --runs 6 --stages plan,check --workers 1,4

Aim: ≥ 1.7× the runs per minute with 4 workers than with 1 on 2 cores (a run
spends part of its time starting kernels and waiting on them).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
TEAMS = ["Billing", "Technical", "Orders", "Accounts", "Returns", "Onboarding"]
MONTHS = ["2026-08", "2026-09", "2026-10"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="runs per batch (up to 18)")
    parser.add_argument(
        "--workers", default="1,2,4", help="worker counts to compare, comma-separated"
    )
    parser.add_argument("--stages", default="plan,do,check,act", help="stages of each run")
    args = parser.parse_args(argv)

    from cslib.run.batch import run_batch

    runs = [{"name": f"{t.lower()}-{m}", "teams": t, "month": m} for m in MONTHS for t in TEAMS][
        : args.runs
    ]
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    results = []
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{len(runs)} runs ({','.join(stages)}) on {cores} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="cslib-batch-bench-") as tmp:
        review = Path(tmp) / "review.yaml"
        review.write_text(
            yaml.safe_dump(
                {
                    "name": "bench",
                    "cycle": str(ROOT / "data" / "sample" / "cycle.yaml"),
                    "stages": stages,
                    "runs": runs,
                },
                sort_keys=False,
            )
        )
        for workers in [int(w) for w in args.workers.split(",")]:
            started = time.perf_counter()
            result = run_batch(
                review, out=Path(tmp) / f"reports-{workers}", workers=workers, force=True
            )
            wall = time.perf_counter() - started
            failed = [f"{o.name}: {o.error}" for o in result.failed]
            per_run = sum(o.seconds or 0 for o in result.outcomes) / len(result.outcomes)
            results.append(
                {
                    "workers": workers,
                    "runs": len(runs),
                    "wall_seconds": wall,
                    "runs_per_minute": len(runs) / wall * 60,
                    "mean_run_seconds": per_run,
                    "failed": failed,
                }
            )
            print(
                f"  {workers} worker{'s' if workers > 1 else ' '}: {wall:6.1f} s  {len(runs) / wall * 60:5.2f} runs/min  (a run takes {per_run:5.1f} s on average{'; FAILED: ' + '; '.join(failed) if failed else ''})",
                flush=True,
            )
    base = results[0]["runs_per_minute"]
    print("\nworkers  wall s  runs/min  speed-up")
    for r in results:
        r["speedup"] = r["runs_per_minute"] / base
        print(
            f"{r['workers']:>7}  {r['wall_seconds']:6.1f}  {r['runs_per_minute']:8.2f}  {r['speedup']:7.2f}×"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "batch_bench.json").write_text(
        json.dumps({"cores": cores, "stages": stages, "results": results}, indent=2)
    )
    return 1 if any(r["failed"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
