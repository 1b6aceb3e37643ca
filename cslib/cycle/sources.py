"""The files a cycle file's ``data:`` section names, for a copy of the file saved elsewhere.

Paths in a cycle file start at its folder. A cycle file derived from another one
and saved in another folder — a batch run's cycle, the next cycle the Act stage
drafts — must name the same files: each table's ``path``, its mapping file and
the files of its joins; a database url names the same relative SQLite file. An
inline mapping, a built-in adapter, absolute paths and server urls are kept as
they are.

Examples
--------
>>> data = {"tickets": {"path": "tickets.csv", "mapping": "map.yaml", "adapter": "zendesk",
...                     "join": {"metrics": "metrics.csv"}},
...         "agents": "agents.csv"}
>>> moved = rebase_sources(data, Path("/exports"))
>>> moved["tickets"]["mapping"], moved["tickets"]["join"], moved["agents"]
('/exports/map.yaml', {'metrics': '/exports/metrics.csv'}, '/exports/agents.csv')
>>> rebase_sources(data, Path("/exports"), relative_to=Path("/reports/run"))["tickets"]["path"]
'../../exports/tickets.csv'
>>> rebase_sources({"tickets": {"url": "sqlite:///desk.db", "table": "t"}}, Path("/exports"))
{'tickets': {'url': 'sqlite:////exports/desk.db', 'table': 't'}}
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from cslib.data.database import Query

__all__ = ["rebase_sources"]


def rebase_sources(data: dict, base: Path, *, relative_to: Path | None = None) -> dict:
    """A copy of a ``data:`` section whose file paths name the same files from elsewhere.

    Parameters
    ----------
    data : dict
        The section as the YAML gives it: per table a path, or a mapping with
        ``path`` and optionally ``mapping`` (a file) and ``join`` (files).
    base : Path
        The folder the paths start at (the original cycle file's).
    relative_to : Path, optional
        Write the paths relative to this folder (where the new file lives);
        by default they are absolute.

    Returns
    -------
    dict
    """
    data = copy.deepcopy(data)

    def moved(value: object) -> object:
        if not isinstance(value, str):
            return value
        p = Path(value).expanduser()
        if p.is_absolute():
            return str(p)
        p = (base / p).resolve()
        return os.path.relpath(p, relative_to.resolve()) if relative_to is not None else str(p)

    for table, src in data.items():
        if isinstance(src, str):
            data[table] = moved(src)
        elif isinstance(src, dict):
            for key in ("path", "mapping"):
                if key in src:
                    src[key] = moved(src[key])
            if isinstance(src.get("url"), str) and "path" not in src:
                query = Query(src["url"], src.get("query"), src.get("table"), base_dir=base)
                src["url"] = query.url_for(relative_to)
            if isinstance(src.get("join"), dict):
                src["join"] = {name: moved(file) for name, file in src["join"].items()}
    return data
