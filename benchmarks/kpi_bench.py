"""Benchmark: daily KPIs by team × channel with cslib.metrics.engine against hand-written DuckDB SQL and pandas.

Generates N sample tickets to Parquet (cached in benchmarks/out/), then times each
engine in a fresh process, the engines in turn for a few rounds, and reports the best
round's wall time, rows per second and peak memory (max RSS of that process).

    python benchmarks/kpi_bench.py                 # 1M and 10M tickets
    python benchmarks/kpi_bench.py --tickets 1000000
    python benchmarks/kpi_bench.py --tickets 10000000 --engines duckdb sql sql+n sql+clean --rounds 5

Aim at 10M tickets on 2 cores: at most 1.1× the hand-written SQL (``sql``, the floor), ≥ 4× faster
than pandas, peak memory ≤ 1 GB. ``sql+clean`` is the same query over the text cleaned as cslib
cleans it before grouping (spaces trimmed, categories in one case): what the cleaning costs
where a file's text is not clean. ``sql+n`` also counts each KPI's cases, the denominators
cslib returns beside every KPI (``<kpi>_n``): the floor of the same output. cslib's first
round checks which text columns the file stores clean and notes it in cslib's cache folder, as
its first read of any file version does; later rounds, like later processes, read those
columns as stored.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
KPIS = [
    "volume",
    "first_response_hours",
    "resolution_hours",
    "fcr",
    "reopen_rate",
    "aht_seconds",
    "abandon_rate",
    "csat",
    "nps",
]
BY = ["team", "channel"]


def with_duckdb(path: Path, validate: bool) -> int:
    from cslib.metrics import engine as kpi

    return len(kpi.compute(path, kpis=KPIS, freq="D", by=BY, validate=validate))


#: the text cleaning cslib applies to the columns the KPIs group and filter by (spaces trimmed,
#: empty as missing, categories in lower case with underscores), for ``sql+clean``
CLEAN = """ REPLACE (replace(lower(NULLIF(TRIM(status), '')), ' ', '_') AS status,
                     replace(lower(NULLIF(TRIM(channel), '')), ' ', '_') AS channel,
                     NULLIF(TRIM(team), '') AS team)"""


#: each KPI's count of cases (its denominator), which cslib returns as ``<kpi>_n``, for ``sql+n``
COUNTS = """,
            count(*) FILTER (WHERE handled AND first_response_at IS NOT NULL) AS frh_n,
            count(*) FILTER (WHERE resolved) AS resolved_n,
            count(*) FILTER (WHERE handled AND handle_seconds IS NOT NULL) AS aht_n,
            count(*) FILTER (WHERE abandoned IS NOT NULL AND NOT (abandoned AND wait_seconds < 5))
                AS abandon_n,
            count(csat) AS csat_n, count(nps) AS nps_n"""


def with_sql(path: Path, clean: bool = False, counts: bool = False) -> int:
    """The floor: one hand-written DuckDB query of the same KPIs, as an analyst fluent in SQL
    would write it; with ``clean``, over the text cleaned as cslib cleans it; with ``counts``,
    also each KPI's count of cases, as cslib returns them."""
    import duckdb

    con = duckdb.connect()
    query = f"""
        WITH tickets AS (SELECT *{CLEAN if clean else ""} FROM read_parquet('{path}')),
        t AS (
            SELECT *, coalesce(NOT abandoned, TRUE) AS handled,
                   resolved_at IS NOT NULL AND coalesce(NOT abandoned, TRUE)
                     AND status NOT IN ('abandoned', 'duplicate', 'cancelled') AS resolved
            FROM tickets)
        SELECT date_trunc('day', created_at) AS day, team, channel,
            count(*) AS volume,
            quantile_cont(epoch(first_response_at - created_at) / 3600, [0.5, 0.9])
                FILTER (WHERE handled AND first_response_at IS NOT NULL) AS frh,
            quantile_cont(epoch(resolved_at - created_at) / 3600, [0.5, 0.9])
                FILTER (WHERE resolved) AS rh,
            avg(CASE WHEN contacts = 1 AND reopens = 0 THEN 1.0 ELSE 0.0 END) FILTER (WHERE resolved) AS fcr,
            avg(CASE WHEN reopens > 0 THEN 1.0 ELSE 0.0 END) FILTER (WHERE resolved) AS reopen,
            avg(handle_seconds) FILTER (WHERE handled) AS aht,
            avg(CASE WHEN abandoned THEN 1.0 ELSE 0.0 END)
                FILTER (WHERE abandoned IS NOT NULL AND NOT (abandoned AND wait_seconds < 5)) AS abandon,
            avg(CASE WHEN csat >= 4 THEN 1.0 ELSE 0.0 END) FILTER (WHERE csat IS NOT NULL) AS csat,
            100.0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6))
                / nullif(count(nps), 0) AS nps{COUNTS if counts else ""}
        FROM t GROUP BY ALL
    """
    return len(con.execute(query).df())


def with_pandas(path: Path) -> int:
    """What a user would write: read the columns, derive, group by day × team × channel."""
    import numpy as np
    import pandas as pd

    cols = [
        "created_at",
        "first_response_at",
        "resolved_at",
        "status",
        "team",
        "channel",
        "contacts",
        "reopens",
        "handle_seconds",
        "abandoned",
        "wait_seconds",
        "csat",
        "nps",
    ]
    t = pd.read_parquet(path, columns=cols)
    t["day"] = t["created_at"].dt.floor("D")
    handled = ~t["abandoned"].fillna(False).astype(bool)
    resolved = (
        t["resolved_at"].notna()
        & handled
        & ~t["status"].isin(["abandoned", "duplicate", "cancelled"])
    )
    t["frh"] = ((t["first_response_at"] - t["created_at"]).dt.total_seconds() / 3600).where(handled)
    t["rh"] = ((t["resolved_at"] - t["created_at"]).dt.total_seconds() / 3600).where(resolved)
    t["fcr"] = ((t["contacts"] == 1) & (t["reopens"] == 0)).astype(float).where(resolved)
    t["reopen"] = (t["reopens"] > 0).astype(float).where(resolved)
    t["aht"] = t["handle_seconds"].where(handled)
    queue = t["abandoned"].notna() & ~(
        t["abandoned"].fillna(False).astype(bool) & (t["wait_seconds"] < 5)
    )
    t["abandon"] = t["abandoned"].astype(float).where(queue)
    t["top2"] = (t["csat"] >= 4).astype(float).where(t["csat"].notna())
    nps = t["nps"].astype(float)
    t["nps_score"] = pd.Series(
        np.select([nps >= 9, nps <= 6], [100.0, -100.0], 0.0), index=t.index
    ).where(nps.notna())
    g = t.groupby(["day", *BY], observed=True)
    out = g.agg(
        volume=("created_at", "size"),
        frh=("frh", "median"),
        frh_p90=("frh", lambda s: s.quantile(0.9)),
        rh=("rh", "median"),
        rh_p90=("rh", lambda s: s.quantile(0.9)),
        fcr=("fcr", "mean"),
        reopen=("reopen", "mean"),
        aht=("aht", "mean"),
        abandon=("abandon", "mean"),
        csat=("top2", "mean"),
        nps=("nps_score", "mean"),
    )
    return len(out)


def measure(engine: str, path: Path) -> dict:
    import pandas  # noqa: F401  imports are not part of the measurement

    import cslib.metrics  # noqa: F401

    start = time.perf_counter()
    rows = {
        "duckdb": lambda: with_duckdb(path, validate=False),
        "duckdb+validate": lambda: with_duckdb(path, validate=True),
        "sql": lambda: with_sql(path),
        "sql+clean": lambda: with_sql(path, clean=True),
        "sql+n": lambda: with_sql(path, counts=True),
        "pandas": lambda: with_pandas(path),
    }[engine]()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB on Linux
    return {"engine": engine, "seconds": seconds, "peak_mb": peak, "output_rows": rows}


def one(engine: str, path: Path) -> dict:
    """One measurement of ``engine``, in a fresh process."""
    command = [sys.executable, __file__, "--one", engine, "--path", str(path)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--engines",
        nargs="*",
        default=["duckdb", "sql", "sql+n", "sql+clean", "duckdb+validate", "pandas"],
    )
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # child process: one measurement
        print(json.dumps(measure(args.one, Path(args.path))))
        return

    from cslib.data.sample import write_tickets

    OUT.mkdir(exist_ok=True)
    print(
        f"{'tickets':>11} {'engine':>16} {'seconds':>8} {'rows/s':>12} {'peak MB':>8} {'÷ SQL':>6} {'vs pandas':>9}"
    )
    for n in args.tickets:
        path = OUT / f"tickets_{n}.parquet"
        if not path.exists():
            start = time.perf_counter()
            write_tickets(path, n_tickets=n, seed=1)
            print(
                f"(generated {n:,} tickets in {time.perf_counter() - start:.1f} s: {path.stat().st_size / 1e6:.0f} MB)"
            )
        runs: dict[str, list[dict]] = {engine: [] for engine in args.engines}
        for _ in range(args.rounds):  # the engines in turn: a slow spell of the machine hits all
            for engine in args.engines:
                runs[engine].append(one(engine, path))
        results = {e: min(r, key=lambda r: r["seconds"]) for e, r in runs.items()}
        base = results.get("pandas", {}).get("seconds")
        floor = results.get("sql", {}).get("seconds")
        for engine, r in results.items():
            speed = f"{base / r['seconds']:.1f}× faster" if base else ""
            ratio = f"{r['seconds'] / floor:.2f}×" if floor else ""
            print(
                f"{n:>11,} {engine:>16} {r['seconds']:>8.2f} {n / r['seconds']:>12,.0f} {r['peak_mb']:>8.0f} {ratio:>6} {speed:>9}"
            )


if __name__ == "__main__":
    main()
