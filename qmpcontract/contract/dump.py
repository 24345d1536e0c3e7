"""Write a :class:`~qmpcontract.model.contract.Contract` back as contract JSON.

The inverse of :func:`qmpcontract.contract.build.build_contract`: loading a
contract and dumping it gives the same JSON (versions in their canonical
spelling, defaults such as ``allow_oob: false`` omitted), which the tests prove
for every shipped contract.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from qmpcontract.model.contract import (
    Command,
    Contract,
    ErrorClass,
    Event,
    JobEnd,
    JobSpec,
    Lifecycle,
    Party,
    Reference,
    Rule,
)
from qmpcontract.model.frozen_json import thaw
from qmpcontract.model.versions import QemuRange


def _reference(ref: Reference) -> dict[str, Any]:
    return {f.name: getattr(ref, f.name) for f in fields(ref) if getattr(ref, f.name) is not None}


def _range(span: QemuRange) -> dict[str, str]:
    out = {}
    if span.since is not None:
        out["since"] = str(span.since)
    if span.until is not None:
        out["until"] = str(span.until)
    return out


def _party(party: Party) -> dict[str, Any]:
    out: dict[str, Any] = {"name": party.name}
    if party.role is not None:
        out["role"] = party.role
    if party.versions is not None:
        out["versions"] = _range(party.versions)
    if party.agreed:
        out["agreed"] = [_reference(r) for r in party.agreed]
    return out


def _lifecycle(life: Lifecycle, out: dict[str, Any]) -> None:
    if life.since is not None:
        out["since"] = str(life.since)
    out["status"] = life.status.value
    if life.deprecated is not None:
        dep: dict[str, Any] = {"version": str(life.deprecated.version)}
        if life.deprecated.replacement is not None:
            dep["replacement"] = life.deprecated.replacement
        if life.deprecated.note is not None:
            dep["note"] = life.deprecated.note
        out["deprecated"] = dep
    if life.removed is not None:
        rem: dict[str, Any] = {"version": str(life.removed.version)}
        if life.removed.note is not None:
            rem["note"] = life.removed.note
        out["removed"] = rem


def _element(element: Command | Event | ErrorClass) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": element.summary}
    _lifecycle(element.lifecycle, out)
    if element.agreed:
        out["agreed"] = [_reference(r) for r in element.agreed]
    return out


def _command(command: Command) -> dict[str, Any]:
    out = _element(command)
    if command.arguments is not None:
        out["arguments"] = thaw(command.arguments)
    if command.returns is not None:
        out["returns"] = thaw(command.returns)
    out["errors"] = list(command.errors)
    if command.job is not None:
        out["job"] = _job(command.job)
    if command.allow_oob:
        out["allow_oob"] = True
    if command.safe:
        out["safe"] = True
    return out


def _event(event: Event) -> dict[str, Any]:
    out = _element(event)
    if event.data is not None:
        out["data"] = thaw(event.data)
    return out


def _error(error: ErrorClass) -> dict[str, Any]:
    out = _element(error)
    if error.aliases:
        aliases = []
        for alias in error.aliases:
            item: dict[str, Any] = {"name": alias.name, "origin": alias.origin}
            for key in ("since", "until"):
                value = getattr(alias, key)
                if value is not None:
                    item[key] = str(value)
            for key in ("seen_in", "note"):
                if getattr(alias, key) is not None:
                    item[key] = getattr(alias, key)
            if alias.commands is not None:
                item["commands"] = list(alias.commands)
            aliases.append(item)
        out["aliases"] = aliases
    return out


def _rule(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rule.id,
        "level": rule.level.value,
        "category": rule.category.value,
        "party": rule.party.value,
        "statement": rule.statement,
    }
    if rule.rationale is not None:
        out["rationale"] = rule.rationale
    out["sources"] = [_reference(r) for r in rule.sources]
    if rule.check is not None:
        check: dict[str, Any] = {"kind": rule.check.kind}
        params = thaw(rule.check.params)
        if params:
            check["params"] = params
        out["check"] = check
    return out


def contract_to_json(contract: Contract) -> dict[str, Any]:
    """Return the contract document for *contract* (without ``$schema``)."""
    out: dict[str, Any] = {
        "contract": contract.id,
        "version": str(contract.version),
        "title": contract.title,
        "summary": contract.summary,
        "status": contract.status.value,
        "producer": _party(contract.producer),
        "consumers": [_party(c) for c in contract.consumers],
        "agreed": [_reference(r) for r in contract.agreed],
    }
    if contract.requires:
        out["requires"] = [
            {"contract": r.contract, "version": str(r.version)} for r in contract.requires
        ]
    if contract.changes is not None:
        out["changes"] = contract.changes
    types = thaw(contract.types)
    if types:
        out["types"] = types
    if contract.commands:
        out["commands"] = {c.name: _command(c) for c in contract.commands}
    if contract.events:
        out["events"] = {e.name: _event(e) for e in contract.events}
    if contract.errors:
        out["errors"] = {e.name: _error(e) for e in contract.errors}
    if contract.rules:
        out["rules"] = [_rule(r) for r in contract.rules]
    return out


def _job_event(event: JobEnd) -> dict[str, Any]:
    out: dict[str, Any] = {"event": event.event, "id_member": event.id_member}
    if event.when:
        out["when"] = dict(event.when)
    return out


def _job(spec: JobSpec) -> dict[str, Any]:
    job: dict[str, Any] = {}
    if spec.type is not None:
        job["type"] = spec.type
    job["id_from"] = list(spec.id_from)
    job["terminal_events"] = [_job_event(e) for e in spec.terminal_events]
    cancel = spec.cancel_after_ready
    if cancel is not None:
        job["cancel_after_ready"] = {
            "ready": _job_event(cancel.ready),
            "command": cancel.command,
            "id_argument": cancel.id_argument,
            **({"unless": cancel.unless} if cancel.unless else {}),
            "ends_with": cancel.ends_with,
        }
    if spec.aborting is not None:
        job["aborting"] = {
            "signal": _job_event(spec.aborting.signal),
            "ends_with": [
                {"event": e.event, **({"carrying": e.carrying} if e.carrying else {})}
                for e in spec.aborting.ends_with
            ],
        }
    if spec.note is not None:
        job["note"] = spec.note
    return job
