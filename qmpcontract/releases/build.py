"""Build the release data from the corpus: ``qmpcontract release-data build``.

Sources, all real:

- every x86_64 libvirt ``.replies`` file (``libvirt-replies/MANIFEST.tsv``):
  the build's own ``query-qmp-schema`` reply (QEMU 2.5 on), and its
  ``query-commands`` and ``query-events`` replies, which name every command and
  event of the build, the few the schema does not describe too;
- every QAPI source tree (``qapi/<tag>/qapi-schema.json``), through our QAPI
  front end: every command, event and type of the release for every target;
- QEMU's schema history (``qemu-qapi-history.bundle``): the error classes
  of each release (:mod:`qmpcontract.releases.history`).

What one release's data cannot know is said in it: a QAPI tree of QEMU 1.x
does not describe every command (most still lived in ``qmp-commands.hx``),
and one before 2.1 no event; a build answering ``query-commands`` names
commands without describing them.

Entities (:mod:`qmpcontract.model.api_codec`) are stored once however many
releases share them; a release lists the entities it has.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from qmpcontract.errors import InputError
from qmpcontract.importers.introspection import snapshot_from_schema
from qmpcontract.importers.qapi_schema import load_qapi_snapshot
from qmpcontract.location import Location
from qmpcontract.model.api_codec import Entity, encode, stable_names
from qmpcontract.model.qemu_api import ApiSnapshot
from qmpcontract.model.session_builder import build_sessions
from qmpcontract.model.transcript import Kind, Session
from qmpcontract.model.versions import QemuVersion
from qmpcontract.read.formats import open_transcript
from qmpcontract.releases import history
from qmpcontract.releases.data import FORMAT, FORMAT_VERSION

QAPI_EVENTS_SINCE = QemuVersion(2, 1)  # 'qapi event: convert ...' (06150279fd): events in QAPI
ARCH = "x86_64"
OLD_ERROR_TABLE = Path(__file__).resolve().parent / "old-error-table.json"


@dataclass
class _Release:
    version: QemuVersion
    source: str  # "introspection", "query-commands" or "qapi"
    origin: str
    snapshot: ApiSnapshot
    package: str = ""
    commands_complete: bool = True
    events_complete: bool = True
    undescribed_commands: list[str] = field(default_factory=list)
    undescribed_events: list[str] = field(default_factory=list)


def _replies(sessions: list[Session], command: str) -> object:
    """The first successful reply to *command* in *sessions*, or None."""
    for session in sessions:
        for exchange in session.exchanges:
            response = exchange.response
            if exchange.command == command and response and response.kind is Kind.SUCCESS:
                return response.body.get("return")
    return None


def _names(reply: object) -> list[str]:
    items = reply if isinstance(reply, list) else []
    return sorted({str(i["name"]) for i in items if isinstance(i, dict) and "name" in i})


def _from_replies(path: Path, corpus: Path) -> _Release:
    transcript = open_transcript(path, "replies")
    sessions = build_sessions(transcript.items(), pair_by_position=True)
    version_reply = _replies(sessions, "query-version")
    if not isinstance(version_reply, dict) or not isinstance(version_reply.get("qemu"), dict):
        raise InputError("no query-version reply", Location(str(path)))
    qemu = version_reply["qemu"]
    version = QemuVersion(qemu["major"], qemu["minor"], qemu["micro"])
    package = str(version_reply.get("package", "")).strip()
    origin = str(path.relative_to(corpus))
    schema = _replies(sessions, "query-qmp-schema")
    if isinstance(schema, list):
        snapshot = stable_names(snapshot_from_schema(schema, version=version, source=origin))
        source = "introspection"
    else:
        snapshot = ApiSnapshot({}, {}, {}, version, origin)
        source = "query-commands"
    commands = _names(_replies(sessions, "query-commands"))
    events = _names(_replies(sessions, "query-events"))
    release = _Release(version, source, origin, snapshot, package)
    release.undescribed_commands = [c for c in commands if c not in snapshot.commands]
    if source == "introspection":
        release.events_complete = True  # introspection describes every event of the build
    else:
        release.undescribed_events = events
        release.events_complete = bool(events)
    release.commands_complete = bool(commands) or source == "introspection"
    return release


def _from_qapi(root: Path, corpus: Path) -> _Release:
    snapshot, version = load_qapi_snapshot(root)
    origin = str(root.parent.relative_to(corpus))
    release = _Release(version, "qapi", origin, snapshot)
    dialect_1x = any(note.endswith("qemu-1") for note in snapshot.notes)
    release.commands_complete = not dialect_1x  # 1.x: most commands were in qmp-commands.hx
    release.events_complete = version >= QAPI_EVENTS_SINCE and bool(snapshot.events)
    return release


@contextmanager
def _checkout(bundle: Path) -> Iterator[Path]:
    """A clone of the history bundle in a temporary directory."""
    directory = Path(tempfile.mkdtemp(prefix="qmpcontract-history-"))
    try:
        history.git(directory, "clone", "--quiet", str(bundle.resolve()), "repo")
        yield directory / "repo"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _error_data(
    repo: Path, old_table: Mapping[str, Any]
) -> tuple[dict[str, Any], list[QemuVersion]]:
    """Every error class with when it came and went; and every QEMU release."""
    commits = history.commits(repo)
    changes = history.error_class_changes(repo, commits)
    known = history.releases(commits)
    timeline: dict[str, Any] = {}
    for name, added, removed in history.class_spans(changes):
        entry: dict[str, Any] = {"added": _commit(added, known)}
        if removed is not None:
            entry["removed"] = _commit(removed, known)
        timeline[name] = entry
    _old_table(timeline, old_table, changes)
    return timeline, known


def _old_table(
    timeline: dict[str, Any],
    old_table: Mapping[str, Any],
    changes: list[history.ErrorClassChange],
) -> None:
    """Add the classes of the error table before ``ErrorClass`` to *timeline*."""
    enum_release = changes[0].release if changes else None
    commits = old_table.get("classes", {})
    releases = sorted(old_table.get("releases", {}).items(), key=lambda i: QemuVersion.parse(i[0]))
    for release, names in releases:
        for name in names:
            entry = timeline.setdefault(name, {})
            old = entry.setdefault(
                "old-table", {"since": release, "source": old_table["sources"][release]["url"]}
            )
            if name in commits:
                old.update(commits[name])
            if "added" not in entry and changes and enum_release is not None:
                old["removed"] = str(enum_release)  # not kept by the ErrorClass enum
                old["removed-by"] = changes[0].commit.original


def _commit(commit: history.Commit, known: list[QemuVersion]) -> dict[str, str]:
    release = history.first_release(commit.version, known) if commit.version else None
    return {
        "commit": commit.original,
        "title": commit.title,
        "date": commit.date,
        "release": str(release) if release else "",
    }


def build(corpus: Path, bundle: Path, old_table: Mapping[str, Any]) -> dict[str, Any]:
    """The release data document made from *corpus* and the history *bundle*.

    *old_table* names the error classes of releases before ``ErrorClass``
    existed (QEMU 1.0 and 1.1), with its sources.

    :raise InputError: if a source cannot be read.
    """
    found: list[_Release] = []
    manifest = corpus / "libvirt-replies" / "MANIFEST.tsv"
    with manifest.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["arch"] == ARCH:
                found.append(_from_replies(corpus / "libvirt-replies" / row["file"], corpus))
    for root in sorted((corpus / "qapi").glob("*/qapi-schema.json")):
        found.append(_from_qapi(root, corpus))
    found.sort(key=lambda r: (r.version, r.source))
    with _checkout(bundle) as repo:
        timeline, known = _error_data(repo, old_table)
    table: dict[bytes, int] = {}
    entities: list[Entity] = []
    releases = []
    for release in found:
        indices = []
        for entity in encode(release.snapshot):
            key = orjson.dumps(entity, option=orjson.OPT_SORT_KEYS)
            if key not in table:
                table[key] = len(entities)
                entities.append(entity)
            indices.append(table[key])
        releases.append(_release_entry(release, indices))
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "regenerate": "qmpcontract release-data build --corpus CORPUS -o FILE",
        "qemu-releases": [str(v) for v in known],
        "deprecated": _deprecations(found, known),
        "error-classes": timeline,
        "releases": releases,
        "entities": entities,
    }


def _deprecations(found: list[_Release], known: list[QemuVersion]) -> dict[str, Any]:
    """When each deprecated command and event was first marked so.

    ``command:NAME`` -> ``{"since": the oldest release of the data marking it}``,
    with ``"earliest"``, the release after the newest one of the data that has it
    unmarked, where the data has a gap in between (no 10.1: marked in 10.2,
    unmarked in 10.0, so deprecated in 10.1 or 10.2).
    """
    since: dict[str, Any] = {}
    plain: dict[str, QemuVersion] = {}
    for release in found:  # oldest first
        snapshot = release.snapshot
        for kind, elements in (("command", snapshot.commands), ("event", snapshot.events)):
            for name, element in elements.items():
                key = f"{kind}:{name}"
                if "deprecated" not in element.features:
                    plain[key] = release.version
                    continue
                if key in since:
                    continue
                since[key] = {"since": str(release.version)}
                after = plain.get(key)
                earliest = history.first_release(after, known) if after is not None else None
                if earliest is not None and earliest < release.version:
                    since[key]["earliest"] = str(earliest)
    return dict(sorted(since.items()))


def _release_entry(release: _Release, indices: list[int]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "version": str(release.version),
        "source": release.source,
        "origin": release.origin,
        "arch": ARCH if release.source != "qapi" else "all",
        "complete": [
            what
            for what, done in (
                ("commands", release.commands_complete),
                ("events", release.events_complete),
            )
            if done
        ],
        "entities": indices,
    }
    if release.package:
        entry["package"] = release.package
    if release.undescribed_commands:
        entry["undescribed-commands"] = release.undescribed_commands
    if release.undescribed_events:
        entry["undescribed-events"] = release.undescribed_events
    return entry


def write(document: Mapping[str, Any], path: Path) -> None:
    """Write *document*: one entity and one release per line, so that a change diffs small."""
    parts = [b"{"]
    items = list(document.items())
    for i, (key, value) in enumerate(items):
        comma = b"," if i < len(items) - 1 else b""
        parts.append(orjson.dumps(key) + b":")
        if isinstance(value, list):
            lines = [orjson.dumps(v, option=orjson.OPT_SORT_KEYS) for v in value]
            parts.append(b"[\n" + b",\n".join(lines) + b"\n]" + comma)
        else:
            parts.append(orjson.dumps(value, option=orjson.OPT_SORT_KEYS) + comma)
    parts.append(b"}\n")
    path.write_bytes(b"\n".join(parts))


def load_old_table(path: Path = OLD_ERROR_TABLE) -> dict[str, Any]:
    """The error classes of the releases before ``ErrorClass`` (``old-error-table.json``).

    :raise InputError: if it cannot be read.
    """
    try:
        value = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InputError(f"cannot read the old error table: {exc}", Location(str(path))) from exc
    if not isinstance(value, dict):
        raise InputError("the old error table is not a JSON object", Location(str(path)))
    return value
