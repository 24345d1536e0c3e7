"""Hypothesis strategies for JSON values that a contract schema accepts.

Contract schemas use a small part of JSON Schema (Draft 2020-12): ``type``,
``properties``/``required``/``additionalProperties``/``unevaluatedProperties``,
``enum``, ``const``, ``items``, ``minimum``/``maximum``, string lengths and
patterns, ``anyOf``/``oneOf`` (QAPI alternates), ``allOf`` of ``if``/``then``
branches (QAPI unions, keyed by a discriminator ``const``), ``not`` and local
``$ref`` (``#/types/...``).  :class:`ValueStrategies` builds a strategy for
each, directly from the schema: no general-purpose JSON Schema generator, and
no rejection sampling except for ``not`` and ``oneOf`` exclusivity.

The ``x-qmp`` annotations steer what is generated: a :class:`MemberPolicy`
decides which members and enum values may appear (a client sends neither
deprecated ones nor ones its QEMU does not have yet; QEMU sends nothing it
does not have).  Recursion through ``$ref`` is bounded by ``max_depth``: below
it, optional members are left out and arrays are empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin

from hypothesis import strategies as st

from qmpcontract.generate.schema_parts import (
    HANDLED,
    IGNORED,
    TEXT,
    Json,
    MemberPolicy,
    UnsupportedSchema,
    any_json,
    as_dict,
    escape,
    number_values,
    selects,
    string_values,
)
from qmpcontract.location import resolve_pointer
from qmpcontract.model.schema_walk import ANNOTATION_KEYWORD

__all__ = ["Json", "MemberPolicy", "UnsupportedSchema", "ValueStrategies", "any_json"]


class ValueStrategies:
    """Strategies for the schemas of a set of schema documents (a contract set's).

    *documents* maps each document's URI to its content; ``$ref`` is resolved
    by joining URIs, like the checker's registry.  *is_valid* tells whether a
    value is valid for the schema at a URI with a fragment (``uri#/pointer``);
    it is needed only for ``not`` and ``oneOf``.
    """

    def __init__(
        self,
        documents: Mapping[str, Mapping[str, Any]],
        policy: MemberPolicy | None = None,
        max_depth: int = 4,
        is_valid: Callable[[Json, str], bool] | None = None,
    ) -> None:
        self.documents = documents
        self.policy = policy or MemberPolicy()
        self.max_depth = max_depth
        self._is_valid = is_valid
        self._refs: dict[tuple[str, int], st.SearchStrategy[Json]] = {}
        self._outer: dict[str, Mapping[str, Any]] = {}  # object schemas with branches

    def for_pointer(self, uri: str, pointer: str) -> st.SearchStrategy[Json]:
        """The strategy for the schema at *pointer* in the document at *uri*."""
        where = f"{uri}#{pointer}"
        return self.strategy(self._resolve(where), 0, where)

    def resolve(self, where: str) -> tuple[Any, str]:
        """The schema at *where* (``uri#pointer``), following ``$ref``, and where it is."""
        schema = self._resolve(where)
        while isinstance(schema, Mapping) and "$ref" in schema:
            where = urljoin(where.partition("#")[0], str(schema["$ref"]))
            if "#" not in where:
                where += "#"
            schema = self._resolve(where)
        return schema, where

    def _resolve(self, where: str) -> Any:
        uri, _, pointer = where.partition("#")
        document = self.documents.get(uri)
        if document is None:
            raise UnsupportedSchema(f"$ref to an unknown document: {where}")
        found, node = resolve_pointer(document, pointer)
        if not found:
            raise UnsupportedSchema(f"$ref to nowhere: {where}")
        return node

    def strategy(self, schema: Any, depth: int, where: str) -> st.SearchStrategy[Json]:
        """The strategy for *schema*, found at *where* (``uri#pointer``), at *depth*."""
        if schema is True:
            return any_json(2)
        if schema is False:
            return st.nothing()
        if not isinstance(schema, Mapping):
            raise UnsupportedSchema(f"{where}: not a schema: {schema!r}")
        unknown = set(schema) - HANDLED - IGNORED
        if unknown:
            raise UnsupportedSchema(
                f"{where}: unsupported keyword(s): {', '.join(sorted(unknown))}"
            )
        if "$ref" in schema:
            return self._ref(schema, depth, where)
        if "not" in schema:
            rest = {k: v for k, v in schema.items() if k != "not"}
            excluded = f"{where}/not"
            return self.strategy(rest, depth, where).filter(lambda v: not self._valid(v, excluded))
        conjunction = schema.get("allOf")
        if isinstance(conjunction, list) and not any(
            isinstance(b, Mapping) and "if" in b for b in conjunction
        ):
            return self._conjunction(schema, conjunction, depth, where)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return self._enum(schema)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return self._alternatives(schema, keyword, depth, where)
        return self._typed(schema, depth, where)

    def _conjunction(
        self, schema: Mapping[str, Any], parts: list[Any], depth: int, where: str
    ) -> st.SearchStrategy[Json]:
        """``allOf`` used to combine schemas (not union branches): one part, or filtered."""
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        if len(parts) == 1:
            return self.strategy({**rest, **as_dict(parts[0])}, depth, f"{where}/allOf/0")
        first = self.strategy({**rest, **as_dict(parts[0])}, depth, f"{where}/allOf/0")
        others = [f"{where}/allOf/{i}" for i in range(1, len(parts))]
        return first.filter(lambda v: all(self._valid(v, p) for p in others))

    def _valid(self, value: Json, where: str) -> bool:
        if self._is_valid is None:
            raise UnsupportedSchema(f"{where}: 'not' and 'oneOf' need a validator")
        return self._is_valid(value, where)

    def _ref(self, schema: Mapping[str, Any], depth: int, where: str) -> st.SearchStrategy[Json]:
        target = schema["$ref"]
        if not isinstance(target, str):
            raise UnsupportedSchema(f"{where}: $ref is not a string")
        resolved = urljoin(where.partition("#")[0], target)
        if "#" not in resolved:
            resolved += "#"
        key = (resolved, min(depth, self.max_depth))
        if key not in self._refs:
            # Deferred, so that recursive types (a union containing itself) work.
            self._refs[key] = st.deferred(
                lambda: self.strategy(self._resolve(resolved), depth + 1, resolved)
            )
        return self._refs[key]

    def _enum(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Json]:
        annotation = schema.get(ANNOTATION_KEYWORD)
        per_value = annotation.get("values", {}) if isinstance(annotation, Mapping) else {}
        values = [
            v
            for v in schema["enum"]
            if not isinstance(v, str) or self.policy.allowed(per_value.get(v))
        ]
        return st.sampled_from(values) if values else st.nothing()

    def _alternatives(
        self, schema: Mapping[str, Any], keyword: str, depth: int, where: str
    ) -> st.SearchStrategy[Json]:
        rest = {k: v for k, v in schema.items() if k != keyword}
        options = schema[keyword]
        branches = [
            self.strategy({**rest, **as_dict(b)}, depth, f"{where}/{keyword}/{i}")
            for i, b in enumerate(options)
        ]
        combined = st.one_of(branches)
        if keyword == "oneOf":
            places = [f"{where}/oneOf/{i}" for i in range(len(options))]
            return combined.filter(lambda v: sum(self._valid(v, p) for p in places) == 1)
        return combined

    def _typed(self, schema: Mapping[str, Any], depth: int, where: str) -> st.SearchStrategy[Json]:
        kinds = schema.get("type")
        if kinds is None:
            kinds = "object" if "properties" in schema or "allOf" in schema else None
        if kinds is None:
            return any_json(2)
        if isinstance(kinds, list):
            return st.one_of([self._typed({**schema, "type": k}, depth, where) for k in kinds])
        if kinds == "object":
            return self._object(schema, depth, where)
        if kinds == "array":
            items = schema.get("items", True)
            low = int(schema.get("minItems", 0))
            high = int(schema.get("maxItems", low + (3 if depth < self.max_depth else 0)))
            inner = self.strategy(items, depth + 1, f"{where}/items")
            return st.lists(inner, min_size=low, max_size=high)
        if kinds == "string":
            return string_values(schema)
        if kinds in ("integer", "number"):
            return number_values(schema, kinds)
        if kinds == "boolean":
            return st.booleans()
        if kinds == "null":
            return st.none()
        raise UnsupportedSchema(f"{where}: unknown type {kinds!r}")

    def _members(
        self, schema: Mapping[str, Any], depth: int, where: str
    ) -> tuple[dict[str, st.SearchStrategy[Json]], dict[str, st.SearchStrategy[Json]]]:
        required = set(schema.get("required", ()))
        properties = schema.get("properties", {})
        must: dict[str, st.SearchStrategy[Json]] = {}
        may: dict[str, st.SearchStrategy[Json]] = {}
        for name, sub in properties.items():
            annotation = sub.get(ANNOTATION_KEYWORD) if isinstance(sub, Mapping) else None
            at = f"{where}/properties/{escape(name)}"
            if sub is False:
                continue
            if name in required:
                must[name] = self.strategy(sub, depth + 1, at)
            elif depth < self.max_depth and self.policy.allowed(annotation):
                may[name] = self.strategy(sub, depth + 1, at)
        return must, may

    def _object(self, schema: Mapping[str, Any], depth: int, where: str) -> st.SearchStrategy[Json]:
        must, may = self._members(schema, depth, where)
        extra = schema.get("additionalProperties")
        base: st.SearchStrategy[dict[str, Json]] = st.fixed_dictionaries(must, optional=may)
        if isinstance(extra, Mapping) and not schema.get("properties"):
            # A map (QAPI has none, but contracts may): string keys to values.
            inner = self.strategy(extra, depth + 1, f"{where}/additionalProperties")
            base = st.dictionaries(TEXT, inner, max_size=3)
        branches = [
            (b, f"{where}/allOf/{i}")
            for i, b in enumerate(schema.get("allOf", ()))
            if isinstance(b, Mapping)
        ]
        if "if" in schema:
            conditional = {k: schema[k] for k in ("if", "then", "else") if k in schema}
            branches.append((conditional, where))
        if not branches:
            return base
        self._outer[where] = schema
        return base.flatmap(lambda value: self._with_branches(value, branches, depth))

    def _with_branches(
        self,
        value: dict[str, Json],
        branches: list[tuple[Mapping[str, Any], str]],
        depth: int,
    ) -> st.SearchStrategy[dict[str, Json]]:
        """*value* with the members of every branch it selects (``if``/``then``/``else``)."""
        result: st.SearchStrategy[dict[str, Json]] = st.just(value)
        for branch, where in branches:
            result = result.flatmap(self._extender(branch, depth, where))
        return result

    def _extender(
        self, branch: Mapping[str, Any], depth: int, where: str
    ) -> Callable[[dict[str, Json]], st.SearchStrategy[dict[str, Json]]]:
        return lambda value: self._extend(value, branch, depth, where)

    def _extend(
        self, value: dict[str, Json], branch: Mapping[str, Any], depth: int, where: str
    ) -> st.SearchStrategy[dict[str, Json]]:
        chosen: Any = branch
        if "if" in branch:
            key = "then" if selects(branch["if"], value) else "else"
            chosen, where = branch.get(key), f"{where}/{key}"
        while isinstance(chosen, Mapping) and "$ref" in chosen:
            where = urljoin(where.partition("#")[0], str(chosen["$ref"]))
            chosen = self._resolve(where)
        if not isinstance(chosen, Mapping):
            return st.just(value)
        excluded = chosen.get("not")
        if isinstance(excluded, Mapping) and set(excluded) == {"required"}:
            # 'else': {'not': {'required': [...]}}: those members must be absent.
            value = {k: v for k, v in value.items() if k not in excluded["required"]}
        must, may = self._members(chosen, depth, where)
        outer = self._outer.get(where.rsplit("/", 1)[0], {})
        for name in chosen.get("required", ()):
            if name not in must and name in outer.get("properties", {}):
                at = f"{where.rsplit('/', 1)[0]}/properties/{escape(name)}"
                must[name] = self.strategy(outer["properties"][name], depth + 1, at)
        must = {k: s for k, s in must.items() if k not in value}
        may = {k: s for k, s in may.items() if k not in value}
        extended = st.fixed_dictionaries(must, optional=may).map(lambda e: {**value, **e})
        nested = [
            (b, f"{where}/allOf/{i}")
            for i, b in enumerate(chosen.get("allOf", ()))
            if isinstance(b, Mapping)
        ]
        if nested:
            return extended.flatmap(lambda v: self._with_branches(v, nested, depth))
        return extended
