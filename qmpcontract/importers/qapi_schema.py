"""QAPI schema sources -> ApiSnapshot: the third stage of the QAPI front end.

``load_qapi(root)`` reads the schema (:mod:`qmpcontract.read.qapi`), checks
each definition's shape (:mod:`qmpcontract.importers.qapi_expr`), defines
every entity in order, then checks them against each other
(:mod:`qmpcontract.importers.qapi_entities`) and against their documentation
(:mod:`qmpcontract.importers.qapi_docs`), stopping at the first problem the
way QEMU does, with QEMU's message.

The snapshot keeps QAPI's type names.  Implicit types get QEMU's names:
``q_obj_<command>-arg`` for a command's or event's ``data`` object,
``q_obj_<union>-base`` for a union's ``base`` object, ``<T>List`` for ``['T']``,
``q_empty`` for branches a union leaves out; QEMU 1.x nested structs become
``q_obj_<type>-<member>``; simple unions of older schemas get ``<union>Kind``
(their tag enum) and ``q_obj_<T>-wrapper`` (a branch: one member ``data``).
Every builtin is there, with its JSON type and, for integers, its range.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from qmpcontract.errors import InputError, InputReadError
from qmpcontract.importers import qapi_defs as defs
from qmpcontract.importers import qapi_entities as ent
from qmpcontract.importers.qapi_docs import DocChecker
from qmpcontract.importers.qapi_expr import check_expressions
from qmpcontract.importers.qapi_names import SPECIAL_FEATURES
from qmpcontract.importers.qapi_snapshot import to_snapshot
from qmpcontract.location import Location
from qmpcontract.model.qemu_api import ApiSnapshot
from qmpcontract.model.versions import QemuVersion
from qmpcontract.read.qapi import Dialect, QapiDoc, QapiSource, parse_qapi
from qmpcontract.read.qapi_source import QapiError, SourceInfo

MAX_FEATURES = 64
_INTEGERS = {
    "int": (-(2**63), 2**63 - 1),
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint8": (0, 2**8 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
    "size": (0, 2**64 - 1),
}
_OTHER_BUILTINS = {
    "str": "string",
    "number": "number",
    "bool": "boolean",
    "any": "value",
    "null": "null",
}
_TAG = re.compile(r"v?(\d+\.\d+(\.\d+)?)")  # a release tag: a directory's name
QTYPE_VALUES = ("none", "qnull", "qnum", "qstring", "qdict", "qlist", "qbool")


def load_qapi(
    root: Path | str,
    *,
    dialect: Dialect | None = None,
    version: QemuVersion | None = None,
    include_root: Path | str | None = None,
    doc_rules: bool = True,
    skip_missing: bool = False,
) -> ApiSnapshot:
    """Read, check and resolve the QAPI schema whose root file is *root*.

    *dialect* defaults to the one the root file shows
    (:func:`~qmpcontract.read.qapi.detect_dialect`); *version* is recorded in
    the snapshot; includes must stay inside *include_root* (default: the root
    file's directory); *doc_rules*, *skip_missing*: see
    :func:`~qmpcontract.read.qapi.parse_qapi`.

    :raise QapiError: on the first problem, rendered as QEMU renders it
        (``str(error)``), with ``error.location`` for tools.
    """
    source = parse_qapi(root, dialect, include_root, doc_rules=doc_rules, skip_missing=skip_missing)
    schema = QapiSchema(source)
    return to_snapshot(schema.entities, source, version)


def load_qapi_snapshot(
    root: Path,
    version: QemuVersion | None = None,
    include_root: Path | None = None,
    *,
    doc_rules: bool = True,
    skip_missing: bool = False,
) -> tuple[ApiSnapshot, QemuVersion]:
    """The snapshot of the QAPI schema at *root*, and the QEMU version it is of.

    The version is *version*, else the one the QEMU source tree states (its
    ``VERSION`` file, next to ``qapi/`` or, before 2017, next to the root
    ``qapi-schema.json``), else a directory named after a release tag
    (``v7.2.0/qapi-schema.json``).  *doc_rules*, *skip_missing*: see
    :func:`~qmpcontract.read.qapi.parse_qapi`.  This is what ``qmpcontract
    diff`` uses for a side given as QAPI sources.

    :raise QapiError: if the schema is not valid (see ``load_qapi``).
    :raise InputReadError: if *root* is not a file.
    :raise InputError: if the version is not given and cannot be found.
    """
    if not Path(root).is_file():
        what = "no such file or directory"
        if Path(root).is_dir():
            what = "a directory, not a QAPI root file"
        raise InputReadError(what, Location(str(root)))
    found = version or _tree_version(Path(root))
    if found is None:
        raise InputError(
            "the QEMU version of these QAPI sources is unknown "
            "(no VERSION file, no directory named after a release): give it with --qemu-version "
            "(with diff: --old-version, --new-version)",
            Location(str(root)),
        )
    snapshot = load_qapi(
        root,
        version=found,
        include_root=include_root,
        doc_rules=doc_rules,
        skip_missing=skip_missing,
    )
    return snapshot, found


def _tree_version(root: Path) -> QemuVersion | None:
    here = root.resolve().parent
    layouts = [here.parent / "VERSION"] if here.name == "qapi" else [here / "VERSION"]
    candidates = [p.read_text(encoding="utf-8").strip() for p in layouts if p.is_file()]
    candidates.append(root.resolve().parent.name)
    for text in candidates:
        match = _TAG.fullmatch(text)
        if match is not None:
            return QemuVersion.parse(match.group(1))
    return None


_Head = tuple[str, SourceInfo, str, "QapiDoc | None", object, list[ent.Member]]


def _head(d: defs.Definition, features: list[ent.Member]) -> _Head:
    """What every entity starts with: name, source, meta-type, doc, condition, features."""
    return d.name, d.info, d.meta, d.doc, d.ifcond, features


class QapiSchema:
    """Every entity of one schema, defined and checked."""

    def __init__(self, source: QapiSource) -> None:
        self.source = source
        self.dialect = source.dialect
        self.entities: dict[str, ent.Entity] = {}
        self.features: set[str] = set()
        self._builtins()
        for definition in check_expressions(source):
            getattr(self, "_def_" + definition.meta)(definition)
        docs = DocChecker(source.pragma.documentation_exceptions)
        current = source.doc_rules
        for entity in list(self.entities.values()):
            entity.check(self)
            if current:
                docs.connect(entity)
        if current:
            docs.finish(source.docs)

    # Looking up and defining.

    def lookup_type(self, name: str) -> ent.Type | None:
        """The type *name*, if there is one."""
        entity = self.entities.get(name)
        return entity if isinstance(entity, ent.Type) else None

    @property
    def lenient(self) -> bool:
        """True for QEMU's schemas before 2.9, whose generator checked little of them."""
        return self.dialect is Dialect.QEMU_1

    def resolve_type(self, name: str, info: SourceInfo, what: str | Callable[[], str]) -> ent.Type:
        """The type *name*, or an error at *info* saying that *what* uses an unknown type."""
        found = self.lookup_type(name)
        if found is None and self.lenient:
            # QEMU's generator checked no type before 2.3: an unknown name (qom-get's
            # 'visitor', a hand-written command) was just not generated.  It is 'any'.
            found = self.lookup_type("any")
        if found is None:
            text = what() if callable(what) else what
            raise QapiError(f"{text} uses unknown type '{name}'", info)
        return found

    def _define(self, entity: ent.Entity) -> None:
        other = self.entities.get(entity.name)
        if other is not None:
            info = entity.info or SourceInfo("<built-in>")
            if other.info is not None:
                previous = other.info.render("previous definition")
                raise QapiError(f"'{entity.name}' is already defined\n{previous}", info)
            raise QapiError(f"{other.describe()} is already defined", info)
        self.entities[entity.name] = entity

    def _builtins(self) -> None:
        for name, (low, high) in _INTEGERS.items():
            self._define(ent.Builtin(name, None, json_type="integer", minimum=low, maximum=high))
        for name, json_type in _OTHER_BUILTINS.items():
            self._define(ent.Builtin(name, None, json_type=json_type))
        self._define(ent.Object("q_empty", None))
        values = [ent.Member("value", v, None, "QType") for v in QTYPE_VALUES]
        self._define(ent.Enum("QType", None, values=values, prefix="QTYPE"))

    def _features(
        self, features: tuple[defs.Feature, ...], info: SourceInfo, defined_in: str
    ) -> list[ent.Member]:
        out = []
        for feature in features:
            if feature.name not in self.features:
                self.features.add(feature.name)
                if len(self.features | set(SPECIAL_FEATURES)) > MAX_FEATURES:
                    raise QapiError(f"Maximum of {MAX_FEATURES} schema features is permitted", info)
            out.append(ent.Member("feature", feature.name, info, defined_in, feature.ifcond))
        return out

    def _type_ref(self, ref: defs.TypeRef, info: SourceInfo, owner: str, member: str) -> str:
        """The name of the type *ref* denotes, defining the array or nested type it needs."""
        if isinstance(ref, defs.ArrayRef):
            name = ref.element + "List"
            if self.lookup_type(name) is None:
                self._define(ent.Array(name, info, element_name=ref.element))
            return name
        if isinstance(ref, defs.NestedRef):  # QEMU 1.x nested struct
            return self._implicit(owner, info, member, ref.members) or "q_empty"
        return ref

    def _member(
        self, member: defs.MemberDef, info: SourceInfo, owner: str, role: str = "member"
    ) -> ent.Member:
        features = self._features(member.features, info, owner)
        type_name = (
            "" if member.type is None else self._type_ref(member.type, info, owner, member.name)
        )
        return ent.Member(
            role, member.name, info, owner, member.ifcond, type_name, member.optional, features
        )

    def _implicit(
        self, owner: str, info: SourceInfo, role: str, members: tuple[defs.MemberDef, ...]
    ) -> str | None:
        """Define ``q_obj_<owner>-<role>`` with *members* (None: no members, no type)."""
        if not members:
            return None
        name = f"q_obj_{owner}-{role}"
        if self.lookup_type(name) is None:  # else a duplicate definition, reported later
            local = [self._member(m, info, name) for m in members]
            self._define(ent.Object(name, info, local_members=local))
        return name

    # One method per meta-type.

    def _def_enum(self, d: defs.Definition) -> None:
        features = self._features(d.features, d.info, d.name)
        values = [self._member(m, d.info, d.name, "value") for m in d.members]
        self._define(ent.Enum(*_head(d, features), values=values, prefix=d.prefix))

    def _def_struct(self, d: defs.Definition) -> None:
        features = self._features(d.features, d.info, d.name)
        members = [self._member(m, d.info, d.name) for m in d.members]
        base = d.base if isinstance(d.base, str) else None
        self._define(
            ent.Object(
                *_head(d, features),
                base_name=base,
                local_members=members,
            )
        )

    def _def_union(self, d: defs.Definition) -> None:
        features = self._features(d.features, d.info, d.name)
        if d.discriminator is None:
            self._def_simple_union(d, features)
            return
        base = d.base
        if isinstance(base, tuple):
            base = self._implicit(d.name, d.info, "base", base)
        branches = [self._member(m, d.info, d.name, "branch") for m in d.members]
        self._define(
            ent.Object(
                *_head(d, features),
                base_name=base,
                branches=ent.Branches(d.info, d.discriminator, branches),
            )
        )

    def _def_simple_union(self, d: defs.Definition, features: list[ent.Member]) -> None:
        kind = d.name + "Kind"
        values = [ent.Member("value", m.name, d.info, kind, m.ifcond) for m in d.members]
        self._define(ent.Enum(kind, d.info, values=values))
        branches = []
        for member in d.members:
            assert member.type is not None
            type_name = self._type_ref(member.type, d.info, d.name, member.name)
            wrapper = f"q_obj_{type_name}-wrapper"
            if self.lookup_type(wrapper) is None:
                data = ent.Member("member", "data", d.info, wrapper, None, type_name)
                self._define(ent.Object(wrapper, d.info, local_members=[data]))
            branches.append(
                ent.Member("branch", member.name, d.info, d.name, member.ifcond, wrapper)
            )
        tag = ent.Member("member", "type", d.info, d.name, None, kind)
        self._define(
            ent.Object(
                *_head(d, features),
                local_members=[tag],
                branches=ent.Branches(d.info, "type", branches),
            )
        )

    def _def_alternate(self, d: defs.Definition) -> None:
        features = self._features(d.features, d.info, d.name)
        branches = [self._member(m, d.info, d.name, "branch") for m in d.members]
        self._define(ent.Alternate(*_head(d, features), branches=branches))

    def _arguments(self, d: defs.Definition) -> str | None:
        return d.data_type or self._implicit(d.name, d.info, "arg", d.members)

    def _def_command(self, d: defs.Definition) -> None:
        features = self._features(d.features, d.info, d.name)
        arguments = self._arguments(d)
        returns = None
        if d.returns is not None:
            returns = self._type_ref(d.returns, d.info, d.name, "returns")
        flags = {
            flag: d.flags.get(flag, flag in ("gen", "success-response"))
            for flag in ("allow-oob", "allow-preconfig", "coroutine", "gen", "success-response")
        }
        exception = (
            self.dialect is Dialect.QEMU_1
            or d.name in self.source.pragma.command_returns_exceptions
        )
        self._define(
            ent.Command(
                *_head(d, features),
                arg_type_name=arguments,
                ret_type_name=returns,
                boxed=d.boxed,
                flags=flags,
                returns_exception=exception,
            )
        )

    def _def_event(self, d: defs.Definition) -> None:
        features = self._features(d.features, d.info, d.name)
        arguments = self._arguments(d)
        self._define(
            ent.Event(
                *_head(d, features),
                arg_type_name=arguments,
                boxed=d.boxed,
            )
        )
