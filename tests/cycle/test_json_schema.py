"""The JSON Schemas of the cycle and mapping files: shipped up to date, and in step with the models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from cslib.cycle.json_schema import CYCLE_SCHEMA, cycle_schema
from cslib.cycle.model import parse_cycle
from cslib.data.adapters import parse_mapping
from cslib.data.adapters.catalog import BUILTIN_DIR
from cslib.data.adapters.json_schema import MAPPING_SCHEMA, mapping_schema
from cslib.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
CYCLES = [ROOT / "data/sample/cycle.yaml", *sorted((ROOT / "data/examples").glob("*.yaml"))]


def _plain(path: Path) -> dict:
    """The YAML file as JSON sees it (dates as text)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def _errors(schema: dict, instance: dict) -> list[str]:
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(instance)]


def _meaning(schema):
    """The schema without what JSON Schema assumes anyway (``additionalProperties: true``, which
    later pydantic versions write): the shipped file and a schema of any pydantic compare alike."""
    if isinstance(schema, dict):
        return {
            k: _meaning(v)
            for k, v in schema.items()
            if not (k == "additionalProperties" and v is True)
        }
    if isinstance(schema, list):
        return [_meaning(v) for v in schema]
    return schema


def test_shipped_schemas_are_the_generated_ones():
    again = "the model changed: write the schemas again with python -m cslib.cycle.json_schema"
    shipped = json.loads(CYCLE_SCHEMA.read_text(encoding="utf-8"))
    assert _meaning(shipped) == _meaning(cycle_schema()), again
    shipped = json.loads(MAPPING_SCHEMA.read_text(encoding="utf-8"))
    assert _meaning(shipped) == _meaning(mapping_schema()), again
    jsonschema.Draft202012Validator.check_schema(cycle_schema())


@pytest.mark.parametrize("path", sorted(BUILTIN_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_builtin_adapter_meets_the_mapping_schema(path):
    assert _errors(mapping_schema(), _plain(path)) == []


@pytest.mark.parametrize("path", CYCLES, ids=lambda p: p.stem)
def test_sample_and_example_cycles_meet_the_cycle_schema(path):
    assert _errors(cycle_schema(), _plain(path)) == []


SHORTHANDS = {
    "columns": {"ticket_id": "Id", "created_at": ["Opened", "Created"]},
    "constants": {"channel": "phone"},
    "missing": {"all": ["?"], "customer_id": "0"},
    "values": {
        "status": {"Solved": "resolved"},
        "priority": {"map": {"P1": "high"}, "default": "normal"},
    },
    "derived": {"wait_seconds": {"seconds_between": ["Queued", "Answered", "Ended"]}},
    "drop": [
        {"reason": "tests", "where": {"Kind": "test"}},
        {"reason": "old", "where": {"created_at": {"before": "2026-01-01"}}},
    ],
    "tolerance": {"negative_seconds": 2},
    "allow_same_source": ["category", "journey_stage"],
}


def test_schema_and_model_agree_on_shorthands_and_mistakes():
    parse_mapping(SHORTHANDS)
    assert _errors(mapping_schema(), SHORTHANDS) == []
    for wrong in (
        {**SHORTHANDS, "dropp": []},
        {**SHORTHANDS, "drop": [{"reason": "no condition"}]},
        {**SHORTHANDS, "tolerance": {"negative_seconds": -1}},
    ):
        assert _errors(mapping_schema(), wrong)
        with pytest.raises(ConfigError):
            parse_mapping(wrong)


def test_cycle_schema_checks_definitions_and_inline_mappings():
    cycle = _plain(ROOT / "data/sample/cycle.yaml")
    cycle["definitions"] = {"short_abandon_seconds": 0, "service_level_over": "offered"}
    cycle["data"]["tickets"] = {"path": "t.csv", "mapping": SHORTHANDS}
    assert _errors(cycle_schema(), cycle) == []
    parse_cycle(cycle)
    for wrong in (
        {**cycle, "definitions": {"service_level_over": "answered"}},
        {**cycle, "definitions": {"short_abandon_seconds": -5}},
        {**cycle, "data": {"tickets": {"path": "t.csv", "mapping": {"columnz": {}}}}},
    ):
        assert _errors(cycle_schema(), wrong)
    with pytest.raises(ConfigError, match="service_level_over"):
        parse_cycle({**cycle, "definitions": {"service_level_over": "answered"}})


def test_every_mapping_key_is_described_and_on_the_reference_page():
    from cslib.data.adapters.json_schema import KEYS
    from cslib.data.adapters.model import Mapping

    keys = set(Mapping.model_fields) - {"base_dir"}
    assert keys == set(KEYS)
    page = (ROOT / "docs/mapping.md").read_text(encoding="utf-8")
    assert [k for k in sorted(keys) if f"`{k}`" not in page] == []
