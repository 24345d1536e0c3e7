"""QAPI definitions in normal form: what the shape checks produce, what the schema is built of.

:mod:`qmpcontract.importers.qapi_expr` turns each checked top-level expression
into a :class:`Definition` whose parts are all in their long form
(docs/devel/qapi-code-gen.rst: ``'str'`` is short for ``{'type': 'str'}``, an
enum value ``'a'`` for ``{'name': 'a'}``, a feature ``'f'`` for
``{'name': 'f'}``, a ``*`` before a member name makes it optional).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from qmpcontract.read.qapi import QapiDoc
from qmpcontract.read.qapi_source import SourceInfo


@dataclass(frozen=True)
class Feature:
    """A feature of a definition, member or enum value."""

    name: str
    ifcond: object = None


@dataclass(frozen=True)
class ArrayRef:
    """``['T']``: an array of T."""

    element: str


@dataclass(frozen=True)
class NestedRef:
    """A member type written as members (QEMU 1.x's nested anonymous structs)."""

    members: tuple[MemberDef, ...]


TypeRef = str | ArrayRef | NestedRef


@dataclass(frozen=True)
class MemberDef:
    """A member, a union or alternate branch, or an enum value (``type`` None)."""

    name: str
    type: TypeRef | None = None
    optional: bool = False
    ifcond: object = None
    features: tuple[Feature, ...] = ()


@dataclass(frozen=True)
class Definition:
    """One definition, checked on its own and normalized.

    ``members`` holds what ``data`` defines: a struct's members, the members
    of a command's or event's implicit argument type, an enum's values, or a
    union's or alternate's branches.  ``data_type`` is set instead when a
    command's or event's ``data`` names a type.  A union without
    ``discriminator`` is a simple union (older schemas).
    """

    meta: str
    name: str
    info: SourceInfo  # knows its definition: errors say "In struct 'Foo':"
    doc: QapiDoc | None = None
    ifcond: object = None
    features: tuple[Feature, ...] = ()
    members: tuple[MemberDef, ...] = ()
    data_type: str | None = None
    base: str | tuple[MemberDef, ...] | None = None
    discriminator: str | None = None
    returns: TypeRef | None = None
    prefix: str | None = None
    boxed: bool = False
    flags: Mapping[str, bool] = field(default_factory=dict)
