"""The run's log file: cslib's messages and each notebook cell's output, as papermill reports them.

Examples
--------
>>> import logging, tempfile
>>> run = Path(tempfile.mkdtemp())
>>> with run_log(run):
...     logging.getLogger("papermill").info("cell output")
>>> "cell output" in (run / "run.log").read_text()
True
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from cslib.cycle import artefacts

#: loggers whose records go to the run log: cslib's own, and papermill's (the cells' output)
LOGGERS = ("cslib", "papermill")


@contextlib.contextmanager
def run_log(run_dir: Path) -> Iterator[Path]:
    """While the block runs, append papermill's records (every cell's output, from INFO up)
    and cslib's (at the level the application set: warnings by default) to ``run.log``.

    Papermill's records go only there: they are the cells' whole output.
    """
    path = artefacts.log_path(run_dir)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    cells = logging.getLogger("papermill")
    saved = cells.level, cells.propagate
    cells.setLevel(logging.INFO)
    cells.propagate = False
    for name in LOGGERS:
        logging.getLogger(name).addHandler(handler)
    try:
        yield path
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
        cells.setLevel(saved[0])
        cells.propagate = saved[1]
        handler.close()
