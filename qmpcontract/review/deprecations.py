"""When was it deprecated?  The deprecation of a removed command or event, from git history.

A schema only says an element *is* deprecated (its ``deprecated`` feature), not
since when.  For a removal reviewed in a git checkout, the history says it: the
first commit of the range's past whose schema marks the element deprecated, and
the first release that holds that commit (from its ``VERSION``: ``9.1.50`` is
development toward 9.2).  QEMU's policy (docs/about/deprecated.rst): a deprecated
element stays for at least two releases; the removal is then checked, not left
to the reviewer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from qmpcontract.diff.catalogue import CHANGES
from qmpcontract.diff.compare import Change
from qmpcontract.errors import InputError
from qmpcontract.model.versions import QEMU_RELEASES, QemuVersion, releases_between
from qmpcontract.review.trees import git

SCHEMA_PATHS = ("qapi", "qapi-schema.json")
_REMOVALS = ("diff/removed-after-deprecation", "diff/removed-before-window")


@dataclass(frozen=True)
class Deprecation:
    """The commit that deprecated an element, and the first release that held it."""

    commit: str  # the QEMU commit where the history says (Original-commit), else its own
    title: str
    release: QemuVersion | None


def _git(repo: Path, *args: str) -> str | None:
    """``git ARGS`` in *repo* (the runner of :mod:`~qmpcontract.review.trees`); None if it fails."""
    try:
        return git(list(args), repo, "git")
    except InputError:
        return None


def first_release(version: QemuVersion) -> QemuVersion | None:
    """The release that first holds work done when ``VERSION`` said *version*.

    >>> str(first_release(QemuVersion(9, 1, 50)))
    '9.2'
    >>> str(first_release(QemuVersion(9, 2, 0)))
    '9.2'
    """
    base = QemuVersion(version.major, version.minor)
    if version.micro < 50:
        return base if base in QEMU_RELEASES else None
    return next((r for r in QEMU_RELEASES if r > base), None)


def _definition(text: str, what: str, name: str) -> str | None:
    """The text of the top-level definition of *name* in *text* (to the next one)."""
    found = re.search(rf"^\{{\s*'{what}'\s*:\s*'{re.escape(name)}'", text, re.M)
    if found is None:
        return None
    ends = [text.find(mark, found.end()) for mark in ("\n\n", "\n{", "\n#")]
    return text[found.start() : min([e for e in ends if e >= 0], default=len(text))]


_DEFINITION = re.compile(r"^\{\s*'(struct|union|command|event|alternate)'\s*:\s*'([^']+)'", re.M)


def _member_deprecated(definition: str, member: str) -> bool:
    """True if *definition* declares *member* with the ``deprecated`` feature.

    >>> _member_deprecated("{ 'struct': 'S', 'data': { '*vcpu': { 'type': 'int', "
    ...                    "'features': [ 'deprecated' ] } } }", "vcpu")
    True
    >>> _member_deprecated("{ 'struct': 'S', 'data': { 'vcpu': 'int' } }", "vcpu")
    False
    """
    quoted = re.escape(member)
    found = re.search(
        rf"'\*?{quoted}'\s*:\s*\{{(?:[^{{}}]|\{{[^{{}}]*\}})*'deprecated'", definition
    )
    return found is not None


def _schema_texts(repo: Path, commit: str, needle: str) -> list[str]:
    """The schema files at *commit* that mention *needle*."""
    listing = _git(repo, "ls-tree", "-r", "--name-only", commit, "--", *SCHEMA_PATHS) or ""
    texts = (_git(repo, "show", f"{commit}:{path}") or "" for path in listing.split())
    return [text for text in texts if needle in text]


def _deprecated_at(repo: Path, commit: str, what: str, name: str) -> bool:
    for text in _schema_texts(repo, commit, f"'{name}'"):
        found = _definition(text, what, name)
        if found is not None:
            return "'deprecated'" in found
    return False


def _owners(repo: Path, commit: str, member: str) -> list[tuple[str, str]]:
    """The definitions (kind, name) at *commit* that declare *member* deprecated."""
    owners = []
    for text in _schema_texts(repo, commit, f"{member}'"):
        for match in _DEFINITION.finditer(text):
            found = _definition(text, match.group(1), match.group(2))
            if found is not None and _member_deprecated(found, member):
                owners.append((match.group(1), match.group(2)))
    return owners


def _member_deprecated_at(
    repo: Path, commit: str, owners: list[tuple[str, str]], member: str
) -> bool:
    for text in _schema_texts(repo, commit, f"{member}'"):
        for what, name in owners:
            found = _definition(text, what, name)
            if found is not None and _member_deprecated(found, member):
                return True
    return False


def _first_deprecated(
    repo: Path, head: str, deprecated_at: Callable[[str], bool]
) -> Deprecation | None:
    """The first commit, at or before *head*, where *deprecated_at* holds.

    The commits that changed a ``deprecated`` line are searched (oldest first,
    by bisection: an element once deprecated stays so until it goes).
    """
    log = _git(
        repo,
        "log",
        "--reverse",
        "-G'deprecated'",
        "--format=%H%x00%(trailers:key=Original-commit,valueonly,separator=)%x00%s",
        head,
        "--",
        *SCHEMA_PATHS,
    )
    candidates = [line.split("\x00") for line in (log or "").splitlines() if line]
    low, high = 0, len(candidates)
    if not candidates or not deprecated_at(candidates[-1][0]):
        return None
    while low < high:  # the first candidate where it is deprecated
        middle = (low + high) // 2
        if deprecated_at(candidates[middle][0]):
            high = middle
        else:
            low = middle + 1
    commit, original, title = candidates[low]
    version = _git(repo, "show", f"{commit}:VERSION")
    try:
        release = first_release(QemuVersion.parse(version.strip())) if version else None
    except ValueError:
        release = None
    return Deprecation(original.strip() or commit, title, release)


def find_deprecation(repo: Path, head: str, what: str, name: str) -> Deprecation | None:
    """The commit, at or before *head*, that deprecated the command or event *name*."""
    return _first_deprecated(repo, head, lambda c: _deprecated_at(repo, c, what, name))


@functools.cache
def find_member_deprecation(repo: Path, head: str, member: str) -> Deprecation | None:
    """The commit, at or before *head*, that deprecated *member* (of a type or an element).

    The member's owners are the definitions that declare it deprecated at *head*
    (``NetdevStreamOptions`` for ``reconnect``); the first commit where one of
    them does is the deprecation.  Remembered: a member of a shared type is
    removed along many paths.
    """
    owners = _owners(repo, head, member)
    if not owners:
        return None
    return _first_deprecated(repo, head, lambda c: _member_deprecated_at(repo, c, owners, member))


def _release_of(repo: Path, commit: str) -> QemuVersion | None:
    """The first release holding *commit*, from its ``VERSION``."""
    version = _git(repo, "show", f"{commit}:VERSION")
    try:
        return first_release(QemuVersion.parse(version.strip())) if version else None
    except ValueError:
        return None


def checked_removal(change: Change, repo: Path, base: str, head: str) -> Change:
    """*change* (a removal of a deprecated element or member) with its deprecation checked.

    The message says when and by which commit it was deprecated; the level is
    the policy's verdict: ``diff/removed-before-window`` (SHOULD) under two
    releases, ``diff/removed-after-deprecation`` (MAY) from two on.  A member
    (``arguments(type=stream).reconnect``) is looked up in the definitions that
    declared it deprecated; an enum value is left to the reviewer.
    """
    what, _, name = change.element.partition(" ")
    if change.rule_id not in _REMOVALS or what not in ("command", "event"):
        return change
    member = change.path.rpartition(".")[2] if change.path else ""
    if change.path and (not member or "=" in member or "[" in member):
        return change  # an enum value, or no member name
    if member:
        sha = (_git(repo, "rev-parse", "--verify", f"{base}^{{commit}}") or "").strip()
        found = find_member_deprecation(repo, sha, member) if sha else None
        subject, label = f"{change.element}: {change.path}", "deprecated"
    else:
        found = find_deprecation(repo, base, what, name)
        subject, label = f"{what} '{name}'", f"deprecated {what}"
    removal = _release_of(repo, head)
    if found is None or found.release is None or removal is None:
        text = f"{label} '{name}' was removed" if not member else f"{subject} was removed"
        return replace(change, message=f"{text}; when it was deprecated is not in this history")
    count = releases_between(found.release, removal)
    rule = "diff/removed-before-window" if count is not None and count < 2 else _REMOVALS[0]
    verdict = (
        f"{count} release(s) later, the policy keeps it for two"
        if rule != _REMOVALS[0]
        else f"{count} releases later: the policy's two releases held"
    )
    facts = (
        f"was removed in {removal} (deprecated in {found.release} by {found.commit[:10]} "
        f'"{found.title}"): {verdict}'
    )
    return replace(
        change,
        rule_id=rule,
        level=CHANGES[rule].level,
        message=f"{subject} {facts}" if member else f"{label} '{name}' {facts}",
        old=str(found.release),
        new=str(removal),
    )
