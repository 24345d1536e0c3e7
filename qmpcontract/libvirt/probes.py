"""libvirt's capability probes on ``query-qmp-schema``, evaluated on an ApiSnapshot.

libvirt decides much of what it may ask of QEMU from queries on QEMU's
introspection (``qemuQMPSchemaQueries`` in ``src/qemu/qemu_capabilities.c``,
walked by ``src/qemu/qemu_qapi.c``).  A query is a ``/``-separated path:

- the first part names a command or an event; then ``arg-type`` (its
  arguments) or ``ret-type`` (a command's return);
- ``name`` goes into the member *name* of the object reached so far, ``*name``
  too, and the member must be optional; ``+value`` goes into the variant of a
  union whose tag is *value*;
- the last part may instead be a test: ``^value`` (the enum reached has this
  value, optionally followed by ``$feature``: that value carries the feature),
  ``!kind`` (the builtin reached has this JSON kind: null, string, number,
  value, int, boolean), ``$feature`` (the command, event or object type
  reached carries the feature);
- arrays are walked through to their element type; an alternate is tried
  branch by branch; a part whose first character is not an ASCII letter loses
  that character (so a name starting with a non-letter is written with one
  leading space).

A query is true when the whole path can be walked.  As in libvirt, ``name``
goes into the member's *type*: a member's own features are not visible, and a
test that does not fit the type reached (``^x`` on an object, ``$f`` on an
enum or a builtin) is false.  A command or event without arguments or return
(``None`` in the snapshot) has the empty object, as introspection shows it.

The snapshot may come from an introspection or from a QAPI tree: a QAPI tree
has every target's and configuration's elements, whatever their ``if``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qmpcontract.libvirt.usage import LibvirtUsage, SchemaProbe
from qmpcontract.model.qemu_api import (
    AlternateType,
    ApiSnapshot,
    ArrayType,
    BuiltinType,
    Command,
    Condition,
    EnumType,
    Event,
    Member,
    ObjectType,
)

# Whether an element with this QAPI condition is in the build (see :func:`evaluate`).
Present = Callable[[Condition], bool]

KINDS = ("null", "string", "number", "value", "int", "boolean")
_KIND_OF = {"integer": "int"}  # the snapshot's json_type -> introspection's json-type
_MAX_DEPTH = 200  # a walk deeper than this is a broken schema (libvirt: 1000)
_EMPTY = ObjectType("", ())  # what a command without arguments or return has


class ProbeSyntaxError(ValueError):
    """A query that is not in libvirt's probe language."""


def parse_query(query: str) -> tuple[str, ...]:
    """The parts of *query*, checked against the language.

    >>> parse_query("blockdev-add/arg-type/+file/aio/^io_uring")
    ('blockdev-add', 'arg-type', '+file', 'aio', '^io_uring')

    :raise ProbeSyntaxError: if a part is empty, a ``$feature`` is not last,
        or what follows ``^value`` is not a last ``$feature``.
    """
    parts = tuple(query.split("/"))
    if any(not part for part in parts):
        raise ProbeSyntaxError(f"probe {query!r}: empty part")
    for i, part in enumerate(parts[1:], start=1):
        last = i == len(parts) - 1
        if part[0] in ("$", "!") and not last:
            raise ProbeSyntaxError(f"probe {query!r}: {part!r} must be the last part")
        if part[0] == "^" and not last and not (i == len(parts) - 2 and parts[-1][0] == "$"):
            raise ProbeSyntaxError(f"probe {query!r}: only '$feature' may follow {part!r}")
    return parts


def evaluate(query: str, api: ApiSnapshot, *, present: Present | None = None) -> bool:
    """Whether libvirt's probe *query* is true on *api* (the whole path can be walked).

    *present* says whether an element with a QAPI ``if`` condition is in the
    build (a command, event, member, enum value or union branch whose
    condition it rejects is absent); without it, every element is.  An
    introspection has no conditions: it shows only what its build has.

    >>> from qmpcontract.model.qemu_api import Command
    >>> api = ApiSnapshot({"stop": Command("stop", None, None, ("fast",))}, {}, {})
    >>> evaluate("stop/$fast", api), evaluate("stop/arg-type/now", api)
    (True, False)

    :raise ProbeSyntaxError: if *query* is not in the probe language.
    """
    parts = parse_query(query)
    walk = _Walk(api, present or _always)
    head, rest = parts[0], parts[1:]
    target: Command | Event | None = api.commands.get(head) or api.events.get(head)
    if target is None or not walk.present(target.condition):
        return False
    if not rest:
        return True
    step, name = _split(rest[0])
    if step == "$":
        return name in target.features
    if step in ("^", "!", "+", "*"):
        return False
    if name == "arg-type":
        type_id = target.arguments if isinstance(target, Command) else target.data
    elif name == "ret-type" and isinstance(target, Command):
        type_id = target.returns
    else:
        return False
    return walk.walk(type_id, rest[1:], 0)


def _split(part: str) -> tuple[str, str]:
    """A part's modifier (``""`` for a plain name) and its name."""
    first = part[0]
    if first.isascii() and first.isalpha():
        return "", part
    return first, part[1:]


def _always(condition: Condition) -> bool:
    return True


@dataclass(frozen=True)
class _Walk:
    api: ApiSnapshot
    present: Present

    def walk(self, type_id: str | None, parts: tuple[str, ...], depth: int) -> bool:
        """Whether *parts* can be walked from the type *type_id* (None: the empty object)."""
        if depth > _MAX_DEPTH:
            return False
        api_type = _EMPTY if type_id is None else self.api.types.get(type_id)
        if api_type is None:
            return False
        if not parts:
            return True
        if isinstance(api_type, ArrayType):
            return self.walk(api_type.element, parts, depth + 1)
        if isinstance(api_type, AlternateType):
            return any(
                self.walk(m.type, parts, depth + 1)
                for m in api_type.members
                if self.present(m.condition)
            )
        step, name = _split(parts[0])
        if isinstance(api_type, BuiltinType):
            kind = _KIND_OF.get(api_type.json_type, api_type.json_type)
            return step == "!" and len(parts) == 1 and kind == name
        if isinstance(api_type, EnumType):
            return step == "^" and self.enum_test(api_type, name, parts[1:])
        assert isinstance(api_type, ObjectType)
        if step == "$":
            return len(parts) == 1 and name in api_type.features
        if step in ("^", "!"):
            return False
        if step == "+":
            branch = self.branch(api_type, name)
            return branch is not None and self.walk(branch, parts[1:], depth + 1)
        member = self.member(api_type, name)
        if member is None or (step == "*" and not member.optional):
            return False
        return self.walk(member.type, parts[1:], depth + 1)

    def member(self, api_type: ObjectType, name: str) -> Member | None:
        """The member *name* of *api_type*, if the build has it."""
        found = next((m for m in api_type.members if m.name == name), None)
        return found if found is not None and self.present(found.condition) else None

    def branch(self, api_type: ObjectType, value: str) -> str | None:
        """The branch type of tag *value*, if the build has it (its tag value's condition)."""
        variants = api_type.variants
        if variants is None or value not in variants.branches:
            return None
        tag = self.member(api_type, variants.tag)
        enum = self.api.types.get(tag.type) if tag is not None else None
        if isinstance(enum, EnumType):
            found = next((v for v in enum.values if v.name == value), None)
            if found is None or not self.present(found.condition):
                return None
        return variants.branches[value]

    def enum_test(self, enum: EnumType, value: str, rest: tuple[str, ...]) -> bool:
        """``^value`` and, when *rest* has it, ``$feature`` of that value."""
        found = next((v for v in enum.values if v.name == value), None)
        if found is None or not self.present(found.condition):
            return False
        if not rest:
            return True
        step, feature = _split(rest[0])
        return step == "$" and len(rest) == 1 and feature in found.features


def flags(
    usage: LibvirtUsage, api: ApiSnapshot, *, present: Present | None = None
) -> dict[str, bool]:
    """Every schema-probe flag of *usage* (``QEMU_CAPS_*``) and whether *api* sets it.

    A flag several probes set is set when any of them is true, as in libvirt.
    *present*: see :func:`evaluate`.
    """
    found: dict[str, bool] = {}
    for probe in usage.probes:
        answer = evaluate(probe.query, api, present=present)
        found[probe.flag] = found.get(probe.flag, False) or answer
    return found


@dataclass(frozen=True)
class ProbeFlip:
    """A schema probe whose answer differs between an old and a new API."""

    usage: LibvirtUsage
    probe: SchemaProbe
    old: bool
    new: bool

    @property
    def query(self) -> str:
        """The probe's query."""
        return self.probe.query

    @property
    def flag(self) -> str:
        """The ``QEMU_CAPS_*`` flag the probe sets."""
        return self.probe.flag

    def describe(self) -> str:
        """``libvirt 11.3: probe `q` (QEMU_CAPS_X) turns false``."""
        turns = "true" if self.new else "false"
        return f"{self.usage.label}: probe `{self.query}` ({self.flag}) turns {turns}"


def flipped(
    usage: LibvirtUsage,
    old_api: ApiSnapshot,
    new_api: ApiSnapshot,
    *,
    present: Present | None = None,
) -> list[ProbeFlip]:
    """The schema probes of *usage* whose answer differs on *old_api* and *new_api*.

    In the order of the release's probes; a probe true on both or false on
    both is not listed.  *present*: see :func:`evaluate`.
    """
    flips = []
    for probe in usage.probes:
        old = evaluate(probe.query, old_api, present=present)
        new = evaluate(probe.query, new_api, present=present)
        if old != new:
            flips.append(ProbeFlip(usage, probe, old, new))
    return flips
