"""Import a ``query-qmp-schema`` reply (QEMU's introspection) as an ApiSnapshot.

The reply is a list of SchemaInfo objects (qapi/introspect.json): commands and
events by name, and types under masked names ("123", "[123]") that are only
keys inside this one reply.  Builtins keep their JSON type (``int`` stands for
every integer type, so ranges are not known here).  An object member is
optional when it has a ``default`` member.  Enums list their values in
``values`` (and, from QEMU 6.2, with features in ``members``).

Malformed entries raise :class:`IntrospectionError` naming the entry: a reply
that does not describe a schema cannot be used at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qmpcontract.errors import InputError
from qmpcontract.location import Location
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

_JSON_TYPES = {
    "string": "string",
    "int": "integer",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
    "object": "object",
    "array": "array",
    "value": "value",
}


class IntrospectionError(InputError):
    """A ``query-qmp-schema`` reply that cannot be read."""


def _text(entry: Mapping[str, object], key: str, where: Location) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        name = entry.get("name", "?")
        raise IntrospectionError(f"SchemaInfo {name!r}: '{key}' must be a string", where)
    return value


def _features(entry: Mapping[str, object]) -> tuple[str, ...]:
    features = entry.get("features", [])
    return tuple(f for f in features if isinstance(f, str)) if isinstance(features, list) else ()


def _members(entry: Mapping[str, object], where: Location) -> tuple[Member, ...]:
    members = entry.get("members", [])
    if not isinstance(members, list):
        raise IntrospectionError(f"SchemaInfo {entry.get('name')!r}: bad 'members'", where)
    out = []
    for i, member in enumerate(members):
        if not isinstance(member, Mapping):
            raise IntrospectionError(f"SchemaInfo {entry.get('name')!r}: bad member", where)
        name = member.get("name", f"#{i}")  # alternates' members have no name
        out.append(
            Member(
                str(name),
                _text(member, "type", where),
                optional="default" in member,
                features=_features(member),
            )
        )
    return tuple(out)


def _type(entry: Mapping[str, object], where: Location) -> ApiType:
    meta = entry.get("meta-type")
    name = _text(entry, "name", where)
    if meta == "builtin":
        json_type = _JSON_TYPES.get(_text(entry, "json-type", where))
        if json_type is None:
            raise IntrospectionError(f"builtin {name!r}: unknown json-type", where)
        return BuiltinType(name, json_type)
    if meta == "enum":
        members = entry.get("members")
        if isinstance(members, list):
            values = tuple(
                EnumValue(str(m.get("name")), _features(m))
                for m in members
                if isinstance(m, Mapping)
            )
        else:
            raw = entry.get("values", [])
            values = tuple(EnumValue(str(v)) for v in raw) if isinstance(raw, list) else ()
        return EnumType(name, values, _features(entry))
    if meta == "array":
        return ArrayType(name, _text(entry, "element-type", where))
    if meta == "alternate":
        return AlternateType(name, _members(entry, where))
    if meta == "object":
        variants = None
        if "tag" in entry:
            raw = entry.get("variants", [])
            branches = {
                str(v.get("case")): str(v.get("type"))
                for v in (raw if isinstance(raw, list) else [])
                if isinstance(v, Mapping)
            }
            variants = Variants(_text(entry, "tag", where), branches)
        return ObjectType(name, _members(entry, where), variants, _features(entry))
    raise IntrospectionError(f"SchemaInfo {name!r}: unknown meta-type {meta!r}", where)


def snapshot_from_schema(
    reply: Sequence[object],
    *,
    version: QemuVersion | None = None,
    source: str = "",
    where: Location | None = None,
) -> ApiSnapshot:
    """Build an ApiSnapshot from the ``return`` value of ``query-qmp-schema``.

    :raise IntrospectionError: if an entry is not a well-formed SchemaInfo,
        or a type it uses is not in the reply.
    """
    location = where or Location(source or "<introspection>")
    commands: dict[str, Command] = {}
    events: dict[str, Event] = {}
    types: dict[str, ApiType] = {}
    for entry in reply:
        if not isinstance(entry, Mapping):
            raise IntrospectionError("a SchemaInfo entry is not an object", location)
        meta = entry.get("meta-type")
        name = _text(entry, "name", location)
        if meta == "command":
            commands[name] = Command(
                name,
                _text(entry, "arg-type", location),
                _text(entry, "ret-type", location),
                features=_features(entry),
                allow_oob=entry.get("allow-oob") is True,
            )
        elif meta == "event":
            events[name] = Event(name, _text(entry, "arg-type", location), _features(entry))
        else:
            types[name] = _type(entry, location)
    snapshot = ApiSnapshot(commands, events, types, version, source)
    _check_references(snapshot, location)
    return snapshot


def _check_references(snapshot: ApiSnapshot, where: Location) -> None:
    def need(type_id: str | None, user: str) -> None:
        if type_id is not None and type_id not in snapshot.types:
            raise IntrospectionError(f"{user} uses type {type_id!r}, which the reply lacks", where)

    for command in snapshot.commands.values():
        need(command.arguments, f"command {command.name!r}")
        need(command.returns, f"command {command.name!r}")
    for event in snapshot.events.values():
        need(event.data, f"event {event.name!r}")
    for api_type in snapshot.types.values():
        if isinstance(api_type, ObjectType | AlternateType):
            for member in api_type.members:
                need(member.type, f"type {api_type.id!r}")
        if isinstance(api_type, ObjectType) and api_type.variants is not None:
            for branch in api_type.variants.branches.values():
                need(branch, f"type {api_type.id!r}")
        if isinstance(api_type, ArrayType):
            need(api_type.element, f"type {api_type.id!r}")
