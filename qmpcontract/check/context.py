"""What a rule implementation sees: its rule, its contract, and helpers.

One :class:`RuleContext` is made per (contract rule, transcript), and what it
works out (parameters, the elements a rule applies to) is worked out once.  It gives the
rule its parameters, the contract's elements it applies to, the compiled
validators for the transcript's QEMU version, and :meth:`RuleContext.finding`,
which fills in the rule id, level and contract reference so that a rule only
says what is wrong and where.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from qmpcontract.check.validators import SchemaValidator, Validators
from qmpcontract.location import Location, join_pointer
from qmpcontract.model.caches import remember
from qmpcontract.model.contract import Command, Contract, ErrorClass, Event, Level, Rule
from qmpcontract.model.findings import ContractRef, Finding
from qmpcontract.model.frozen_json import thaw
from qmpcontract.model.transcript import Message, Session, TranscriptInfo
from qmpcontract.model.versions import QemuVersion

S = TypeVar("S")


@dataclass
class RuleContext:
    """Everything one rule needs to check one transcript."""

    contract: Contract
    rule: Rule
    contracts: Sequence[Contract]  # every contract applied to this transcript
    version: QemuVersion | None
    validators: Validators
    info: TranscriptInfo
    shared: dict[object, Any] = field(default_factory=dict)  # one per transcript, for all rules
    _properties: dict[str, Mapping[str, object]] = field(default_factory=dict)
    _schemas: dict[tuple[str, str, bool], tuple[str, SchemaValidator]] = field(default_factory=dict)
    _annotated: dict[str, list[tuple[str, object]]] = field(default_factory=dict)

    def annotated_arguments(self, command: Command) -> list[tuple[str, object]]:
        """``(name, x-qmp annotation)`` of *command*'s arguments that have one.

        An argument without an annotation is neither deprecated nor versioned, so
        the rules about those never need to look at it.
        """
        found = self._annotated.get(command.name)
        if found is None:
            found = [
                (name, schema["x-qmp"])
                for name, schema in self.argument_properties(command).items()
                if isinstance(schema, dict) and schema.get("x-qmp") is not None
            ]
            self._annotated[command.name] = found
        return found

    def carry(self, session: Session, kind: type[S]) -> S:
        """What this rule keeps from one part of a connection to the next.

        *kind* is the rule's own state, a dataclass whose fields all have defaults:
        a fresh one on a connection's first part, the same object on every later
        part (see :class:`~qmpcontract.model.transcript.Session`).
        """
        return remember(session.state, self._rule_key, kind)

    @cached_property
    def _rule_key(self) -> tuple[object, ...]:
        return (self.contract.ref, self.rule.id)

    def part_schema(
        self, element: str, part: str, *, closed: bool = False
    ) -> tuple[str, SchemaValidator]:
        """The pointer of a *part* of an element of this rule's contract, and its validator.

        *element* is the element's pointer; *part* is ``arguments``, ``returns`` or ``data``;
        *closed*: of the schema with every object closed (nothing undeclared).
        """
        key = (element, part, closed)
        found = self._schemas.get(key)
        if found is None:
            pointer = join_pointer(element, part)
            validator = self.validators.for_pointer(self.contract, pointer, closed=closed)
            found = self._schemas[key] = (pointer, validator)
        return found

    @cached_property
    def _closes_output(self) -> bool:
        return any(
            r.check is not None and r.check.kind == "undeclared-members"
            for r in self.contract.rules
        )

    def closes_output(self) -> bool:
        """True if this rule's contract checks that QEMU sends nothing undeclared."""
        return self._closes_output

    @cached_property
    def params(self) -> dict[str, Any]:
        """The rule's check parameters as plain JSON."""
        value = thaw(self.rule.check.params) if self.rule.check else {}
        return value if isinstance(value, dict) else {}

    @cached_property
    def _commands(self) -> Mapping[str, Command]:
        only = self.params.get("commands")
        # one mapping for the rules of a contract that apply to the same commands, so their
        # per-session work is shared
        return remember(
            self.shared,
            self.commands_key,
            lambda: {c.name: c for c in self.contract.commands if only is None or c.name in only},
        )

    @cached_property
    def commands_key(self) -> tuple[object, ...]:
        """What identifies the commands this rule applies to, for work shared by key."""
        only = self.params.get("commands")
        return ("commands", self.contract.ref, None if only is None else tuple(only))

    @cached_property
    def requests_key(self) -> tuple[object, ...]:
        """The key of the session's requests of :meth:`commands` (shared by key)."""
        return ("requests", self.commands_key)

    def commands(self) -> Mapping[str, Command]:
        """The contract's commands this rule applies to (``params.commands`` if given)."""
        return self._commands

    @cached_property
    def _events(self) -> Mapping[str, Event]:
        only = self.params.get("events")
        return {e.name: e for e in self.contract.events if only is None or e.name in only}

    def events(self) -> Mapping[str, Event]:
        """The contract's events this rule applies to (``params.events`` if given)."""
        return self._events

    @cached_property
    def _all_events(self) -> Mapping[str, Event]:
        return {e.name: e for e in self.contract.events}

    def all_events(self) -> Mapping[str, Event]:
        """Every event of the contract, by name."""
        return self._all_events

    @cached_property
    def _error_classes(self) -> Mapping[str, ErrorClass]:
        found: dict[str, ErrorClass] = {}
        for contract in self.contracts:
            for error in contract.errors:
                for spelling in error.spellings():
                    found.setdefault(spelling, error)
        return found

    def error_classes(self) -> Mapping[str, ErrorClass]:
        """Every spelling of every error class of the applied contracts."""
        return self._error_classes

    def argument_properties(self, command: Command) -> Mapping[str, object]:
        """The ``properties`` of *command*'s argument schema, as plain JSON."""
        found = self._properties.get(command.name)
        if found is None:
            schema = thaw(command.arguments)
            properties = schema.get("properties") if isinstance(schema, dict) else None
            found = self._properties[command.name] = (
                properties if isinstance(properties, dict) else {}
            )
        return found

    def finding(
        self,
        message: str,
        at: Message | Location,
        *,
        pointer: str = "",
        element: str = "",
        expected: str | None = None,
        actual: str | None = None,
        related: Sequence[tuple[Message | Location, str]] = (),
        level: Level | None = None,
        rule_id: str | None = None,
    ) -> Finding:
        """A finding of this rule, located at a message (and a pointer inside it)."""
        location = at.raw.location if isinstance(at, Message) else at
        if pointer:
            location = dataclasses.replace(location, pointer=pointer)
        return Finding(
            rule_id=rule_id or self.rule.id,
            level=level or self.rule.level,
            message=message,
            location=location,
            contract_ref=ContractRef(
                self.contract.id,
                str(self.contract.version),
                element or self.rule.pointer,
                self.contract.path or None,
            ),
            expected=expected,
            actual=actual,
            related=tuple(
                (r.raw.location if isinstance(r, Message) else r, note) for r, note in related
            ),
            party=self.rule.party,
        )
