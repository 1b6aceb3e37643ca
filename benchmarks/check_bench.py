"""Benchmark: the Check stage's segment comparisons and mix analysis, per-case frame against DuckDB.

Generates N sample tickets to Parquet (cached in benchmarks/out/, as plan_bench.py does),
points a copy of the sample cycle at them, and runs ``check.segments`` and ``check.mix``
two ways, each in a fresh process so that its peak memory (max RSS) is its own:

* **frame** — every objective's cases loaded into pandas with ``metrics.engine.cases``,
  labelled baseline / review there, then ``compare_segments`` and ``mix_decomposition``
  (how the stage computed them before);
* **duckdb** — the stage as it is: the cases stay in DuckDB, the mix from per-segment
  counts and means, the comparisons from plain arrays.

Both share today's statistics (the day bootstrap of medians is the binned one in both).

    python benchmarks/check_bench.py                 # 1M tickets
    python benchmarks/check_bench.py --tickets 10000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time

from plan_bench import big_cycle

STEPS = ("segments", "mix")


def frame_way(wb, step: str) -> None:
    """The per-case computation: cases as a pandas frame, then the frame-level statistics."""
    import numpy as np
    import pandas as pd

    from cslib.metrics import engine as kpi
    from cslib.stages._shared import cycle_span, treated_teams
    from cslib.stages.check import KIND
    from cslib.stats.impact import compare_segments, mix_decomposition

    c, (start, end) = wb.cycle, cycle_span(wb)
    path, options = wb.source("tickets")
    review = pd.Timestamp(c.periods.review.start)
    for o in c.objectives:
        if "evaluations" in kpi.REGISTRY[o.kpi].needs:
            continue
        for by in [d for d in ("channel", "segment") if d in wb.ticket_columns]:
            data = kpi.cases(
                path, o.kpi, by=by, start=start, end=end,
                filters={**(o.segment or {}), "team": treated_teams(wb) or wb.scope_teams},
                sla=c.sla_spec(), economics=c.economics.model_dump(), options=options,
                **c.queue_definitions(), validate=False,
            )  # fmt: skip
            data["period"] = np.where(data["created_at"] >= review, "review", "baseline")
            gap = data["created_at"] > wb.window("baseline")[1] + pd.Timedelta(days=1)
            data.loc[gap & (data["created_at"] < review), "period"] = None
            data["day"] = data["created_at"].dt.normalize()
            data = data.dropna(subset=["period", by])
            kw = dict(
                value="value", period="period", segment=by, kind=KIND[kpi.REGISTRY[o.kpi].kind]
            )
            kw.update(before="baseline", after="review")
            if step == "segments":
                compare_segments(data, day="day", **kw)
            else:
                mix_decomposition(data, **kw)


def child(cycle: str, way: str, step: str) -> None:
    """One way of one step in this process; prints its seconds and peak MB as JSON."""
    from cslib.cycle.workbook import open_workbook
    from cslib.stages import check

    wb = open_workbook(cycle, run_dir=tempfile.mkdtemp(prefix="cslib-check-bench-"), stage="check")
    _ = wb.ticket_columns  # the workbook's own set-up, outside the timing
    start = time.perf_counter()
    if way == "frame":
        frame_way(wb, step)
    else:
        getattr(check, step)(wb)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak": peak}))


def measure(cycle, way: str, step: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(cycle), way, step],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    cycle = big_cycle(args.tickets)
    print(f"Check: segments and mix on {args.tickets:,} tickets (each run in a fresh process)")
    print(
        f"{'step':>9} {'frame s':>8} {'MB':>6} {'duckdb s':>9} {'MB':>6} {'faster':>7} {'memory':>7}"
    )
    for step in STEPS:
        old, new = measure(cycle, "frame", step), measure(cycle, "duckdb", step)
        print(
            f"{step:>9} {old['seconds']:>8.1f} {old['peak']:>6.0f} {new['seconds']:>9.1f} "
            f"{new['peak']:>6.0f} {old['seconds'] / new['seconds']:>6.2f}× "
            f"{new['peak'] / old['peak']:>6.2f}×",
            flush=True,
        )


if __name__ == "__main__":
    main()
