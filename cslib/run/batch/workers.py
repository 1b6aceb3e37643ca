"""Where the runs of a batch execute: a process each, on this machine or on a Dask cluster.

:func:`execute_run` hands a run to a Python process (``python -m cslib.run.batch``:
:func:`child_main` reads tasks as JSON lines on stdin, runs each one's notebooks and prints
its outcome as a JSON line), with a hard time limit: an overrunning run is killed with its
process and kernels and recorded as a timeout. A run's process watches the process that
started it: when that one ends — even by ``kill -9`` — the run stops, marks its ``run.json``
failed and its kernels end with it (no orphans). :func:`run_local` keeps at most ``workers``
such processes going, each running one run after another in the same kernel (cleaned between
runs as between notebooks: the imports are paid once per process, not once per run);
:func:`run_dask` hands :func:`execute_run` to the workers of a Dask distributed cluster, a
process per run.
A failed run is recorded with its stage, cell and error; the others carry on.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from cslib.cycle import artefacts
from cslib.cycle.model import load_cycle
from cslib.data import privacy
from cslib.errors import CslibError, Problem
from cslib.run.batch.results import RunOutcome, RunTask, Status
from cslib.run.failures import RunStopped

#: how a finished child process hands its outcome back (the last line of its stdout)
MARKER = "@@cslib-batch-outcome@@ "
#: the environment variable that gives a run's process the id of the process it must not outlive
PARENT = "CSLIB_BATCH_PARENT"
#: seconds a stopped run has to record its end before it is killed
GRACE = 10

_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


def execute_run(
    task: RunTask, env: Mapping[str, str] | None = None, *, worker: RunProcess | None = None
) -> RunOutcome:
    """Run one task in a Python process of its own with a hard time limit; return its outcome.

    The process runs the notebooks; when it overruns ``task.timeout`` it is killed with its
    kernels and the run is recorded as a timeout. This is the function a Dask cluster
    executes, so it must stay importable, and its task and outcome must pickle. ``env`` adds
    environment variables for the process (the pseudonym key a remote worker needs).
    ``worker``: a process that has run earlier tasks and keeps its kernel for the next
    (:func:`run_local`); without it the process runs this task alone.
    """
    if worker is not None:
        return worker.run(task)
    with RunProcess(env) as alone:
        return alone.run(task)


class RunProcess:
    """A ``python -m cslib.run.batch`` process that runs the tasks it is given one after another,
    keeping its kernel from one run to the next (:func:`cslib.run.one_kernel.keep_kernels`).

    A run that overruns its time limit or crashes takes the process down with it; the next
    task starts a new one.
    """

    def __init__(self, env: Mapping[str, str] | None = None):
        # parallelism comes from the runs: one BLAS thread per run (and its kernels) unless the user chose
        self.env = (
            os.environ
            | {
                k: os.environ.get(k, "1")
                for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
            }
            | dict(env or {})
            | {PARENT: str(os.getpid())}
        )
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.errors: collections.deque[str | None] = collections.deque(maxlen=15)

    def __enter__(self) -> RunProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        self.proc = proc = subprocess.Popen(
            [sys.executable, "-m", "cslib.run.batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=self.env,
        )
        self.lines = queue.Queue()
        for stream, into in ((proc.stdout, self.lines.put), (proc.stderr, self.errors.append)):
            threading.Thread(target=_pump, args=(stream, into), daemon=True).start()
        with _LIVE_LOCK:
            _LIVE.add(proc)
        return proc

    def run(self, task: RunTask) -> RunOutcome:
        """Hand ``task`` to the process (started if need be) and wait for its outcome."""
        started = time.perf_counter()
        proc = self.proc if self.proc is not None and self.proc.poll() is None else self._start()
        self.errors.clear()
        try:
            assert proc.stdin is not None
            proc.stdin.write(task.to_json() + "\n")
            proc.stdin.flush()
        except OSError:  # the process ended meanwhile: its outcome says how
            pass
        deadline = time.monotonic() + task.timeout
        line: str | None = ""
        while line is not None and not line.startswith(MARKER):
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return self._timed_out(task, time.perf_counter() - started)
        seconds = time.perf_counter() - started
        if line is None:  # the process ended without an outcome
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(GRACE)
            self.close()
            return task.outcome(
                Status.ERROR,
                stage=_running_stage(task),
                ename="RunCrashed",
                evalue=f"the run's process ended with exit code {proc.returncode} and no outcome",
                detail="\n".join(e.rstrip() for e in self.errors if e and e.strip()),
                seconds=seconds,
            )
        outcome = RunOutcome.from_json(line[len(MARKER) :])
        outcome.seconds = seconds
        return outcome

    def _timed_out(self, task: RunTask, seconds: float) -> RunOutcome:
        if self.proc is not None:
            _kill_tree(self.proc)
        self.close()
        stage = _running_stage(task)
        evalue = f"the run took longer than its {task.timeout:g} s and was stopped"
        _mark_timeout(task, stage, evalue)
        return task.outcome(
            Status.TIMEOUT, stage=stage, ename="Timeout", evalue=evalue, seconds=seconds
        )

    def close(self) -> None:
        """End the process: no more tasks (it shuts its kernel down and exits)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            assert proc.stdin is not None
            proc.stdin.close()
        try:
            proc.wait(GRACE)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            proc.wait()
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(proc)


def _pump(stream, into: Callable[[str | None], None]) -> None:
    """Each line of ``stream`` to ``into``; None to ``into`` at the end (stdout's queue)."""
    for line in stream:
        into(line.rstrip("\n"))
    into(None)


def _worker_environment(task: RunTask) -> dict[str, str]:
    """The pseudonym key this machine would use for the task's cycle, for a worker elsewhere:
    without it a worker on another machine would make pseudonyms of its own."""
    return privacy.worker_environment(load_cycle(task.cycle).privacy.key)


def child_main() -> int:
    """The process of a batch's runs: each line on stdin is a task, run in turn; each outcome is
    printed on a line of its own. A run that ends well leaves its kernel to the next.

    SIGTERM, or the end of the process that started it, stops the run (recorded as failed).
    """
    signal.signal(signal.SIGTERM, _stop)
    _watch_parent(int(os.environ.get(PARENT) or 0))
    from cslib.run.one_kernel import keep_kernels

    keep_kernels()
    for text in sys.stdin:
        if not text.strip():
            continue
        try:
            outcome = _run_here(RunTask.from_json(text))
        except KeyboardInterrupt:  # RunStopped, or Ctrl-C reaching the whole process group
            return 1
        sys.stdout.write("\n" + MARKER + outcome.to_json() + "\n")
        sys.stdout.flush()
    return 0


def _stop(signum, frame) -> None:
    raise RunStopped("the run was stopped: the batch that started it stopped")


def _watch_parent(parent: int, every: float = 0.5) -> None:
    """Stop this process (SIGTERM) once ``parent`` is no longer its parent."""
    if not parent:
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="cslib-parent-watch", daemon=True).start()


def _run_here(task: RunTask) -> RunOutcome:
    """Run one task in this process (the child process of :func:`execute_run`)."""
    from cslib.run.runner import StageFailed, run_cycle

    run_dir = Path(task.run_dir)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    started = time.perf_counter()
    try:
        result = run_cycle(
            task.cycle,
            out=task.out,
            stages=task.stages,
            parameters=task.parameters,
            run_id=task.run_id,
            notebooks=Path(task.notebooks),
            timeout=task.cell_timeout,
            retries=task.retries,
            fresh_kernels=task.fresh_kernels,
            checked=task.checked,
        )
    except StageFailed as exc:
        return task.outcome(
            Status.FAILED,
            stage=exc.stage,
            cell=exc.cell,
            ename=exc.ename,
            evalue=exc.evalue,
            notebook=str(exc.notebook),
            seconds=time.perf_counter() - started,
        )
    except CslibError as exc:
        return task.outcome(
            Status.ERROR,
            ename=type(exc).__name__,
            evalue=str(exc),
            seconds=time.perf_counter() - started,
        )
    except (
        Exception
    ) as exc:  # one run's crash must not take the batch down: recorded with its traceback
        return task.outcome(
            Status.ERROR,
            stage=_running_stage(task),
            ename=type(exc).__name__,
            evalue=str(exc).strip().splitlines()[0] if str(exc).strip() else "",
            detail=traceback.format_exc(limit=-8),
            seconds=time.perf_counter() - started,
        )
    artefacts.write_fingerprint(
        result.run_dir, {"fingerprint": task.fingerprint, **task.fingerprint_detail}
    )
    return task.outcome(
        Status.OK,
        report=str(result.report) if result.report else None,
        seconds=time.perf_counter() - started,
    )


def _running_stage(task: RunTask) -> str | None:
    """The stage a run was in, from its manifest: the first stage without a timing."""
    try:
        manifest = artefacts.read_manifest(task.run_dir)
    except (OSError, ValueError):
        return None
    done = manifest.get("timings", {})
    return next((s for s in task.stages if s not in done), "report")


def _mark_timeout(task: RunTask, stage: str | None, evalue: str) -> None:
    """Record in the run's manifest that it was stopped."""
    try:
        manifest = artefacts.read_manifest(task.run_dir)
    except (OSError, ValueError):
        return
    manifest.update(
        status=Status.TIMEOUT.value,
        failed={"stage": stage, "cell": None, "ename": "Timeout", "evalue": evalue},
    )
    artefacts.write_manifest(task.run_dir, manifest)


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill a run's process and everything it started (its kernels)."""
    try:
        import psutil

        children = psutil.Process(proc.pid).children(recursive=True)
    except Exception:  # psutil missing or the process already gone
        children = []
    for child in children:
        with contextlib.suppress(Exception):
            child.kill()
    with contextlib.suppress(OSError):
        proc.kill()


def _stop_live() -> None:
    """Stop the running runs: each records its end, then whatever is left is killed."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for proc in live:
        with contextlib.suppress(OSError):
            proc.terminate()
    deadline = time.monotonic() + GRACE
    for proc in live:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.1, deadline - time.monotonic()))
        _kill_tree(proc)


def run_local(tasks: list[RunTask], workers: int, collect: Callable[[RunOutcome], None]) -> None:
    """At most ``workers`` run processes at a time on this machine; ``collect`` gets each outcome."""
    processes: list[RunProcess] = []
    mine = threading.local()  # each of the pool's threads hands its runs to a process of its own

    def run(task: RunTask) -> RunOutcome:
        if not hasattr(mine, "process"):
            mine.process = RunProcess()
            processes.append(mine.process)
        return execute_run(task, worker=mine.process)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cslib-run")
    futures = {pool.submit(run, task): task for task in tasks}
    try:
        for future in as_completed(futures):
            task = futures[future]
            try:
                collect(future.result())
            except Exception as exc:  # the supervisor itself failed (e.g. could not start Python)
                collect(task.outcome(Status.ERROR, ename=type(exc).__name__, evalue=str(exc)))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_live()
        raise
    pool.shutdown()
    for process in processes:
        process.close()


#: Dask's own variable for the scheduler address (its configuration key ``scheduler-address``)
SCHEDULER_VARIABLE = "DASK_SCHEDULER_ADDRESS"


def scheduler_address(given: str | None = None) -> str | None:
    """The Dask scheduler the runs go to: ``given`` (``--scheduler``), else the
    ``DASK_SCHEDULER_ADDRESS`` environment variable, else None (this machine's workers)."""
    return given or os.environ.get(SCHEDULER_VARIABLE, "").strip() or None


def run_dask(tasks: list[RunTask], address: str, collect: Callable[[RunOutcome], None]) -> None:
    """The same tasks as Dask futures on a distributed cluster; ``collect`` gets each outcome."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise CslibError(
            Problem(
                "--scheduler needs dask.distributed, which is not installed",
                fix='pip install "cslib[dask]" (or dask[distributed]), or leave out --scheduler to run on this machine',
            )
        ) from None
    try:
        client = Client(address, timeout=20, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CslibError(
            Problem(
                f"cannot reach the Dask scheduler at {address}: {exc}",
                fix="check the address (tcp://host:8786) and that the scheduler is running",
            )
        ) from None
    with client:
        token = hashlib.sha256(f"{time.time()}{os.getpid()}".encode()).hexdigest()[:8]
        futures = client.map(
            execute_run,
            tasks,
            [_worker_environment(t) for t in tasks],
            key=[f"cslib-run-{t.name}-{token}" for t in tasks],
            pure=False,
        )
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for future in dask_completed(futures, loop=client.loop):
            task = by_key[future.key]
            try:
                collect(future.result())
            except Exception as exc:  # the worker died or could not run the task
                collect(
                    task.outcome(
                        Status.ERROR,
                        ename=type(exc).__name__,
                        evalue=str(exc) or "the Dask task failed",
                    )
                )


__all__ = [
    "MARKER",
    "SCHEDULER_VARIABLE",
    "RunProcess",
    "child_main",
    "execute_run",
    "run_dask",
    "run_local",
    "scheduler_address",
]
