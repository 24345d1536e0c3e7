"""Walk the JSON Schemas embedded in a contract and check what a validator can't.

Contracts embed Draft 2020-12 schemas (``types``, command ``arguments`` and
``returns``, event ``data``, and schema parameters of checks).  The meta-schema
already checks that each is a schema; this module checks what makes one usable
here: every ``$ref`` stays inside the contract set and resolves, no ``$id``
re-bases a sub-schema, every regular expression compiles, and ``x-qmp`` member
annotations are well formed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from qmpcontract.location import resolve_pointer


@dataclass(frozen=True)
class RefTarget:
    """Where a ``$ref`` points: a contract file of the set and a pointer in it."""

    path: Path
    pointer: str


class RefError(ValueError):
    """A ``$ref`` that breaks the contract-set rules, with the reason."""


def resolve_ref(ref: str, file: Path, root: Path) -> RefTarget:
    """Resolve *ref* written in contract *file* of the set rooted at *root*.

    Only relative references are allowed: ``#/types/X`` inside the file, or
    ``../jobs/1.0.0.json#/types/X`` to another contract of the set.

    :raise RefError: for a network or absolute reference, a path outside
        *root*, or a fragment that is not a JSON pointer.
    """
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc:
        raise RefError(
            f"'$ref' {ref!r} points outside the contract set; only relative references "
            "such as '#/types/Name' or '../other/1.0.0.json#/types/Name' are allowed"
        )
    fragment = unquote(parts.fragment)
    if fragment and not fragment.startswith("/"):
        raise RefError(f"'$ref' {ref!r}: the fragment must be a JSON pointer such as '#/types/X'")
    if not parts.path:
        return RefTarget(file, fragment)
    if parts.path.startswith("/"):
        raise RefError(f"'$ref' {ref!r} is an absolute path; use a path relative to this file")
    parts_path = PurePosixPath(unquote(parts.path))
    target = (file.parent / parts_path).resolve()
    try:
        target.relative_to(root.resolve())
    except ValueError:
        raise RefError(f"'$ref' {ref!r} points outside the contract set") from None
    return RefTarget(target, fragment)


# A repeated group whose every alternative is only repeated atoms, like (a+)+,
# (a|b*)* or (x{2,})+: Python's backtracking engine can take exponential time on
# such patterns, and the checker runs contract patterns against what QEMU sends.
# (Groups with a fixed part, like (\d+\.)+, are fine and are not flagged.)
_ATOM = r"(?:\\.|\[(?:\\.|[^\]\\])*\]|[^\\()\[\]|])"
_ONLY_REPEATS = re.compile(rf"(?:{_ATOM}(?:[+*]|\{{\d*,\d*\}})\??)+")
_REPEATED_GROUP = re.compile(r"\(((?:[^()\\]|\\.)*)\)(?:[+*]|\{\d*,)")


def _exponential(pattern: str) -> bool:
    for match in _REPEATED_GROUP.finditer(pattern):
        body = match[1].removeprefix("?:")
        if any(_ONLY_REPEATS.fullmatch(branch) for branch in body.split("|")):
            return True
    return False


def regex_error(pattern: str) -> str | None:
    r"""Return why *pattern* is not a usable regular expression, or None.

    >>> regex_error(r"^\d+(\.\d+)*$") is None
    True
    >>> regex_error("^(a+)+$")
    'a repeated group of repeats, such as (a+)+, can take exponential time; rewrite it'
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    if _exponential(pattern):
        return "a repeated group of repeats, such as (a+)+, can take exponential time; rewrite it"
    return None


def object_members(schema: object, document: object, depth: int = 0) -> set[str] | None:
    """The member names an object schema declares, following local refs.

    Returns None when that cannot be told statically (a reference to another
    file, a boolean schema, an alternative of shapes), so callers only report
    what is certain.
    """
    if depth > 20 or not isinstance(schema, Mapping):
        return None
    names: set[str] = set()
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if not ref.startswith("#"):
            return None
        found, target = resolve_pointer(document, unquote(ref[1:]))
        inner = object_members(target, document, depth + 1) if found else None
        if inner is None:
            return None
        names |= inner
    for sub in schema.get("allOf", []) if isinstance(schema.get("allOf"), list) else []:
        inner = object_members(sub, document, depth + 1)
        if inner is None:
            return None
        names |= inner
    if any(k in schema for k in ("anyOf", "oneOf")):
        return None
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        names |= set(properties)
    return names
