"""The shipped libvirt usage data: what each libvirt release depends on in QMP.

``libvirt-usage.json`` (next to this module) is made from the corpus by
``qmpcontract libvirt-usage build`` (:mod:`qmpcontract.libvirt.build`), never
by hand.  It is read only when asked for, once per process
(:func:`load_usage`).  Each release is a :class:`LibvirtUsage`: its schema
probes (:class:`SchemaProbe`, evaluated by :mod:`qmpcontract.libvirt.probes`),
the other presence probes (:class:`NamedProbe`), and the names of the
commands it sends, the events it handles and the error classes it matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from qmpcontract.errors import InputError
from qmpcontract.location import Location

FORMAT = "qmpcontract-libvirt-usage"
FORMAT_VERSION = 1
DATA_FILE = Path(__file__).resolve().parent / "libvirt-usage.json"


class UsageDataError(InputError):
    """The libvirt usage data is missing or unreadable (a broken installation)."""


@dataclass(frozen=True)
class SchemaProbe:
    """A capability probe on ``query-qmp-schema``: a query and the flag it sets.

    *flag* is libvirt's ``QEMU_CAPS_*`` name, *xml_flag* the flag's name in
    libvirt's caps ``.xml`` files (``<flag name='...'/>``).
    """

    query: str
    flag: str
    xml_flag: str


@dataclass(frozen=True)
class NamedProbe:
    """A presence probe: a command, event, QOM type or migration capability by name."""

    name: str
    flag: str
    xml_flag: str


@dataclass(frozen=True)
class LibvirtUsage:
    """What one libvirt release depends on in QMP (from its own source)."""

    version: str  # "9.0.0"
    source: str  # what the facts were extracted from
    probes: tuple[SchemaProbe, ...]
    commands_probed: tuple[NamedProbe, ...] = ()
    events_probed: tuple[NamedProbe, ...] = ()
    object_types_probed: tuple[NamedProbe, ...] = ()
    migration_capabilities_probed: tuple[NamedProbe, ...] = ()
    commands_sent: frozenset[str] = frozenset()
    events_handled: frozenset[str] = frozenset()
    error_classes_matched: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        """How reports name it: ``libvirt 11.3``, or ``libvirt 11.3.1`` for a micro release."""
        parts = self.version.split(".")
        short = ".".join(parts[:2]) if parts[2:] in ([], ["0"]) else self.version
        return f"libvirt {short}"

    @property
    def key(self) -> tuple[int, ...]:
        """A sort key: the version's numbers."""
        return tuple(int(p) for p in self.version.split(".") if p.isdigit())

    def sends(self, command: str) -> bool:
        """Whether this release's monitor code sends *command*."""
        return command in self.commands_sent

    def handles(self, event: str) -> bool:
        """Whether this release's monitor code handles *event*."""
        return event in self.events_handled

    def matches(self, error_class: str) -> bool:
        """Whether this release's monitor code compares a reply's class with *error_class*."""
        return error_class in self.error_classes_matched

    def probes_command(self, command: str) -> tuple[str, ...]:
        """The flags this release sets from *command*'s presence or its schema."""
        found = [p.flag for p in self.commands_probed if p.name == command]
        found += [p.flag for p in self.probes if p.query.split("/", 1)[0] == command]
        return tuple(dict.fromkeys(found))


def load_usage(path: Path | None = None) -> tuple[LibvirtUsage, ...]:
    """Every libvirt release in *path* (default: the shipped file), oldest first.

    Read once per process.

    :raise UsageDataError: if the file is missing, not JSON or malformed.
    """
    return _load(path or DATA_FILE)


def usage_of(version: str, path: Path | None = None) -> LibvirtUsage:
    """The usage of libvirt *version* (``"11.3.0"``; ``"11.3"`` is the same release).

    :raise KeyError: if the data has no such release.
    :raise UsageDataError: as :func:`load_usage`.
    """
    wanted = _padded(version)
    for usage in load_usage(path):
        if _padded(usage.version) == wanted:
            return usage
    known = ", ".join(u.version for u in load_usage(path))
    raise KeyError(f"no libvirt {version} in the usage data (it has {known})")


def _padded(version: str) -> tuple[str, ...]:
    parts = version.split(".")
    return tuple(parts + ["0"] * (3 - len(parts)))


def usage_from_document(document: object, where: Location) -> tuple[LibvirtUsage, ...]:
    """The releases of a parsed data document (see :func:`load_usage`).

    :raise UsageDataError: if it is not a usage data document of this format.
    """
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        raise UsageDataError("not a qmpcontract libvirt usage file", where)
    if document.get("version") != FORMAT_VERSION:
        raise UsageDataError(
            f"libvirt usage format {document.get('version')!r}, expected {FORMAT_VERSION}", where
        )
    try:
        releases = tuple(_release(entry) for entry in document["releases"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageDataError(f"malformed libvirt usage data: {exc!r}", where) from exc
    return tuple(sorted(releases, key=lambda u: u.key))


def _release(entry: Mapping[str, Any]) -> LibvirtUsage:
    def named(key: str) -> tuple[NamedProbe, ...]:
        return tuple(NamedProbe(*_triple(item)) for item in entry[key])

    def names(key: str) -> frozenset[str]:
        values = entry[key]
        if not all(isinstance(v, str) for v in values):
            raise ValueError(f"{key}: every item must be a string")
        return frozenset(values)

    version = entry["libvirt"]
    if not isinstance(version, str) or not version[:1].isdigit():
        raise ValueError(f"bad libvirt version {version!r}")
    return LibvirtUsage(
        version=version,
        source=str(entry["source"]),
        probes=tuple(SchemaProbe(*_triple(item)) for item in entry["schema-probes"]),
        commands_probed=named("commands-probed"),
        events_probed=named("events-probed"),
        object_types_probed=named("object-types-probed"),
        migration_capabilities_probed=named("migration-capabilities-probed"),
        commands_sent=names("commands-sent"),
        events_handled=names("events-handled"),
        error_classes_matched=names("error-classes-matched"),
    )


def _triple(item: object) -> tuple[str, str, str]:
    if (
        not isinstance(item, Sequence)
        or isinstance(item, str)
        or len(item) != 3
        or not all(isinstance(v, str) for v in item)
    ):
        raise ValueError(f"expected [name, flag, xml_flag], got {item!r}")
    return (item[0], item[1], item[2])


@cache
def _load(path: Path) -> tuple[LibvirtUsage, ...]:
    where = Location(str(path))
    try:
        document = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise UsageDataError(
            f"cannot read the libvirt usage data: {exc.strerror or exc} (a broken installation?)",
            where,
        ) from exc
    except orjson.JSONDecodeError as exc:
        raise UsageDataError(f"the libvirt usage data is not JSON: {exc}", where) from exc
    return usage_from_document(document, where)
