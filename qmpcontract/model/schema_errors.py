"""One explanation of a JSON Schema validation error, in plain language.

``jsonschema``'s messages are written for debugging ("'x' is a required
property", "Additional properties are not allowed ('a', 'b' were
unexpected)").  Both ``lint`` (a contract against the meta-schema, a check's
parameters, an ``x-qmp`` annotation) and ``check`` (a QMP message against a
contract's schema) report the same failures, so they word them here, once:

========================  ==============================================
keyword                   explanation
========================  ==============================================
``required``              missing member 'name'
``additionalProperties``  unexpected member 'name' (one per member)
``unevaluatedProperties`` unexpected member 'name' (one per member)
``not`` of ``required``   member 'name' is not allowed
``type``                  expected object, found array
``enum`` / ``const``      'x' is not one of 'a', 'b' / 'x' must be 'a'
``pattern``               'x' is not <the schema's description>
``minItems`` etc.         needs at least 1 item
``uniqueItems``           lists the same item twice
========================  ==============================================

Each explanation carries the path of what it is about (a member that should
not be there is pointed at itself, not at its object), so the caller locates
it: a contract's line and column, or a message's JSON pointer.  Anything else
is ``jsonschema``'s own message, shortened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jsonschema.exceptions import ValidationError, best_match

from qmpcontract.location import join_pointer
from qmpcontract.text import shorten

__all__ = ["Explanation", "explain", "json_type", "leaf"]


@dataclass(frozen=True)
class Explanation:
    """What is wrong (*message*) and where (*path*: tokens from the document's root)."""

    message: str
    path: tuple[str | int, ...]

    @property
    def pointer(self) -> str:
        """*path* as a JSON pointer."""
        return join_pointer("", *self.path)


def leaf(error: ValidationError) -> ValidationError:
    """The most relevant error inside an ``anyOf``/``oneOf`` failure (itself otherwise)."""
    while error.context and error.validator in ("anyOf", "oneOf"):
        best = best_match(error.context)
        if best is None:
            break
        error = best
    return error


def json_type(value: object) -> str:
    """The JSON Schema type name of a Python value.

    >>> json_type({}), json_type(True), json_type(1), json_type(1.5), json_type(None)
    ('object', 'boolean', 'integer', 'number', 'null')
    """
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    names = {dict: "object", list: "array", str: "string", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _quote(value: object) -> str:
    return repr(value) if isinstance(value, str) else shorten(repr(value))


def _then_context(error: ValidationError) -> str:
    """`` (with ...)``: the description of the ``then`` branch an error comes from."""
    if "then" not in error.absolute_schema_path or not isinstance(error.schema, Mapping):
        return ""
    description = error.schema.get("description")
    return f" (with {description})" if isinstance(description, str) else ""


def _names_format(description: object) -> bool:
    """A description that names a format ("a QMP command name"), fit for "is not ..."."""
    return isinstance(description, str) and description.startswith(("a ", "an "))


def _forbidden_members(error: ValidationError) -> list[str]:
    """The members present in the instance that a ``not: {required}`` forbids."""
    names: list[str] = []
    stack: list[object] = [error.validator_value]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            names.extend(n for n in node.get("required", []) if isinstance(n, str))
            stack.extend(node.get("anyOf", []))
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    return sorted(n for n in set(names) if n in instance)


def _unexpected(error: ValidationError, schema: Mapping[str, object]) -> list[str]:
    """The members of the instance an ``additionalProperties``/``unevaluatedProperties`` refuses."""
    instance = error.instance
    if not isinstance(instance, Mapping):
        return []
    if error.validator == "unevaluatedProperties":
        return sorted(k for k in instance if repr(k) in error.message)
    properties = schema.get("properties")
    known = set(properties) if isinstance(properties, Mapping) else set()
    pattern_map = schema.get("patternProperties")
    patterns = [re.compile(p) for p in pattern_map] if isinstance(pattern_map, Mapping) else []
    return sorted(k for k in instance if k not in known and not any(p.search(k) for p in patterns))


def _missing(error: ValidationError) -> str:
    """The one member a ``required`` error is about (jsonschema reports each apart)."""
    match = re.match(r"^(.*) is a required property$", error.message, re.DOTALL)
    required = error.validator_value if isinstance(error.validator_value, list) else []
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    for name in required:
        if name not in instance and (match is None or match.group(1) == repr(name)):
            return str(name)
    return "?"


def explain(error: ValidationError, base: Sequence[str | int] = ()) -> list[Explanation]:
    """Explain one validation error: one or more messages, each with its path.

    *base* holds the (unescaped) tokens of the validated value inside its document.
    The list is never empty; a caller that reports one problem takes the first.

    >>> from jsonschema import Draft202012Validator
    >>> schema = {"properties": {"id": {}}, "required": ["id"], "additionalProperties": False}
    >>> errors = Draft202012Validator(schema).iter_errors({"x": 2, "y": 3})
    >>> for error in sorted(errors, key=lambda e: str(e.validator)):
    ...     for explanation in explain(error, ["arguments"]):
    ...         print(explanation.pointer, explanation.message)
    /arguments/x unexpected member 'x'
    /arguments/y unexpected member 'y'
    /arguments missing member 'id'
    """
    path: tuple[str | int, ...] = (*base, *error.absolute_path)
    if "propertyNames" in error.relative_schema_path:
        # jsonschema validates a member *name* with the object's path; point at the name.
        path = (*path, str(error.instance))
    instance = error.instance
    schema: Mapping[str, object] = error.schema if isinstance(error.schema, Mapping) else {}
    value = error.validator_value
    validator = error.validator
    suffix = _then_context(error)

    def at(message: str, *more: str) -> Explanation:
        return Explanation(message, (*path, *more))

    if validator == "required":
        return [at(f"missing member '{_missing(error)}'{suffix}")]
    if validator in ("additionalProperties", "unevaluatedProperties"):
        names = _unexpected(error, schema)
        if names:
            return [at(f"unexpected member '{name}'", name) for name in names]
    if validator == "not":
        names = _forbidden_members(error)
        if names:
            return [at(f"member '{name}' is not allowed{suffix}", name) for name in names]
    if validator == "enum" and isinstance(value, list):
        return [at(f"{_quote(instance)} is not one of {', '.join(_quote(v) for v in value)}")]
    if validator == "const":
        return [at(f"{_quote(instance)} must be {_quote(value)}")]
    if validator == "type":
        names = [str(n) for n in value] if isinstance(value, list) else [str(value)]
        return [at(f"expected {' or '.join(names)}, found {json_type(instance)}")]
    if validator == "pattern":
        description = schema.get("description")
        what = description if _names_format(description) else f"matching {value}"
        return [at(f"{_quote(instance)} is not {what}")]
    if validator in ("minItems", "minProperties", "minLength"):
        unit = {"minItems": "item", "minProperties": "member", "minLength": "character"}
        plural = "" if value == 1 else "s"
        return [at(f"needs at least {value} {unit[str(validator)]}{plural}")]
    if validator == "uniqueItems":
        return [at("lists the same item twice")]
    return [at(shorten(error.message))]
