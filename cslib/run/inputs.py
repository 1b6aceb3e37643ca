"""A run reads one consistent dataset: its input files are hashed before any kernel starts and
checked again before each stage, so a file changed during a run stops it instead of mixing two
datasets in one report.

The inputs are the cycle file and, for each table, its data file (or database query) and the
mapping and join files it names (:func:`table_inputs`). Their hashes go into ``run.json`` and the
report's footer. A database query is run once, before any stage starts, into a Parquet snapshot
in the run folder (``snapshots/``) that every stage reads; ``run.json`` records the snapshot and
the hash of its rows (whatever their order), never the password.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "tickets.csv").write_text("ticket_id,created_at\\n")
>>> recorded = hash_inputs({"tickets": folder / "tickets.csv"})
>>> recorded["tickets"]["sha256"][:12]
'0d7390b5e70b'
>>> changed_inputs(recorded)
[]
>>> _ = (folder / "tickets.csv").write_text("ticket_id,created_at\\nA,2026-01-05\\n")
>>> changed_inputs(recorded)
['tickets']
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cslib.data.database import Query, redact, result_hash, snapshot_name

if TYPE_CHECKING:
    from cslib.cycle.model import Cycle, TableSource

#: where a table is read from: a file or a database query
Source = Path | Query
#: the folder of a run holding its queries' results, one Parquet file each
SNAPSHOTS = "snapshots"


def file_hash(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def source_hash(source: Source) -> str:
    """SHA-256 of an input: a file's bytes, or the rows a database query returns."""
    return result_hash(source) if isinstance(source, Query) else file_hash(source)


def table_inputs(name: str, source: TableSource, base_dir: Path) -> dict[str, Source]:
    """What one table of the cycle is read from: its data (a file or a query), its mapping file and
    its joins.

    Examples
    --------
    >>> from cslib.cycle.model import TableSource
    >>> source = TableSource(path="x.csv", mapping="map.yaml", join={"metrics": "m.csv"})
    >>> {k: v.as_posix() for k, v in table_inputs("tickets", source, Path("d")).items()}
    {'tickets': 'd/x.csv', 'tickets mapping': 'd/map.yaml', 'tickets join metrics': 'd/m.csv'}
    """
    files: dict[str, Source] = {}
    if source.url is not None:
        files[name] = Query(source.url, source.query, source.table, base_dir, name)
    else:
        assert source.path is not None  # a path or a url, checked when the cycle is read
        files[name] = Path(base_dir / source.path).expanduser()
    if isinstance(source.mapping, str) and source.mapping.endswith((".yaml", ".yml")):
        files[f"{name} mapping"] = base_dir / source.mapping
    files |= {f"{name} join {key}": base_dir / path for key, path in source.join.items()}
    return {
        label: path.expanduser() if isinstance(path, Path) else path
        for label, path in files.items()
    }


def cycle_inputs(cycle: Cycle, cycle_path: Path) -> dict[str, Source]:
    """Every input a run of the cycle reads: the cycle file and each table's files or query."""
    return _table_sources(cycle) | {"cycle": cycle_path}


def table_hashes(cycle: Cycle) -> dict[str, dict[str, str]]:
    """:func:`hash_inputs` of the cycle's tables alone (data, mapping and join files, queries'
    results): what decides whether an earlier check of the tables still holds."""
    return hash_inputs(_table_sources(cycle))


def _table_sources(cycle: Cycle) -> dict[str, Source]:
    files: dict[str, Source] = {}
    for name, source in cycle.data.items():
        files |= table_inputs(name, source, cycle.base_dir)
    return files


def hash_inputs(files: Mapping[str, Source]) -> dict[str, dict[str, str]]:
    """``{label: {"path": …, "sha256": …}}`` of the files that exist, and ``{"url": …, "query": …,
    "snapshot": …, "sha256": …}`` of each query (its password hidden; the snapshot relative to
    the run folder), as ``run.json`` records them."""
    recorded = {}
    for label, source in files.items():
        if isinstance(source, Query):
            recorded[label] = {
                "url": redact(source.url),
                "query": source.sql,
                "snapshot": f"{SNAPSHOTS}/{snapshot_name(source)}",
                "sha256": result_hash(source),
            }
        elif source.is_file():
            recorded[label] = {"path": str(source), "sha256": file_hash(source)}
    return recorded


def changed_inputs(recorded: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The input files that are gone or hash differently from ``recorded`` (queries are not run again)."""
    changed = []
    for label, entry in recorded.items():
        if "path" not in entry:
            continue
        path = Path(entry["path"])
        if not path.is_file() or file_hash(path) != entry["sha256"]:
            changed.append(label)
    return changed


__all__ = [
    "changed_inputs",
    "cycle_inputs",
    "file_hash",
    "hash_inputs",
    "source_hash",
    "table_hashes",
    "table_inputs",
]
