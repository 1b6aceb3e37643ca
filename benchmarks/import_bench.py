"""How long a notebook kernel takes to import each stage, against ``import pandas``.

Each import runs in a fresh interpreter, as a kernel's first cell would; the
figures are the median of several runs, wall and CPU time of the whole process
(interpreter start included), each also as a ratio to ``import pandas``, the
floor no stage can go below. Run it from a checkout::

    python benchmarks/import_bench.py [--repeat 7]

The goal is a stage import of at most 0.8 s wall on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "import pandas (floor)": "import pandas",
    **{
        f"stage {stage}": f"from cslib import open_workbook\nfrom cslib.stages import {stage}"
        for stage in ("plan", "do", "check", "act")
    },
}


def timed(code: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -c code`` in a fresh interpreter."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=7, help="runs per import (the median is shown)"
    )
    args = parser.parse_args()
    timed("import cslib")  # warm the file cache so the first case is not penalised
    rows = []
    for name, code in CASES.items():
        runs = [timed(code) for _ in range(args.repeat)]
        rows.append(
            (name, statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
        )
    _, floor_wall, floor_cpu = rows[0]
    print(f"{'import':<24}{'wall s':>9}{'× pandas':>10}{'CPU s':>9}{'× pandas':>10}")
    for name, wall, cpu in rows:
        print(
            f"{name:<24}{wall:>9.2f}{wall / floor_wall:>10.2f}{cpu:>9.2f}{cpu / floor_cpu:>10.2f}"
        )
    print(f"median of {args.repeat} fresh interpreters each; goal: a stage import ≤ 0.8 s wall")


if __name__ == "__main__":
    main()
