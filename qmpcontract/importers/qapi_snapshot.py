"""The checked entities of a QAPI schema as an ApiSnapshot (the wire, not the source).

Objects list all their members, base members first (as introspection does);
a union's ``variants`` map every value of its tag enum to a branch type
(``q_empty`` for values the union leaves out); an alternate has one member
per branch; a boxed command's arguments are its data type.  Conditions are
kept as QAPI writes them (a symbol, or ``{'all'|'any': [...]}``/``{'not': ...}``),
features by name.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from qmpcontract.importers import qapi_entities as ent
from qmpcontract.model import qemu_api as api
from qmpcontract.model.versions import QemuVersion
from qmpcontract.read.qapi import QapiSource


def to_snapshot(
    entities: Mapping[str, ent.Entity], source: QapiSource, version: QemuVersion | None
) -> api.ApiSnapshot:
    """The snapshot of checked *entities* read from *source*."""
    commands: dict[str, api.Command] = {}
    events: dict[str, api.Event] = {}
    types: dict[str, api.ApiType] = {}
    places: dict[str, tuple[str, int]] = {}
    for entity in entities.values():
        if isinstance(entity, ent.Command | ent.Event) and entity.info is not None:
            kind = "command" if isinstance(entity, ent.Command) else "event"
            places[f"{kind} {entity.name}"] = (entity.info.file, entity.info.line or 0)
        features = _names(entity.features)
        condition = copy.deepcopy(entity.ifcond)
        if isinstance(entity, ent.Command):
            flags = entity.flags
            commands[entity.name] = api.Command(
                entity.name,
                entity.arg_type.name if entity.arg_type is not None else None,
                entity.ret_type.name if entity.ret_type is not None else None,
                features,
                condition,
                allow_oob=flags["allow-oob"],
                allow_preconfig=flags["allow-preconfig"],
                boxed=entity.boxed,
                gen=flags["gen"],
                success_response=flags["success-response"],
                coroutine=flags["coroutine"],
            )
        elif isinstance(entity, ent.Event):
            data = entity.arg_type.name if entity.arg_type is not None else None
            events[entity.name] = api.Event(entity.name, data, features, condition, entity.boxed)
        elif isinstance(entity, ent.Type):
            types[entity.name] = _type(entity, features)
    notes: tuple[str, ...] = (f"QAPI dialect: {source.dialect.value}", f"{len(source.files)} files")
    notes += tuple(f"include file not in the tree, left out: {name}" for name in source.skipped)
    return api.ApiSnapshot(commands, events, types, version, source.root, notes, places)


def _names(features: list[ent.Member]) -> tuple[str, ...]:
    return tuple(feature.name for feature in features)


def _member(member: ent.Member) -> api.Member:
    assert member.type is not None
    return api.Member(
        member.name,
        member.type.name,
        member.optional,
        _names(member.features),
        copy.deepcopy(member.ifcond),
    )


def _type(entity: ent.Type, features: tuple[str, ...]) -> api.ApiType:
    if isinstance(entity, ent.Builtin):
        return api.BuiltinType(entity.name, entity.json_type, entity.minimum, entity.maximum)
    if isinstance(entity, ent.Enum):
        values = tuple(
            api.EnumValue(v.name, _names(v.features), copy.deepcopy(v.ifcond))
            for v in entity.values
        )
        return api.EnumType(entity.name, values, features)
    if isinstance(entity, ent.Array):
        assert entity.element is not None
        return api.ArrayType(entity.name, entity.element.name)
    if isinstance(entity, ent.Alternate):
        return api.AlternateType(entity.name, tuple(_member(b) for b in entity.branches))
    assert isinstance(entity, ent.Object)
    assert entity.members is not None
    variants = None
    if entity.branches is not None and entity.branches.tag_name is not None:
        branches = {}
        for branch in entity.branches.branches:
            assert branch.type is not None
            branches[branch.name] = branch.type.name
        variants = api.Variants(entity.branches.tag_name, branches)
    return api.ObjectType(
        entity.name, tuple(_member(m) for m in entity.members), variants, features
    )
