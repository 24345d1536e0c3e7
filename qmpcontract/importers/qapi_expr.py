"""The shape of each QAPI definition, checked on its own (the second stage of the front end).

:mod:`qmpcontract.read.qapi` reads expressions; this module checks each
definition without looking at the others, as QEMU's ``expr.py`` does: exactly
one meta-type key, the keys each meta-type takes (docs/devel/qapi-code-gen.rst
gives the grammar), names, ``if`` conditions, ``features``, flags, and the
documentation comment's symbol and sections.  It returns each definition
*normalized* (:mod:`qmpcontract.importers.qapi_defs`): every member, branch,
enum value and feature in its long form.  What needs the whole schema
(types that exist, clashes, unions and alternates) is
:mod:`qmpcontract.importers.qapi_schema`'s job.

Older dialects (:class:`~qmpcontract.read.qapi.Dialect`) are accepted as the
QEMU of their time accepted them: ``'type'`` for ``'struct'`` and nested
anonymous structs (1.x), simple unions (no ``base`` nor ``discriminator``),
``_`` in names and C expressions or lists as conditions (before 6.0).
"""

from __future__ import annotations

from dataclasses import replace

from qmpcontract.importers.qapi_defs import ArrayRef, Definition, Feature, MemberDef, NestedRef
from qmpcontract.importers.qapi_names import (
    c_name,
    check_features,
    check_if,
    check_keys,
    check_name_camel,
    check_name_is_str,
    check_name_lower,
    check_name_upper,
    normalize_if,
)
from qmpcontract.read.qapi import Dialect, Pragma, QapiDoc, QapiSource
from qmpcontract.read.qapi_source import QapiError, SourceInfo

METAS = ("enum", "struct", "union", "alternate", "command", "event")
_COMMON = ["if", "features"]
_KEYS: dict[str, tuple[list[str], list[str]]] = {
    "enum": (["enum", "data"], [*_COMMON, "prefix"]),
    "struct": (["struct", "data"], ["base", *_COMMON]),
    "union": (["union", "base", "discriminator", "data"], _COMMON),
    "alternate": (["alternate", "data"], _COMMON),
    "command": (
        ["command"],
        [
            "data",
            "returns",
            "boxed",
            *_COMMON,
            "gen",
            "success-response",
            "allow-oob",
            "allow-preconfig",
            "coroutine",
        ],
    ),
    "event": (["event"], ["data", "boxed", *_COMMON]),
}
_FALSE_FLAGS = ("gen", "success-response")
_TRUE_FLAGS = ("boxed", "allow-oob", "allow-preconfig", "coroutine")


def check_expressions(source: QapiSource) -> list[Definition]:
    """Check every definition of *source* in order; return them normalized.

    :raise QapiError: on the first problem, with QEMU's message.
    """
    checker = _Checker(source.pragma, source.dialect, source.doc_rules)
    return [
        checker.definition(expr.value, expr.info, expr.doc)
        for expr in source.expressions
        if "include" not in expr.value and "pragma" not in expr.value
    ]


class _Checker:
    def __init__(self, pragma: Pragma, dialect: Dialect, doc_rules: bool) -> None:
        self.pragma = pragma
        self.dialect = dialect
        self.doc_rules = doc_rules
        # Before 6.0: '_' and upper case were allowed in names.
        self.old_names = dialect in (Dialect.QEMU_1, Dialect.QEMU_2)
        # Before 6.2: simple unions, and conditions as C expressions or lists.
        self.old_forms = dialect is not Dialect.CURRENT
        self.info = SourceInfo("")
        self.base = Definition("", "", self.info)

    def definition(
        self, value: dict[str, object], info: SourceInfo, doc: QapiDoc | None
    ) -> Definition:
        expr = value
        if self.dialect is Dialect.QEMU_1 and "type" in expr and "struct" not in expr:
            expr = {("struct" if key == "type" else key): v for key, v in expr.items()}
        if self.dialect is Dialect.QEMU_1 and "union" in expr and expr.get("discriminator") == {}:
            # QEMU 2.1-2.3: an anonymous union, what 2.4 named an alternate
            expr = {("alternate" if k == "union" else k): v for k, v in expr.items()}
            del expr["discriminator"]
        metas = [meta for meta in METAS if meta in expr]
        if len(metas) != 1:
            raise QapiError(
                "expression must have exactly one key " + ", ".join(f"'{meta}'" for meta in METAS),
                info,
            )
        meta = metas[0]
        name = check_name_is_str(expr[meta], info, f"'{meta}'")
        self.info = info = info.in_definition(meta, name)
        self._definition_name(name, meta)
        if doc is not None:
            if doc.symbol != name:
                raise QapiError(f"documentation comment is for '{doc.symbol}'", info)
            if self.doc_rules:
                _check_doc_sections(doc, meta, expr)
        elif self.pragma.doc_required and self.dialect is not Dialect.QEMU_1:
            raise QapiError("documentation comment required", info)  # (1.x: docs not read)
        required, optional = _KEYS[meta]
        simple_union = meta == "union" and "base" not in expr and "discriminator" not in expr
        if simple_union and self.old_forms:
            required = ["union", "data"]  # a simple union (QEMU before 6.2)
        check_keys(expr, info, meta, required, optional)
        self.base = Definition(meta, name, info, doc)
        definition: Definition = getattr(self, "_" + meta)(expr, name)
        ifcond = normalize_if(expr.get("if"), self.old_forms)
        if "if" in expr:
            check_if(ifcond, info, meta, self.old_forms)
        features = check_features(expr.get("features"), info, self.old_forms)
        for flag in _FALSE_FLAGS:
            if self.dialect is Dialect.QEMU_1 and expr.get(flag) == "no":
                expr = {**expr, flag: False}  # QEMU 1.x-2.2 spelled it 'gen': 'no'
            if flag in expr and expr[flag] is not False:
                raise QapiError(f"flag '{flag}' may only use false value", info)
        for flag in _TRUE_FLAGS:
            if flag in expr and expr[flag] is not True:
                raise QapiError(f"flag '{flag}' may only use true value", info)
        if "allow-oob" in expr and "coroutine" in expr:
            raise QapiError("flags 'allow-oob' and 'coroutine' are incompatible", info)
        flags = {flag: expr[flag] is True for flag in _FALSE_FLAGS + _TRUE_FLAGS if flag in expr}
        return replace(
            definition,
            ifcond=ifcond,
            features=features,
            boxed=flags.get("boxed", False),
            flags=flags,
        )

    def _definition_name(self, name: str, meta: str) -> None:
        info = self.info
        if meta == "event":
            if not self.old_names:  # before 6.0 QEMU did not check event names' case
                check_name_upper(name, info, meta)
        elif meta == "command":
            permit = self.old_names or name in self.pragma.command_name_exceptions
            check_name_lower(name, info, meta, permit_underscore=permit)
        else:
            check_name_camel(name, info, meta)
            if name.endswith("List"):
                raise QapiError(f"{meta} name should not end in 'List'", info)

    # One method per meta-type, named after it; each returns its Definition (so far).

    def _enum(self, expr: dict[str, object], name: str) -> Definition:
        info = self.info
        members = expr["data"]
        prefix = expr.get("prefix")
        if not isinstance(members, list):
            raise QapiError("'data' must be an array", info)
        if prefix is not None and not isinstance(prefix, str):
            raise QapiError("'prefix' must be a string", info)
        permit = self.old_names or name in self.pragma.member_name_exceptions
        values = []
        for raw in members:
            value = raw if isinstance(raw, dict) else {"name": raw}
            source = "'data' member"
            check_keys(value, info, source, ["name"], ["if", "features"])
            value_name = check_name_is_str(value["name"], info, source)
            source = f"{source} '{value_name}'"
            # Enum values may start with a digit: check them as if they did not.
            shown = "d" + value_name if value_name[:1].isdigit() else value_name
            if self.dialect is Dialect.QEMU_1:  # before 2.9: '.' too ('l1_grow.alloc_table')
                shown = shown.replace(".", "-")
            check_name_lower(shown, info, source, permit, permit)
            ifcond, features = self._if_and_features(value, source)
            values.append(MemberDef(value_name, None, False, ifcond, features))
        return replace(self.base, members=tuple(values), prefix=prefix)

    def _struct(self, expr: dict[str, object], name: str) -> Definition:
        data = expr["data"]
        if not isinstance(data, dict):
            raise QapiError("'data' should be an object or type name", self.info)
        members = self._members(data, "'data'", name)
        base = expr.get("base")
        if base is not None and not isinstance(base, str):
            raise QapiError("'base' should be a type name", self.info)
        return replace(self.base, members=members, base=base)

    def _union(self, expr: dict[str, object], name: str) -> Definition:
        info = self.info
        simple = "discriminator" not in expr and "base" not in expr
        base: str | tuple[MemberDef, ...] | None = None
        discriminator = None
        if not simple:
            base = self._implicit(expr["base"], "'base'", name)
            discriminator = check_name_is_str(expr["discriminator"], info, "'discriminator'")
        branches = expr["data"]
        if not isinstance(branches, dict):
            raise QapiError("'data' must be an object", info)
        normalized = []
        for key, value in branches.items():
            source = f"'data' member '{key}'"
            branch = value if isinstance(value, dict) else {"type": value}
            check_keys(branch, info, source, ["type"], ["if"])
            ifcond, _ = self._if_and_features(branch, source)
            if simple:
                ref = self._type_name_or_array(branch["type"], source)
            elif not isinstance(branch["type"], str):
                raise QapiError(f"{source} should be a type name", info)
            else:
                ref = branch["type"]
            normalized.append(MemberDef(key, ref, False, ifcond))
        return replace(self.base, members=tuple(normalized), base=base, discriminator=discriminator)

    def _alternate(self, expr: dict[str, object], name: str) -> Definition:
        info = self.info
        branches = expr["data"]
        if not branches:
            raise QapiError("'data' must not be empty", info)
        if not isinstance(branches, dict):
            raise QapiError("'data' must be an object", info)
        normalized = []
        for key, value in branches.items():
            source = f"'data' member '{key}'"
            check_name_lower(key, info, source, self.old_names, self.old_names)
            branch = value if isinstance(value, dict) else {"type": value}
            check_keys(branch, info, source, ["type"], ["if"])
            ifcond, _ = self._if_and_features(branch, source)
            ref = self._type_name_or_array(branch["type"], source)
            normalized.append(MemberDef(key, ref, False, ifcond))
        return replace(self.base, members=tuple(normalized))

    def _command(self, expr: dict[str, object], name: str) -> Definition:
        definition = self._event(expr, name)
        if "returns" in expr:
            returns = self._type_name_or_array(expr["returns"], "'returns'")
            definition = replace(definition, returns=returns)
        return definition

    def _event(self, expr: dict[str, object], name: str) -> Definition:
        data = expr.get("data")
        if expr.get("boxed", False):
            if "data" not in expr:
                raise QapiError("'boxed': true requires 'data'", self.info)
            if not isinstance(data, str):
                raise QapiError("'data' should be a type name", self.info)
        if data is None:
            return self.base
        arguments = self._implicit(data, "'data'", name)
        if isinstance(arguments, str):
            return replace(self.base, data_type=arguments)
        return replace(self.base, members=arguments)

    # Parts shared by several meta-types.

    def _implicit(self, value: object, source: str, parent: str) -> str | tuple[MemberDef, ...]:
        """A type name, or the members of an implicit type."""
        if isinstance(value, str):
            return value
        if not isinstance(value, dict):
            raise QapiError(f"{source} should be an object or type name", self.info)
        return self._members(value, source, parent)

    def _members(
        self, members: dict[str, object], source: str, parent: str
    ) -> tuple[MemberDef, ...]:
        info = self.info
        permit = self.old_names or parent in self.pragma.member_name_exceptions
        normalized = []
        for key, value in members.items():
            key_source = f"{source} member '{key}'"
            name = key.removeprefix("*")
            check_name_lower(name, info, key_source, permit, permit)
            if c_name(name) == "u" or c_name(name).startswith("has_"):
                raise QapiError(f"{key_source} uses reserved name", info)
            if self.dialect is Dialect.QEMU_1 and isinstance(value, dict):
                # QEMU 1.x: a nested anonymous struct.
                nested = NestedRef(self._members(value, key_source, parent))
                normalized.append(MemberDef(name, nested, key.startswith("*")))
                continue
            member = value if isinstance(value, dict) else {"type": value}
            check_keys(member, info, key_source, ["type"], ["if", "features"])
            ifcond, features = self._if_and_features(member, key_source)
            ref = self._type_name_or_array(member["type"], key_source)
            normalized.append(MemberDef(name, ref, key.startswith("*"), ifcond, features))
        return tuple(normalized)

    def _if_and_features(
        self, value: dict[str, object], source: str
    ) -> tuple[object, tuple[Feature, ...]]:
        ifcond = normalize_if(value.get("if"), self.old_forms)
        if "if" in value:
            check_if(ifcond, self.info, source, self.old_forms)
        return ifcond, check_features(value.get("features"), self.info, self.old_forms)

    def _type_name_or_array(self, value: object, source: str) -> str | ArrayRef:
        if isinstance(value, str):
            return value
        if not isinstance(value, list):
            raise QapiError(f"{source} should be a type name or array", self.info)
        if len(value) != 1 or not isinstance(value[0], str):
            raise QapiError(f"{source}: array type must contain single type name", self.info)
        return ArrayRef(value[0])


def _check_doc_sections(doc: QapiDoc, meta: str, expr: dict[str, object]) -> None:
    returns = doc.section("Returns")
    if returns is not None:
        if meta != "command":
            raise QapiError("'Returns' section is only valid for commands", returns.info)
        if "returns" not in expr:
            raise QapiError("'Returns' section, but command doesn't return anything", returns.info)
    errors = doc.section("Errors")
    if errors is not None and meta != "command":
        raise QapiError("'Errors' section is only valid for commands", errors.info)
