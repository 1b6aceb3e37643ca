"""One kernel per run: the stages' notebooks execute one after another in the same kernel,
each starting from a clean slate, so a run pays for starting Python and importing the
scientific stack once instead of once per stage.

Between two notebooks the kernel is cleaned as if it had just started: the user namespace,
``In``/``Out`` and the execution count are reset, open figures closed and Matplotlib's settings
restored, the working folder and environment variables put back, the warnings already shown
forgotten (a notebook shows its warnings as a fresh kernel would) and everything cslib caches in
its modules cleared, and the garbage collected. Imported modules stay: that is the saving (what
outlives a clean is frozen, so the garbage collector no longer goes over it). Stages still hand
results to each other only through the run folder. ``fresh=True`` starts a kernel per notebook instead, as
papermill does by default.

The run's kernel starts before the run checks its inputs (:func:`early_kernel`) and imports the
stages and the libraries they use meanwhile, on the machine's other core; after the last notebook
it shuts down while the report renders (:meth:`StageKernels.release`).

A process that runs many runs one after another (a batch's worker, :mod:`cslib.run.batch.workers`)
calls :func:`keep_kernels`: a run that ended well then leaves its kernel to the next run, which
cleans it as between two notebooks, with the environment the next run's kernel would start with.

Examples
--------
>>> with stage_kernels(fresh=True, cwd=Path("."), retries=0) as kernels:
...     kernels.fresh
True
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cslib.run.kernels import kernel_manager
from cslib.run.notebooks import kernel_name

log = logging.getLogger(__name__)

#: seconds the kernel may take to start, and to clean up between notebooks (papermill's default start)
START_TIMEOUT = 60
#: run in the kernel as soon as it starts: what "just started" looks like (working folder,
#: environment, and the environment of the process that started it: ``{parent}``, JSON)
REMEMBER = (
    "get_ipython().cslib_start = "
    "(__import__('os').getcwd(), dict(__import__('os').environ), __import__('json').loads({parent}))"
)
#: run in the kernel before every notebook but the first; leaves no name behind (reset clears it).
#: ``{parent}``: the starting process's environment now (JSON), which a new kernel would inherit
CLEAN = """
def cslib_clean(parent):
    import gc, os, sys, warnings
    shell = get_ipython()
    kept = ("__doc__", "__loader__", "__package__", "__spec__")  # of the __main__ module
    module = {k: v for k, v in shell.user_ns.items() if k in kept}
    shell.reset(new_session=True)  # user namespace, In/Out, history; execution count back to 1
    shell.user_ns.update({"_": "", "__": "", "___": ""}, **module)  # as in a new kernel
    for name, module in list(sys.modules.items()):
        if name == "cslib" or name.startswith("cslib."):
            for value in list(vars(module).values()):
                # looked up on the type: a stand-in for a lazily imported module would import it
                if callable(getattr(type(value), "cache_clear", None)):
                    value.cache_clear()
        if isinstance(getattr(module, "__warningregistry__", None), dict):
            module.__warningregistry__.clear()  # the warnings already shown, shown again
    warnings.onceregistry.clear()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
        sys.modules["matplotlib"].rc_file_defaults()
    cwd, started, parent_then = shell.cslib_start
    os.chdir(cwd)
    os.environ.clear()  # as inherited now, with what the kernel changed when it started
    os.environ.update({k: v for k, v in parent.items() if k in started or k not in parent_then})
    os.environ.update({k: v for k, v in started.items() if parent_then.get(k) != v})
    gc.collect()
    gc.freeze()  # what outlives a notebook lives as long as the kernel: collections skip it
cslib_clean(__import__("json").loads({parent}))
"""
#: kernels left by runs that ended well, by (kernel name, folder): taken by the next run
_KEPT: dict[tuple[str, str], Any] = {}
_KEEP: list[bool] = []
#: kernels started early for the run about to begin (:func:`early_kernel`), by (kernel name,
#: folder), with the environment they started with
_EARLY: dict[tuple[str, str], tuple[Any, dict[str, str]]] = {}
#: run by the kernel as it starts (before it answers), while the run checks its inputs; what
#: the imports made lives as long as the kernel, so the garbage collector stops going over it
#: (a clean between notebooks, and every full collection while one runs, takes a tenth as long)
PRELOAD = "__import__('cslib.stages').stages.preload(); __import__('gc').freeze()"


def keep_kernels(keep: bool = True) -> None:
    """From now on a run that ends well leaves its kernel to the next run of this process
    (shut down when the process exits); a failed run's kernel is always shut down.
    ``keep=False`` stops that and shuts the kept kernels down."""
    if keep and not _KEEP:
        _KEEP.append(True)
        atexit.register(_shutdown_kept)
    elif not keep:
        _KEEP.clear()
        _shutdown_kept()


def _shutdown_kept() -> None:
    from jupyter_core.utils import run_sync

    while _KEPT:
        with contextlib.suppress(Exception):
            run_sync(_shutdown)(_KEPT.popitem()[1])


def _with_parent(code: str, environ: dict[str, str] | None = None) -> str:
    """``code`` with this process's environment (or ``environ``) in it (a Python literal of JSON)."""
    return code.replace(
        "{parent}", repr(json.dumps(dict(os.environ if environ is None else environ)))
    )


@contextlib.contextmanager
def early_kernel(cwd: Path, *, fresh: bool = False) -> Iterator[None]:
    """Start the kernel of the run about to begin now, importing the stages and the libraries
    they use (:func:`cslib.stages.preload`) while the run checks its inputs, on the machine's
    other core; the run takes it as it takes a kernel an earlier run left. Shut down when the
    block ends if the run did not take it (its inputs failed their checks). Nothing with
    ``fresh`` or when an earlier run left a kernel.
    """
    key = (kernel_name(), str(cwd))
    if fresh or key in _KEPT or key in _EARLY:
        yield
        return
    from jupyter_core.utils import run_sync

    km = _shared_manager()(kernel_name=key[0])
    environ = dict(os.environ)
    try:
        _launch(km, cwd, f"--IPKernelApp.exec_lines={json.dumps([PRELOAD])}", env=environ)
    except Exception as exc:  # the run starts its kernel itself, with its retries
        log.info("a kernel could not be started early (%s)", exc)
        with contextlib.suppress(Exception):
            run_sync(km.cleanup_resources)()
        yield
        return
    _EARLY[key] = (km, environ)
    try:
        yield
    finally:
        if _EARLY.get(key, (None,))[0] is km:
            del _EARLY[key]
            with contextlib.suppress(Exception):
                run_sync(_shutdown)(km)


class StageKernels:
    """Where a run's notebooks execute: :meth:`execute` runs one notebook with papermill, in the
    run's one kernel (cleaned first) or, with ``fresh``, in a kernel of its own."""

    def __init__(self, *, fresh: bool, cwd: Path, retries: int):
        self.fresh, self.cwd, self.retries = fresh, cwd, retries
        self.kernel_name = kernel_name()
        self._km: Any = None  # the run's kernel, once started
        self._stopping = False  # asked to shut down (:meth:`release`)

    def execute(self, input_path: str, output_path: str, **papermill_options) -> None:
        """``papermill.execute_notebook(input_path, output_path, **papermill_options)`` in this
        run's kernel; a kernel that fails to start is retried ``retries`` times."""
        import papermill

        options = {"kernel_name": self.kernel_name, "cwd": str(self.cwd), **papermill_options}
        if self.fresh:
            retried(self.retries, papermill.execute_notebook)(
                input_path, output_path, kernel_manager_class=kernel_manager(), **options
            )
            return
        if self._km is None:
            self._km = self._take_kept() or retried(self.retries, self._start)()
        else:
            self._run(_with_parent(CLEAN))
        try:
            papermill.execute_notebook(input_path, output_path, km=self._km, **options)
        finally:
            self._km.stop_clients()

    @property
    def _key(self) -> tuple[str, str]:
        return (self.kernel_name, str(self.cwd))

    def _take_kept(self):
        """The kernel an earlier run of this process left (:func:`keep_kernels`), cleaned; or None."""
        from jupyter_core.utils import run_sync

        km = _KEPT.pop(self._key, None)
        if km is None and self._key in _EARLY:
            km = self._answering(*_EARLY.pop(self._key))
        if km is not None and not run_sync(km.is_alive)():
            run_sync(_shutdown)(km)
            km = None
        if km is not None:
            self._km = km
            self._run(_with_parent(CLEAN))
        return km

    def _answering(self, km, environ: dict[str, str]):
        """The kernel started early, once it answers, told what its start looked like (the
        environment it started with); None, and shut down, if it does not answer."""
        from jupyter_core.utils import run_sync

        self._km = km
        try:
            self._run(_with_parent(REMEMBER, environ), ready=False)
        except Exception as exc:
            log.info("the kernel started early did not answer (%s); starting another", exc)
            with contextlib.suppress(Exception):
                run_sync(_shutdown)(km)
            self._km = None
            return None
        return km

    def release(self) -> None:
        """The notebooks are done: keep the kernel for the next run (:func:`keep_kernels`), or
        ask it to shut down, which it does while the run renders its report; :meth:`close`
        then waits for it."""
        if self._km is None or self._kept():
            return
        from jupyter_core.utils import run_sync

        run_sync(_request_shutdown)(self._km)
        self._stopping = True

    def close(self, *, ended_well: bool = False) -> None:
        """Shut the run's kernel down (it may have died already), or keep it for the next run
        (:func:`keep_kernels`) when the run ended well."""
        if self._km is not None and not (ended_well and self._kept()):
            from jupyter_core.utils import run_sync

            km, self._km = self._km, None
            run_sync(_finish_shutdown if self._stopping else _shutdown)(km)

    def _kept(self) -> bool:
        """Leave the run's kernel to the next run, when runs keep theirs (:func:`keep_kernels`)
        and no other kernel is kept for it already."""
        if not _KEEP or self._key in _KEPT:
            return False
        self._km, _KEPT[self._key] = None, self._km
        return True

    def _start(self):
        km = self._km = _shared_manager()(kernel_name=self.kernel_name)
        try:
            _launch(km, self.cwd)
            self._run(_with_parent(REMEMBER), ready=False)
        except BaseException:
            with contextlib.suppress(Exception):
                self.close()
            self._km = None
            raise
        return km

    def _run(self, code: str, *, ready: bool = True) -> None:
        """Run ``code`` silently in the run's kernel (nothing shown, no execution count used);
        ``ready``: the kernel has run a notebook already, so it need not be waited for."""
        client = self._km.blocking_client()
        client.start_channels()
        try:
            if not ready:
                client.wait_for_ready(timeout=START_TIMEOUT)
            reply = client.execute(
                code, silent=True, store_history=False, reply=True, timeout=START_TIMEOUT
            )
        finally:
            client.stop_channels()
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(
                "the kernel could not be cleaned for the next notebook: "
                f"{content.get('ename')}: {content.get('evalue')}"
            )


@contextlib.contextmanager
def stage_kernels(*, fresh: bool, cwd: Path, retries: int = 0) -> Iterator[StageKernels]:
    """The kernels of one run's notebooks, shut down when the block ends however it ends.

    Parameters
    ----------
    fresh : bool
        A new kernel for every notebook instead of one for the run.
    cwd : path
        The folder the notebooks run in (their own folder).
    retries : int
        How many times to retry starting a kernel that failed to start.
    """
    kernels = StageKernels(fresh=fresh, cwd=cwd, retries=retries)
    try:
        yield kernels
    except BaseException:
        kernels.close()
        raise
    kernels.close(ended_well=True)


def retried(retries: int, start: Callable) -> Callable:
    """``start``, called again (up to ``retries`` times) when it fails because a kernel did not
    start or answer; a failing or timed-out cell is never retried."""

    def call(*args, **kwargs):
        for attempt in range(retries + 1):
            try:
                return start(*args, **kwargs)
            except Exception as exc:
                if attempt >= retries or not kernel_start_failed(exc):
                    raise
                log.info("a kernel failed to start (%s); trying again", exc)
                time.sleep(1 + 2 * attempt)
        return None

    return call


def kernel_start_failed(exc: BaseException) -> bool:
    """A kernel that did not start or answer (not a failing or timed-out cell, not a kernel dying mid-run)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if isinstance(exc, CellTimeoutError | DeadKernelError):
        return False
    if isinstance(exc, RuntimeError | TimeoutError):
        return True
    return type(exc).__module__.startswith("zmq")


def _shared_manager():
    """The run's kernel manager: the clients papermill opens on it for each notebook are closed
    after the notebook (papermill leaves them open on a kernel it does not own)."""

    class SharedKernelManager(kernel_manager()):  # type: ignore[misc]
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.opened = []

        def client(self, **kwargs):
            self.opened.append(super().client(**kwargs))
            return self.opened[-1]

        def stop_clients(self) -> None:
            while self.opened:
                self.opened.pop().stop_channels()

    return SharedKernelManager


def _launch(km, cwd: Path, *arguments: str, env: dict[str, str] | None = None) -> None:
    """Start ``km``'s kernel as papermill starts one: in the notebooks' folder, history kept in
    memory; ``arguments`` for the kernel, ``env`` its environment (default: this process's)."""
    from jupyter_core.utils import run_sync

    run_sync(km.start_kernel)(
        extra_arguments=["--HistoryManager.hist_file=:memory:", *arguments],
        cwd=str(cwd),
        **({} if env is None else {"env": env}),
    )


async def _shutdown(km) -> None:
    try:
        if await km.is_alive():
            await km.shutdown_kernel(now=False)
    finally:
        await km.cleanup_resources()


async def _request_shutdown(km) -> None:
    """Ask the kernel to shut down, without waiting for it (:func:`_finish_shutdown` does)."""
    if await km.is_alive():
        km.shutting_down = True
        await km.request_shutdown()


async def _finish_shutdown(km) -> None:
    """Wait for a kernel asked to shut down to exit (killed if it takes too long)."""
    try:
        await km.finish_shutdown()
    finally:
        await km.cleanup_resources()


__all__ = [
    "CLEAN",
    "StageKernels",
    "early_kernel",
    "keep_kernels",
    "kernel_start_failed",
    "retried",
    "stage_kernels",
]
