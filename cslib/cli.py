"""The ``cslib`` command line.

Exit codes: 0 success; 2 a problem in the user's input (a message, no
traceback); 1 anything else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from .errors import CslibError

app = typer.Typer(
    name="cslib",
    help="The continuous-improvement workbook for customer-service teams.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


@app.command("sample-data")
def sample_data(
    out_dir: Annotated[Path, typer.Option("--out", help="folder to write the sample operation into")],
    seed: Annotated[int, typer.Option(help="random seed (same seed, same files)")] = 42,
    tickets: Annotated[int, typer.Option(min=100, help="number of tickets (up to tens of millions)")] = 45_000,
) -> None:
    """Write a synthetic customer-service operation and its cycle.yaml."""
    from .sample import write_sample

    with out.status(f"writing {tickets:,} tickets…"):
        paths = write_sample(out_dir, n_tickets=tickets, seed=seed)
    table = Table("table", "file", "size", title=f"Sample operation in {out_dir}")
    for name, path in paths.items():
        table.add_row(name, str(path), f"{path.stat().st_size / 1e6:.2f} MB")
    out.print(table)


@app.command()
def validate(cycle: Annotated[Path, typer.Argument(help="the cycle file (cycle.yaml)")]) -> None:
    """Check the cycle file and every table it names; list all problems."""
    from .config import validate_cycle

    parsed, problems = validate_cycle(cycle)
    if problems:
        raise CslibError(problems, title=f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {cycle} and its tables")
    table = Table("table", "file", title=f"{parsed.title}: the cycle file and its tables are valid")
    for name in parsed.data:
        table.add_row(name, str(parsed.path(name)))
    out.print(table)
    _print_availability(parsed)


def _print_availability(cycle) -> None:
    from . import io, kpi

    con, view = io.open_table(cycle.path("tickets"), "tickets", opts=cycle.read_options("tickets"), validate=False)
    avail = kpi.availability(con.table(view).columns, sla=cycle.sla_spec(), complaints="complaints" in cycle.data, economics=cycle.economics.model_dump())
    con.close()
    table = Table("KPI", "available", "missing", title="KPIs the data supports")
    for row in avail.itertuples():
        table.add_row(row.kpi, "yes" if row.available else "[yellow]no[/]", row.missing)
    out.print(table)


@app.command()
def demo(out_dir: Annotated[Path, typer.Option("--out", help="folder for the reports")] = Path("reports")) -> None:
    """Write the sample operation if missing and show its KPIs before and after the change."""
    from . import kpi
    from .config import load_cycle
    from .sample import write_sample

    cycle_path = Path("data/sample/cycle.yaml")
    if not cycle_path.exists():
        cycle_path = out_dir / "sample" / "cycle.yaml"
        if not cycle_path.exists():
            with out.status("writing the sample operation…"):
                write_sample(cycle_path.parent)
            out.print(f"Sample operation written to {cycle_path.parent}")
    cycle = load_cycle(cycle_path)
    names = list(dict.fromkeys(["volume", *(o.kpi for o in cycle.objectives)]))
    common = {"sla": cycle.sla_spec(), "timezone": cycle.timezone, "economics": cycle.economics.model_dump()}
    monthly = kpi.compute(cycle.path("tickets"), kpis=names, freq="M", **common)
    out.print(_frame_table(monthly[["period", *names]], title=f"{cycle.title}: monthly KPIs (all teams)"))

    by_team = kpi.compute(cycle.path("tickets"), kpis=names, freq="D", by="team", **common)
    windows = {"baseline": cycle.periods.baseline, "review": cycle.periods.review}
    rows = []
    for team, frame in by_team.groupby("team"):
        for name in names[1:]:
            means = {w: frame.loc[frame["period"].between(pd.Timestamp(p.start), pd.Timestamp(p.end)), name].mean() for w, p in windows.items()}
            change = (means["review"] - means["baseline"]) / abs(means["baseline"]) if means["baseline"] else float("nan")
            rows.append({"team": team, "group": "roll-out" if team in cycle.rollout else "control", "kpi": name, **means, "change": f"{change:+.1%}"})
    out.print(_frame_table(pd.DataFrame(rows), title="Mean of daily KPIs by team, baseline vs review"))
    out.print(f"Data: {cycle.path('tickets')} · cycle file: {cycle_path}")


def _frame_table(frame: pd.DataFrame, *, title: str) -> Table:
    table = Table(*map(str, frame.columns), title=title)
    for row in frame.itertuples(index=False):
        table.add_row(*(_fmt(v) for v in row))
    return table


def _fmt(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return "–" if pd.isna(value) else f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: user errors exit 2 without a traceback."""
    try:
        app(args=argv)  # usage errors exit 2 through typer itself
    except CslibError as exc:
        err.print("[bold red]error:[/] ", end="")
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
