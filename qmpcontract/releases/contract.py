"""The contracts a transcript brings with it: QEMU's own API, and its release's error classes.

For a transcript whose QEMU version is known, :func:`supplement` gives the
checker, next to the agreed contracts:

- the API of that QEMU build: the ``query-qmp-schema`` reply the transcript
  carries (contract ``qemu-introspection``), or one given with ``--schema``,
  else the shipped data of its release (``qemu-release``;
  :mod:`qmpcontract.releases.data`): every command, event and type, checked
  closed both ways, with the rules that a build answers only the commands and
  sends only the events it declares;
- the error classes of its release (``qemu-error-classes``), with when each
  class QEMU ever had came and went, so that a class from another release is
  named as such.

When the release data has no entry of the version's own release, the nearest
release below it is used together with the one above: what the build may have
gained in between (a command, an event, a member, an error class) is not held
against it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from qmpcontract.contract.build import build_contract
from qmpcontract.importers.self_described import embedded_contracts, snapshot_rules
from qmpcontract.importers.to_contract import snapshot_contract
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import Supplement
from qmpcontract.model.qemu_api import ApiSnapshot
from qmpcontract.model.transcript import Session
from qmpcontract.model.versions import QemuVersion
from qmpcontract.releases import data as release_data
from qmpcontract.releases.tolerant import tolerant

RELEASE_ID = "qemu-release"
ERRORS_ID = "qemu-error-classes"
QEMU = "https://gitlab.com/qemu-project/qemu/-/commit/"


def _undescribed(document: dict[str, Any], commands: Sequence[str], events: Sequence[str]) -> None:
    """Add the commands and events the build names but no schema describes."""
    version = document["producer"]["versions"]["since"]
    for name in commands:
        document["commands"].setdefault(
            name,
            {
                "summary": f"The command '{name}', which QEMU {version} names without a schema.",
                "since": version,
                "status": "stable",
                "arguments": {"type": "object"},
                "returns": {},
                "errors": [],
            },
        )
    for name in events:
        document["events"].setdefault(
            name,
            {
                "summary": f"The event '{name}', which QEMU {version} names without a schema.",
                "since": version,
                "status": "stable",
                "data": {"type": "object"},
            },
        )


@lru_cache(maxsize=8)
def _release_contract(
    data: release_data.ReleaseData,
    release: release_data.Release,
    after: release_data.Release | None,
) -> Contract:
    snapshot: ApiSnapshot = data.snapshot(release)
    commands, events = list(release.undescribed_commands), list(release.undescribed_events)
    complete_commands, complete_events = release.complete_commands, release.complete_events
    if after is not None:
        snapshot = tolerant(snapshot, data.snapshot(after))
        commands += after.undescribed_commands
        events += after.undescribed_events
        complete_commands = complete_commands and after.complete_commands
        complete_events = complete_events and after.complete_events
    document = snapshot_contract(
        snapshot,
        contract_id=RELEASE_ID,
        origin=f"the release data of QEMU {release.label}"
        + (f" and of QEMU {after.label}" if after else ""),
        version=release.version,
        masked_names=False,
        all_commands=complete_commands,
        all_events=complete_events,
    )
    _undescribed(document, commands, events)
    _deprecated_since(document, data.deprecated)
    return build_contract(document, data.display)


def _deprecated_since(
    document: dict[str, Any], since: Mapping[str, tuple[QemuVersion, QemuVersion | None]]
) -> None:
    """Date each deprecation with the releases of the data that first mark it."""
    for kind in ("command", "event"):
        for name, entry in document[f"{kind}s"].items():
            found = since.get(f"{kind}:{name}")
            if "deprecated" not in entry or found is None:
                continue
            marked, earliest = found
            note = f"first marked deprecated in the release data of {marked}"
            if earliest is not None:
                note += f" (a release the data lacks may have been first: {earliest} or later)"
            entry["deprecated"] = {"version": str(earliest or marked), "note": note}


def release_contract(data: release_data.ReleaseData, match: release_data.ReleaseMatch) -> Contract:
    """The ``qemu-release`` contract of *match* (which must have a release)."""
    assert match.release is not None
    return _release_contract(data, match.release, match.after)


def _error_entry(history: release_data.ErrorClassHistory) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "summary": f"{history.describe()}.",
        "status": "removed" if history.removed else "stable",
        "agreed": [],
    }
    if history.since is not None:
        entry["since"] = str(history.since)
    if history.removed is not None:
        note = history.removed_by[:10] if history.removed_by else None
        entry["removed"] = {"version": str(history.removed), **({"note": note} if note else {})}
    for commit in (history.added_by, history.removed_by):
        if commit:
            entry["agreed"].append(
                {"kind": "commit", "title": commit[:10], "repo": "qemu", "commit": commit}
            )
    if history.old_table:
        entry["agreed"].append(
            {"kind": "source", "title": "QEMU's error table before 1.2 (qerror.h)"}
        )
    return entry


def _error_document(
    version: QemuVersion,
    classes: frozenset[str],
    history: Mapping[str, release_data.ErrorClassHistory],
) -> dict[str, Any]:
    source = {"kind": "source", "title": f"the release data of QEMU {version}"}
    return {
        "contract": ERRORS_ID,
        "version": f"{version.major}.{version.minor}.{version.micro}",
        "title": f"The error classes of QEMU {version}",
        "summary": "The error classes QEMU's release can send, and when every class QEMU "
        "has had came and went (from the ErrorClass enum of its QAPI sources, and before "
        "QEMU 1.2 its error table).",
        "status": "agreed",
        "producer": {"name": "qemu", "versions": {"since": str(version)}},
        "consumers": [{"name": "libvirt"}],
        "agreed": [source],
        "errors": {name: _error_entry(h) for name, h in sorted(history.items())},
        "rules": [
            {
                "id": f"{ERRORS_ID}/release",
                "level": "MUST",
                "category": "abi",
                "party": "producer",
                "statement": "QEMU answers errors only with the error classes of its release.",
                "sources": [source],
                "check": {"kind": "error-class-known", "params": {"classes": sorted(classes)}},
            }
        ],
    }


@lru_cache(maxsize=8)
def _error_contract(
    data: release_data.ReleaseData, version: QemuVersion, classes: frozenset[str]
) -> Contract:
    return build_contract(_error_document(version, classes, data.history), data.display)


def error_class_contract(data: release_data.ReleaseData, version: QemuVersion) -> Contract | None:
    """The ``qemu-error-classes`` contract of QEMU *version*, or None if they are not known."""
    classes = data.error_classes(version)
    if classes is None:
        return None
    return _error_contract(data, version, classes)


def supplement(
    sessions: Sequence[Session],
    version: QemuVersion | None,
    *,
    use_release_data: bool = True,
    embedded: bool = True,
    schema: Contract | None = None,
) -> Supplement:
    """What a transcript brings: its QEMU API and its release's error classes.

    *schema* (``--schema``) replaces the transcript's own ``query-qmp-schema``
    reply; without either, the release data gives the API (unless
    *use_release_data* is false).

    :raise ReleaseDataError: if the shipped release data is needed and broken.
    """
    contracts: list[Contract] = []
    notes: list[str] = []
    if schema is not None:
        contracts.append(schema)
        notes.append(f"QEMU's schema given: {schema.title}")
    elif embedded:
        own = embedded_contracts(sessions, version)
        contracts.extend(own.contracts)
        notes.extend(own.notes)
    if not use_release_data:
        return Supplement(tuple(contracts), tuple(notes))
    if version is None:
        return Supplement(tuple(contracts), (*notes, "QEMU version unknown: no release data used"))
    data = release_data.load()
    match = data.lookup(version)
    if match.release is None or not contracts:
        notes.append(match.note())
    if match.release is not None and not contracts:
        contracts.append(release_contract(data, match))
    errors = error_class_contract(data, version)
    if errors is not None:
        contracts.append(errors)
    return Supplement(tuple(contracts), tuple(notes))


def known_rules() -> list[Contract]:
    """Contracts stating every rule :func:`supplement` can bring (for ``--select`` and reports)."""
    empty = ApiSnapshot({}, {}, {}, QemuVersion(0, 0), "")
    release = snapshot_contract(
        empty, contract_id=RELEASE_ID, origin="release data", version=QemuVersion(0, 0),
        masked_names=False,
    )  # fmt: skip
    errors = _error_document(QemuVersion(0, 0), frozenset(), {})
    return [
        snapshot_rules(),
        snapshot_rules("qemu-qapi"),  # --schema with what 'import qapi' wrote
        build_contract(release, "release data"),
        build_contract(errors, "release data"),
    ]
