"""The JSON Schema of the mapping file format, for editors' completion and checks.

Generated from the pydantic model (:class:`cslib.data.adapters.model.Mapping`)
and widened to the shorthands the model accepts: one name where a list of
candidates is allowed, ``{label: value}`` for ``{map: {label: value}}``, a label
or a list of labels for a drop condition. The package ships it as
``cslib/data/adapters/mapping.schema.json`` (``python -m cslib.cycle.json_schema``
writes it again).

Examples
--------
>>> schema = mapping_schema()
>>> schema["title"], "drop" in schema["properties"], "base_dir" in schema["properties"]
('cslib mapping file', True, False)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cslib.data.adapters.model import OPS, Mapping

#: where the package keeps the mapping file's schema
MAPPING_SCHEMA = Path(__file__).with_name("mapping.schema.json")

#: what each key of a mapping file does, shown by editors (docs/mapping.md has the whole story)
KEYS = {
    "name": "the mapping's name in messages (default: the file name)",
    "description": "free text",
    "table": "the contract table it maps onto: tickets, complaints, survey …",
    "columns": "contract column: source column, or a list of candidates (the first the file has wins)",
    "missing": "source values meaning 'no value': a list for every column, or {all: [...], column: [...]}",
    "constants": "contract column: one value for every row, e.g. {channel: phone}",
    "drop": "rows to leave out, each {reason: ..., where: {column: condition}}; counted by `cslib validate`",
    "tolerance": "{negative_seconds: n}: durations at most n s below zero become 0 (counted); larger ones stay errors",
    "allow_same_source": "contract columns that may be read from one source column",
    "dates": "format (strftime codes, a list tried in turn), columns (per contract column), timezone",
    "numbers": "thousands and decimal separators",
    "values": "per contract column: {source label: contract value} or {map: {...}, default: value}",
    "derived": "contract column: {operation: [arguments]}; operations: " + ", ".join(OPS),
    "events": "an event log: {key: column, last_by: [columns]} keeps the last event per key",
    "joins": "other exports of the same tickets: name: {on, key, last_by, path}",
    "duplicate_columns": "names the header repeats (the second is read as name_1)",
    "criteria": "evaluations with one column per criterion: {columns: {column: criterion} or prefix, cells: score|met, max_score}",
    "strict": "named source columns and drop-rule columns must exist (built-in adapters: false)",
}

_NAMES = {"type": "array", "items": {"type": "string"}}
_ONE_OR_MANY = {"anyOf": [{"type": "string"}, {"type": "number"}, _NAMES]}


def one_or_many(node: Any) -> Any:
    """The schema ``node`` with every list of names also taking a single name."""
    if isinstance(node, dict):
        if node.get("type") == "array" and node.get("items") == {"type": "string"}:
            rest = {k: v for k, v in node.items() if k not in ("type", "items")}
            return {**rest, **_ONE_OR_MANY}
        return {k: one_or_many(v) for k, v in node.items()}
    if isinstance(node, list):
        return [one_or_many(v) for v in node]
    return node


def without_base_dir(defs: dict[str, Any], top: dict[str, Any]) -> None:
    """Drop ``base_dir`` (set by the loader, never written in a file) from a model's schema."""
    for node in (top, *defs.values()):
        node.get("properties", {}).pop("base_dir", None)


def mapping_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) a mapping file, as YAML read into JSON, meets."""
    schema = one_or_many(Mapping.model_json_schema())
    defs = schema["$defs"]
    without_base_dir(defs, schema)
    defs["ValueMap"] = {
        "anyOf": [defs["ValueMap"], {"type": "object", "description": "source label: value"}]
    }
    labels = {"anyOf": [{"type": ["string", "number", "boolean"]}, {"type": "array"}]}
    defs["Condition"] = {"anyOf": [defs["Condition"], labels]}
    for key in ("before", "after"):
        defs["Condition"]["anyOf"][0]["properties"][key]["anyOf"][0] = {"type": "string"}
    for key, text in KEYS.items():
        schema["properties"][key]["description"] = text
    # derived: {operation: [arguments]} or {operation: argument}
    schema["properties"]["derived"]["additionalProperties"] = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "cslib mapping file",
        "description": "How an export maps onto cslib's data contract (docs/mapping.md).",
    }
