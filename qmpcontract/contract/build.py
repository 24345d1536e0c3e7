"""Build frozen model objects from a contract document that passed every check.

The input is trusted here: the meta-schema and the semantic checks ran first,
so this module only converts (strings to versions and enums, JSON to frozen
JSON) and never validates.  :func:`contract_to_json` is the inverse, used to
write contracts and to prove the model loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qmpcontract.location import join_pointer
from qmpcontract.model.contract import (
    Aborting,
    CancelAfterReady,
    Category,
    CheckSpec,
    Command,
    Contract,
    ContractStatus,
    Deprecation,
    ElementStatus,
    ErrorClass,
    Event,
    JobEnd,
    JobEnding,
    JobSpec,
    Level,
    Lifecycle,
    Obliged,
    Party,
    Reference,
    Removal,
    Requirement,
    Rule,
    Spelling,
)
from qmpcontract.model.frozen_json import freeze
from qmpcontract.model.versions import QemuRange, QemuVersion, SemVer, VersionRequirement

_REFERENCE_FIELDS = ("kind", "title", "url", "date", "commit", "repo", "section", "note")


def _qv(value: object) -> QemuVersion | None:
    return QemuVersion.parse(value) if isinstance(value, str) else None


def _reference(raw: Mapping[str, Any]) -> Reference:
    return Reference(**{k: raw[k] for k in _REFERENCE_FIELDS if k in raw})


def _references(raw: object) -> tuple[Reference, ...]:
    return tuple(_reference(r) for r in raw) if isinstance(raw, list) else ()


def _lifecycle(raw: Mapping[str, Any]) -> Lifecycle:
    deprecated = raw.get("deprecated")
    removed = raw.get("removed")
    return Lifecycle(
        status=ElementStatus(raw["status"]),
        since=_qv(raw.get("since")),
        deprecated=Deprecation(
            QemuVersion.parse(deprecated["version"]),
            deprecated.get("replacement"),
            deprecated.get("note"),
        )
        if deprecated
        else None,
        removed=Removal(QemuVersion.parse(removed["version"]), removed.get("note"))
        if removed
        else None,
    )


def _party(raw: Mapping[str, Any]) -> Party:
    versions = raw.get("versions")
    span = QemuRange(_qv(versions.get("since")), _qv(versions.get("until"))) if versions else None
    return Party(raw["name"], span, raw.get("role"), _references(raw.get("agreed", ())))


def _job_event(raw: Mapping[str, Any]) -> JobEnd:
    return JobEnd(raw["event"], raw["id_member"], tuple(sorted(raw.get("when", {}).items())))


def _job(raw: Mapping[str, Any]) -> JobSpec:
    cancel = raw.get("cancel_after_ready")
    aborting = raw.get("aborting")
    return JobSpec(
        tuple(raw["id_from"]),
        tuple(_job_event(e) for e in raw["terminal_events"]),
        raw.get("note"),
        raw.get("type"),
        CancelAfterReady(
            _job_event(cancel["ready"]),
            cancel["command"],
            cancel["id_argument"],
            cancel["ends_with"],
            cancel.get("unless"),
        )
        if cancel
        else None,
        Aborting(
            _job_event(aborting["signal"]),
            tuple(JobEnding(e["event"], e.get("carrying")) for e in aborting["ends_with"]),
        )
        if aborting
        else None,
    )


def _command(name: str, raw: Mapping[str, Any]) -> Command:
    job = raw.get("job")
    return Command(
        name=name,
        summary=raw["summary"],
        lifecycle=_lifecycle(raw),
        arguments=freeze(raw["arguments"]) if "arguments" in raw else None,
        returns=freeze(raw["returns"]) if "returns" in raw else None,
        errors=tuple(raw["errors"]),
        job=_job(job) if job else None,
        allow_oob=raw.get("allow_oob", False),
        safe=raw.get("safe", False),
        agreed=_references(raw.get("agreed")),
        pointer=join_pointer("", "commands", name),
    )


def _event(name: str, raw: Mapping[str, Any]) -> Event:
    return Event(
        name=name,
        summary=raw["summary"],
        lifecycle=_lifecycle(raw),
        data=freeze(raw["data"]) if "data" in raw else None,
        agreed=_references(raw.get("agreed")),
        pointer=join_pointer("", "events", name),
    )


def _error(name: str, raw: Mapping[str, Any]) -> ErrorClass:
    return ErrorClass(
        name=name,
        summary=raw["summary"],
        lifecycle=_lifecycle(raw),
        aliases=tuple(
            Spelling(
                a["name"],
                a["origin"],
                _qv(a.get("since")),
                _qv(a.get("until")),
                a.get("seen_in"),
                a.get("note"),
                tuple(a["commands"]) if "commands" in a else None,
            )
            for a in raw.get("aliases", [])
        ),
        agreed=_references(raw.get("agreed")),
        pointer=join_pointer("", "errors", name),
    )


def _rule(index: int, raw: Mapping[str, Any]) -> Rule:
    check = raw.get("check")
    return Rule(
        id=raw["id"],
        level=Level(raw["level"]),
        category=Category(raw["category"]),
        statement=raw["statement"],
        sources=_references(raw["sources"]),
        party=Obliged(raw["party"]),
        check=CheckSpec(check["kind"], freeze(check.get("params", {}))) if check else None,
        rationale=raw.get("rationale"),
        pointer=join_pointer("", "rules", index),
    )


def build_contract(raw: Mapping[str, Any], path: str) -> Contract:
    """Convert a checked contract document into a :class:`Contract`."""
    return Contract(
        id=raw["contract"],
        version=SemVer.parse(raw["version"]),
        title=raw["title"],
        summary=raw["summary"],
        status=ContractStatus(raw["status"]),
        producer=_party(raw["producer"]),
        consumers=tuple(_party(c) for c in raw["consumers"]),
        agreed=_references(raw["agreed"]),
        requires=tuple(
            Requirement(r["contract"], VersionRequirement.parse(r["version"]))
            for r in raw.get("requires", [])
        ),
        types=freeze(raw.get("types", {})),
        commands=tuple(_command(n, c) for n, c in raw.get("commands", {}).items()),
        events=tuple(_event(n, e) for n, e in raw.get("events", {}).items()),
        errors=tuple(_error(n, e) for n, e in raw.get("errors", {}).items()),
        rules=tuple(_rule(i, r) for i, r in enumerate(raw.get("rules", []))),
        changes=raw.get("changes"),
        path=path,
    )
