"""The data tests keep cslib's settings (the pseudonym key) in a temporary folder, never the user's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_config_dir(tmp_path_factory, monkeypatch):
    """A fresh settings folder per test, so no test reads or writes the real one."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("CSLIB_CONFIG_DIR", str(folder))
    return folder
