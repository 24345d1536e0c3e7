"""Version numbers: QEMU releases and contract semantic versions.

QEMU versions are written ``MAJOR.MINOR`` or ``MAJOR.MINOR.MICRO`` (``2.7``,
``10.1.0``); a missing micro is 0, so ``2.7`` and ``2.7.0`` are equal.  Contract
versions are Semantic Versioning 2.0.0 without build metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

QEMU_VERSION_PATTERN = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$"
SEMVER_PATTERN = (
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
_QEMU_RE = re.compile(QEMU_VERSION_PATTERN)
_SEMVER_RE = re.compile(SEMVER_PATTERN)


@dataclass(frozen=True, order=True)
class QemuVersion:
    """A QEMU release number.

    >>> QemuVersion.parse("2.7") == QemuVersion.parse("2.7.0")
    True
    >>> QemuVersion.parse("10.1") > QemuVersion.parse("9.2.4")
    True
    >>> str(QemuVersion.parse("1.1"))
    '1.1'
    """

    major: int
    minor: int
    micro: int = 0

    @classmethod
    def parse(cls, text: str) -> QemuVersion:
        """Parse ``MAJOR.MINOR[.MICRO]``.

        :raise ValueError: if *text* is not of that form.
        """
        match = _QEMU_RE.match(text)
        if match is None:
            raise ValueError(f"not a QEMU version (expected e.g. '2.7' or '10.1.0'): {text!r}")
        micro = match.group(4)
        return cls(int(match.group(1)), int(match.group(2)), int(micro) if micro else 0)

    def __str__(self) -> str:
        if self.micro == 0:
            return f"{self.major}.{self.minor}"
        return f"{self.major}.{self.minor}.{self.micro}"


@total_ordering
@dataclass(frozen=True)
class SemVer:
    """A contract version (Semantic Versioning 2.0.0, no build metadata).

    >>> SemVer.parse("1.0.0-rc.1") < SemVer.parse("1.0.0") < SemVer.parse("1.10.0")
    True
    >>> SemVer.parse("1.2.0").compatible_with(SemVer.parse("1.0.0"))
    True
    >>> SemVer.parse("0.2.0").compatible_with(SemVer.parse("0.1.0"))
    False
    """

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer:
        """Parse ``MAJOR.MINOR.PATCH[-PRERELEASE]``.

        :raise ValueError: if *text* is not a semantic version.
        """
        match = _SEMVER_RE.match(text)
        if match is None:
            raise ValueError(f"not a semantic version (expected e.g. '1.2.0'): {text!r}")
        pre = match.group(4)
        prerelease = tuple(pre[1:].split(".")) if pre else ()
        return cls(int(match.group(1)), int(match.group(2)), int(match.group(3)), prerelease)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        return text

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
        # A version without prerelease sorts after all of its prereleases.
        pre = tuple((0, int(p)) if p.isdigit() else (1, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()

    def compatible_with(self, base: SemVer) -> bool:
        """True if *self* satisfies the caret requirement ``^base``.

        Same major version and not older; for ``0.x`` the minor version is
        the compatibility boundary, as in every caret implementation.
        """
        if self < base:
            return False
        if base.major == 0:
            return self.major == 0 and self.minor == base.minor
        return self.major == base.major


@dataclass(frozen=True)
class VersionRequirement:
    """``1.2.0`` (exactly that version) or ``^1.2.0`` (compatible with it).

    >>> VersionRequirement.parse("^1.0.0").matches(SemVer.parse("1.3.1"))
    True
    >>> VersionRequirement.parse("1.0.0").matches(SemVer.parse("1.3.1"))
    False
    """

    base: SemVer
    caret: bool

    @classmethod
    def parse(cls, text: str) -> VersionRequirement:
        """Parse an exact or caret requirement.

        :raise ValueError: if the version part is not a semantic version.
        """
        if text.startswith("^"):
            return cls(SemVer.parse(text[1:]), True)
        return cls(SemVer.parse(text), False)

    def matches(self, version: SemVer) -> bool:
        """True if *version* satisfies this requirement."""
        return version.compatible_with(self.base) if self.caret else version == self.base

    def __str__(self) -> str:
        return ("^" if self.caret else "") + str(self.base)


@dataclass(frozen=True)
class QemuRange:
    """Producer versions ``[since, until)``; either end may be open.

    >>> r = QemuRange(QemuVersion.parse("1.1"), QemuVersion.parse("1.2"))
    >>> QemuVersion.parse("1.1.2") in r, QemuVersion.parse("1.2") in r
    (True, False)
    """

    since: QemuVersion | None = None
    until: QemuVersion | None = None

    def __contains__(self, version: object) -> bool:
        if not isinstance(version, QemuVersion):
            return False
        if self.since is not None and version < self.since:
            return False
        return self.until is None or version < self.until


# Every QEMU release from 1.0 on, in order: the unit the deprecation policy counts in
# ("remain functional for the release in which it was deprecated and one further release").
QEMU_RELEASES: tuple[QemuVersion, ...] = tuple(
    QemuVersion(major, minor)
    for major, minors in (
        (1, 8),
        (2, 13),
        (3, 2),
        (4, 3),
        (5, 3),
        (6, 3),
        (7, 3),
        (8, 3),
        (9, 3),
        (10, 3),
        (11, 2),
    )
    for minor in range(minors)
)


def releases_between(first: QemuVersion, last: QemuVersion) -> int | None:
    """How many releases from *first* to *last* (0 if the same release; None if unknown).

    >>> releases_between(QemuVersion(10, 1), QemuVersion(11, 0))
    2
    >>> releases_between(QemuVersion(2, 12), QemuVersion(3, 0))
    1
    """

    def index(version: QemuVersion) -> int | None:
        release = QemuVersion(version.major, version.minor)
        return QEMU_RELEASES.index(release) if release in QEMU_RELEASES else None

    a, b = index(first), index(last)
    return None if a is None or b is None else b - a
