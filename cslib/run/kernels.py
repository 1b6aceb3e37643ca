"""The kernels of a run: each on private local sockets, quiet on the console, and papermill's
engine keeping the executed notebook whatever stops it."""

from __future__ import annotations

import subprocess
from pathlib import Path


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

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            # the kernel's own log (warnings, tracebacks of its shutdown) stays off the console:
            # what a cell raised reaches the run through the notebook
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return IpcKernelManager


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


__all__ = ["keeping_engine", "kernel_manager"]
