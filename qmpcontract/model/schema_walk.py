"""Walk the sub-schemas of a JSON Schema (Draft 2020-12) by keyword.

Only schema positions are visited, so a property that happens to be named
``$ref`` or ``x-qmp`` is never mistaken for a keyword.  Used by the contract
loader (to check embedded schemas) and by the checker (to adapt schemas to a
producer version).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from qmpcontract.location import join_pointer

SINGLE_SCHEMA_KEYWORDS = (
    "additionalProperties",
    "items",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
MAP_SCHEMA_KEYWORDS = ("properties", "patternProperties", "$defs", "dependentSchemas")
LIST_SCHEMA_KEYWORDS = ("allOf", "anyOf", "oneOf", "prefixItems")
ANNOTATION_KEYWORD = "x-qmp"


def walk_schema(schema: object, pointer: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    """Yield ``(pointer, subschema)`` for every object subschema, *schema* first.

    Only schema positions are visited, so a property that happens to be named
    ``$ref`` or ``x-qmp`` is never mistaken for a keyword.

    >>> [p for p, _ in walk_schema({"properties": {"a": {"items": {}}}}, "/s")]
    ['/s', '/s/properties/a', '/s/properties/a/items']
    """
    stack: list[tuple[object, str]] = [(schema, pointer)]
    while stack:
        node, at = stack.pop()
        if not isinstance(node, Mapping):
            continue
        yield at, node
        children: list[tuple[object, str]] = []
        for key in SINGLE_SCHEMA_KEYWORDS:
            if key in node:
                children.append((node[key], join_pointer(at, key)))
        for key in MAP_SCHEMA_KEYWORDS:
            value = node.get(key)
            if isinstance(value, Mapping):
                children.extend((v, join_pointer(at, key, k)) for k, v in value.items())
        for key in LIST_SCHEMA_KEYWORDS:
            value = node.get(key)
            if isinstance(value, list):
                children.extend((v, join_pointer(at, key, i)) for i, v in enumerate(value))
        stack.extend(reversed(children))


def iter_subschemas(schema: object) -> Iterator[dict[str, object]]:
    """Yield every object subschema of plain JSON *schema* (dicts and lists), *schema* first.

    :func:`walk_schema` without the pointers, for code that changes schemas
    in place and visits large documents (every schema of a QEMU build).

    >>> [sorted(s) for s in iter_subschemas({"properties": {"a": {"items": {}}}})]
    [['properties'], ['items'], []]
    """
    stack: list[object] = [schema]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if type(node) is not dict:
            continue
        yield node
        for key in SINGLE_SCHEMA_KEYWORDS:
            child = node.get(key)
            if child is not None:
                push(child)
        for key in MAP_SCHEMA_KEYWORDS:
            value = node.get(key)
            if type(value) is dict:
                stack.extend(value.values())
        for key in LIST_SCHEMA_KEYWORDS:
            value = node.get(key)
            if type(value) is list:
                stack.extend(value)
