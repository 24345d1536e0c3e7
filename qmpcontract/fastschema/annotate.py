"""Which members a schema evaluates, for ``unevaluatedProperties``, compiled.

``unevaluatedProperties`` applies to the members no adjacent or nested
keyword evaluated: ``properties`` (whatever their values), members valid
under ``additionalProperties`` or ``unevaluatedProperties``, members matching
``patternProperties``, and, through ``$ref``, ``allOf``/``anyOf``/``oneOf``
and ``if``/``then``/``else``, the members of every subschema the instance is
valid against.  This follows ``jsonschema``'s own reckoning
(``find_evaluated_property_keys_by_schema``) rule by rule, compiled once per
schema node like the checks themselves.

Members are only asked of a node whose verdict they can change: the
unevaluated check is one conjunct of its node, and an ``anyOf``/``oneOf``
branch or an ``if`` counts only where it is valid.  So an ``allOf`` branch (or
a ``$ref``) is assumed valid here: where it is not, its node fails anyway, and
it is not validated twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from referencing._core import Resolver

if TYPE_CHECKING:
    from qmpcontract.fastschema.compiler import Compiler

Keys = Callable[[dict[str, Any]], set[str]]


def discriminated(schemas: Sequence[object]) -> tuple[str, dict[str, list[object]]] | None:
    """``(member, {value: [then, ...]})`` if *schemas* are branches of one discriminator.

    That is, every schema is exactly ``{"if": {"properties": {M: {"const": V}},
    "required": [M]}, "then": T}`` with one member M and string constants V:
    the shape the importers give a QAPI union.
    """
    member: str | None = None
    branches: dict[str, list[object]] = {}
    for schema in schemas:
        if not isinstance(schema, Mapping) or set(schema) != {"if", "then"}:
            return None
        condition = schema["if"]
        if not isinstance(condition, Mapping) or set(condition) != {"properties", "required"}:
            return None
        properties, required = condition["properties"], condition["required"]
        if not isinstance(properties, Mapping) or len(properties) != 1:
            return None
        ((name, test),) = properties.items()
        if required != [name] or (member is not None and name != member):
            return None
        if not isinstance(test, Mapping) or set(test) != {"const"}:
            return None
        if not isinstance(test["const"], str):
            return None
        member = name
        branches.setdefault(test["const"], []).append(schema["then"])
    return (member, branches) if member is not None else None


def tagged(schemas: Sequence[object]) -> tuple[str, dict[str, list[int]]] | None:
    """``(member, {value: [index, ...]})`` if every schema requires *member* as a constant.

    A schema ``{"properties": {M: {"const": V, ...}}, "required": [..., M, ...]}``
    with a string V rejects every object whose M is not V, so for objects only
    the schemas of the object's own value can hold (``anyOf``/``oneOf`` of
    tagged branches, like the records of a recording).
    """
    first = schemas[0] if schemas else None
    if not isinstance(first, Mapping) or not isinstance(first.get("properties"), Mapping):
        return None
    for member in first["properties"]:
        table: dict[str, list[int]] = {}
        for index, schema in enumerate(schemas):
            value = _constant(schema, member)
            if value is None:
                break
            table.setdefault(value, []).append(index)
        else:
            return member, table
    return None


def _constant(schema: object, member: str) -> str | None:
    if not isinstance(schema, Mapping):
        return None
    required, properties = schema.get("required"), schema.get("properties")
    if not isinstance(required, list) or member not in required:
        return None
    test = properties.get(member) if isinstance(properties, Mapping) else None
    value = test.get("const") if isinstance(test, Mapping) else None
    return value if isinstance(value, str) else None


def _union(parts: list[Keys]) -> Keys:
    if not parts:
        return lambda x: set()
    if len(parts) == 1:
        return parts[0]

    def keys(x: dict[str, Any]) -> set[str]:
        seen: set[str] = set()
        for part in parts:
            seen |= part(x)
        return seen

    return keys


class Annotations:
    """Compiled evaluated-members functions, one per schema node."""

    def __init__(self, compiler: Compiler) -> None:
        self._compiler = compiler
        self.done: dict[int, Keys] = {}  # insertion-ordered: the compiler may roll back

    def keys(self, node: object, resolver: Resolver[Any]) -> Keys:
        """The function giving the members of an object that *node* evaluates."""
        key = id(node)
        done = self.done.get(key)
        if done is not None:
            return done
        cell: list[Keys] = []
        self.done[key] = lambda x: cell[0](x)
        built = self._build(node, resolver)
        cell.append(built)
        self.done[key] = built
        return built

    def unevaluated(
        self, node: Mapping[str, Any], resolver: Resolver[Any]
    ) -> Callable[[Any], bool]:
        """The check of *node*'s ``unevaluatedProperties`` (for objects)."""
        sub = self._compiler.sub(node["unevaluatedProperties"], resolver)
        keys = self.keys(node, resolver)

        def check(x: dict[str, Any]) -> bool:
            seen = keys(x)
            for key, value in x.items():  # noqa: SIM110 - faster than all()
                if key not in seen and not sub(value):
                    return False
            return True

        return check

    def _build(self, node: object, resolver: Resolver[Any]) -> Keys:
        if not isinstance(node, Mapping):
            return lambda x: set()
        check = self._compiler.sub
        parts: list[Keys] = []
        if "$ref" in node:
            resolved = resolver.lookup(node["$ref"])
            parts.append(self.keys(resolved.contents, resolved.resolver))
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            names = frozenset(properties)
            parts.append(lambda x: set(names.intersection(x)))
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            if keyword in node:
                sub = check(node[keyword], resolver)
                parts.append(lambda x, sub=sub: {k for k, v in x.items() if sub(v)})  # type: ignore[misc]
        patterns = [re.compile(p) for p in node.get("patternProperties", {})]
        if patterns:
            parts.append(lambda x: {k for k in x if any(p.search(k) for p in patterns)})
        for keyword in ("allOf", "oneOf", "anyOf"):
            schemas = node.get(keyword, ())
            found = discriminated(schemas) if keyword == "allOf" else None
            if found is not None:
                parts.append(self._dispatch(schemas, found, resolver))
                continue
            for schema in schemas:
                keys = self.keys(schema, resolver)
                if keyword == "allOf":  # an invalid branch makes the node invalid anyway
                    parts.append(keys)
                    continue
                valid = check(schema, resolver)
                parts.append(lambda x, v=valid, k=keys: k(x) if v(x) else set())  # type: ignore[misc]
        if "if" in node:
            parts.append(self._conditional(node, resolver))
        return _union(parts)

    def _dispatch(
        self,
        schemas: Sequence[object],
        found: tuple[str, dict[str, list[object]]],
        resolver: Resolver[Any],
    ) -> Keys:
        member, branches = found
        table = {
            value: _union([self.keys(t, resolver) for t in thens])
            for value, thens in branches.items()
        }

        def keys(x: dict[str, Any]) -> set[str]:
            value = x.get(member)
            branch_keys = table.get(value) if isinstance(value, str) else None
            if branch_keys is None:
                return set()  # no 'if' holds: no branch evaluates anything
            return {member, *branch_keys(x)}  # its 'if' holds, and its 'then' (assumed valid)

        return keys

    def _conditional(self, node: Mapping[str, Any], resolver: Resolver[Any]) -> Keys:
        check = self._compiler.sub
        condition = check(node["if"], resolver)
        if_keys = self.keys(node["if"], resolver)
        then_keys = self.keys(node["then"], resolver) if "then" in node else None
        else_keys = self.keys(node["else"], resolver) if "else" in node else None

        def keys(x: dict[str, Any]) -> set[str]:
            if condition(x):
                seen = if_keys(x)
                return seen | then_keys(x) if then_keys is not None else seen
            return else_keys(x) if else_keys is not None else set()

        return keys
