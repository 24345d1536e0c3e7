"""The shipped release data: what each QEMU release's QMP API really is.

``qemu-releases.json`` (next to this module) is made from the corpus by
``qmpcontract release-data build`` (:mod:`qmpcontract.releases.build`), never
by hand.  It holds, for each release it knows, every command, event and type
(as entities shared between releases, :mod:`qmpcontract.model.api_codec`), the
error classes the release can send, and what its sources could not tell.  It
is read only when a check needs it, once per process.

:func:`lookup` finds the data for a transcript's QEMU version: the release
itself, or the nearest release below it (a development build such as 10.1.50,
a release the data lacks), with the release above it, so that what the
release below lacks but the one above has is not held against the build.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from qmpcontract.errors import InputError
from qmpcontract.location import Location
from qmpcontract.model.api_codec import decode
from qmpcontract.model.qemu_api import ApiSnapshot
from qmpcontract.model.versions import QemuVersion

FORMAT = "qmpcontract-release-data"
FORMAT_VERSION = 1
OLDEST_KNOWN = QemuVersion(1, 0)  # the oldest release whose error classes the data knows
DATA_FILE = Path(__file__).resolve().parent / "qemu-releases.json"
SOURCES = {  # what each kind of entry was made from, for reports
    "qapi": "QAPI sources",
    "introspection": "query-qmp-schema of a libvirt probe",
    "query-commands": "query-commands and query-events of a libvirt probe",
}


class ReleaseDataError(InputError):
    """The shipped release data is missing or unreadable (a broken installation)."""


@dataclass(frozen=True)
class Release:
    """One release's entry in the data."""

    version: QemuVersion
    source: str  # a key of SOURCES
    origin: str  # the corpus file or directory it was made from
    arch: str  # "x86_64", or "all" for QAPI sources (every target's elements)
    complete_commands: bool  # the entry names every command of the release
    complete_events: bool
    package: str = ""
    undescribed_commands: tuple[str, ...] = ()  # named by the build, no schema known
    undescribed_events: tuple[str, ...] = ()
    entities: tuple[int, ...] = field(default=(), repr=False)

    @property
    def label(self) -> str:
        """How reports name it: ``7.2.0 (QAPI sources, qapi/v7.2.0)``."""
        package = f" {self.package}" if self.package else ""
        return f"{self.version}{package} ({SOURCES[self.source]}, {self.origin})"


@dataclass(frozen=True)
class ErrorClassHistory:
    """When an error class was added to and removed from QEMU."""

    name: str
    since: QemuVersion | None  # None: before the releases the data knows
    removed: QemuVersion | None
    added_by: str = ""  # a QEMU commit id
    removed_by: str = ""
    old_table: bool = False  # one of the classes of the error table before QEMU 1.2

    def describe(self) -> str:
        """``QEMU had it from 1.2 until its removal in 2.10 (c01c214b69)``, or the like."""
        since = str(self.since) if self.since else "the earliest releases"
        if self.old_table and self.since == OLDEST_KNOWN:
            since += " (or earlier)"
        if self.removed is None:
            return f"QEMU has had it since {since}"
        by = f" ({self.removed_by[:10]})" if self.removed_by else ""
        return f"QEMU had it from {since} until its removal in {self.removed}{by}"


@dataclass(frozen=True)
class ReleaseMatch:
    """The data that applies to a QEMU version."""

    version: QemuVersion
    release: Release | None  # the release itself, or the nearest one below
    exact: bool  # the release is the version's own (same major.minor, both released)
    after: Release | None = None  # the nearest release above, when not exact

    def note(self) -> str:
        """What the report says about the data used."""
        if self.release is None:
            return f"no release data for QEMU {self.version}: it is older than every release known"
        if self.exact:
            return f"release data of QEMU {self.release.label}"
        above = f"; what {self.after.version} has is not held against it" if self.after else ""
        return (
            f"release data of QEMU {self.release.label}, the nearest release below "
            f"{self.version}{above}"
        )


class ReleaseData:
    """Every release of the data, and the snapshots they make."""

    def __init__(self, document: Mapping[str, Any], path: Path) -> None:
        self.path = path
        # How reports name it: the same wherever the package is installed.
        self.display = "qmpcontract/releases/" + path.name if path == DATA_FILE else str(path)
        try:
            self.releases = tuple(_release(r) for r in document["releases"])
            self.history = {
                name: _history(name, entry) for name, entry in document["error-classes"].items()
            }
            self.qemu_releases = tuple(QemuVersion.parse(v) for v in document["qemu-releases"])
            self._entities: Sequence[Mapping[str, Any]] = document["entities"]
            self.deprecated = {
                key: (QemuVersion.parse(e["since"]), _version(e.get("earliest")))
                for key, e in document["deprecated"].items()
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise ReleaseDataError(f"malformed release data: {exc!r}", Location(str(path))) from exc
        self._snapshots: dict[Release, ApiSnapshot] = {}

    def snapshot(self, release: Release) -> ApiSnapshot:
        """The API of *release*: its commands, events and types.

        :raise ReleaseDataError: if its entities are malformed.
        """
        found = self._snapshots.get(release)
        if found is None:
            try:
                entities = [self._entities[i] for i in release.entities]
                found = decode(entities, release.version, release.origin)
            except (IndexError, KeyError, TypeError, ValueError) as exc:
                raise ReleaseDataError(
                    f"malformed entities of release {release.version}: {exc!r}",
                    Location(str(self.path)),
                ) from exc
            self._snapshots[release] = found
        return found

    def error_classes(self, version: QemuVersion) -> frozenset[str] | None:
        """The error classes a build of *version* may send (None: older than the data).

        Those QEMU had at the release *version* belongs to; a development build
        (``X.Y.50`` and the release candidates) may also have what its release will add.
        """
        base = QemuVersion(version.major, version.minor)
        release = base
        if version.micro >= 50:
            release = next((r for r in self.qemu_releases if r > base), base)
        if release < OLDEST_KNOWN:
            return None
        return frozenset(
            h.name
            for h in self.history.values()
            if (h.since or OLDEST_KNOWN) <= release and (h.removed is None or version < h.removed)
        )

    def lookup(self, version: QemuVersion) -> ReleaseMatch:
        """The data that applies to QEMU *version* (see the module's docstring)."""
        below = [r for r in self.releases if r.version <= version]
        above = [r for r in self.releases if r.version > version]
        if not below:
            return ReleaseMatch(version, None, False, above[0] if above else None)
        newest = max(r.version for r in below)
        candidates = [r for r in below if r.version == newest]
        chosen = min(candidates, key=_preference)
        exact = (chosen.version.major, chosen.version.minor) == (version.major, version.minor)
        exact = exact and chosen.version.micro < 50 and version.micro < 50
        exact = exact or chosen.version == version
        after = None
        if not exact and above:
            oldest = min(r.version for r in above)
            after = min((r for r in above if r.version == oldest), key=_preference)
        return ReleaseMatch(version, chosen, exact, after)


def _preference(release: Release) -> int:
    """QAPI sources first (every target, exact integer types), then the build's own."""
    return list(SOURCES).index(release.source)


def _version(text: object) -> QemuVersion | None:
    return QemuVersion.parse(str(text)) if text else None


def _release(entry: Mapping[str, Any]) -> Release:
    if entry["source"] not in SOURCES:
        raise ValueError(f"unknown source {entry['source']!r}")
    complete = entry.get("complete", ())
    return Release(
        version=QemuVersion.parse(entry["version"]),
        source=entry["source"],
        origin=entry["origin"],
        arch=entry["arch"],
        complete_commands="commands" in complete,
        complete_events="events" in complete,
        package=entry.get("package", ""),
        undescribed_commands=tuple(entry.get("undescribed-commands", ())),
        undescribed_events=tuple(entry.get("undescribed-events", ())),
        entities=tuple(entry["entities"]),
    )


def _history(name: str, entry: Mapping[str, Any]) -> ErrorClassHistory:
    added, removed = entry.get("added", {}), entry.get("removed", {})
    old = entry.get("old-table", {})
    return ErrorClassHistory(
        name,
        _version(old.get("since")) or _version(added.get("release")),
        _version(removed.get("release")) or _version(old.get("removed")),
        old.get("commit") or added.get("commit", ""),
        removed.get("commit") or old.get("removed-by", ""),
        bool(old),
    )


def load(path: Path | None = None) -> ReleaseData:
    """The release data in *path* (default: the shipped file), read once per process.

    :raise ReleaseDataError: if it is missing or unreadable.
    """
    return _load(path or DATA_FILE)


@cache
def _load(path: Path) -> ReleaseData:
    try:
        document = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise ReleaseDataError(
            f"cannot read the release data: {exc.strerror or exc} (a broken installation?)",
            Location(str(path)),
        ) from exc
    except orjson.JSONDecodeError as exc:
        raise ReleaseDataError(f"the release data is not JSON: {exc}", Location(str(path))) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReleaseDataError("not a qmpcontract release data file", Location(str(path)))
    if document.get("version") != FORMAT_VERSION:
        raise ReleaseDataError(
            f"release data format {document.get('version')!r}, expected {FORMAT_VERSION}",
            Location(str(path)),
        )
    return ReleaseData(document, path)
