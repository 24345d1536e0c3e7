"""A QEMU build's QMP API as structure: what the importers produce.

Both importers, QAPI schema sources (``qapi/*.json``) and a running QEMU's
``query-qmp-schema`` reply, produce an :class:`ApiSnapshot`.  It describes the
wire, not the source: commands and events by name, and the types they use as a
graph of objects, enums, arrays, alternates and builtins.  Type ids are only
keys inside one snapshot (QAPI names, or introspection's masked numbers); they
are never compared across snapshots, because type names are not ABI
(docs/devel/qapi-code-gen.rst, "Client JSON Protocol introspection").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from qmpcontract.model.versions import QemuVersion

# A condition as QAPI writes it: a config symbol, or {"all"|"any": [...]} / {"not": ...}.
Condition = object


@dataclass(frozen=True)
class Member:
    """A member of an object type (a command argument, a returned or event member)."""

    name: str
    type: str  # a type id of the snapshot
    optional: bool = False
    features: tuple[str, ...] = ()
    condition: Condition = None


@dataclass(frozen=True)
class Variants:
    """The branches of a union: the tag member's value selects an object type."""

    tag: str
    branches: Mapping[str, str]  # tag value -> object type id


@dataclass(frozen=True)
class ObjectType:
    """A JSON object with known members (QAPI struct, union, or implicit type)."""

    id: str
    members: tuple[Member, ...]
    variants: Variants | None = None
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnumValue:
    """One value of an enumeration."""

    name: str
    features: tuple[str, ...] = ()
    condition: Condition = None


@dataclass(frozen=True)
class EnumType:
    """A string from a fixed set."""

    id: str
    values: tuple[EnumValue, ...]
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArrayType:
    """A JSON array of one element type."""

    id: str
    element: str


@dataclass(frozen=True)
class AlternateType:
    """One of several types, told apart by their JSON type."""

    id: str
    members: tuple[Member, ...]  # one per alternative; names are QAPI's, not wire-visible


@dataclass(frozen=True)
class BuiltinType:
    """A QAPI builtin: its JSON type and, for integers, its range."""

    id: str
    json_type: str  # "string", "integer", "number", "boolean", "null", "object", "value"
    minimum: int | None = None
    maximum: int | None = None


ApiType = ObjectType | EnumType | ArrayType | AlternateType | BuiltinType


@dataclass(frozen=True)
class Command:
    """A QMP command."""

    name: str
    arguments: str | None  # object type id (None: no arguments)
    returns: str | None  # type id (None: returns an empty object)
    features: tuple[str, ...] = ()
    condition: Condition = None
    allow_oob: bool = False
    allow_preconfig: bool = False
    boxed: bool = False
    gen: bool = True  # False: the argument schema is deliberately incomplete (device_add)
    success_response: bool = True
    coroutine: bool = False


@dataclass(frozen=True)
class Event:
    """A QMP event."""

    name: str
    data: str | None  # object type id (None: no data)
    features: tuple[str, ...] = ()
    condition: Condition = None
    boxed: bool = False


@dataclass(frozen=True)
class ApiSnapshot:
    """The QMP API of one QEMU build (or one QAPI source tree)."""

    commands: Mapping[str, Command]
    events: Mapping[str, Event]
    types: Mapping[str, ApiType]
    version: QemuVersion | None = None
    source: str = ""  # where it came from (a file, a transcript and message index)
    notes: tuple[str, ...] = field(default=())
    # Where each command and event is defined ("command NAME": (file, line)): QAPI sources only.
    places: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def type(self, type_id: str) -> ApiType:
        """The type with this id.

        :raise KeyError: if the snapshot has no such type.
        """
        return self.types[type_id]
