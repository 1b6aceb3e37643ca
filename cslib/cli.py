"""The ``cslib`` command line.

Exit codes: 0 success; 2 a problem in the user's input (a message, no
traceback); 1 anything else.
"""

from __future__ import annotations

import signal
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cslib.errors import CslibError, ParameterError, Problem

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
    warnings.showwarning = _note if not quiet else lambda *args, **kwargs: None


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning on the console as a plain note, without the source line that raised it."""
    err.print(f"[yellow]Note:[/] {escape(str(message))}", highlight=False)


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
    from cslib.run.failures import describe

    try:
        with out.status(f"writing {tickets:,} tickets…"):
            paths = write_sample(out_dir, n_tickets=tickets, seed=seed)
    except OSError as exc:  # --out is a file, read-only or on a full disk
        raise ParameterError(
            Problem(
                describe(exc)[1], file=str(out_dir), fix="choose a folder you can write with --out"
            )
        ) from None
    table = Table("table", "file", "size", title=escape(f"Sample operation in {out_dir}"))
    for name, path in paths.items():
        table.add_row(name, escape(str(path)), f"{path.stat().st_size / 1e6:.2f} MB")
    out.print(table)


@app.command()
def validate(cycle: Annotated[Path, typer.Argument(help="the cycle file (cycle.yaml)")]) -> None:
    """Check the cycle file and every table it names; list all problems."""
    from cslib.run import preflight
    from cslib.run.validation import data_views

    parsed, findings = preflight.validated(cycle)  # every problem at once, before "valid"
    table = Table(
        "table", "file", title=escape(f"{parsed.title}: the cycle file and its tables are valid")
    )
    for name in parsed.data:
        table.add_row(name, escape(str(parsed.path(name))))
    out.print(table)
    for view in data_views(parsed):
        out.print(view)
    if len(findings):
        evidence = Table(
            "area",
            "item",
            "finding",
            "fix",
            title="Evidence the cycle does not yet give (warnings)",
        )
        for r in findings.itertuples():
            evidence.add_row(*(escape(str(v)) for v in (r.area, r.item, r.finding, r.fix)))
        out.print(evidence)
    else:
        out.print("The cycle evidences every item of a complete PDCA cycle.")


@app.command()
def new(
    export: Annotated[
        Path, typer.Option("--from", help="a raw tickets export (CSV, Excel, Parquet or zip)")
    ],
    cycle: Annotated[Path, typer.Option("--out", help="the cycle file to write")] = Path(
        "cycle.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help="overwrite files that exist")] = False,
) -> None:
    """Start a cycle from a raw export: a cycle file (and a mapping file when no adapter reads it), validated."""
    from cslib.cycle.starter import write_starter
    from cslib.run import preflight

    written = write_starter(export, cycle, force=force)
    if written.adapter:
        out.print(f"The built-in adapter [bold]{written.adapter}[/] reads {export.name}.")
    else:
        out.print(
            f"No built-in adapter reads {export.name}: the mapping file {written.mapping} holds "
            "guesses, each commented — check every line."
        )
    out.print(f"Cycle file: {written.cycle}", soft_wrap=True)
    preflight.validated(written.cycle)  # what is still to fix, with exit code 2
    out.print(
        f"It validates. Edit the change, periods, targets and owners, then: cslib run {written.cycle}",
        soft_wrap=True,
    )


FRESH_KERNELS = typer.Option(
    "--fresh-kernels",
    help="start a new kernel for each stage instead of one kernel for the run (slower, same results)",
)


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
    fresh_kernels: Annotated[bool, FRESH_KERNELS] = False,
) -> None:
    """Run one improvement cycle: the PDCA notebooks and the HTML report."""
    _run(
        cycle,
        out_dir,
        [s.strip() for s in stages.split(",") if s.strip()],
        param or [],
        timeout,
        notebooks,
        fresh_kernels=fresh_kernels,
    )


def _run(
    cycle: Path,
    out_dir: Path,
    stages: list[str],
    params: list[str],
    timeout: int,
    notebooks: Path | None = None,
    *,
    fresh_kernels: bool = False,
):
    """Run the stages and print where the results are; returns the run's result."""
    from cslib.run.notebooks import notebooks_dir
    from cslib.run.one_kernel import early_kernel

    # the kernel starts first, importing the stages while this process loads the runner
    with (
        early_kernel(notebooks or notebooks_dir(), fresh=fresh_kernels),
        out.status("checking the cycle and its data…") as status,
    ):
        from cslib.run.runner import StageFailed, parse_parameters, run_cycle

        def progress(stage: str, state: str) -> None:
            if state == "start":
                status.update(f"running the {stage} stage…")
            else:
                out.print(f"[green]✓[/] {escape(stage)}")

        try:
            result = run_cycle(
                cycle,
                out=out_dir,
                stages=stages,
                parameters=parse_parameters(params),
                timeout=timeout,
                notebooks=notebooks,
                on_stage=progress,
                fresh_kernels=fresh_kernels,
            )
        except StageFailed as exc:
            _error(str(exc), exc.exit_code)
    timings = ", ".join(f"{s['stage']} {s['seconds']:.1f} s" for s in result.stages)
    out.print(f"Run folder: {result.run_dir} ({timings})", markup=False)
    _print_summary(result.run_dir)
    out.print(f"Report: {result.report}", soft_wrap=True, markup=False)
    return result


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="reports folder")] = Path("reports"),
    fresh_kernels: Annotated[bool, FRESH_KERNELS] = False,
) -> None:
    """Run the full PDCA cycle of the sample operation (written first if missing) and print the report's path."""
    from cslib.data.sample import write_sample

    cycle_path = Path("data/sample/cycle.yaml")
    if not cycle_path.exists():
        cycle_path = out_dir / "sample" / "cycle.yaml"
        if not cycle_path.exists():
            with out.status("writing the sample operation…"):
                write_sample(cycle_path.parent)
            out.print(f"Sample operation written to {cycle_path.parent}", markup=False)
    _run(cycle_path, out_dir, ["plan", "do", "check", "act"], [], 900, fresh_kernels=fresh_kernels)


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
    out.print(f"Report: {path}", soft_wrap=True, markup=False)


def _print_summary(run_dir: Path) -> None:
    """The decision and each objective's result, as the report's first screen states them."""
    from cslib.stages.summary import summarise

    found = summarise(run_dir)
    if found is None:
        out.print("No Check results in this run folder: the report has no decision yet.")
        return
    out.print(
        f"[bold]Decision: {escape(found.decision.decision)}[/] — {escape(found.decision.why)}",
        highlight=False,
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
    panel: Annotated[
        bool,
        typer.Option(
            "--panel/--no-panel",
            help="compute the team × period KPIs once for all runs (--no-panel: each run scans the tickets)",
        ),
    ] = True,
    fresh_kernels: Annotated[bool, FRESH_KERNELS] = False,
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
                panel=panel,
                fresh_kernels=fresh_kernels,
                on_run=on_run,
            )
        finally:
            progress.stop()
    counts = result.summary()["status"].value_counts()
    out.print(f"{len(result.outcomes)} runs: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    out.print(f"Index: {result.index}", soft_wrap=True, markup=False)
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
            progress.console.print(f"[dim]= {escape(outcome.name)} unchanged, skipped[/]")
            return
        mark = "[green]✓[/]" if outcome.ok else "[red]✗[/]"
        progress.console.print(
            f"{mark} {escape(outcome.name)} ({outcome.status}, {outcome.seconds or 0:.0f} s)"
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
        cells = (o.name, o.status, o.stage or "–", "–" if o.cell is None else o.cell)
        table.add_row(
            *(escape(str(c)) for c in (*cells, f"{o.ename}: {o.evalue}", o.notebook or "–"))
        )
    err.print(table)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: user errors exit 2, other failures 1, never with a
    traceback; SIGTERM stops a run as Ctrl-C does (the run records that it was stopped)."""
    from cslib.run.failures import RunStopped, describe

    def stop(signum, frame):
        raise RunStopped("stopped by SIGTERM")

    signal.signal(signal.SIGTERM, stop)
    try:
        app(args=argv)  # usage errors exit 2 through typer itself
    except CslibError as exc:
        _error(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _error(
            "stopped before the end; a run that was under way is marked failed in its run.json", 130
        )
    except OSError as exc:  # a folder that cannot be written, a full disk
        _error(describe(exc)[1], 1)


def _error(message: str, code: int) -> None:
    err.print("[bold red]error:[/] ", end="")
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)
