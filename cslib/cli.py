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

from cslib.errors import CslibError, Problem

app = typer.Typer(
    name="cslib",
    help="The continuous-improvement workbook for customer-service teams.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        from cslib import __version__

        out.print(f"cslib {__version__}", highlight=False)
        raise typer.Exit()


def _configure_logging(verbose: bool, quiet: bool) -> None:
    """cslib's log on the error console: warnings, everything with --verbose, only errors
    with --quiet (which also leaves out progress and results; the exit code tells)."""
    import logging

    from rich.logging import RichHandler

    logger = logging.getLogger("cslib")
    logger.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)
    if not any(isinstance(h, RichHandler) for h in logger.handlers):
        logger.addHandler(RichHandler(console=err, show_time=False, show_path=False))
    out.quiet = quiet


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="print cslib's version and exit",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="also show what cslib does, step by step")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="show only errors")] = False,
) -> None:
    """The continuous-improvement workbook for customer-service teams."""
    _configure_logging(verbose, quiet)


@app.command("sample-data")
def sample_data(
    out_dir: Annotated[
        Path, typer.Option("--out", help="folder to write the sample operation into")
    ],
    seed: Annotated[int, typer.Option(help="random seed (same seed, same files)")] = 42,
    tickets: Annotated[
        int, typer.Option(min=100, help="number of tickets (up to tens of millions)")
    ] = 45_000,
) -> None:
    """Write a synthetic customer-service operation and its cycle.yaml."""
    from cslib.data.sample import write_sample

    with out.status(f"writing {tickets:,} tickets…"):
        paths = write_sample(out_dir, n_tickets=tickets, seed=seed)
    table = Table("table", "file", "size", title=f"Sample operation in {out_dir}")
    for name, path in paths.items():
        table.add_row(name, str(path), f"{path.stat().st_size / 1e6:.2f} MB")
    out.print(table)


@app.command()
def validate(cycle: Annotated[Path, typer.Argument(help="the cycle file (cycle.yaml)")]) -> None:
    """Check the cycle file and every table it names; list all problems."""
    from cslib.run import preflight

    parsed = preflight.checked_cycle(cycle)
    table = Table("table", "file", title=f"{parsed.title}: the cycle file and its tables are valid")
    for name in parsed.data:
        table.add_row(name, str(parsed.path(name)))
    out.print(table)
    _print_mappings(parsed)
    _print_availability(parsed)
    findings = preflight.check_evidence(parsed, cycle)
    if len(findings):
        evidence = Table(
            "area",
            "item",
            "finding",
            "fix",
            title="Evidence the cycle does not yet give (warnings)",
        )
        for r in findings.itertuples():
            evidence.add_row(r.area, r.item, r.finding, r.fix)
        out.print(evidence)
    else:
        out.print("The cycle evidences every item of a complete PDCA cycle.")


def _print_mappings(cycle) -> None:
    """For tables read through an adapter or mapping: which contract columns stay unmapped."""
    from cslib.data.adapters import describe

    for name in cycle.data:
        opts = cycle.read_options(name)
        if opts.mapping is None:
            continue
        d = describe(cycle.path(name), name, opts=opts)
        table = Table("column", "from", "note", title=f"{name}: how the source fills the contract")
        for r in d.itertuples():
            table.add_row(r.column, r.source or "[yellow]unmapped[/]", r.note)
        out.print(table)


def _print_availability(cycle) -> None:
    from cslib.data import tables as io
    from cslib.metrics import engine as kpi

    con, view = io.open_table(
        cycle.path("tickets"), "tickets", opts=cycle.read_options("tickets"), validate=False
    )
    avail = kpi.availability(
        con.table(view).columns,
        sla=cycle.sla_spec(),
        complaints="complaints" in cycle.data,
        economics=cycle.economics.model_dump(),
    )
    con.close()
    table = Table("KPI", "available", "missing", title="KPIs the data supports")
    for row in avail.itertuples():
        table.add_row(row.kpi, "yes" if row.available else "[yellow]no[/]", row.missing)
    out.print(table)


@app.command()
def run(
    cycle: Annotated[Path, typer.Argument(help="the cycle file (cycle.yaml)")],
    out_dir: Annotated[Path, typer.Option("--out", help="reports folder")] = Path("reports"),
    stages: Annotated[
        str, typer.Option(help="stages to run, comma-separated, in PDCA order")
    ] = "plan,do,check,act",
    param: Annotated[
        list[str] | None,
        typer.Option(
            "-p", "--param", help="notebook parameter KEY=VALUE (repeatable), e.g. -p teams=Billing"
        ),
    ] = None,
    timeout: Annotated[int, typer.Option(help="seconds a notebook cell may run")] = 900,
    notebooks: Annotated[
        Path | None,
        typer.Option(help="folder of your own PDCA notebooks (default: the workbook's)"),
    ] = None,
) -> None:
    """Run one improvement cycle: the PDCA notebooks and the HTML report."""
    _run(
        cycle,
        out_dir,
        [s.strip() for s in stages.split(",") if s.strip()],
        param or [],
        timeout,
        notebooks,
    )


def _run(
    cycle: Path,
    out_dir: Path,
    stages: list[str],
    params: list[str],
    timeout: int,
    notebooks: Path | None = None,
):
    """Run the stages and print where the results are; returns the run's result."""
    from cslib.run.runner import StageFailed, parse_parameters, run_cycle

    with out.status("checking the cycle and its data…") as status:

        def progress(stage: str, state: str) -> None:
            if state == "start":
                status.update(f"running the {stage} stage…")
            else:
                out.print(f"[green]✓[/] {stage}")

        try:
            result = run_cycle(
                cycle,
                out=out_dir,
                stages=stages,
                parameters=parse_parameters(params),
                timeout=timeout,
                notebooks=notebooks,
                on_stage=progress,
            )
        except StageFailed as exc:
            err.print("[bold red]error:[/] ", end="")
            err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
            sys.exit(exc.exit_code)
    timings = ", ".join(f"{s['stage']} {s['seconds']:.1f} s" for s in result.stages)
    out.print(f"Run folder: {result.run_dir} ({timings})")
    out.print(f"Report: {result.report}", soft_wrap=True)
    return result


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="reports folder")] = Path("reports"),
) -> None:
    """Run the full PDCA cycle of the sample operation (written first if missing) and print the report's path."""
    from cslib.data.sample import write_sample

    cycle_path = Path("data/sample/cycle.yaml")
    if not cycle_path.exists():
        cycle_path = out_dir / "sample" / "cycle.yaml"
        if not cycle_path.exists():
            with out.status("writing the sample operation…"):
                write_sample(cycle_path.parent)
            out.print(f"Sample operation written to {cycle_path.parent}")
    _print_kpis(cycle_path)
    result = _run(cycle_path, out_dir, ["plan", "do", "check", "act"], [], 900)
    _print_summary(result.run_dir)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="a run folder (e.g. reports/sample/interactive)")],
) -> None:
    """Build the HTML report of a run folder, also of one run in JupyterLab, and print its path."""
    from cslib.run.report import build_report

    if not run_dir.is_dir():
        raise CslibError(
            Problem(
                "the run folder does not exist",
                file=str(run_dir),
                fix="pass a folder under reports/, e.g. reports/sample/interactive",
            )
        )
    path = build_report(run_dir)
    _print_summary(run_dir)
    out.print(f"Report: {path}", soft_wrap=True)


def _print_summary(run_dir: Path) -> None:
    """The decision and each objective's result, as the report's first screen states them."""
    from cslib.stages.summary import summarise

    found = summarise(run_dir)
    if found is None:
        out.print("No Check results in this run folder: the report has no decision yet.")
        return
    out.print(
        f"[bold]Decision: {found.decision.decision}[/] — {found.decision.why}", highlight=False
    )
    for line in found.lines:
        out.print(f"  • {line}", highlight=False, markup=False)


@app.command()
def batch(
    review: Annotated[
        Path, typer.Argument(help="the review file (review.yaml): a cycle template and its runs")
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="reports folder (default: the review file's out, else ./reports)"
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="runs at a time on this machine (default: 2 × cores)")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="a Dask scheduler address (tcp://host:8786; default: $DASK_SCHEDULER_ADDRESS): "
            "run on that cluster instead"
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="rerun runs whose inputs are unchanged")
    ] = False,
    stages: Annotated[
        str | None, typer.Option(help="override the review file's stages, comma-separated")
    ] = None,
) -> None:
    """Run many cycles (teams × months) in parallel and write index.html; exit 1 if any run failed."""
    from cslib.run.batch import run_batch

    with out.status("checking the review file, the cycle and its data…") as status:
        progress, on_run = _batch_progress(status)
        try:
            result = run_batch(
                review,
                out=out_dir,
                workers=workers,
                scheduler=scheduler,
                force=force,
                stages=[s.strip() for s in stages.split(",") if s.strip()] if stages else None,
                on_run=on_run,
            )
        finally:
            progress.stop()
    counts = result.summary()["status"].value_counts()
    out.print(f"{len(result.outcomes)} runs: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    out.print(f"Index: {result.index}", soft_wrap=True)
    if result.failed:
        _print_failures(result.failed)
        sys.exit(1)


def _batch_progress(status):
    """A progress bar of the runs that replaces ``status`` once the batch is planned, and its callback."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=out,
        speed_estimate_period=3600,
    )
    bar = None

    def on_run(outcome, done: int, total: int) -> None:
        nonlocal bar
        if outcome is None:
            status.stop()
            progress.start()
            bar = progress.add_task("runs", total=total)
            return
        if outcome.status == "unchanged":  # not counted in the ETA: it took no time
            progress.update(bar, total=progress.tasks[bar].total - 1)
            progress.console.print(f"[dim]= {outcome.name} unchanged, skipped[/]")
            return
        mark = "[green]✓[/]" if outcome.ok else "[red]✗[/]"
        progress.console.print(
            f"{mark} {outcome.name} ({outcome.status}, {outcome.seconds or 0:.0f} s)"
        )
        progress.advance(bar)

    return progress, on_run


def _print_failures(failed) -> None:
    """The failed runs: stage, cell, error and the executed notebook of each."""
    table = Table(
        "run",
        "status",
        "stage",
        "cell",
        title=f"{len(failed)} run{'s' if len(failed) > 1 else ''} failed",
        show_lines=True,
    )
    table.add_column("error", overflow="fold")
    table.add_column("executed notebook", overflow="fold")
    for o in failed:
        table.add_row(
            o.name,
            o.status,
            o.stage or "–",
            "–" if o.cell is None else str(o.cell),
            f"{o.ename}: {o.evalue}",
            o.notebook or "–",
        )
    err.print(table)


def _print_kpis(cycle_path: Path) -> None:
    from cslib.cycle.model import load_cycle
    from cslib.metrics import engine as kpi

    cycle = load_cycle(cycle_path)
    names = list(dict.fromkeys(["volume", *(o.kpi for o in cycle.objectives)]))
    monthly = kpi.compute(
        cycle.path("tickets"),
        kpis=names,
        freq="M",
        sla=cycle.sla_spec(),
        options=cycle.read_options("tickets"),
        economics=cycle.economics.model_dump(),
    )
    labels = {name: kpi.REGISTRY[name].label for name in names}
    out.print(
        "The sample operation before the cycle runs: its monthly KPIs over all teams "
        "(shares as fractions, times in hours or seconds)."
    )
    out.print(
        _frame_table(
            monthly[["period", *names]].rename(columns=labels),
            title=f"{cycle.title}: monthly KPIs (all teams)",
        )
    )


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
