"""Pieces every renderer shares."""

from __future__ import annotations

from typing import Any

from qmpcontract.location import Location


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
