"""Compiled, producer-version-aware validators for contract schemas.

A contract describes an API across releases: a member added in 2.12 is marked
``"x-qmp": {"since": "2.12"}``.  A QEMU 2.5 reply lacks it, and that is no
violation, so before compiling, every schema of the contract set is adapted to
the transcript's QEMU version: members introduced later (or only declared, or
already removed) are no longer required.  Validators are compiled once per
(contract, schema, version) and cached for the whole run: ``jsonschema-rs``
says whether a message is valid, and ``jsonschema`` explains only the messages
that are not.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urljoin

import jsonschema_rs
import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from qmpcontract.model.caches import IdentityCache
from qmpcontract.model.contract import Contract
from qmpcontract.model.frozen_json import copy_json
from qmpcontract.model.schema_registry import contract_uri, schema_document
from qmpcontract.model.schema_walk import ANNOTATION_KEYWORD, iter_subschemas
from qmpcontract.model.versions import QemuVersion


def member_available(annotation: object, version: QemuVersion | None) -> bool:
    """True unless an ``x-qmp`` annotation says the member is absent in *version*."""
    if version is None or not isinstance(annotation, Mapping):
        return True
    if annotation.get("status") == "declared":
        return False
    since = annotation.get("since")
    if isinstance(since, str) and QemuVersion.parse(since) > version:
        return False
    removed = annotation.get("removed")
    if isinstance(removed, Mapping) and isinstance(removed.get("version"), str):
        return QemuVersion.parse(str(removed["version"])) > version
    return True


_REFERENCED = re.compile(rb'"\$ref":"([^"#]+)')  # a reference to another document
_VERSIONED = re.compile(rb'"(since|removed|declared)"')  # what member_available reads


def _depends_on_version(document: dict[str, object]) -> bool:
    """False when no annotation of *document* can depend on the version (quick, in C)."""
    try:
        return _VERSIONED.search(orjson.dumps(document)) is not None
    except TypeError:  # an integer beyond 64 bits: look at every schema instead
        return True


def adapt(
    document: dict[str, object], version: QemuVersion | None, *, in_place: bool = False
) -> dict[str, object]:
    """A copy of a schema document where members absent in *version* are optional.

    With *in_place*, *document* itself is changed (for a document made for the
    purpose, such as a fresh :func:`schema_document`).
    """
    if version is None or not _depends_on_version(document):
        return document  # nothing in it depends on the version (a QEMU build's own schema)
    adapted = document if in_place else copy.deepcopy(document)
    for schema in _schemas_of(adapted):
        for node in iter_subschemas(schema):
            if "required" in node:
                _adapt_node(node, version)
    return adapted


def _schemas_of(document: Mapping[str, object]) -> list[object]:
    found: list[object] = []
    types = document.get("types")
    if isinstance(types, Mapping):
        found.extend(types.values())
    for section in ("commands", "events"):
        holder = document.get(section)
        if isinstance(holder, Mapping):
            for entry in holder.values():
                if isinstance(entry, Mapping):
                    found.extend(entry.values())
    rules = document.get("rules")
    for rule in rules if isinstance(rules, list) else []:
        params = rule.get("check", {}).get("params", {}) if isinstance(rule, Mapping) else {}
        found.extend(params.values())
    return found


def _adapt_node(node: Mapping[str, object], version: QemuVersion) -> None:
    properties = node.get("properties")
    required = node.get("required")
    if not isinstance(properties, Mapping) or not isinstance(required, list):
        return
    absent = {
        name
        for name, schema in properties.items()
        if isinstance(schema, Mapping)
        and not member_available(schema.get(ANNOTATION_KEYWORD), version)
    }
    if absent:
        required[:] = [name for name in required if name not in absent]


Check = Callable[[object], bool]


@dataclass(frozen=True)
class SchemaValidator:
    """One compiled schema: a fast yes/no, and ``jsonschema`` to explain a no."""

    validator: Draft202012Validator
    fast: Check | None  # jsonschema-rs; None where it could not compile the schema

    def is_valid(self, instance: object) -> bool:
        """True if *instance* is valid."""
        if self.fast is not None:
            try:
                return self.fast(instance)
            except (ValueError, TypeError, OverflowError):  # a value JSON cannot hold
                pass
        return bool(self.validator.is_valid(instance))


def close_objects(document: dict[str, object]) -> dict[str, object]:
    """*document* (changed in place) with every object that declares members closed.

    An object schema with ``properties`` or branches (``allOf``) and neither
    ``additionalProperties`` nor ``unevaluatedProperties`` gets
    ``unevaluatedProperties: false``, which sees the members its branches
    declare: an instance valid against the result holds no undeclared member.
    """
    for schema in _schemas_of(document):
        for node in iter_subschemas(schema):
            open_object = node.get("type") == "object" and ("properties" in node or "allOf" in node)
            if open_object and not {"additionalProperties", "unevaluatedProperties"} & set(node):
                _close(node)
    return document


def _close(node: dict[str, object]) -> None:
    """Close one object schema, as fast a check as says what it must."""
    branches = node.get("allOf")
    if not _PLAIN.isdisjoint(set(node) - {"allOf"}) or not (
        branches is None or _union_branches(branches)
    ):
        node["unevaluatedProperties"] = False  # members may come from elsewhere
        return
    # A QAPI union: its base members, then one if/then per tag value.  Every member any
    # branch declares is named at the top, so additionalProperties (a fast check) refuses
    # exactly the members no part of the union declares (a member of another branch than
    # the message's own passes here; that branch's schema is checked all the same).
    properties = dict(cast("dict[str, object]", node.get("properties", {})))
    for branch in cast("list[dict[str, dict[str, object]]]", branches or []):
        for name in cast("dict[str, object]", branch["then"].get("properties", {})):
            properties.setdefault(name, True)
    node["properties"] = properties
    node["additionalProperties"] = False


def _union_branches(branches: object) -> bool:
    """True for ``allOf`` branches as to_contract writes a union: only ``if``/``then``."""
    return isinstance(branches, list) and all(
        isinstance(b, dict)
        and set(b) == {"if", "then"}
        and isinstance(b["then"], dict)
        and _PLAIN.isdisjoint(b["then"])
        for b in branches
    )


# Keywords that can declare members outside 'properties'; without them, additionalProperties
# (checked on its own, fast) says what unevaluatedProperties says.
_PLAIN = frozenset({"allOf", "anyOf", "oneOf", "if", "$ref", "dependentSchemas", "not"})


def closed_uri(contract: Contract) -> str:
    """The URI of *contract*'s schemas with every object closed (:func:`close_objects`)."""
    return contract_uri(contract).removesuffix(".json") + ".closed.json"


_ADAPTED: IdentityCache[Resource[Any]] = IdentityCache(size=32)
"""Adapted contract documents, kept for the next transcripts of a run."""


def _adapted(
    contract: Contract, version: QemuVersion | None, closed: bool = False
) -> Resource[Any]:
    """The schema document of *contract* adapted to *version*, as a resource (cached)."""

    def make() -> Resource[Any]:
        if closed:  # the adapted document, copied and closed
            opened = _adapted(contract, version).contents
            document = close_objects(cast("dict[str, object]", copy_json(opened)))
        else:
            document = adapt(schema_document(contract), version, in_place=True)  # a fresh one
        return Resource.from_contents(document, DRAFT202012)

    return _ADAPTED.get((contract,), (version, closed), make)


class Validators:
    """Validators for the schemas of one contract set, at one producer version.

    The schemas of the *applied* contracts are adapted to the version at once;
    those of the other contracts of the set only when a schema refers to them.
    Any URI outside the set is refused.
    """

    def __init__(
        self,
        contracts: Sequence[Contract],
        version: QemuVersion | None,
        applied: Sequence[Contract] = (),
    ) -> None:
        self.version = version
        self._contracts = {contract_uri(c): c for c in contracts}
        self._closed = {closed_uri(c): c for c in (*contracts, *applied)}
        # referencing declares the field as "_retrieve" with the alias "retrieve".
        registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        # The contracts applied are adapted at once, and crawled once; the rest on demand.
        resources = [(contract_uri(c), _adapted(c, version)) for c in applied]
        self.registry = registry.with_resources(resources).crawl()
        self._fast_registries: dict[str, Any] = {}  # document URI: its jsonschema-rs registry
        self._cache: dict[tuple[str, str, bool], SchemaValidator] = {}

    def _retrieve(self, uri: str) -> Resource[Any]:
        contract = self._contracts.get(uri)
        if contract is not None:
            return _adapted(contract, self.version)
        contract = self._closed.get(uri)
        if contract is not None:
            return _adapted(contract, self.version, closed=True)
        raise NoSuchResource(uri)

    def _with_references(self, document: str) -> list[tuple[str, Any]]:
        """*document* and every document it refers to, directly or not, with their contents."""
        found: dict[str, Any] = {}
        pending = [document]
        while pending:
            uri = pending.pop()
            if uri in found:
                continue
            contents = found[uri] = self._retrieve(uri).contents
            try:
                text = orjson.dumps(contents)
            except TypeError:  # an integer beyond 64 bits: no reference is hidden in it
                text = b""
            pending.extend(urljoin(uri, ref.decode()) for ref in _REFERENCED.findall(text))
        return list(found.items())

    def _fast(self, document: str, pointer: str) -> Check | None:
        """The jsonschema-rs check of the schema at *pointer* of *document*, or None.

        Each document gets one registry, holding it and every document it refers
        to (jsonschema-rs fetches those while it builds the registry).
        """
        try:
            registry = self._fast_registries.get(document)
            if registry is None:
                registry = self._fast_registries[document] = jsonschema_rs.Registry(
                    self._with_references(document)
                )
            check: Check = jsonschema_rs.validator_for(
                {"$ref": f"{document}#{pointer}"}, registry=registry
            ).is_valid
        except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError):
            return None  # jsonschema decides (and explains) alone
        return check

    def for_pointer(
        self, contract: Contract, pointer: str, *, closed: bool = False
    ) -> SchemaValidator:
        """The validator of the schema at *pointer* in *contract* (compiled once).

        *closed*: of the schema with every object closed (:func:`close_objects`).
        """
        key = (contract.ref, pointer, closed)
        validator = self._cache.get(key)
        if validator is None:
            document = closed_uri(contract) if closed else contract_uri(contract)
            fast = self._fast(document, pointer)
            full = Draft202012Validator({"$ref": f"{document}#{pointer}"}, registry=self.registry)
            validator = self._cache[key] = SchemaValidator(full, fast)
        return validator


def first_error(validator: SchemaValidator, instance: object) -> ValidationError | None:
    """The most relevant validation error, or None if *instance* is valid."""
    if validator.is_valid(instance):
        return None
    error: ValidationError | None = best_match(validator.validator.iter_errors(instance))
    return error
