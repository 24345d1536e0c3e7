"""What QEMU's QAPI history says: release numbering, and the error classes of each release.

Read from a git repository of QEMU's schema history (the corpus's
``qemu-qapi-history.bundle``, cloned): every commit that changed the schema,
with the ``VERSION`` file as that commit left it and an ``Original-commit:``
trailer naming the QEMU commit.

Release numbering: a commit whose ``VERSION`` says ``X.Y.Z`` is first released
in the release after ``X.Y``, whatever ``Z`` is (``X.Y.50`` is development
towards it, ``X.Y.9N`` its release candidates, and a schema commit made while
``VERSION`` still said ``X.Y.0`` came after the ``vX.Y.0`` tag).  The releases
are the ``X.Y`` every ``VERSION`` names; the one after ``X.Y`` is the next of
them (``2.12`` is followed by ``3.0``).

Error classes: the values of the ``ErrorClass`` enum (QEMU 1.2 on; in
``qapi-schema.json``, later ``qapi/common.json`` and ``qapi/error.json``),
followed through every commit that changed them.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from qmpcontract.errors import InputError
from qmpcontract.location import Location
from qmpcontract.model.versions import QemuVersion
from qmpcontract.read.qapi_lexer import Lexer
from qmpcontract.read.qapi_source import QapiError

_ENUM = re.compile(r"\{\s*'enum'\s*:\s*'(Qapi)?ErrorClass'")
_SEP = "\x1e"


def git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    """The output of ``git ARGS`` in *repo*.

    :raise InputError: if git cannot be run or fails.
    """
    try:
        done = subprocess.run(
            ["git", *args], cwd=repo, input=data, capture_output=True, check=False, timeout=600
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"cannot run git: {exc}", Location(str(repo))) from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise InputError(f"git {args[0]}: {message}", Location(str(repo)))
    return done.stdout


@dataclass(frozen=True)
class Commit:
    """One commit of the schema history."""

    id: str  # in the history repository
    original: str  # the QEMU commit (Original-commit trailer), or ""
    title: str
    date: str  # author date, YYYY-MM-DD
    version: QemuVersion | None  # what VERSION said
    files: tuple[str, ...]  # the files it changed


def commits(repo: Path) -> list[Commit]:
    """Every commit of *repo*, oldest first."""
    fmt = f"{_SEP}%H%x00%(trailers:key=Original-commit,valueonly,separator=)%x00%s%x00%as"
    text = git(repo, "log", "--reverse", "--name-only", f"--format={fmt}").decode()
    found = []
    heads = [record.split("\x00") for record in text.split(_SEP)[1:]]
    for head in heads:
        commit, original, title, rest = head
        date, _, names = rest.partition("\n")
        found.append(
            Commit(commit, original.strip(), title, date.strip(), None, tuple(names.split()))
        )
    versions = _blobs(repo, [f"{c.id}:VERSION" for c in found])
    return [
        Commit(c.id, c.original, c.title, c.date, _version(v), c.files)
        for c, v in zip(found, versions, strict=True)
    ]


def _version(text: str | None) -> QemuVersion | None:
    try:
        return QemuVersion.parse(text.strip()) if text else None
    except ValueError:
        return None


def _blobs(repo: Path, names: Sequence[str]) -> list[str | None]:
    """The text of each ``commit:path`` in *names* (None where there is none)."""
    if not names:
        return []
    output = git(repo, "cat-file", "--batch", data=("\n".join(names) + "\n").encode())
    found: list[str | None] = []
    at = 0
    for _ in names:
        end = output.index(b"\n", at)
        header = output[at:end].split()
        at = end + 1
        if header[-1] == b"missing":
            found.append(None)
            continue
        size = int(header[2])
        found.append(output[at : at + size].decode("utf-8", "replace"))
        at += size + 1
    return found


def releases(history: Sequence[Commit]) -> list[QemuVersion]:
    """Every release the history's ``VERSION`` files name, in order."""
    return sorted({QemuVersion(v.major, v.minor) for c in history if (v := c.version)})


def first_release(version: QemuVersion, known: Sequence[QemuVersion]) -> QemuVersion | None:
    """The release that first holds a commit made when ``VERSION`` said *version*.

    None if that release is not among *known* (not made yet).

    >>> known = [QemuVersion(2, 11), QemuVersion(2, 12), QemuVersion(3, 0)]
    >>> str(first_release(QemuVersion(2, 12, 50), known))
    '3.0'
    >>> str(first_release(QemuVersion(2, 11, 90), known))
    '2.12'
    """
    base = QemuVersion(version.major, version.minor)
    return next((r for r in known if r > base), None)


@dataclass(frozen=True)
class ErrorClassChange:
    """A QEMU commit that added or removed values of ``ErrorClass``."""

    commit: Commit
    release: QemuVersion | None  # the first release holding it (None: unreleased)
    added: tuple[str, ...]
    removed: tuple[str, ...]


def _enum_values(text: str, name: str) -> tuple[str, ...] | None:
    match = _ENUM.search(text)
    if match is None:
        return None
    lexer = Lexer(name, text[match.start() :], None)
    try:
        lexer.accept()
        value = lexer.value()
    except QapiError as exc:
        raise InputError(f"cannot read the ErrorClass enum: {exc}", Location(name)) from exc
    data = value.get("data") if isinstance(value, dict) else None
    if not isinstance(data, list):
        raise InputError("the ErrorClass enum has no 'data' list", Location(name))
    return tuple(str(v["name"] if isinstance(v, dict) else v) for v in data)


def error_class_changes(repo: Path, history: Sequence[Commit]) -> list[ErrorClassChange]:
    """Every QEMU commit that changed the ``ErrorClass`` enum's values, oldest first.

    A change is what the commit did to the values its parent had (the history
    lays a parent's files down in a commit of its own, without an
    ``Original-commit:`` trailer, where it is not the commit before), so the
    changes of merged branches add up whatever order the history lists them in.
    """
    known = releases(history)
    holder: str | None = None  # the file that defines the enum
    current: tuple[str, ...] = ()
    changes: list[ErrorClassChange] = []
    for commit in history:
        touched = [f for f in commit.files if f.endswith(".json")]
        if holder is not None and holder not in touched:
            continue  # the enum can only change, or move, where its file changes
        names = [f"{commit.id}:{f}" for f in touched]
        values: tuple[str, ...] = ()  # the file that held it no longer does: removed
        for name, text in zip(names, _blobs(repo, names), strict=True):
            found = _enum_values(text, name) if text else None
            if found is not None:
                holder, values = name.partition(":")[2], found
                break
        else:
            if holder is None:
                continue
            holder = None
        added = tuple(v for v in values if v not in current)
        removed = tuple(v for v in current if v not in values)
        if (added or removed) and commit.original:
            release = first_release(commit.version, known) if commit.version else None
            changes.append(ErrorClassChange(commit, release, added, removed))
        current = values
    return changes


def class_spans(changes: Sequence[ErrorClassChange]) -> Iterator[tuple[str, Commit, Commit | None]]:
    """``(class, the commit that added it, the commit that removed it or None)``."""
    added: dict[str, Commit] = {}
    removed: dict[str, Commit] = {}
    for change in changes:
        for name in change.added:
            added.setdefault(name, change.commit)
            removed.pop(name, None)
        for name in change.removed:
            removed[name] = change.commit
    for name, commit in added.items():
        yield name, commit, removed.get(name)
