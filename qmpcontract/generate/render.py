"""Render generated sessions in qmpcontract's recording format.

The inverse of :func:`qmpcontract.read.recording.read_recording` for what the
generators make: one header, then per session an ``open`` record, one
``message`` record per message (its exact text) and a ``close`` record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from qmpcontract.generate.sessions import Sent


def recording(sessions: Sequence[Sequence[Sent]], note: str = "generated") -> str:
    """The recording (JSON Lines text) of *sessions*."""
    records: list[dict[str, object]] = [
        {"type": "header", "format": "qmpcontract-recording", "version": 1, "note": note}
    ]
    t = 1_000_000_000.0
    for number, session in enumerate(sessions):
        records.append({"type": "open", "session": number, "t": t})
        for sent in session:
            t += 0.001
            record: dict[str, object] = {
                "type": "message",
                "session": number,
                "dir": sent.direction,
                "t": t,
                "raw": sent.text(),
            }
            if not sent.complete:
                record["complete"] = False
            records.append(record)
        records.append({"type": "close", "session": number, "t": t, "reason": "client-closed"})
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
