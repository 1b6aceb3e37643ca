"""cslib's cache folder: what is slow to work out from a file, kept for the next process.

``$CSLIB_CACHE_DIR`` (default: the user's cache folder, ``~/.cache/cslib`` on Linux) holds
one folder per kind of record, readable by the user only: ``excel``, the sheet copies of
:mod:`cslib.data.excel`, and ``text``, which text columns of a Parquet file are already clean
(:func:`cslib.data.stored_text.clean_text`). A record is named by a digest of everything it
depends on (the file's identity and contents, the options, the rules), so a changed file is a
new record, never a stale one. The least recently used records go first.

Examples
--------
>>> import tempfile
>>> from unittest import mock
>>> with mock.patch.dict(os.environ, {CACHE_ENV: tempfile.mkdtemp()}):
...     remember("text", digest("t.parquet", 1), ["team"])
...     recall("text", digest("t.parquet", 1)), recall("text", digest("t.parquet", 2))
(['team'], None)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

#: the environment variable that moves the cache folder
CACHE_ENV = "CSLIB_CACHE_DIR"
#: how many records of one kind are kept (the least recently used go first)
KEEP = {"excel": 20, "text": 200}


def cache_folder(kind: str) -> Path:
    """The folder of one kind of record, made readable by the user only; OSError when it
    cannot be made."""
    import platformdirs

    env = os.environ.get(CACHE_ENV)
    folder = (Path(env) if env else Path(platformdirs.user_cache_dir("cslib"))) / kind
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def digest(*parts: object) -> str:
    """A record's name: the SHA-256 of the parts' ``repr``."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def recall(kind: str, name: str) -> object | None:
    """The value remembered under ``name`` (None when there is none or it cannot be read)."""
    try:
        path = cache_folder(kind) / f"{name}.json"
        value = json.loads(path.read_text(encoding="utf-8"))
        os.utime(path)  # recently used
    except (OSError, ValueError):
        return None
    return value


def remember(kind: str, name: str, value: object) -> None:
    """Keep ``value`` (JSON) under ``name``; nothing is kept when the folder cannot be written."""
    try:
        folder = cache_folder(kind)
        with tempfile.NamedTemporaryFile(
            "w", dir=folder, suffix=".part", delete=False, encoding="utf-8"
        ) as part:
            json.dump(value, part)
        os.replace(part.name, folder / f"{name}.json")  # whole records only
    except OSError:
        return
    prune(folder, "*.json", KEEP[kind])


def prune(folder: Path, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` most recently used files matching ``pattern``."""
    files = []
    for path in folder.glob(pattern):
        try:
            files.append((path.stat().st_mtime, path))
        except OSError:  # removed meanwhile by another process
            continue
    for _, old in sorted(files, reverse=True)[keep:]:
        old.unlink(missing_ok=True)
