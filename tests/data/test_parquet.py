from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from cslib.data.parquet import read_frame

# A fresh process counts its threads before and after reading: Arrow's pools, once started,
# live until the process ends (and can abort it at exit, so the count leaves by os._exit).
THREADS = """
import os, sys
import pandas as pd, pyarrow.parquet
from cslib.data.parquet import read_frame
threads = lambda: len(os.listdir("/proc/self/task"))
before = threads()
for _ in range(3):
    frame = {reader}(sys.argv[1])
print(before, threads(), len(frame), flush=True)
os._exit(0)
"""


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": pd.Categorical(["Billing", "Returns", "Billing"]),
            "tickets": [12, 7, None],
            "day": pd.to_datetime(["2026-07-01", "2026-07-02", None]),
            "note": ["a", None, "c"],
        },
        index=[4, 5, 6],
    )


def test_reads_what_pandas_reads(tmp_path):
    path = tmp_path / "t.parquet"
    frame().to_parquet(path)
    pd.testing.assert_frame_equal(read_frame(path), pd.read_parquet(path))
    pd.testing.assert_frame_equal(read_frame(path), frame(), check_index_type=False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
def test_starts_no_thread_of_arrows_pools(tmp_path):
    path = tmp_path / "t.parquet"
    frame().to_parquet(path)

    def threads(reader: str) -> tuple[int, int]:
        out = subprocess.run(
            [sys.executable, "-c", THREADS.format(reader=reader), str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert out[2] == "3"
        return int(out[0]), int(out[1])

    before, after = threads("pd.read_parquet")
    assert after > before  # the pools this module avoids (the check can fail)
    before, after = threads("read_frame")
    assert after == before


def test_a_missing_or_damaged_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_frame(tmp_path / "none.parquet")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(Exception, match="Parquet"):
        read_frame(tmp_path / "bad.parquet")
