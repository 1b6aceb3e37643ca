"""The JSON Schema of the cycle file, for editors' completion and checks.

Generated from the pydantic model (:class:`cslib.cycle.model.Cycle`); an inline
mapping under ``data.<table>.mapping`` is checked against the mapping file's
schema (:func:`cslib.data.adapters.json_schema.mapping_schema`). The package
ships both: ``cslib/cycle/cycle.schema.json`` and
``cslib/data/adapters/mapping.schema.json``; ``python -m cslib.cycle.json_schema``
writes them again after a change to either model.

In an editor with a YAML language server, a first line
``# yaml-language-server: $schema=<path to cycle.schema.json>`` turns on
completion and checks.

Examples
--------
>>> schema = cycle_schema()
>>> schema["required"], "definitions" in schema["properties"]
(['title', 'data', 'periods', 'change'], True)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cslib.cycle.model import Cycle
from cslib.data.adapters.json_schema import (
    MAPPING_SCHEMA,
    mapping_schema,
    one_or_many,
    without_base_dir,
)

#: where the package keeps the cycle file's schema
CYCLE_SCHEMA = Path(__file__).with_name("cycle.schema.json")


def cycle_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) a cycle file, as YAML read into JSON, meets."""
    schema = Cycle.model_json_schema()
    defs = schema["$defs"]
    without_base_dir(defs, schema)
    mapping = mapping_schema()
    defs.update(mapping.pop("$defs"))
    mapping.pop("$schema")
    defs["Mapping"] = mapping
    source = defs["TableSource"]["properties"]
    source["mapping"]["anyOf"] = [{"type": "string"}, {"$ref": "#/$defs/Mapping"}, {"type": "null"}]
    # a table given as its path alone
    schema["properties"]["data"]["additionalProperties"] = {
        "anyOf": [{"type": "string"}, {"$ref": "#/$defs/TableSource"}]
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **one_or_many(schema),
        "title": "cslib cycle file",
        "description": "One improvement cycle: data, periods, change, objectives (README: The cycle file).",
    }


def write() -> list[Path]:
    """Write the cycle and mapping schemas into the package; returns their paths."""
    for path, schema in ((CYCLE_SCHEMA, cycle_schema()), (MAPPING_SCHEMA, mapping_schema())):
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [CYCLE_SCHEMA, MAPPING_SCHEMA]


if __name__ == "__main__":
    for written in write():
        print(written)
