"""One API that accepts what either of two releases has: for a build between them.

A development build (10.1.50) or a release the data lacks lies between the
nearest release below and the one above.  It may have gained, in between, what
the one above has: a command, an event, an argument, a returned member, an enum
value.  :func:`tolerant` makes one snapshot of both: every command and event of
either, and where both have one, its arguments, return and data as either
release's (an alternate of the two, which the snapshot contract checks as
``anyOf``).  Type ids are prefixed per release (``0:`` and ``1:``), since the
two releases' ids are not comparable.
"""

from __future__ import annotations

from dataclasses import replace

from qmpcontract.model.api_codec import decode, encode
from qmpcontract.model.qemu_api import AlternateType, ApiSnapshot, ApiType, Member


def _prefixed(snapshot: ApiSnapshot, prefix: str) -> ApiSnapshot:
    """*snapshot* with every type id prefixed (through its entities, which name them all)."""
    entities = encode(snapshot)
    for entity in entities:
        for key in ("arguments", "returns", "data", "element"):
            if key in entity:
                entity[key] = prefix + entity[key]
        for key in ("object", "enum", "array", "alternate", "builtin"):
            if key in entity:
                entity[key] = prefix + entity[key]
        for member in entity.get("members", ()):
            member["type"] = prefix + member["type"]
        if "variants" in entity:
            entity["variants"] = {case: prefix + t for case, t in entity["variants"].items()}
    return decode(entities, snapshot.version, snapshot.source)


def _either(types: dict[str, ApiType], first: str | None, second: str | None) -> str | None:
    """A type id for 'either *first* or *second*' (added to *types* when needed)."""
    if first is None or second is None:
        return first if second is None else second  # no arguments in one: either is fine
    name = f"either:{first}|{second}"
    types.setdefault(name, AlternateType(name, (Member("0", first), Member("1", second))))
    return name


def tolerant(base: ApiSnapshot, other: ApiSnapshot) -> ApiSnapshot:
    """A snapshot that accepts every command, event and message either one accepts."""
    old, new = _prefixed(base, "0:"), _prefixed(other, "1:")
    types: dict[str, ApiType] = {**old.types, **new.types}
    commands = dict(new.commands)
    for name, command in old.commands.items():
        later = new.commands.get(name)
        if later is None:
            commands[name] = command
            continue
        commands[name] = replace(
            command,
            arguments=_either(types, command.arguments, later.arguments),
            returns=_either(types, command.returns, later.returns),
        )
    events = dict(new.events)
    for name, event in old.events.items():
        later_event = new.events.get(name)
        events[name] = (
            event
            if later_event is None
            else replace(event, data=_either(types, event.data, later_event.data))
        )
    return ApiSnapshot(commands, events, types, base.version, base.source, base.notes)
