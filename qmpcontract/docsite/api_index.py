"""A compact index of QEMU releases' QMP API: names and shapes, for the compatibility matrix.

For each release: every command with its argument members (and whether each is
required) and the members of what it returns, and every event with its data
members.  Built by our own importer from introspection (``qmpcontract
api-index``), committed under ``docs/data/`` so the site builds without the
corpus it came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qmpcontract.diff.shapes import Array, Obj, Resolver, Shape
from qmpcontract.location import join_pointer
from qmpcontract.model.contract import Contract

FORMAT = "qmpcontract-api-index"


def _members(shape: Shape) -> dict[str, bool]:
    if isinstance(shape, Array):
        shape = shape.items
    if not isinstance(shape, Obj):
        return {}
    members = {name: f.required for name, f in shape.members.items()}
    for branch in shape.variants.values():
        for name in branch:
            members.setdefault(name, False)
    return members


def release_entry(contract: Contract, source: str) -> dict[str, Any]:
    """The index entry of one snapshot contract (one QEMU build)."""
    resolver = Resolver([contract])
    commands = {}
    for command in contract.commands:
        arguments = resolver.shape(contract, join_pointer(command.pointer, "arguments"))
        returns = resolver.shape(contract, join_pointer(command.pointer, "returns"))
        commands[command.name] = {
            "arguments": _members(arguments),
            "returns": sorted(_members(returns)),
        }
    events = {
        event.name: {
            "data": _members(resolver.shape(contract, join_pointer(event.pointer, "data")))
        }
        for event in contract.events
    }
    versions = contract.producer.versions
    return {
        "version": str(versions.since) if versions and versions.since else "",
        "source": source,
        "commands": commands,
        "events": events,
    }


def build_index(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The index document."""
    return {"format": FORMAT, "version": 1, "releases": list(entries)}
