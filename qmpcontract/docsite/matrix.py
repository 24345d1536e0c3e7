"""Which QEMU releases satisfy which contract versions, from the compact API index.

A release satisfies a contract version when every command and event the contract
says exists in that release (its lifecycle: from ``since``, until ``removed``;
declared elements excepted) is there, with every argument, return member and
event data member the contract says exists in that release, arguments required
no more than agreed.  Releases outside a contract's producer range are "n/a".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qmpcontract.model.contract import Contract, ElementStatus
from qmpcontract.model.frozen_json import thaw
from qmpcontract.model.versions import QemuVersion


@dataclass(frozen=True)
class Verdict:
    """One cell of the matrix."""

    applies: bool
    missing: tuple[str, ...] = ()

    @property
    def symbol(self) -> str:
        """What the table shows."""
        if not self.applies:
            return "n/a"
        return "yes" if not self.missing else f"no ({len(self.missing)})"


def _agreed_members(schema: object, types: object, version: QemuVersion) -> dict[str, bool]:
    plain = thaw(schema)
    if isinstance(plain, dict) and isinstance(plain.get("$ref"), str):
        resolved = thaw(types)
        name = plain["$ref"].rsplit("/", 1)[-1]
        plain = resolved.get(name) if isinstance(resolved, dict) else None
    if isinstance(plain, dict) and plain.get("type") == "array":
        return _agreed_members(plain.get("items"), types, version)
    if not isinstance(plain, dict):
        return {}
    required = set(plain.get("required", []))
    out = {}
    for name, sub in (plain.get("properties") or {}).items():
        annotation = sub.get("x-qmp", {}) if isinstance(sub, dict) else {}
        since = annotation.get("since") if isinstance(annotation, dict) else None
        if since is not None and QemuVersion.parse(since) > version:
            continue
        out[name] = name in required
    return out


def verdict(contract: Contract, release: Mapping[str, Any]) -> Verdict:
    """Whether the release in *release* (an index entry) satisfies *contract*."""
    version = QemuVersion.parse(release["version"])
    span = contract.producer.versions
    if span is not None and version not in span:
        return Verdict(False)
    missing: list[str] = []
    commands, events = release["commands"], release["events"]
    for command in contract.commands:
        life = command.lifecycle
        if life.status is ElementStatus.DECLARED or not life.available_in(version):
            continue
        have = commands.get(command.name)
        if have is None:
            missing.append(f"command {command.name}")
            continue
        for name, required in _agreed_members(command.arguments, contract.types, version).items():
            if name not in have["arguments"]:
                missing.append(f"{command.name}: argument {name}")
            elif have["arguments"][name] and not required:
                missing.append(f"{command.name}: argument {name} is mandatory")
        returned = set(have["returns"])
        for name in _agreed_members(command.returns, contract.types, version):
            if returned and name not in returned:
                missing.append(f"{command.name}: returns no {name}")
    for event in contract.events:
        life = event.lifecycle
        if life.status is ElementStatus.DECLARED or not life.available_in(version):
            continue
        have = events.get(event.name)
        if have is None:
            missing.append(f"event {event.name}")
            continue
        for name in _agreed_members(event.data, contract.types, version):
            if name not in have["data"]:
                missing.append(f"{event.name}: no data member {name}")
    return Verdict(True, tuple(missing))
