"""Commands and events by QEMU release: when each appeared, was deprecated, was removed.

Built from the shipped release data (:mod:`qmpcontract.releases.data`, read
only when the site is built), one x86_64 series of releases: each release's
libvirt probe (``query-commands`` and ``query-events`` before 2.5, then
``query-qmp-schema``), or the release's QAPI sources where the data has no
probe of it (1.0, 2.12, 10.2), whose elements are kept when their ``if``
condition holds on x86_64.  Development snapshots are left out.

- *appeared*: the first release of the series that has the element; "between
  A and B" where the data lacks the releases in between.
- *deprecated*: the first release whose schema marks it with the ``deprecated``
  feature (the release data's ``deprecated`` table); introspection shows
  features from QEMU 5.0 on, so an element whose documentation said
  "deprecated" earlier is dated from its feature.
- *removed*: the first release of the series without it, after the last one
  with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from qmpcontract.importers.qapi_conditions import holds
from qmpcontract.model.qemu_api import ApiSnapshot, Condition
from qmpcontract.model.versions import QemuVersion
from qmpcontract.releases.data import Release, ReleaseData

X86 = frozenset({"TARGET_I386", "TARGET_X86_64"})
_SYMBOL = re.compile(r"[A-Z][A-Z0-9_]+")


@dataclass(frozen=True)
class Step:
    """One date of an element's life: a release, or a span where the data has a gap."""

    version: QemuVersion
    after: QemuVersion | None = None  # the release of the data before, where releases are missing

    def __str__(self) -> str:
        if self.after is None:
            return _short(self.version)
        return f"between {_short(self.after)} and {_short(self.version)}"


@dataclass(frozen=True)
class Life:
    """What the release data says of one command or event."""

    kind: str  # "command" or "event"
    name: str
    appeared: Step
    deprecated: Step | None
    removed: Step | None
    oldest: bool  # no release of the data before says it was absent: "X or earlier"

    def text(self) -> str:
        """``appeared between 1.0 and 1.5, deprecated 5.0, removed 5.2``."""
        first = f"in {_short(self.appeared.version)} or earlier" if self.oldest else ""
        parts = [f"appeared {first or self.appeared}"]
        if self.deprecated is not None:
            parts.append(f"deprecated {self.deprecated}")
        if self.removed is not None:
            parts.append(f"removed {self.removed}")
        return ", ".join(parts)


def _short(version: QemuVersion) -> str:
    return f"{version.major}.{version.minor}"


def _x86(condition: Condition) -> bool:
    if condition is None:
        return True
    symbols = set(_SYMBOL.findall(repr(condition)))
    defined = {s for s in symbols if not s.startswith("TARGET_") or s in X86}
    try:
        return holds(condition, defined)
    except ValueError:
        return True


def series(data: ReleaseData) -> list[Release]:
    """One entry per release (x86_64 probe first, else QAPI sources), oldest first."""
    chosen: dict[QemuVersion, Release] = {}
    for release in data.releases:
        if release.version.micro >= 50:
            continue  # a development snapshot or a release candidate
        key = QemuVersion(release.version.major, release.version.minor)
        held = chosen.get(key)
        if held is None or (held.source == "qapi" and release.source != "qapi"):
            chosen[key] = release
    return [chosen[k] for k in sorted(chosen)]


def names(data: ReleaseData, release: Release) -> set[tuple[str, str]]:
    """The commands and events of *release* on x86_64."""
    snapshot: ApiSnapshot = data.snapshot(release)
    qapi = release.source == "qapi"
    found = {("command", n) for n, c in snapshot.commands.items() if not qapi or _x86(c.condition)}
    found |= {("event", n) for n, e in snapshot.events.items() if not qapi or _x86(e.condition)}
    found |= {("command", n) for n in release.undescribed_commands}
    found |= {("event", n) for n in release.undescribed_events}
    return found


def _step(version: QemuVersion, before: QemuVersion | None, known: Sequence[QemuVersion]) -> Step:
    if before is None:
        return Step(version)
    a, b = (QemuVersion(v.major, v.minor) for v in (before, version))
    gap = a in known and b in known and known.index(b) - known.index(a) > 1
    return Step(version, a if gap else None)


def _complete(release: Release, kind: str) -> bool:
    """True if *release* names every element of *kind* (absence from it means absence)."""
    return release.complete_commands if kind == "command" else release.complete_events


def lives(data: ReleaseData) -> list[Life]:
    """Every command and event the series has, by name.

    A release that does not name every command (or event) of its build, such as
    QEMU 1.0's QAPI sources, says when an element was there but never when it
    was not.
    """
    releases = series(data)
    present = [names(data, r) for r in releases]
    known = list(data.qemu_releases)
    out = []
    for element in sorted(set().union(*present), key=lambda e: (e[1].lower(), e[0])):
        kind = element[0]
        indices = [i for i, have in enumerate(present) if element in have]
        first, last = indices[0], indices[-1]
        absent = [i for i in range(first) if _complete(releases[i], kind)]
        before = releases[absent[-1]].version if absent else None
        removed = None
        gone = [i for i in range(last + 1, len(releases)) if _complete(releases[i], kind)]
        if gone:
            removed = _step(releases[gone[0]].version, releases[last].version, known)
        deprecated = None
        marked = data.deprecated.get(f"{kind}:{element[1]}")
        if marked is not None:
            since, earliest = marked
            deprecated = Step(since, _before(earliest, known) if earliest else None)
        out.append(
            Life(
                kind,
                element[1],
                _step(releases[first].version, before, known),
                deprecated,
                removed,
                before is None,
            )
        )
    return out


def _before(version: QemuVersion, known: Sequence[QemuVersion]) -> QemuVersion:
    """The release before *version*: "deprecated between 10.0 and 10.2" for earliest 10.1."""
    base = QemuVersion(version.major, version.minor)
    index = known.index(base) if base in known else 0
    return known[max(index - 1, 0)]


def _rows(items: Sequence[Life]) -> Iterator[str]:
    yield "| Name | Kind | Appeared | Deprecated | Removed |"
    yield "|---|---|---|---|---|"
    for life in items:
        appeared = f"{_short(life.appeared.version)} or earlier" if life.oldest else life.appeared
        yield (
            f"| `{life.name}` | {life.kind} | {appeared} | {life.deprecated or ''} "
            f"| {life.removed or ''} |"
        )


def history_page(data: ReleaseData) -> str:
    """The history page: removed, deprecated, then every command and event."""
    everything = lives(data)
    used = series(data)
    removed = [life for life in everything if life.removed is not None]
    deprecated = [life for life in everything if life.deprecated and life.removed is None]
    sources = ", ".join(
        f"{_short(r.version)}" + (" (QAPI sources)" if r.source == "qapi" else "") for r in used
    )
    lines = [
        "---",
        "hide:",
        "  - navigation",
        "---",
        "",
        "# History by QEMU release",
        "",
        "When each QMP command and event appeared in a QEMU release, was deprecated and was "
        "removed, as QEMU's own releases show it: the release data `qmpcontract check` uses "
        "(`qmpcontract/releases/qemu-releases.json`, made by `qmpcontract release-data build`). "
        "Use the search box: every name below is indexed.",
        "",
        '??? info "Where the dates come from"',
        "",
        f"    One x86_64 series of {len(used)} releases: {sources}. Each release is read from "
        "libvirt's capability probe of it (`query-commands` and `query-events` before 2.5, "
        "`query-qmp-schema` from 2.5), or from its QAPI sources where the data holds no probe "
        "(an element there counts when its `if` condition holds on x86_64). Development "
        "snapshots and release candidates are left out.",
        "",
        "    - **Appeared**: the first release of the series that has it. Where the data lacks "
        "the releases in between it says *between A and B*: the element came after A, by B.",
        "    - **Deprecated**: the first release whose schema marks it with the `deprecated` "
        "feature. Introspection shows features from QEMU 5.0 on: `cpu-add`, for one, is "
        "marked from 5.0, while its documentation in QEMU 4.2's sources already called it "
        "deprecated. *Between A and B* again marks a gap of the data.",
        "    - **Removed**: the first release of the series without it after the last one with it.",
        "",
        f"## Removed ({len(removed)})",
        "",
        *_rows(removed),
        "",
        f"## Deprecated, still present ({len(deprecated)})",
        "",
        *_rows(deprecated),
        "",
        f"## Every command and event ({len(everything)})",
        "",
        *_rows(everything),
        "",
    ]
    return "\n".join(lines)
