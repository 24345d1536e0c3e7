"""Real example messages for the contract pages, from our own QEMU 7.2 recording."""

from __future__ import annotations

import json
from pathlib import Path

from qmpcontract.model.session_builder import build_sessions
from qmpcontract.model.transcript import Kind
from qmpcontract.read.recording import read_recording


def _pretty(text: str) -> str:
    return json.dumps(json.loads(text), indent=2)


def recorded_examples(recording: Path) -> dict[str, list[str]]:
    """Command or event name -> the first request and response, or the first event."""
    if not recording.is_file():
        return {}
    with recording.open("rb") as source:
        sessions = build_sessions(read_recording(source, recording.name))
    found: dict[str, list[str]] = {}
    for session in sessions:
        for exchange in session.exchanges:
            name = exchange.command
            response = exchange.response
            if name and name not in found and response is not None and exchange.request.raw.ok:
                found[name] = [
                    "// request",
                    _pretty(exchange.request.raw.text),
                    "// response",
                    _pretty(response.raw.text),
                ]
        for event in session.of_kind(Kind.EVENT):
            if event.name and event.name not in found:
                found[event.name] = [_pretty(event.raw.text)]
    return found
