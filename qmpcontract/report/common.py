"""Pieces every renderer shares."""

from __future__ import annotations

from typing import Any

from qmpcontract.location import Location
from qmpcontract.model.contract import Level
from qmpcontract.model.findings import Finding


def obligation(finding: Finding) -> str:
    """Who the broken rule obliges, as the finding's text starts: "QEMU must: ", or "".

    MAY findings are advice and notes, which oblige no one: they get no prefix (their
    party is still in the JSON and SARIF reports).
    """
    if finding.party is None or finding.level is Level.MAY:
        return ""
    return f"{finding.party.subject()} {finding.level.value.lower()}: "


def location_json(location: Location) -> dict[str, Any]:
    """A location as the JSON reports write it."""
    return {
        "file": location.file,
        "line": location.line,
        "column": location.column,
        "offset": location.offset,
        "message_index": location.message_index,
        "pointer": location.pointer,
    }
