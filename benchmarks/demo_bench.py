"""`cslib demo` with one kernel per run against a fresh kernel per stage, and the import floor.

Side by side in one run: the wall time of ``cslib demo`` (four stages and the report) with one
kernel for the run and with ``--fresh-kernels``, and the floor — the four notebooks reduced to
the imports the stages make, executed in four kernels and in one. Ratios are to the floor of
the same kind of kernel use::

    python benchmarks/demo_bench.py            # one round
    python benchmarks/demo_bench.py --rounds 3 # best of three
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from cslib.run.notebooks import NOTEBOOKS
from cslib.run.one_kernel import stage_kernels

#: what each stage notebook imports before its first cell of work
IMPORTS = "from cslib import open_workbook\nfrom cslib.stages import {stage}"


def demo_seconds(out: Path, *, fresh: bool) -> float:
    """Wall time of ``cslib demo`` in a new process (the sample is written beforehand)."""
    command = [sys.executable, "-m", "cslib", "-q", "demo", "--out", str(out)]
    started = time.perf_counter()
    subprocess.run(command + ["--fresh-kernels"] * fresh, check=True, capture_output=True)
    return time.perf_counter() - started


def floor_seconds(folder: Path, *, fresh: bool) -> float:
    """The four stages' imports alone, each in its notebook, in four kernels or in one."""
    started = time.perf_counter()
    with stage_kernels(fresh=fresh, cwd=folder) as kernels:
        for name in NOTEBOOKS.values():
            kernels.execute(str(folder / name), str(folder / f"run-{name}"), progress_bar=False)
    return time.perf_counter() - started


def import_notebooks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stage, name in NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(IMPORTS.format(stage=stage))]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nbformat.write(nb, str(folder / name))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="best of this many rounds")
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="cslib-demo-bench-") as tmp:
        work = Path(tmp)
        os.environ.setdefault("CSLIB_CONFIG_DIR", str(work / "settings"))
        os.environ.setdefault("CSLIB_PSEUDONYM_KEY", "benchmark")
        subprocess.run(
            [sys.executable, "-m", "cslib", "-q", "sample-data", "--out", str(work / "sample")],
            check=True,
            capture_output=True,
        )
        os.chdir(work)  # `cslib demo` finds no data/sample/ here: it uses --out's sample
        (work / "reports").mkdir()
        (work / "sample").rename(work / "reports" / "sample")
        folder = import_notebooks(work / "floor")
        times: dict[str, list[float]] = {}
        for _ in range(rounds):  # interleaved, so that machine load falls on all alike
            for fresh in (False, True):
                kind = "fresh kernels" if fresh else "one kernel"
                times.setdefault(f"demo, {kind}", []).append(
                    demo_seconds(work / "reports", fresh=fresh)
                )
                times.setdefault(f"floor, {kind}", []).append(floor_seconds(folder, fresh=fresh))
    best = {name: min(seconds) for name, seconds in times.items()}
    print(f"cslib demo against the import floor (best of {rounds}; load {os.getloadavg()[0]:.1f})")
    print(f"{'work':<26}{'seconds':>9}{'ratio':>30}")
    print(f"{'demo, one kernel':<26}{best['demo, one kernel']:>9.1f}"
          f"{best['demo, one kernel'] / best['demo, fresh kernels']:>15.2f}× fresh kernels")  # fmt: skip
    print(f"{'demo, fresh kernels':<26}{best['demo, fresh kernels']:>9.1f}")
    for kind in ("one kernel", "fresh kernels"):
        demo, floor = best[f"demo, {kind}"], best[f"floor, {kind}"]
        print(f"{'floor, ' + kind:<26}{floor:>9.1f}{demo / floor:>15.2f}× (demo / floor)")


if __name__ == "__main__":
    main()
