"""An ApiSnapshot as plain JSON entities, and back: the form release data is stored in.

Each command, event and type is one small JSON object (an *entity*), written
the same way whichever importer made it, so that an entity two releases share
is stored once::

    {"command": "block-stream", "arguments": "q_obj_block-stream-arg", "features": [...]}
    {"event": "BLOCK_JOB_READY", "data": "q_obj_BLOCK_JOB_READY-arg"}
    {"object": "BlockJobInfo", "members": [{"name": "type", "type": "JobType"}, ...],
     "tag": "...", "variants": {"case": "type id"}}
    {"enum": "JobStatus", "values": ["undefined", {"name": "x", "features": [...]}]}
    {"array": "[BlockJobInfo]", "element": "BlockJobInfo"}
    {"alternate": "BlockdevRef", "members": [...]}
    {"builtin": "uint64", "json-type": "integer", "minimum": 0, "maximum": 18446744073709551615}

Optional keys are left out when they hold their default.  Introspection masks
type names (``"123"``), which differ from one build to the next;
:func:`stable_names` renames them after the place they are first used
(``@block-stream/arguments``), so an unchanged type keeps its name, and its
entity, from one release to the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from qmpcontract.model.qemu_api import (
    AlternateType,
    ApiSnapshot,
    ApiType,
    ArrayType,
    BuiltinType,
    Command,
    EnumType,
    EnumValue,
    Event,
    Member,
    ObjectType,
    Variants,
)
from qmpcontract.model.versions import QemuVersion

Entity = dict[str, Any]
PATH_PREFIX = "@"  # a type named after its first use; never a QAPI or introspection name

_COMMAND_FLAGS = (  # (entity key, attribute, default)
    ("allow-oob", "allow_oob", False),
    ("allow-preconfig", "allow_preconfig", False),
    ("boxed", "boxed", False),
    ("gen", "gen", True),
    ("success-response", "success_response", True),
    ("coroutine", "coroutine", False),
)


def _common(entity: Entity, features: tuple[str, ...], condition: object) -> Entity:
    if features:
        entity["features"] = list(features)
    if condition is not None:
        entity["if"] = condition
    return entity


def _member(member: Member) -> Entity:
    out: Entity = {"name": member.name, "type": member.type}
    if member.optional:
        out["optional"] = True
    return _common(out, member.features, member.condition)


def _value(value: EnumValue) -> str | Entity:
    if not value.features and value.condition is None:
        return value.name
    return _common({"name": value.name}, value.features, value.condition)


def encode_type(api_type: ApiType) -> Entity:
    """The entity of one type."""
    if isinstance(api_type, ObjectType):
        out: Entity = {"object": api_type.id, "members": [_member(m) for m in api_type.members]}
        if api_type.variants is not None:
            out["tag"] = api_type.variants.tag
            out["variants"] = dict(sorted(api_type.variants.branches.items()))
        return _common(out, api_type.features, None)
    if isinstance(api_type, EnumType):
        values = [_value(v) for v in api_type.values]
        return _common({"enum": api_type.id, "values": values}, api_type.features, None)
    if isinstance(api_type, ArrayType):
        return {"array": api_type.id, "element": api_type.element}
    if isinstance(api_type, AlternateType):
        return {"alternate": api_type.id, "members": [_member(m) for m in api_type.members]}
    out = {"builtin": api_type.id, "json-type": api_type.json_type}
    if api_type.minimum is not None:
        out["minimum"] = api_type.minimum
    if api_type.maximum is not None:
        out["maximum"] = api_type.maximum
    return out


def encode_command(command: Command) -> Entity:
    """The entity of one command."""
    out: Entity = {"command": command.name}
    if command.arguments is not None:
        out["arguments"] = command.arguments
    if command.returns is not None:
        out["returns"] = command.returns
    for key, attribute, default in _COMMAND_FLAGS:
        if getattr(command, attribute) != default:
            out[key] = getattr(command, attribute)
    return _common(out, command.features, command.condition)


def encode_event(event: Event) -> Entity:
    """The entity of one event."""
    out: Entity = {"event": event.name}
    if event.data is not None:
        out["data"] = event.data
    if event.boxed:
        out["boxed"] = True
    return _common(out, event.features, event.condition)


def encode(snapshot: ApiSnapshot) -> list[Entity]:
    """Every entity of *snapshot*: commands, events, then types, each sorted by name."""
    return [
        *(encode_command(snapshot.commands[n]) for n in sorted(snapshot.commands)),
        *(encode_event(snapshot.events[n]) for n in sorted(snapshot.events)),
        *(encode_type(snapshot.types[n]) for n in sorted(snapshot.types)),
    ]


def _features(entity: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(entity.get("features", ()))


def _decode_member(entity: Mapping[str, Any]) -> Member:
    return Member(
        entity["name"],
        entity["type"],
        bool(entity.get("optional", False)),
        _features(entity),
        entity.get("if"),
    )


def _decode_value(entity: str | Mapping[str, Any]) -> EnumValue:
    if isinstance(entity, str):
        return EnumValue(entity)
    return EnumValue(entity["name"], _features(entity), entity.get("if"))


def decode_type(entity: Mapping[str, Any]) -> ApiType:
    """The type an entity describes.

    :raise KeyError, TypeError, ValueError: if *entity* is not a type entity.
    """
    if "object" in entity:
        variants = None
        if "tag" in entity:
            variants = Variants(entity["tag"], dict(entity["variants"]))
        members = tuple(_decode_member(m) for m in entity["members"])
        return ObjectType(entity["object"], members, variants, _features(entity))
    if "enum" in entity:
        values = tuple(_decode_value(v) for v in entity["values"])
        return EnumType(entity["enum"], values, _features(entity))
    if "array" in entity:
        return ArrayType(entity["array"], entity["element"])
    if "alternate" in entity:
        return AlternateType(
            entity["alternate"], tuple(_decode_member(m) for m in entity["members"])
        )
    if "builtin" in entity:
        return BuiltinType(
            entity["builtin"], entity["json-type"], entity.get("minimum"), entity.get("maximum")
        )
    raise ValueError(f"not a type entity: {sorted(entity)}")


def decode(
    entities: Iterable[Mapping[str, Any]], version: QemuVersion | None = None, source: str = ""
) -> ApiSnapshot:
    """The snapshot made of *entities* (the inverse of :func:`encode`).

    :raise KeyError, TypeError, ValueError: if an entity is malformed.
    """
    commands: dict[str, Command] = {}
    events: dict[str, Event] = {}
    types: dict[str, ApiType] = {}
    for entity in entities:
        if "command" in entity:
            flags = {a: entity.get(k, d) for k, a, d in _COMMAND_FLAGS}
            commands[entity["command"]] = Command(
                entity["command"],
                entity.get("arguments"),
                entity.get("returns"),
                _features(entity),
                entity.get("if"),
                **flags,
            )
        elif "event" in entity:
            events[entity["event"]] = Event(
                entity["event"],
                entity.get("data"),
                _features(entity),
                entity.get("if"),
                bool(entity.get("boxed", False)),
            )
        else:
            api_type = decode_type(entity)
            types[api_type.id] = api_type
    return ApiSnapshot(commands, events, types, version, source)


def _references(api_type: ApiType) -> list[tuple[str, str]]:
    """``(path step, type id)`` of every type *api_type* refers to, in order."""
    if isinstance(api_type, ObjectType):
        found = [(m.name, m.type) for m in api_type.members]
        if api_type.variants is not None:
            found += sorted(api_type.variants.branches.items())
        return found
    if isinstance(api_type, ArrayType):
        return [("items", api_type.element)]
    if isinstance(api_type, AlternateType):
        return [(str(i), m.type) for i, m in enumerate(api_type.members)]
    return []


def stable_names(snapshot: ApiSnapshot) -> ApiSnapshot:
    """*snapshot* with every non-builtin type renamed after its first use.

    Uses are visited commands first (arguments, then returns), then events,
    each sorted by name, depth first; a type is named ``@`` plus the path of
    its first use (``@query-block-jobs/returns/items``).  Builtins keep their
    names.  Types nothing uses are dropped: no client can meet them.
    """
    names: dict[str, str] = {}

    def visit(type_id: str | None, path: str) -> None:
        if type_id is None or type_id in names:
            return
        api_type = snapshot.types[type_id]
        if isinstance(api_type, BuiltinType):
            names[type_id] = type_id
            return
        names[type_id] = PATH_PREFIX + path
        for step, child in _references(api_type):
            visit(child, f"{path}/{step}")

    for name in sorted(snapshot.commands):
        visit(snapshot.commands[name].arguments, f"{name}/arguments")
        visit(snapshot.commands[name].returns, f"{name}/returns")
    for name in sorted(snapshot.events):
        visit(snapshot.events[name].data, f"{name}/data")
    return _renamed(snapshot, names)


def _renamed(snapshot: ApiSnapshot, names: Mapping[str, str]) -> ApiSnapshot:
    def new(type_id: str | None) -> str | None:
        return None if type_id is None else names[type_id]

    def members(items: tuple[Member, ...]) -> tuple[Member, ...]:
        return tuple(replace(m, type=names[m.type]) for m in items)

    types: dict[str, ApiType] = {}
    for old, name in names.items():
        api_type = snapshot.types[old]
        if isinstance(api_type, ObjectType):
            variants = api_type.variants
            if variants is not None:
                branches = {case: names[t] for case, t in variants.branches.items()}
                variants = Variants(variants.tag, branches)
            api_type = replace(
                api_type, id=name, members=members(api_type.members), variants=variants
            )
        elif isinstance(api_type, ArrayType):
            api_type = replace(api_type, id=name, element=names[api_type.element])
        elif isinstance(api_type, AlternateType):
            api_type = replace(api_type, id=name, members=members(api_type.members))
        else:
            api_type = replace(api_type, id=name)
        types[name] = api_type
    commands = {
        n: replace(c, arguments=new(c.arguments), returns=new(c.returns))
        for n, c in snapshot.commands.items()
    }
    events = {n: replace(e, data=new(e.data)) for n, e in snapshot.events.items()}
    return replace(snapshot, commands=commands, events=events, types=types)
