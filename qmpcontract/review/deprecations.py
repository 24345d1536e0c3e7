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

import re
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


def _deprecated_at(repo: Path, commit: str, what: str, name: str) -> bool:
    listing = _git(repo, "ls-tree", "-r", "--name-only", commit, "--", *SCHEMA_PATHS) or ""
    for path in listing.split():
        text = _git(repo, "show", f"{commit}:{path}") or ""
        if f"'{name}'" not in text:
            continue
        found = _definition(text, what, name)
        if found is not None:
            return "'deprecated'" in found
    return False


def find_deprecation(repo: Path, head: str, what: str, name: str) -> Deprecation | None:
    """The commit, at or before *head*, that deprecated the command or event *name*.

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
    if not candidates or not _deprecated_at(repo, candidates[-1][0], what, name):
        return None
    while low < high:  # the first candidate where it is deprecated
        middle = (low + high) // 2
        if _deprecated_at(repo, candidates[middle][0], what, name):
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


def checked_removal(change: Change, repo: Path, base: str, head: str) -> Change:
    """*change* (a removal of a deprecated command or event) with its deprecation checked.

    The message says when and by which commit it was deprecated; the level is
    the policy's verdict: ``diff/removed-before-window`` (SHOULD) under two
    releases, ``diff/removed-after-deprecation`` (MAY) from two on.
    """
    what, _, name = change.element.partition(" ")
    if change.rule_id not in _REMOVALS or what not in ("command", "event") or change.path:
        return change
    found = find_deprecation(repo, base, what, name)
    version = _git(repo, "show", f"{head}:VERSION")
    try:
        removal = first_release(QemuVersion.parse(version.strip())) if version else None
    except ValueError:
        removal = None
    if found is None or found.release is None or removal is None:
        return replace(
            change,
            message=f"deprecated {what} '{name}' was removed; when it was deprecated is "
            "not in this history",
        )
    count = releases_between(found.release, removal)
    rule = "diff/removed-before-window" if count is not None and count < 2 else _REMOVALS[0]
    verdict = (
        f"{count} release(s) later, the policy keeps it for two"
        if rule != _REMOVALS[0]
        else f"{count} releases later: the policy's two releases held"
    )
    return replace(
        change,
        rule_id=rule,
        level=CHANGES[rule].level,
        message=f"deprecated {what} '{name}' was removed in {removal} (deprecated in "
        f'{found.release} by {found.commit[:10]} "{found.title}"): {verdict}',
        old=str(found.release),
        new=str(removal),
    )
