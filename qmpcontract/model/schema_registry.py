"""Resolve the ``$ref`` of contract schemas offline, through one registry.

Each contract is published at a fixed, never-fetched URI,
``file:///qmpcontract/<id>/<version>.json``, so the relative references the
format allows (``#/types/X`` and ``../jobs/1.0.0.json#/types/X``) resolve by
plain URI joining.  The registry holds exactly the contracts of one set; any
other URI is unresolvable, so validation can never touch the network or the
file system.

>>> from qmpcontract.contract import load_contracts
>>> contracts = load_contracts()
>>> validator = validator_for(contracts, contracts.latest("jobs"), "/events/JOB_STATUS_CHANGE/data")
>>> validator.is_valid({"id": "job0", "status": "running"})
True
>>> validator.is_valid({"id": "job0", "status": "sleeping"})
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from qmpcontract.model.check_kinds import CHECK_KINDS
from qmpcontract.model.contract import Contract
from qmpcontract.model.frozen_json import thaw

BASE_URI = "file:///qmpcontract/"


def contract_uri(contract: Contract) -> str:
    """The URI a contract's schemas are resolved against."""
    return f"{BASE_URI}{contract.id}/{contract.version}.json"


def schema_document(contract: Contract) -> dict[str, object]:
    """The parts of a contract that schemas may reference, as plain JSON.

    Pointers into it are the same as pointers into the contract file.
    """
    rules = []
    for rule in contract.rules:
        kind = CHECK_KINDS.get(rule.check.kind) if rule.check else None
        params = thaw(rule.check.params) if rule.check else {}
        schemas = {
            name: params[name]
            for name in (kind.schema_params if kind else ())
            if isinstance(params, dict) and name in params
        }
        rules.append({"check": {"params": schemas}})
    return {
        "rules": rules,
        "types": thaw(contract.types) or {},
        "commands": {
            c.name: {
                k: thaw(v)
                for k, v in (("arguments", c.arguments), ("returns", c.returns))
                if v is not None  # {} (QAPI 'any') is a schema too
            }
            for c in contract.commands
        },
        "events": {e.name: {"data": thaw(e.data)} for e in contract.events if e.data is not None},
    }


Schema = bool | Mapping[str, Any]


def _refuse(uri: str) -> Resource[Schema]:
    raise NoSuchResource(uri)


def build_registry(contracts: Iterable[Contract]) -> Registry[Schema]:
    """A registry of the given contracts that refuses every other URI."""
    return registry_of((contract_uri(c), schema_document(c)) for c in contracts)


def registry_of(documents: Iterable[tuple[str, Mapping[str, object]]]) -> Registry[Schema]:
    """A registry of the given (URI, schema document) pairs, refusing every other URI."""
    resources: list[tuple[str, Resource[Schema]]] = [
        (uri, Resource.from_contents(document, DRAFT202012)) for uri, document in documents
    ]
    # referencing declares the field as "_retrieve" with the alias "retrieve" (an attrs alias
    # mypy does not see).
    registry: Registry[Schema] = Registry(retrieve=_refuse)  # type: ignore[call-arg]
    return registry.with_resources(resources)


def validator_for(
    contracts: Iterable[Contract], contract: Contract, pointer: str
) -> Draft202012Validator:
    """A validator for the schema at *pointer* in *contract* (e.g. an event's data)."""
    registry = build_registry(contracts)
    return Draft202012Validator({"$ref": contract_uri(contract) + "#" + pointer}, registry=registry)
