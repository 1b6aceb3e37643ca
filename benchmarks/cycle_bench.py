"""Benchmark: the full cycle (four stages in their notebooks, then the report) on a large tickets file.

Points a copy of the sample cycle at N generated tickets (10 million by default, cached
in benchmarks/out/ as plan_bench.py does), runs it with ``cslib run`` in a fresh process
and reports each stage's wall time (from the run's ``run.json``), the whole command's
wall and CPU time, and the peak memory (max RSS) of the kernel that ran the notebooks and
of the ``cslib`` process itself::

    python benchmarks/cycle_bench.py                    # 10M tickets
    python benchmarks/cycle_bench.py --tickets 1000000

Aim on 2 cores: the full cycle on 10M tickets in at most 90 s, peak memory at most 2 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plan_bench import big_cycle

#: run in the child: the cycle, then the peak RSS of the process and of its kernel (MB)
CHILD = """
import json, resource, sys
from cslib.run.runner import run_cycle
result = run_cycle(sys.argv[1], out=sys.argv[2], run_id="bench")
print(json.dumps({
    "run_dir": str(result.run_dir),
    "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "kernel_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000_000)
    args = parser.parse_args()
    cycle = big_cycle(args.tickets)
    with tempfile.TemporaryDirectory(prefix="cslib-cycle-bench-") as out:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(cycle), out],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode:
            sys.exit(f"the cycle failed:\n{done.stderr[-3000:]}")
        found = json.loads(done.stdout.strip().splitlines()[-1])
        timings = json.loads((Path(found["run_dir"]) / "run.json").read_text())["timings"]
    print(f"Full cycle on {args.tickets:,} tickets (cslib run, one kernel)")
    for stage, seconds in timings.items():
        print(f"{stage:>22} {seconds:>7.1f} s")
    print(f"{'whole command':>22} {wall:>7.1f} s (CPU {used.ru_utime + used.ru_stime:.1f} s)")
    print(f"{'peak memory, kernel':>22} {found['kernel_mb']:>7.0f} MB")
    print(f"{'peak memory, cslib':>22} {found['self_mb']:>7.0f} MB")


if __name__ == "__main__":
    main()
