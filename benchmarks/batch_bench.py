"""Benchmark: runs per minute of `cslib batch` with 1, 2 and 4 workers, with and without the KPI panel.

Writes a review file of N monthly team reviews of the sample operation (teams ×
August–October 2026) into a temporary folder, runs the whole batch once per
worker count, each time without the KPI panel (every run scans the tickets, as
`cslib batch --no-panel`) and with it (computed once per batch, its time
included), in a fresh batch folder (nothing skipped), and reports wall time, runs
per minute, the speed-up over one worker and the panel's gain. Each run is a full
PDCA cycle by default (four kernels and the report), as in a real monthly review.

    python benchmarks/batch_bench.py                       # 8 runs, 1/2/4 workers
    python benchmarks/batch_bench.py --runs 6 --stages plan,check --workers 1,4

Aim: ≥ 1.7× the runs per minute with 4 workers than with 1 on 2 cores (a run
spends part of its time starting kernels and waiting on them).
"""

from __future__ import annotations

import argparse
import json
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

    from cslib._machine import cores
    from cslib.run.batch import run_batch

    runs = [{"name": f"{t.lower()}-{m}", "teams": t, "month": m} for m in MONTHS for t in TEAMS][
        : args.runs
    ]
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    results = []
    print(f"{len(runs)} runs ({','.join(stages)}) on {cores()} cores", flush=True)
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
        for workers, panel in [
            (int(w), panel) for w in args.workers.split(",") for panel in (False, True)
        ]:
            started = time.perf_counter()
            result = run_batch(
                review,
                out=Path(tmp) / f"reports-{workers}-{panel}",
                workers=workers,
                force=True,
                panel=panel,
            )
            wall = time.perf_counter() - started
            failed = [f"{o.name}: {o.error}" for o in result.failed]
            per_run = sum(o.seconds or 0 for o in result.outcomes) / len(result.outcomes)
            results.append(
                {
                    "workers": workers,
                    "panel": panel,
                    "runs": len(runs),
                    "wall_seconds": wall,
                    "runs_per_minute": len(runs) / wall * 60,
                    "mean_run_seconds": per_run,
                    "failed": failed,
                }
            )
            print(
                f"  {workers} worker{'s' if workers > 1 else ' '} {'with' if panel else 'without'} the panel: {wall:6.1f} s  {len(runs) / wall * 60:5.2f} runs/min  (a run takes {per_run:5.1f} s on average{'; FAILED: ' + '; '.join(failed) if failed else ''})",
                flush=True,
            )
    print(
        "\nworkers  runs/min without panel  with panel  panel gain  speed-up (with) over 1 worker"
    )
    base = results[1]["runs_per_minute"]
    for without, with_ in zip(results[::2], results[1::2], strict=True):
        gain = with_["runs_per_minute"] / without["runs_per_minute"]
        with_["speedup"] = with_["runs_per_minute"] / base
        print(
            f"{with_['workers']:>7}  {without['runs_per_minute']:22.2f}  {with_['runs_per_minute']:10.2f}  {gain:9.2f}×  {with_['speedup']:6.2f}×"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "batch_bench.json").write_text(
        json.dumps({"cores": cores(), "stages": stages, "results": results}, indent=2)
    )
    return 1 if any(r["failed"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
