"""Turn an ApiSnapshot into a snapshot contract: every command, event and type as JSON Schema.

Direction decides strictness, as in QEMU's compatibility rules: what clients
send (command arguments) is checked closed, because QEMU rejects unknown
members; what QEMU sends (returns, events) is open, because clients must
ignore members they do not know.  A type used in both directions therefore
appears twice in ``types``: ``in.<name>`` and ``out.<name>``.  Unions become
an object with ``if``/``then`` per tag value (closed ones use
``unevaluatedProperties``, which sees the branch members); alternates become
``anyOf``; ``any`` accepts anything.  Names of types come from the snapshot
(QAPI names) or, for introspection's masked names, from where a type is first
used (``in.block-stream``, ``out.query-block-jobs.items``): nothing is keyed on
masked names.

Commands whose QAPI definition says ``'gen': false`` (``device_add``, and the
old ``netdev_add``) have deliberately incomplete argument schemas: their known
members are checked, unknown ones allowed.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from typing import Any

from qmpcontract.model.qemu_api import (
    AlternateType,
    ApiSnapshot,
    ArrayType,
    BuiltinType,
    EnumType,
    Member,
    ObjectType,
)
from qmpcontract.model.versions import QemuVersion

Schema = dict[str, Any]
INCOMPLETE_ARGUMENTS = frozenset({"device_add", "netdev_add"})  # 'gen': false in QAPI
_NAME_OK = re.compile(r"[^A-Za-z0-9_.-]")
_BUILTIN_SCHEMAS: dict[str, Schema] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "null": {"type": "null"},
    "object": {"type": "object"},
    "array": {"type": "array"},
    "value": {},
}


def _annotation(features: tuple[str, ...], version: QemuVersion, name: str = "") -> Schema:
    out: Schema = {}
    if "deprecated" in features:
        out["status"] = "deprecated"
        out["deprecated"] = {"version": str(version), "note": "deprecated in this build"}
    elif "unstable" in features or name.startswith("x-"):
        out["status"] = "unstable"
    other = [f for f in features if f not in ("deprecated", "unstable")]
    if other:
        out["note"] = "features: " + ", ".join(other)
    return out


class _Namer:
    """Readable, unique type names: the snapshot's own, or the path of first use."""

    def __init__(self, snapshot: ApiSnapshot, masked: bool) -> None:
        self.snapshot = snapshot
        self.masked = masked
        self.names: dict[tuple[str, str], str] = {}
        self.taken: set[str] = set()

    def name(self, type_id: str, direction: str, path: str) -> str:
        key = (type_id, direction)
        if key not in self.names:
            base = path if self.masked else type_id
            base = f"{direction}.{_NAME_OK.sub('_', base)}"
            name, n = base, 2
            while name in self.taken:
                name, n = f"{base}.{n}", n + 1
            self.taken.add(name)
            self.names[key] = name
        return self.names[key]


class _Builder:
    def __init__(self, snapshot: ApiSnapshot, version: QemuVersion, masked: bool) -> None:
        self.snapshot = snapshot
        self.version = version
        self.namer = _Namer(snapshot, masked)
        self.types: dict[str, Schema] = {}
        self.queue: deque[tuple[str, str, str]] = deque()

    def ref(self, type_id: str, direction: str, path: str) -> Schema:
        api_type = self.snapshot.type(type_id)
        if isinstance(api_type, BuiltinType):
            schema: Schema = dict(_BUILTIN_SCHEMAS[api_type.json_type])
            if api_type.minimum is not None:
                schema["minimum"] = api_type.minimum
            if api_type.maximum is not None:
                schema["maximum"] = api_type.maximum
            return schema
        name = self.namer.name(type_id, direction, path)
        if name not in self.types:
            self.types[name] = {}  # reserved; filled by drain()
            self.queue.append((type_id, direction, name))
        return {"$ref": f"#/types/{name}"}

    def drain(self) -> None:
        while self.queue:
            type_id, direction, name = self.queue.popleft()
            self.types[name] = self.schema(type_id, direction, name)

    def member(self, member: Member, direction: str, path: str) -> Schema:
        schema = self.ref(member.type, direction, f"{path}.{member.name}")
        annotation = _annotation(member.features, self.version, member.name)
        if member.condition is not None:
            annotation["condition"] = member.condition
        if annotation:
            schema = (
                {"allOf": [schema], "x-qmp": annotation}
                if "$ref" in schema
                else {
                    **schema,
                    "x-qmp": annotation,
                }
            )
        return schema

    def body(self, api_type: ObjectType, direction: str, path: str, depth: int = 0) -> Schema:
        """Properties, required and variant branches of an object, without closing it."""
        out: Schema = {"type": "object"}
        props = {m.name: self.member(m, direction, path) for m in api_type.members}
        if props:
            out["properties"] = props
        # A member under a QAPI condition ('if': 'TARGET_S390X') exists only in the builds
        # whose configuration meets it: on the wire it may be absent.
        required = [m.name for m in api_type.members if not m.optional and m.condition is None]
        if required:
            out["required"] = required
        variants = api_type.variants
        if variants is not None and depth < 8:
            branches = []
            for case, branch_id in sorted(variants.branches.items()):
                branch = self.snapshot.type(branch_id)
                if not isinstance(branch, ObjectType):
                    continue
                inner = self.body(branch, direction, f"{path}.{case}", depth + 1)
                inner.pop("type", None)
                branches.append(
                    {
                        "if": {
                            "properties": {variants.tag: {"const": case}},
                            "required": [variants.tag],
                        },
                        "then": inner,
                    }
                )
            if branches:
                out["allOf"] = branches
        return out

    def schema(self, type_id: str, direction: str, path: str) -> Schema:
        api_type = self.snapshot.type(type_id)
        if isinstance(api_type, ObjectType):
            out = self.body(api_type, direction, path)
            if direction == "in":
                key = "unevaluatedProperties" if "allOf" in out else "additionalProperties"
                out[key] = False
            annotation = _annotation(api_type.features, self.version)
            if annotation:
                out["x-qmp"] = annotation
            return out
        if isinstance(api_type, EnumType):
            out = {"enum": [v.name for v in api_type.values]}
            values = {
                v.name: _annotation(v.features, self.version, v.name)
                for v in api_type.values
                if _annotation(v.features, self.version, v.name)
            }
            if values:
                out["x-qmp"] = {"values": values}
            return out
        if isinstance(api_type, ArrayType):
            return {
                "type": "array",
                "items": self.ref(api_type.element, direction, f"{path}.items"),
            }
        if isinstance(api_type, AlternateType):
            return {
                "anyOf": [
                    self.ref(m.type, direction, f"{path}.{i}")
                    for i, m in enumerate(api_type.members)
                ]
            }
        return self.ref(type_id, direction, path)  # a builtin used as a named type


def _element(features: tuple[str, ...], version: QemuVersion, name: str) -> dict[str, Any]:
    annotation = _annotation(features, version, name)
    out: dict[str, Any] = {"since": str(version), "status": annotation.get("status", "stable")}
    if "deprecated" in annotation:
        out["deprecated"] = annotation["deprecated"]
    return out


def snapshot_contract(
    snapshot: ApiSnapshot,
    *,
    contract_id: str,
    origin: str,
    version: QemuVersion,
    masked_names: bool,
    all_commands: bool = True,
    all_events: bool = True,
) -> dict[str, Any]:
    """The snapshot contract (as contract JSON) of *snapshot* at QEMU *version*.

    *all_commands* and *all_events* say that the snapshot names every command
    or event the build has, so that one it does not name is a finding.
    """
    builder = _Builder(snapshot, version, masked_names)
    commands: dict[str, Any] = {}
    for name in sorted(snapshot.commands):
        command = snapshot.commands[name]
        entry: dict[str, Any] = {
            "summary": f"The command '{name}' as QEMU {version} describes it.",
            **_element(command.features, version, name),
        }
        arguments: Schema = {"type": "object", "additionalProperties": False}
        if command.arguments is not None:
            arguments = builder.ref(command.arguments, "in", name)
        if (not command.gen or name in INCOMPLETE_ARGUMENTS) and command.arguments is not None:
            arguments = _opened(builder, command.arguments, name)
        entry["arguments"] = arguments
        entry["returns"] = (
            builder.ref(command.returns, "out", f"{name}.return")
            if command.returns is not None
            else {"type": "object"}
        )
        entry["errors"] = []
        if command.allow_oob:
            entry["allow_oob"] = True
        commands[name] = entry
    events: dict[str, Any] = {}
    for name in sorted(snapshot.events):
        event = snapshot.events[name]
        events[name] = {
            "summary": f"The event '{name}' as QEMU {version} describes it.",
            **_element(event.features, version, name),
            "data": builder.ref(event.data, "out", name) if event.data else {"type": "object"},
        }
    builder.drain()
    document = _document(contract_id, origin, version, snapshot, builder.types, commands, events)
    statements = (
        (all_commands, "commands", "QEMU answers only the commands its schema declares; it "
         "refuses any other as unknown (CommandNotFound).", "declared-commands"),
        (all_events, "events", "QEMU sends only the events its schema declares.",
         "declared-events"),
    )  # fmt: skip
    for complete, rid, statement, kind in statements:
        if complete:
            document["rules"].append(
                _rule(contract_id, document["agreed"][0], rid, statement, kind)
            )
    return document


def _rule(
    contract_id: str,
    source: Mapping[str, Any],
    rid: str,
    statement: str,
    kind: str,
    party: str = "producer",
) -> dict[str, Any]:
    return {
        "id": f"{contract_id}/{rid}",
        "level": "MUST",
        "category": "abi",
        "party": party,
        "statement": statement,
        "sources": [source],
        "check": {"kind": kind},
    }


def _opened(builder: _Builder, type_id: str, name: str) -> Schema:
    api_type = builder.snapshot.type(type_id)
    if isinstance(api_type, ObjectType) and api_type.variants is None:
        schema = builder.body(api_type, "in", name)
        schema["x-qmp"] = {
            "incomplete": True,
            "note": "'gen': false in QAPI: known members are checked, others allowed",
        }
        return schema
    return builder.ref(type_id, "in", name)


def _document(
    contract_id: str,
    origin: str,
    version: QemuVersion,
    snapshot: ApiSnapshot,
    types: Mapping[str, Schema],
    commands: Mapping[str, Any],
    events: Mapping[str, Any],
) -> dict[str, Any]:
    source = {"kind": "source", "title": origin}
    if snapshot.source:
        source["note"] = snapshot.source
    until = QemuVersion(version.major, version.minor, version.micro + 1)
    return {
        "contract": contract_id,
        "version": f"{version.major}.{version.minor}.{version.micro}",
        "title": f"QEMU {version} QMP schema",
        "summary": f"Every command, event and type of QEMU {version}, imported from {origin}. "
        "'since' is this build's version: the element exists in it.",
        "status": "agreed",
        "producer": {"name": "qemu", "versions": {"since": str(version), "until": str(until)}},
        "consumers": [{"name": "libvirt"}],
        "agreed": [source],
        "types": dict(types),
        "commands": dict(commands),
        "events": dict(events),
        "rules": [
            _rule(
                contract_id,
                source,
                "arguments",
                "Command arguments follow QEMU's own schema.",
                "arguments-schema",
                "consumer",
            ),
            _rule(
                contract_id,
                source,
                "returns",
                "Return values follow QEMU's own schema.",
                "returns-schema",
            ),
            _rule(
                contract_id,
                source,
                "event-data",
                "Event data follow QEMU's own schema.",
                "event-data-schema",
            ),
            {
                **_rule(
                    contract_id,
                    source,
                    "undeclared-members",
                    "QEMU returns and sends only the members its own schema declares (clients "
                    "ignore the others, so an undeclared member breaks no client, but the schema "
                    "no longer describes the build).",
                    "undeclared-members",
                ),
                "level": "SHOULD",
                "category": "compat",
            },
            {
                **_rule(
                    contract_id,
                    source,
                    "deprecated-use",
                    "Clients do not use what this build marks deprecated.",
                    "deprecated-use",
                    "consumer",
                ),
                "level": "SHOULD",
                "category": "compat",
            },
        ],
    }
