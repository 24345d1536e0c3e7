"""Resolve a contract's JSON Schemas into shapes the differ can compare.

A shape is what the wire allows, with references resolved and annotations kept:
objects with their members (required or not, and their lifecycle status), the
union branches selected by a tag, enums, arrays, alternatives, scalars with
ranges, or anything.  Recursion is cut by a :class:`Cycle` marker, so a
recursive type compares by name of the place it recurs at, never by type name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import unquote
from urllib.parse import urldefrag as _urldefrag
from urllib.parse import urljoin as _urljoin

from qmpcontract.location import split_pointer
from qmpcontract.model.contract import Contract
from qmpcontract.model.schema_registry import contract_uri, schema_document


@dataclass(frozen=True)
class Scalar:
    """A JSON scalar (or an untyped object/array) of one or more JSON types."""

    types: frozenset[str]  # "string", "integer", "number", "boolean", "null", "object", "array"
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Enum:
    """A string from a set, each value with its status."""

    values: Mapping[str, str]  # value -> status ("stable", "deprecated", "unstable", ...)
    name: str | None = field(default=None, compare=False)  # the type's name: not ABI


@dataclass(frozen=True)
class Array:
    """A JSON array."""

    items: Shape


@dataclass(frozen=True)
class Field:
    """A member of an object."""

    shape: Shape
    required: bool
    status: str = "stable"
    since: str | None = None


@dataclass(frozen=True)
class Obj:
    """A JSON object: members, whether others are refused, union branches."""

    members: Mapping[str, Field]
    closed: bool
    tag: str | None = None
    variants: Mapping[str, Mapping[str, Field]] = field(default_factory=dict)
    incomplete: bool = False  # the schema lists only part of what is accepted ('gen': false)
    name: str | None = field(default=None, compare=False)  # the type's name: not ABI


@dataclass(frozen=True)
class Alternatives:
    """One of several shapes."""

    options: tuple[Shape, ...]
    name: str | None = field(default=None, compare=False)  # the type's name: not ABI


@dataclass(frozen=True)
class AnyShape:
    """Anything (QAPI's ``any``, or an unconstrained schema)."""


@dataclass(frozen=True)
class Cycle:
    """A reference back to a shape being resolved (recursion)."""

    at: str


Shape = Scalar | Enum | Array | Obj | Alternatives | AnyShape | Cycle


def _status(annotation: object) -> tuple[str, str | None]:
    if not isinstance(annotation, Mapping):
        return "stable", None
    status = annotation.get("status", "stable")
    since = annotation.get("since")
    return (str(status), str(since) if since is not None else None)


@lru_cache(maxsize=1 << 14)
def urljoin(base: str, ref: str) -> str:
    """``urllib.parse.urljoin``, remembered (a schema set has few distinct refs)."""
    return _urljoin(base, ref)


@lru_cache(maxsize=1 << 14)
def urldefrag(uri: str) -> tuple[str, str]:
    """``urllib.parse.urldefrag`` as a plain (url, fragment) pair, remembered."""
    url, fragment = _urldefrag(uri)
    return url, fragment


class Resolver:
    """Resolves ``$ref`` across the contracts of one set (offline, by URI)."""

    def __init__(self, contracts: Sequence[Contract]) -> None:
        self.documents = {contract_uri(c): schema_document(c) for c in contracts}
        # Shapes of schemas whose resolution met no cycle: the same from any stack (a
        # stack entry reachable from such a schema would have closed a cycle in it).
        self._memo: dict[str, Shape] = {}
        self._cycles = 0

    def shape(self, contract: Contract, pointer: str) -> Shape:
        """The shape of the schema at *pointer* in *contract*."""
        return self._resolve(contract_uri(contract) + "#" + pointer, ())

    def _lookup(self, uri: str) -> object:
        base, fragment = urldefrag(uri)
        node: object = self.documents.get(base)
        for token in split_pointer(unquote(fragment)):
            node = node.get(token) if isinstance(node, Mapping) else None
        return node

    def _resolve(self, uri: str, stack: tuple[str, ...]) -> Shape:
        known = self._memo.get(uri)
        if known is not None:
            return known
        if uri in stack:
            self._cycles += 1
            return Cycle(uri.rsplit("#", 1)[-1])
        cycles = self._cycles
        schema = self._lookup(uri)
        base = urldefrag(uri)[0]
        shape = _named(self._build(schema, base, (*stack, uri)), uri)
        if self._cycles == cycles:
            self._memo[uri] = shape
        return shape

    def _build(self, schema: object, base: str, stack: tuple[str, ...]) -> Shape:
        if schema is True or schema is None or schema == {}:
            return AnyShape()
        if not isinstance(schema, Mapping):
            return AnyShape()
        parts: list[Shape] = []
        ref = schema.get("$ref")
        if isinstance(ref, str):
            parts.append(self._resolve(urljoin(base, ref), stack))
        all_of = schema.get("allOf")
        for sub in all_of if isinstance(all_of, list) else []:
            if isinstance(sub, Mapping) and "if" in sub and "then" in sub:
                continue  # union branches, below
            parts.append(self._build(sub, base, stack))
        options = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(options, list) and not _only_required(options):
            parts.append(Alternatives(tuple(self._build(o, base, stack) for o in options)))
        own = self._own(schema, base, stack)
        if own is not None:
            parts.append(own)
        if not parts:
            return AnyShape()
        return _merge(parts)

    def _own(self, schema: Mapping[str, object], base: str, stack: tuple[str, ...]) -> Shape | None:
        if "enum" in schema and isinstance(schema["enum"], list):
            annotation = schema.get("x-qmp")
            values = annotation.get("values", {}) if isinstance(annotation, Mapping) else {}
            return Enum(
                {
                    str(v): _status(values.get(str(v)) if isinstance(values, Mapping) else None)[0]
                    for v in schema["enum"]
                }
            )
        if "const" in schema:
            return Enum({str(schema["const"]): "stable"})
        types = schema.get("type")
        names = (
            {types} if isinstance(types, str) else set(types) if isinstance(types, list) else set()
        )
        if "properties" in schema or "required" in schema or names == {"object"}:
            return self._object(schema, base, stack)
        if names == {"array"} or "items" in schema:
            items = schema.get("items")
            return Array(self._build(items, base, stack) if items is not None else AnyShape())
        if names:
            low, high = schema.get("minimum"), schema.get("maximum")
            return Scalar(
                frozenset(str(n) for n in names),
                float(low) if isinstance(low, int | float) else None,
                float(high) if isinstance(high, int | float) else None,
            )
        return None

    def _fields(
        self, schema: Mapping[str, object], base: str, stack: tuple[str, ...]
    ) -> dict[str, Field]:
        props = schema.get("properties", {})
        listed = schema.get("required")
        required = {str(r) for r in listed} if isinstance(listed, list) else set()
        out = {}
        for name, sub in props.items() if isinstance(props, Mapping) else []:
            annotation = sub.get("x-qmp") if isinstance(sub, Mapping) else None
            status, since = _status(annotation)
            out[str(name)] = Field(self._build(sub, base, stack), name in required, status, since)
        return out

    def _object(self, schema: Mapping[str, object], base: str, stack: tuple[str, ...]) -> Obj:
        members = self._fields(schema, base, stack)
        closed = schema.get("additionalProperties") is False or (
            schema.get("unevaluatedProperties") is False
        )
        tag: str | None = None
        variants: dict[str, Mapping[str, Field]] = {}
        branches = schema.get("allOf")
        for sub in branches if isinstance(branches, list) else []:
            if not (isinstance(sub, Mapping) and "if" in sub and "then" in sub):
                continue
            condition = sub["if"].get("properties", {}) if isinstance(sub["if"], Mapping) else {}
            for name, test in condition.items():
                if isinstance(test, Mapping) and "const" in test:
                    tag = str(name)
                    then = sub["then"]
                    variants[str(test["const"])] = (
                        self._fields(then, base, stack) if isinstance(then, Mapping) else {}
                    )
        annotation = schema.get("x-qmp")
        incomplete = isinstance(annotation, Mapping) and annotation.get("incomplete") is True
        return Obj(members, closed, tag, variants, incomplete)


def _named(shape: Shape, uri: str) -> Shape:
    """*shape* with the name of the type *uri* defines (``#/types/in.BlockdevRef``), if any.

    A name says which QAPI type a reviewer is looking at; shapes still compare by
    structure (the name is not part of equality), since type names are not ABI.
    """
    tokens = split_pointer(unquote(uri.rsplit("#", 1)[-1]))
    if len(tokens) != 2 or tokens[0] != "types":
        return shape
    name = tokens[1].removeprefix("in.").removeprefix("out.")
    if isinstance(shape, Obj | Enum | Alternatives) and shape.name is None:
        return replace(shape, name=name)
    return shape


def _only_required(options: list[object]) -> bool:
    """``oneOf: [{required: [a]}, {required: [b]}]`` constrains presence, not shape."""
    return all(isinstance(o, Mapping) and set(o) <= {"required"} for o in options)


def _merge(parts: list[Shape]) -> Shape:
    """Intersect the shapes of an ``allOf`` (objects merge their members)."""
    concrete = [p for p in parts if not isinstance(p, AnyShape)]
    if not concrete:
        return AnyShape()
    objects = [p for p in concrete if isinstance(p, Obj)]
    if len(objects) > 1 or (objects and len(objects) != len(concrete)):
        members: dict[str, Field] = {}
        variants: dict[str, Mapping[str, Field]] = {}
        tag = None
        closed = False
        for obj in objects:
            members.update(obj.members)
            variants.update(obj.variants)
            tag = tag or obj.tag
            closed = closed or obj.closed
        incomplete = any(o.incomplete for o in objects)
        return Obj(members, closed, tag, variants, incomplete)
    return concrete[0] if len(concrete) == 1 else concrete[-1]
