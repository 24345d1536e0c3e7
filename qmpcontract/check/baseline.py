"""Baselines: findings a project has accepted, each with a reason and an expiry date.

A baseline file is JSON::

    {"accepted": [
      {"rule_id": "qmp-core/arguments", "file": "tests/*.log",
       "message": "no-such-capability", "reason": "negative test: the client
       sends a bad capability on purpose", "expires": "2027-06-30"}
    ]}

``rule_id`` and ``file`` are shell-style patterns, ``message`` a substring;
``reason`` is required.  An entry suppresses the findings it matches until its
``expires`` date; after that it suppresses nothing and the report says so.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from jsonschema import Draft202012Validator

from qmpcontract.errors import InputError
from qmpcontract.location import join_pointer
from qmpcontract.model.findings import Finding
from qmpcontract.read.located_json import parse_located, read_text

T = TypeVar("T")

SCHEMA = {
    "type": "object",
    "required": ["accepted"],
    "additionalProperties": False,
    "properties": {
        "accepted": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["rule_id", "reason"],
                "additionalProperties": False,
                "properties": {
                    "rule_id": {"type": "string", "minLength": 1},
                    "file": {"type": "string", "minLength": 1},
                    "message": {"type": "string", "minLength": 1},
                    "reason": {"type": "string", "minLength": 1},
                    "expires": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                },
            },
        }
    },
}


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted finding pattern."""

    rule_id: str
    reason: str
    file: str | None = None
    message: str | None = None
    expires: datetime.date | None = None
    where: str = ""  # file:line of the entry, for notes

    def matches(self, finding: Finding) -> bool:
        """True if this entry covers *finding*."""
        if not fnmatch.fnmatchcase(finding.rule_id, self.rule_id):
            return False
        if self.file is not None and not fnmatch.fnmatch(finding.location.file, self.file):
            return False
        return self.message is None or self.message in finding.message


def load_baseline(path: Path) -> tuple[BaselineEntry, ...]:
    """Read a baseline file.

    :raise InputError: located at the offending member, if the file is unusable.
    """
    name = str(path)
    document = parse_located(read_text(path, name), name)
    for error in Draft202012Validator(SCHEMA).iter_errors(document.value):
        pointer = join_pointer("", *error.absolute_path)
        raise InputError(f"not a baseline: {error.message}", document.source.locate(pointer))
    assert isinstance(document.value, Mapping)
    entries = []
    for i, item in enumerate(document.value["accepted"]):
        location = document.source.locate(join_pointer("", "accepted", i))
        expires = None
        if "expires" in item:
            try:
                expires = datetime.date.fromisoformat(item["expires"])
            except ValueError as exc:
                at = document.source.locate(join_pointer("", "accepted", i, "expires"))
                raise InputError(f"not a date: {item['expires']!r}", at) from exc
        entries.append(
            BaselineEntry(
                item["rule_id"],
                item["reason"],
                item.get("file"),
                item.get("message"),
                expires,
                str(location),
            )
        )
    return tuple(entries)


def apply_baseline(
    findings: Iterable[Finding], entries: Iterable[BaselineEntry], today: datetime.date
) -> tuple[list[Finding], int, list[str]]:
    """Split findings into those kept and a count of those accepted; notes on expiry."""
    return apply_baseline_to(findings, entries, today, lambda finding: finding)


def apply_baseline_to(
    items: Iterable[T],
    entries: Iterable[BaselineEntry],
    today: datetime.date,
    as_finding: Callable[[T], Finding],
) -> tuple[list[T], int, list[str]]:
    """:func:`apply_baseline` for anything reported as a finding (``diff``'s changes)."""
    entries = list(entries)
    live = [e for e in entries if e.expires is None or e.expires >= today]
    notes = [
        f"baseline entry at {e.where} ({e.rule_id}) expired on {e.expires}; it no longer applies"
        for e in entries
        if e.expires is not None and e.expires < today
    ]
    kept: list[T] = []
    accepted = 0
    for item in items:
        finding = as_finding(item)
        if any(e.matches(finding) for e in live):
            accepted += 1
        else:
            kept.append(item)
    return kept, accepted, notes


_SPECIAL = re.compile(r"([*?\[])")


def _literal(text: str) -> str:
    """A shell-style pattern matching exactly *text* (``*``, ``?``, ``[`` escaped)."""
    return _SPECIAL.sub(r"[\1]", text)


def baseline_entries(
    findings: Iterable[Finding], reason: str, expires: datetime.date | None
) -> list[dict[str, str]]:
    """Baseline entries accepting exactly *findings*: one per rule, file and message.

    >>> from qmpcontract.location import Location
    >>> from qmpcontract.model.contract import Level
    >>> f = Finding("qmp-core/id-echo", Level.MUST, "id not echoed", Location("a[1].log", 3))
    >>> baseline_entries([f, f], "known", None)
    [{'rule_id': 'qmp-core/id-echo', 'file': 'a[[]1].log', 'message': 'id not echoed', \
'reason': 'known'}]
    """
    entries: dict[tuple[str, str, str], dict[str, str]] = {}
    for finding in findings:
        key = (finding.rule_id, finding.location.file, finding.message)
        entry = {
            "rule_id": _literal(finding.rule_id),
            "file": _literal(finding.location.file),
            "message": finding.message,
            "reason": reason,
        }
        if expires is not None:
            entry["expires"] = expires.isoformat()
        entries.setdefault(key, entry)
    return list(entries.values())


def entry_json(entry: BaselineEntry) -> dict[str, str]:
    """An entry read from a baseline, as the file writes it."""
    document = {"rule_id": entry.rule_id}
    if entry.file is not None:
        document["file"] = entry.file
    if entry.message is not None:
        document["message"] = entry.message
    document["reason"] = entry.reason
    if entry.expires is not None:
        document["expires"] = entry.expires.isoformat()
    return document


def write_baseline(path: Path, entries: Iterable[Mapping[str, str]]) -> None:
    """Write a baseline file holding *entries* (what :func:`load_baseline` reads).

    :raise OSError: if the file cannot be written.
    """
    text = json.dumps({"accepted": list(entries)}, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
