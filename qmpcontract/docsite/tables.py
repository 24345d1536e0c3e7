"""Render contract schemas as readable tables: name, type, required, since, status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qmpcontract.model.frozen_json import FrozenJson, thaw


def type_text(schema: object, depth: int = 0) -> str:
    """A short, readable type: ``string``, ``JobType``, ``array of BlockJobInfo``, ..."""
    if depth > 6 or not isinstance(schema, Mapping):
        return "any"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        return type_text(all_of[0], depth + 1)
    if "enum" in schema and isinstance(schema["enum"], list):
        values = [str(v) for v in schema["enum"]]
        shown = ", ".join(f"`{v}`" for v in values[:6])
        return f"enum: {shown}" + (", ..." if len(values) > 6 else "")
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list) and options:
        return " or ".join(type_text(o, depth + 1) for o in options)
    kind = schema.get("type")
    if kind == "array":
        return f"array of {type_text(schema.get('items'), depth + 1)}"
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if isinstance(kind, str):
        return kind
    return "any" if not schema else "object"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def members_table(schema: FrozenJson, types: FrozenJson, empty: str) -> str:
    """A markdown table of an object schema's members (following one local $ref)."""
    plain: Any = thaw(schema)
    if isinstance(plain, dict) and isinstance(plain.get("$ref"), str):
        name = plain["$ref"].rsplit("/", 1)[-1]
        resolved = thaw(types)
        target = resolved.get(name) if isinstance(resolved, dict) else None
        if isinstance(target, dict):
            plain = target
    if not isinstance(plain, dict):
        return empty
    if plain.get("type") == "array":
        return f"An array of {type_text(plain.get('items'))}.\n"
    properties = plain.get("properties")
    if not isinstance(properties, dict) or not properties:
        return f"{empty}\n" if plain.get("type") == "object" else f"A {type_text(plain)}.\n"
    required = set(plain.get("required", []))
    lines = ["| Name | Type | Required | Since | Status |", "|---|---|---|---|---|"]
    for name, sub in properties.items():
        annotation = sub.get("x-qmp", {}) if isinstance(sub, dict) else {}
        since = annotation.get("since", "") if isinstance(annotation, dict) else ""
        status = annotation.get("status", "stable") if isinstance(annotation, dict) else "stable"
        lines.append(
            f"| `{name}` | {_cell(type_text(sub))} | {'yes' if name in required else 'no'} "
            f"| {since} | {status} |"
        )
    closed = plain.get("additionalProperties") is False
    lines.append("")
    if closed:
        lines.append("No other member is accepted.")
        lines.append("")
    return "\n".join(lines) + "\n"
