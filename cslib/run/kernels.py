"""The kernels of a run: each on private local sockets, quiet on the console, ready for the next
notebook as soon as it answers, and papermill's engine keeping the executed notebook whatever
stops it."""

from __future__ import annotations

import functools
import subprocess
import time
from pathlib import Path
from queue import Empty


def kernel_manager():
    """Kernels talk over local sockets (IPC), not unencrypted TCP ports.

    Each kernel gets socket paths of its own in the user's private Jupyter runtime
    folder: jupyter_client's default (``kernel-ipc-1`` … in the working folder) is
    shared by every kernel started from the same folder at the same time, so
    parallel runs would connect to each other's kernels ("Invalid Signature").
    """
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.ip = str(runtime / f"cslib-{uuid.uuid4().hex[:16]}-ipc")
            self.client_factory, self.blocking_class = ready_clients()

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            # the kernel's own log (warnings, tracebacks of its shutdown) stays off the console:
            # what a cell raised reaches the run through the notebook
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return IpcKernelManager


@functools.cache
def ready_clients():
    """The kernel clients (asynchronous, as papermill's, and blocking) ready as soon as the
    kernel has answered and its output channel has caught up.

    jupyter_client's clients, once the kernel answers, read the output channel (IOPub) until
    it has been quiet for 0.2 s: a fifth of a second before every notebook, for nothing when
    the kernel is idle. These read it up to the kernel's "idle" for their own request, the last
    message the kernel sends before it waits, and ask again (as jupyter_client does) when that
    does not arrive in 0.2 s: the channel was not connected yet.
    """
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_client.client import KernelClient
    from jupyter_core.utils import ensure_async, run_sync

    class Ready(KernelClient):
        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                request = self.kernel_info()
                if await self._answered() and await self._caught_up(request):
                    return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

        async def _answered(self) -> bool:
            try:
                msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                return False
            if msg["msg_type"] != "kernel_info_reply":
                return False
            self._handle_kernel_info_reply(msg)
            return True

        async def _caught_up(self, request: str) -> bool:
            while True:
                try:
                    msg = await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                except Empty:
                    return False
                if (
                    msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") == request
                ):
                    return True

    class ReadyClient(Ready, AsyncKernelClient):
        wait_for_ready = Ready._async_wait_for_ready  # as AsyncKernelClient binds its own

    class ReadyBlockingClient(Ready, BlockingKernelClient):
        wait_for_ready = run_sync(Ready._async_wait_for_ready)

    return ReadyClient, ReadyBlockingClient


def keeping_engine() -> str:
    """Papermill's nbclient engine, saving the executed notebook also when a cell times out or the
    kernel dies (papermill saves it only after the last cell or a cell's error)."""
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.iorw import write_ipynb

    class KeepingEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, keep_at=None, **kwargs):
            try:
                return super().execute_notebook(nb, kernel_name, **kwargs)
            except BaseException:  # also a stopped run keeps what it did
                if keep_at:
                    write_ipynb(nb, keep_at)
                raise

    papermill_engines.register("cslib", KeepingEngine)
    return "cslib"


__all__ = ["keeping_engine", "kernel_manager", "ready_clients"]
