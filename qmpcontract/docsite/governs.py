"""Which rules govern which commands and events of a contract, for links both ways.

A rule governs an element when its machine check names it (``names-kept``'s
lists, a job rule's commands, the event a state machine follows), when its
check applies to every element of that kind (``arguments-schema`` to every
command, ``event-data-schema`` to every event, ``version-window`` to all), when
it is a job rule and the element starts or ends a job, or when its statement
names the element.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from qmpcontract.model.check_kinds import CHECK_KINDS
from qmpcontract.model.contract import Contract, ElementKind, Rule
from qmpcontract.model.frozen_json import thaw

Element = tuple[str, str]  # ("command" | "event", name)

# Kinds that judge every command, every event, or both, unless their parameters narrow them.
_EVERY: Mapping[str, tuple[str, ...]] = {
    "arguments-schema": ("command",),
    "returns-schema": ("command",),
    "error-class-allowed": ("command",),
    "event-data-schema": ("event",),
    "deprecated-use": ("command", "event"),
    "version-window": ("command", "event"),
    "compatible-evolution": ("command", "event"),
    "deprecation-window": ("command", "event"),
}
_JOBS = ("job-terminal-event", "job-verbs", "job-state-machine")
_KIND_NAME = {ElementKind.COMMAND: "command", ElementKind.EVENT: "event"}


def element_anchor(element: Element) -> str:
    """The anchor of a command's or event's section: ``command-block-stream``."""
    return f"{element[0]}-{element[1]}"


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _job_elements(contract: Contract, commands: list[str] | None) -> set[Element]:
    found: set[Element] = set()
    for command in contract.commands:
        if command.job is None or (commands is not None and command.name not in commands):
            continue
        found.add(("command", command.name))
        found |= {("event", end.event) for end in command.job.terminal_events}
    return found


def _by_check(rule: Rule, contract: Contract, everything: set[Element]) -> set[Element]:
    if rule.check is None:
        return set()
    params = thaw(rule.check.params)
    params = params if isinstance(params, dict) else {}
    kind = CHECK_KINDS.get(rule.check.kind)
    found: set[Element] = set()
    narrowed = False
    for param, element_kind in kind.element_params if kind else ():
        if param in params and element_kind in _KIND_NAME:
            narrowed = True
            found |= {(_KIND_NAME[element_kind], n) for n in _names(params[param])}
    if rule.check.kind in _EVERY and not narrowed:
        found |= {e for e in everything if e[0] in _EVERY[rule.check.kind]}
    if rule.check.kind in _JOBS:
        commands = _names(params.get("commands")) if "commands" in params else None
        if rule.check.kind == "job-verbs":
            verbs = [v.get("command") for v in params.get("verbs", []) if isinstance(v, dict)]
            found |= {("command", c) for c in verbs if isinstance(c, str)}
        else:
            found |= _job_elements(contract, commands)
    return found


def governs(contract: Contract) -> dict[str, tuple[Element, ...]]:
    """Rule id -> the contract's commands and events it governs, in the contract's order."""
    everything = [("command", c.name) for c in contract.commands]
    everything += [("event", e.name) for e in contract.events]
    known = set(everything)
    out: dict[str, tuple[Element, ...]] = {}
    for rule in contract.rules:
        found = _by_check(rule, contract, known)
        for element in everything:
            if re.search(rf"(?<![\w-]){re.escape(element[1])}(?![\w-])", rule.statement):
                found.add(element)
        out[rule.id] = tuple(e for e in everything if e in found)
    return out


def governed_by(contract: Contract) -> dict[Element, tuple[Rule, ...]]:
    """Command or event -> the rules that govern it, in the contract's order."""
    table = governs(contract)
    out: dict[Element, list[Rule]] = {}
    for rule in contract.rules:
        for element in table[rule.id]:
            out.setdefault(element, []).append(rule)
    return {key: tuple(value) for key, value in out.items()}
