"""Strategies for single QMP messages that keep every rule of a set of contracts.

:class:`MessageStrategies` is built from the contracts that apply to one QEMU
version (as the checker would select them) and knows what a conforming client
and a conforming QEMU may send:

- requests only for commands available in that version, neither declared nor
  deprecated there, with arguments a client may send (no deprecated member or
  enum value, none newer than the version);
- success responses whose return value every contract defining the command
  accepts, and error responses with a class every such contract allows, in its
  canonical spelling;
- events available in the version, with valid data and a timestamp.

A command or event defined by several contracts (a curated contract and the
transcript's own schema, say) must satisfy all of them: values are generated
from each definition in turn and kept only when every definition accepts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from qmpcontract.check.validators import adapt, member_available
from qmpcontract.generate.values import Json, MemberPolicy, ValueStrategies, any_json
from qmpcontract.model.contract import Command, Contract, ElementStatus, Event, Lifecycle
from qmpcontract.model.schema_registry import contract_uri, registry_of, schema_document
from qmpcontract.model.versions import QemuVersion

Message = dict[str, Any]
TIMESTAMP = st.fixed_dictionaries(
    {"seconds": st.integers(0, 2**40), "microseconds": st.integers(0, 999_999)}
)
DESCRIPTIONS = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)


def usable(life: Lifecycle, version: QemuVersion) -> bool:
    """True if a conforming client may use an element with this lifecycle on *version*."""
    if not life.available_in(version):
        return False
    deprecated = life.deprecated is not None and version >= life.deprecated.version
    return life.status is not ElementStatus.DEPRECATED or not deprecated


def _client_may_send(version: QemuVersion) -> Callable[[Mapping[str, Any] | None], bool]:
    def allowed(annotation: Mapping[str, Any] | None) -> bool:
        if annotation is None:
            return True
        if annotation.get("status") in ("deprecated", "declared"):
            return False
        return member_available(annotation, version)

    return allowed


def _server_may_send(version: QemuVersion) -> Callable[[Mapping[str, Any] | None], bool]:
    return lambda annotation: member_available(annotation, version)


@dataclass(frozen=True)
class Defined:
    """Where an element is defined: its contract and its pointer there."""

    contract: Contract
    pointer: str


class MessageStrategies:
    """Conforming messages for *contracts* (already selected for *version*).

    >>> from qmpcontract.contract import load_contracts
    >>> from qmpcontract.check.engine import select_contracts
    >>> version = QemuVersion.parse("7.2")
    >>> contract_set = load_contracts()
    >>> gen = MessageStrategies(select_contracts(contract_set, version, {}), version,
    ...                         referenced=contract_set)
    >>> "block-stream" in gen.usable_commands(), "block_job_cancel" in gen.usable_commands()
    (True, False)
    """

    def __init__(
        self,
        contracts: Sequence[Contract],
        version: QemuVersion,
        max_depth: int = 3,
        referenced: Iterable[Contract] = (),
    ) -> None:
        """*referenced*: further contracts whose types *contracts* may ``$ref``."""
        self.contracts = tuple(contracts)
        self.version = version
        documents = {
            contract_uri(c): adapt(schema_document(c), version) for c in [*referenced, *contracts]
        }
        self._registry = registry_of(documents.items())
        self._validators: dict[str, Draft202012Validator] = {}
        self.client_may_send = _client_may_send(version)
        self._input = ValueStrategies(
            documents, MemberPolicy(self.client_may_send), max_depth, self.is_valid
        )
        self._output = ValueStrategies(
            documents, MemberPolicy(_server_may_send(version)), max_depth, self.is_valid
        )
        self.commands: dict[str, list[tuple[Contract, Command]]] = {}
        self.events: dict[str, list[tuple[Contract, Event]]] = {}
        for contract in contracts:
            for command in contract.commands:
                self.commands.setdefault(command.name, []).append((contract, command))
            for event in contract.events:
                self.events.setdefault(event.name, []).append((contract, event))

    def values(self, sender: str) -> ValueStrategies:
        """The value strategies for what *sender* (``client`` or ``server``) may send."""
        return self._input if sender == "client" else self._output

    def is_valid(self, value: Json, where: str) -> bool:
        """True if *value* is valid for the schema at *where* (``uri#pointer``)."""
        validator = self._validators.get(where)
        if validator is None:
            validator = Draft202012Validator({"$ref": where}, registry=self._registry)
            self._validators[where] = validator
        return bool(validator.is_valid(value))

    def usable_commands(self) -> list[str]:
        """Commands a conforming client may send to this version, sorted."""
        return sorted(
            name
            for name, defs in self.commands.items()
            if all(usable(c.lifecycle, self.version) for _, c in defs)
        )

    def usable_events(self) -> list[str]:
        """Events this version may send, sorted."""
        return sorted(
            name
            for name, defs in self.events.items()
            if all(e.lifecycle.available_in(self.version) for _, e in defs)
        )

    def _agreed(
        self,
        values: ValueStrategies,
        places: list[tuple[Contract, str]],
        fallback: st.SearchStrategy[Json],
    ) -> st.SearchStrategy[Json]:
        """Values every place accepts (generated from each in turn)."""
        wheres = [f"{contract_uri(c)}#{p}" for c, p in places]
        if not wheres:
            return fallback
        candidates = st.one_of([values.for_pointer(*w.split("#", 1)) for w in wheres])
        if len(wheres) == 1:
            return candidates
        return candidates.filter(lambda v: all(self.is_valid(v, w) for w in wheres))

    def arguments(self, name: str) -> st.SearchStrategy[Json]:
        """Arguments of *name* a conforming client may send."""
        places = [
            (c, f"{cmd.pointer}/arguments") for c, cmd in self.commands[name] if cmd.arguments
        ]
        return self._agreed(self._input, places, st.just({}))

    def return_value(self, name: str) -> st.SearchStrategy[Json]:
        """A return value of *name* every defining contract accepts."""
        places = [(c, f"{cmd.pointer}/returns") for c, cmd in self.commands[name] if cmd.returns]
        return self._agreed(self._output, places, st.just({}))

    def event_data(self, name: str) -> st.SearchStrategy[Json]:
        """The data of event *name*, as every defining contract accepts it."""
        places = [(c, f"{e.pointer}/data") for c, e in self.events[name] if e.data is not None]
        return self._agreed(self._output, places, st.just({}))

    def error_classes(self, name: str) -> list[str]:
        """Error classes *name* may fail with under every contract that lists its errors."""
        allowed: set[str] | None = None
        for contract, command in self.commands[name]:
            if any(r.check and r.check.kind == "error-class-allowed" for r in contract.rules):
                listed = set(command.errors)
                allowed = listed if allowed is None else allowed & listed
        return sorted(allowed) if allowed is not None else ["GenericError"]

    def request(
        self, name: str, id_value: st.SearchStrategy[Json] | None = None, oob: bool = False
    ) -> st.SearchStrategy[Message]:
        """A request for *name*: arguments (left out when empty, sometimes), maybe an id."""
        key = "exec-oob" if oob else "execute"

        def build(arguments: Json, omit: bool, ident: tuple[bool, Json]) -> Message:
            message: Message = {key: name}
            if not (omit and arguments == {}):
                message["arguments"] = arguments
            if ident[0]:
                message["id"] = ident[1]
            return message

        ids = (
            st.tuples(st.booleans(), any_json(1))
            if id_value is None
            else st.tuples(st.just(True), id_value)
        )
        return st.builds(build, self.arguments(name), st.booleans(), ids)

    def success(self, name: str) -> st.SearchStrategy[Message]:
        """A success response to *name* (without id: the session adds it).

        ``query-version`` reports this QEMU version: the checker reads it.
        """
        values = self.return_value(name)
        if name == "query-version":
            values = values.map(self._this_version)
        return values.map(lambda value: {"return": value})

    def _this_version(self, value: Json) -> Json:
        if isinstance(value, dict) and isinstance(value.get("qemu"), dict):
            v = self.version
            return {
                **value,
                "qemu": {**value["qemu"], "major": v.major, "minor": v.minor, "micro": v.micro},
            }
        return value

    def error(self, name: str) -> st.SearchStrategy[Message]:
        """An error response to *name* (without id), with an allowed class."""
        return st.builds(
            lambda cls, desc: {"error": {"class": cls, "desc": desc}},
            st.sampled_from(self.error_classes(name)),
            DESCRIPTIONS,
        )

    def event(self, name: str, data: Mapping[str, Any] | None = None) -> st.SearchStrategy[Message]:
        """Event *name*; members in *data* override the generated ones."""

        def build(generated: Json, timestamp: Json) -> Message:
            message: Message = {"event": name, "timestamp": timestamp}
            if isinstance(generated, dict) and data:
                generated = {**generated, **data}
            if generated != {} or data is not None or self._has_data(name):
                message["data"] = generated
            return message

        return st.builds(build, self.event_data(name), TIMESTAMP)

    def _has_data(self, name: str) -> bool:
        return any(e.data is not None for _, e in self.events.get(name, []))

    def greeting(self, capabilities: Sequence[str] = ("oob",)) -> Message:
        """The greeting of this QEMU version."""
        v = self.version
        return {
            "QMP": {
                "version": {
                    "qemu": {"micro": v.micro, "minor": v.minor, "major": v.major},
                    "package": "",
                },
                "capabilities": list(capabilities),
            }
        }
