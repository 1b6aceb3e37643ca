"""The built-in adapters, and the mapping a cycle file's table entry asks for.

Each built-in adapter is a mapping file in ``cslib/data/adapters/builtin/``
(the name of the file is the adapter's name), read and validated as a user's
mapping file is. Like an inline mapping it has no folder of its own: relative
paths given with it (``join:``) start at the cycle file's folder.

Examples
--------
>>> sorted(BUILTIN)
['311', 'baltimore311', 'call_log', 'cfpb', 'freshdesk', 'nyc311', 'qa_export', 'servicenow', 'zendesk']
>>> resolve("tickets", adapter="Zendesk").name
'zendesk'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cslib._yamlfile import FastLoader
from cslib.data.adapters.model import Mapping, load_mapping, merge, parse_mapping, path_under
from cslib.errors import ConfigError, Problem

#: the folder of the built-in mapping files
BUILTIN_DIR = Path(__file__).with_name("builtin")
#: the built-in adapters by name (each a :class:`~cslib.data.adapters.model.Mapping`)
BUILTIN: dict[str, Mapping] = {
    path.stem: parse_mapping(  # the package's own files: libyaml reads them fast
        yaml.load(path.read_text(encoding="utf-8"), Loader=FastLoader),
        source=f"adapter {path.stem}",
    )
    for path in sorted(BUILTIN_DIR.glob("*.yaml"))
}


def resolve(
    table: str,
    *,
    adapter: str | None = None,
    mapping: str | dict | None = None,
    columns: dict[str, str] | None = None,
    date_format: str | None = None,
    join: dict[str, str] | None = None,
    base_dir: str | Path = ".",
) -> Mapping | None:
    """The mapping a cycle file's table entry asks for (None when it asks for none).

    ``adapter`` names a built-in mapping; ``mapping`` is a mapping file (relative
    to ``base_dir``) or an inline mapping, applied on top of the adapter;
    ``columns`` (contract → source) and ``date_format`` override both; ``join``
    gives the files of the mapping's joins.
    """
    base_dir = Path(base_dir)
    result: Mapping | None = None
    if adapter is not None:
        key = adapter.strip().lower()
        if key not in BUILTIN:
            raise ConfigError(
                Problem(
                    f"unknown adapter {adapter!r}",
                    fix=f"use one of: {', '.join(sorted(BUILTIN))}, or write a mapping file (mapping: my_export.yaml)",
                )
            )
        result = BUILTIN[key]
    if mapping is not None:
        if isinstance(mapping, dict):
            extra = parse_mapping(mapping, source=f"data.{table}.mapping", base_dir=base_dir)
        else:
            p = Path(mapping).expanduser()
            extra = load_mapping(p if p.is_absolute() else base_dir / p)
        result = extra if result is None else merge(result, extra)
    if result is None:  # neither an adapter nor a mapping
        return None
    overrides: dict[str, Any] = {}
    if columns:
        overrides["columns"] = dict(columns)
    if date_format:
        overrides["dates"] = {"format": [date_format, *result.dates.format]}
    if join:
        unknown = [j for j in join if j not in result.joins]
        if unknown:
            raise ConfigError(
                Problem(
                    f"data.{table}.join names {', '.join(unknown)}, which the mapping does not join",
                    fix=f"the joins of {result.name} are: {', '.join(result.joins) or 'none'}",
                )
            )
        overrides["joins"] = {
            name: {**result.joins[name].model_dump(), "path": str(path_under(path, base_dir))}
            for name, path in join.items()
        }
    if overrides:
        result = merge(
            result,
            parse_mapping(
                overrides,
                source=f"data.{table}",
                base_dir=result.base_dir if not mapping else base_dir,
            ),
        )
    return result.for_table(table)
