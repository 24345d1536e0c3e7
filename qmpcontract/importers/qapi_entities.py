"""The entities of a QAPI schema and the checks that need the whole schema.

These are the front end's working objects (mutable while the schema is
checked; the result is an :class:`~qmpcontract.model.qemu_api.ApiSnapshot`).
Each ``check`` resolves the names an entity uses and raises
:class:`~qmpcontract.read.qapi_source.QapiError` with QEMU's message on the first
problem: unknown types, a type of the wrong kind (``'base' requires a struct
type``), members that clash once mapped to C (``a-b`` and ``a_b``), union
discriminators and branches, alternates whose branches JSON cannot tell apart,
a struct that contains itself.  :mod:`qmpcontract.importers.qapi_schema`
defines the entities and runs the checks in definition order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from qmpcontract.importers.qapi_names import SPECIAL_FEATURES, c_name
from qmpcontract.read.qapi import QapiDoc
from qmpcontract.read.qapi_source import QapiError, SourceInfo


class Resolver(Protocol):
    """What an entity needs of the schema while it is checked."""

    def resolve_type(self, name: str, info: SourceInfo, what: str | Callable[[], str]) -> Type:
        """The type *name*, or an error saying that *what* uses an unknown type."""
        ...

    @property
    def lenient(self) -> bool:
        """True for QEMU's schemas before 2.9, whose generator checked little of this."""
        ...


@dataclass(eq=False)
class Member:
    """A member, enum value, union or alternate branch, or feature of a definition."""

    role: str  # "member", "value", "branch", "feature"
    name: str
    info: SourceInfo | None
    defined_in: str = ""
    ifcond: object = None
    type_name: str = ""
    optional: bool = False
    features: list[Member] = field(default_factory=list)
    type: Type | None = None

    def describe(self, info: SourceInfo | None) -> str:
        """``member 'x'``, or ``member 'x' of type 'T'`` from elsewhere, as QEMU says it."""
        role, meta, defined_in = self.role, "type", self.defined_in
        if defined_in.startswith("q_obj_"):  # an implicit type: say whose it is
            defined_in = defined_in[6:]
            if defined_in.endswith("-arg"):
                role, meta, defined_in = "parameter", "command", defined_in[:-4]
            elif defined_in.endswith("-base"):
                role, defined_in = "base " + role, defined_in[:-5]
        if info is None or defined_in != info.defn_name:
            return f"{role} '{self.name}' of {meta} '{defined_in}'"
        return f"{role} '{self.name}'"

    def check(self, schema: Resolver) -> None:
        """Resolve the member's type."""
        if self.type_name:
            self.type = schema.resolve_type(self.type_name, _known(self.info), self._what)

    def _what(self) -> str:
        return self.describe(self.info)

    def check_clash(self, info: SourceInfo | None, seen: dict[str, Member]) -> None:
        """Add this member to *seen* (by C name), unless one there already has its name."""
        key = c_name(self.name)
        if key in seen:
            raise QapiError(
                f"{self.describe(info)} collides with {seen[key].describe(info)}", _known(info)
            )
        seen[key] = self


def _known(info: SourceInfo | None) -> SourceInfo:
    return info if info is not None else SourceInfo("<built-in>")


@dataclass(eq=False)
class Entity:
    """A definition: a type, command or event."""

    name: str
    info: SourceInfo | None
    meta: str = ""
    doc: QapiDoc | None = None
    ifcond: object = None
    features: list[Member] = field(default_factory=list)

    def describe(self) -> str:
        """``struct type 'Foo'`` and the like, as QEMU says it."""
        return f"{self.meta} type '{self.name}'"

    def check(self, schema: Resolver) -> None:
        """Check the entity against the rest of the schema (here: its features)."""
        seen: dict[str, Member] = {}
        for feature in self.features:
            feature.check_clash(self.info, seen)

    def is_implicit(self) -> bool:
        """Whether the front end made this entity up (``q_obj_...``, ``q_empty``)."""
        return self.name.startswith("q_")


class Type(Entity):
    """A type: builtin, enum, array, object (struct or union) or alternate."""

    def check(self, schema: Resolver) -> None:
        """Types take no special features (``deprecated``, ``unstable``)."""
        super().check(schema)
        for feature in self.features:
            if feature.name in SPECIAL_FEATURES:
                raise QapiError(
                    f"feature '{feature.name}' is not supported for types", _known(self.info)
                )

    def qtype(self) -> str | None:
        """Which JSON type an alternate branch of this type accepts (None: cannot be one)."""
        return None


@dataclass(eq=False)
class Builtin(Type):
    """A builtin type: its JSON type and, for integers, its range."""

    json_type: str = ""
    minimum: int | None = None
    maximum: int | None = None

    def __post_init__(self) -> None:
        self.meta = "built-in"

    def qtype(self) -> str | None:  # noqa: D102
        return {"value": None, "integer": "number"}.get(self.json_type, self.json_type)


@dataclass(eq=False)
class Enum(Type):
    """An enumeration: its values must not clash."""

    values: list[Member] = field(default_factory=list)
    prefix: str | None = None

    def __post_init__(self) -> None:
        self.meta = "enum"

    def check(self, schema: Resolver) -> None:  # noqa: D102
        super().check(schema)
        seen: dict[str, Member] = {}
        for value in self.values:
            value.check_clash(self.info, seen)

    def qtype(self) -> str | None:  # noqa: D102
        return "string"


@dataclass(eq=False)
class Array(Type):
    """An array type, ``<element>List``: its element type must exist."""

    element_name: str = ""
    element: Type | None = None

    def __post_init__(self) -> None:
        self.meta = "array"

    def describe(self) -> str:  # noqa: D102
        return f"array type ['{self.element_name}']"

    def check(self, schema: Resolver) -> None:  # noqa: D102
        super().check(schema)
        what = self.info.defn_meta if self.info is not None else None
        self.element = schema.resolve_type(self.element_name, _known(self.info), what or "")

    def qtype(self) -> str | None:  # noqa: D102
        return "array"


@dataclass(eq=False)
class Branches:
    """The branches of a union (with its tag member) or of an alternate."""

    info: SourceInfo | None
    tag_name: str | None  # None: an alternate
    branches: list[Member]
    tag_member: Member | None = None

    def check_union(self, schema: Resolver, seen: dict[str, Member]) -> None:
        """Check a union's tag and branches; *seen* holds its common members."""
        info = _known(self.info)
        assert self.tag_name is not None
        tag = seen.get(c_name(self.tag_name))
        if tag is None or tag.name != self.tag_name:
            raise QapiError(f"discriminator '{self.tag_name}' is not a member of 'base'", info)
        self.tag_member = tag
        base = "'base'"
        if not tag.defined_in.startswith("q_"):
            base = f"base type '{tag.defined_in}'"
        problem = None
        if not isinstance(tag.type, Enum) and schema.lenient:
            self._check_legacy_branches(schema)  # QEMU 1.x: a 'str' tag, any branch name
            return
        if not isinstance(tag.type, Enum):
            problem = "must be of enum type"
        elif tag.optional:
            problem = "must not be optional"
        elif tag.ifcond is not None:
            problem = "must not be conditional"
        if problem is not None:
            raise QapiError(f"discriminator member '{self.tag_name}' of {base} {problem}", info)
        assert isinstance(tag.type, Enum)
        cases = {branch.name for branch in self.branches}
        for value in tag.type.values:  # values without a branch get an empty one
            if value.name not in cases:
                self.branches.append(
                    Member("branch", value.name, self.info, tag.defined_in, value.ifcond, "q_empty")
                )
        if not self.branches and not schema.lenient:
            raise QapiError("union has no branches", info)
        names = [value.name for value in tag.type.values]
        for branch in self.branches:
            branch.check(schema)
            if branch.name not in names:
                raise QapiError(
                    f"branch '{branch.name}' is not a value of {tag.type.describe()}", info
                )
            if not isinstance(branch.type, Object):
                assert branch.type is not None
                raise QapiError(
                    f"{branch.describe(self.info)} cannot use {branch.type.describe()}", info
                )
            branch.type.check(schema)

    def _check_legacy_branches(self, schema: Resolver) -> None:
        for branch in self.branches:
            branch.check(schema)
            if isinstance(branch.type, Object):
                branch.type.check(schema)

    def check_clash(self, info: SourceInfo | None, seen: dict[str, Member]) -> None:
        """No branch's members clash with the common members in *seen*."""
        for branch in self.branches:
            if isinstance(branch.type, Object):
                branch.type.check_clash(info, dict(seen))


@dataclass(eq=False)
class Object(Type):
    """A struct, a union, or an implicit object type (command arguments, union base)."""

    base_name: str | None = None
    local_members: list[Member] = field(default_factory=list)
    branches: Branches | None = None
    base: Object | None = None
    members: list[Member] | None = None  # set by check: base members first
    _checking: bool = False

    def __post_init__(self) -> None:
        self.meta = "union" if self.branches is not None else "struct"

    def check(self, schema: Resolver) -> None:
        """Resolve base and members, check clashes and branches; sets ``members``."""
        if self.members is not None:
            return
        info = _known(self.info)
        if self._checking:
            raise QapiError(f"object {self.name} contains itself", info)
        self._checking = True
        super().check(schema)
        seen: dict[str, Member] = {}
        if self.base_name is not None:
            base = schema.resolve_type(self.base_name, info, "'base'")
            if not isinstance(base, Object) or base.branches is not None:
                raise QapiError(f"'base' requires a struct type, {base.describe()} isn't", info)
            base.check(schema)
            base.check_clash(self.info, seen)
            self.base = base
        for member in self.local_members:
            member.check(schema)
            member.check_clash(self.info, seen)
        if self.branches is not None:
            if self.branches.tag_name is not None:
                self.branches.check_union(schema, seen)
            self.branches.check_clash(self.info, seen)
        self.members = list(seen.values())

    def check_clash(self, info: SourceInfo | None, seen: dict[str, Member]) -> None:
        """Add every member (of every branch, too) to *seen*, unless it clashes."""
        assert self.members is not None
        for member in self.members:
            member.check_clash(info, seen)
        if self.branches is not None:
            self.branches.check_clash(info, seen)

    def qtype(self) -> str | None:  # noqa: D102
        return "object"


@dataclass(eq=False)
class Alternate(Type):
    """An alternate: its branches must be told apart by their JSON type."""

    branches: list[Member] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.meta = "alternate"

    def check(self, schema: Resolver) -> None:  # noqa: D102
        super().check(schema)
        info = _known(self.info)
        for branch in self.branches:
            branch.check(schema)
        seen: dict[str, Member] = {}
        qtypes: dict[str, str] = {}
        for branch in self.branches:
            branch.check_clash(self.info, seen)
            assert branch.type is not None
            qtype = branch.type.qtype()
            if qtype is None:
                raise QapiError(
                    f"{branch.describe(self.info)} cannot use {branch.type.describe()}", info
                )
            conflicting = {qtype}
            if qtype == "string":  # a string that could also be read as a number or boolean
                if isinstance(branch.type, Enum):
                    for value in branch.type.values:
                        if value.name in ("on", "off"):
                            conflicting.add("boolean")
                        if re.match(r"[-+0-9.]", value.name):
                            conflicting.add("number")
                else:
                    conflicting.update(("number", "boolean"))
            for other in sorted(conflicting):
                if other in qtypes:
                    raise QapiError(
                        f"{branch.describe(self.info)} can't be distinguished "
                        f"from '{qtypes[other]}'",
                        info,
                    )
                qtypes[other] = branch.name


@dataclass(eq=False)
class Command(Entity):
    """A command: its arguments are an object type, it returns objects (or is excepted)."""

    arg_type_name: str | None = None
    ret_type_name: str | None = None
    boxed: bool = False
    flags: dict[str, bool] = field(default_factory=dict)
    returns_exception: bool = False  # listed in pragma command-returns-exceptions
    arg_type: Object | None = None
    ret_type: Type | None = None

    def __post_init__(self) -> None:
        self.meta = "command"

    def check(self, schema: Resolver) -> None:  # noqa: D102
        super().check(schema)
        self.arg_type = _check_arguments(self, schema, "command")
        if self.ret_type_name is not None:
            info = _known(self.info)
            self.ret_type = schema.resolve_type(self.ret_type_name, info, "command's 'returns'")
            element = self.ret_type.element if isinstance(self.ret_type, Array) else self.ret_type
            if not self.returns_exception and not isinstance(element, Object):
                raise QapiError(f"command's 'returns' cannot take {self.ret_type.describe()}", info)


@dataclass(eq=False)
class Event(Entity):
    """An event: its data is an object type."""

    arg_type_name: str | None = None
    boxed: bool = False
    arg_type: Object | None = None

    def __post_init__(self) -> None:
        self.meta = "event"

    def check(self, schema: Resolver) -> None:  # noqa: D102
        super().check(schema)
        self.arg_type = _check_arguments(self, schema, "event")


def _check_arguments(entity: Command | Event, schema: Resolver, meta: str) -> Object | None:
    if entity.arg_type_name is None:
        return None
    info = _known(entity.info)
    arg_type = schema.resolve_type(entity.arg_type_name, info, f"{meta}'s 'data'")
    if not isinstance(arg_type, Object):
        raise QapiError(f"{meta}'s 'data' cannot take {arg_type.describe()}", info)
    if arg_type.branches is not None and not entity.boxed:
        raise QapiError(
            f"{meta}'s 'data' can take {arg_type.describe()} only with 'boxed': true", info
        )
    arg_type.check(schema)
    assert arg_type.members is not None
    if not entity.boxed and any(m.ifcond is not None for m in arg_type.members):
        raise QapiError(
            "conditional command arguments require 'boxed': true"
            if meta == "command"
            else "event's 'data' members may have 'if' conditions only with 'boxed': true",
            info,
        )
    return arg_type
