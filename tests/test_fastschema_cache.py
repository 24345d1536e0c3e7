"""A schema that fails to compile leaves nothing half-built behind for the next one."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from qmpcontract.fastschema import Compiler, Unsupported

SCHEMA = {
    "$defs": {
        "bad": {"multipleOf": 2},
        "a": {
            "type": "object",
            "properties": {"x": {"$ref": "#/$defs/bad"}, "y": {"$ref": "#/$defs/a"}},
        },
        "uses-a": {"type": "object", "properties": {"y": {"$ref": "#/$defs/a"}}},
        "fine": {"type": "object", "properties": {"z": {"$ref": "#/$defs/fine"}}},
    }
}
REGISTRY = Registry().with_resource("urn:t", DRAFT202012.create_resource(SCHEMA))


def test_a_failed_compile_is_forgotten() -> None:
    compiler = Compiler(REGISTRY)
    for name in ("a", "uses-a", "a"):  # each time: no half-built node is reused
        with pytest.raises(Unsupported):
            compiler.compile_uri(f"urn:t#/$defs/{name}")
    check = compiler.compile_uri("urn:t#/$defs/fine")
    full = Draft202012Validator({"$ref": "urn:t#/$defs/fine"}, registry=REGISTRY)
    instances: list[object] = [{"z": {"z": {}}}, {"z": 1}, [], {"z": {"z": "x"}}]
    for instance in instances:
        assert check(instance) == full.is_valid(instance)


def test_too_deep_a_schema_fails_to_compile_cleanly() -> None:
    deep: dict[str, object] = {"type": "integer"}
    for _ in range(5000):
        deep = {"items": deep}
    compiler = Compiler(Registry())
    with pytest.raises(RecursionError):
        compiler.compile(deep)
    assert compiler.compile({"type": "string"})("s")
