"""Read a small Parquet file into pandas on the calling thread.

``pandas.read_parquet`` reads through Arrow's thread pools. Their threads stay
alive until the process ends, and Arrow can tear them down while one is still
running: the process then aborts at exit ("terminate called without an active
exception", exit code 134) after its work is done, which turns a finished
report or batch into a failed one now and then (about 1 run in 50 with pyarrow
17). cslib's own tables (a run's results, the register, a batch's panel) are
small, so they are read without the pools.

Examples
--------
>>> import tempfile, pandas as pd
>>> path = Path(tempfile.mkdtemp()) / "t.parquet"
>>> pd.DataFrame({"team": ["Billing"], "tickets": [12]}).to_parquet(path, index=False)
>>> read_frame(path)
      team  tickets
0  Billing       12
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def read_frame(path: str | Path) -> pd.DataFrame:
    """The table in a Parquet file, read without Arrow's thread pools.

    Parameters
    ----------
    path
        The Parquet file.

    Returns
    -------
    pandas.DataFrame
        As :func:`pandas.read_parquet` gives it (the same dtypes and index).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    pyarrow.ArrowInvalid
        The file is not Parquet (or is damaged).
    """
    import pyarrow.parquet as pq

    if not Path(path).is_file():
        raise FileNotFoundError(str(path))
    with pq.ParquetFile(path, pre_buffer=False) as file:  # pre-buffering reads on the I/O pool
        return file.read(use_threads=False).to_pandas(use_threads=False)
