"""Build large transcripts for the benchmarks by replaying real recorded traffic.

The sessions replayed are real: our own QEMU 7.2 recording
(``examples/qemu-7.2-block-jobs.jsonl``: a block-stream to completion, a
cancelled job, errors, events) and, when ``../shared/corpus`` is present, the
real libvirt 9.0 capability probe of QEMU 7.2 (a debug log holding the
``query-qmp-schema`` reply, so the transcript carries its own schema).  The
output is a qmpcontract recording (what ``qmpcontract record`` writes): the
probe session first, then the block-jobs session again and again, with the
probe again every *probe_every* sessions, the way a CI pipeline's libvirtd
probes QEMU once per start and then runs many domains.  Every message is kept
byte for byte; only session numbers and timestamps are renumbered.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from qmpcontract.read.formats import open_transcript
from qmpcontract.read.messages import RawMessage

ROOT = Path(__file__).resolve().parents[1]
OWN_RECORDING = ROOT / "examples" / "qemu-7.2-block-jobs.jsonl"
# the shared corpus, as the tests find it: $QMPCONTRACT_SHARED_CORPUS, else ../shared/corpus
SHARED = Path(os.environ.get("QMPCONTRACT_SHARED_CORPUS") or ROOT.parent / "shared" / "corpus")
PROBE_LOG = SHARED / "samples" / "libvirt-9.0.0-probe-debug.log"


@dataclass(frozen=True)
class Session:
    """One real session: its messages as (direction, exact text)."""

    name: str
    messages: tuple[tuple[str, str], ...]
    duration: float


def load_session(path: Path) -> Session:
    """The first session of a real transcript, message texts exactly as recorded."""
    transcript = open_transcript(path)
    messages: list[tuple[str, str]] = []
    times: list[float] = []
    first = None
    for item in transcript.items():
        if not isinstance(item, RawMessage):
            continue
        first = item.session if first is None else first
        if item.session != first or item.direction is None:
            continue
        messages.append((item.direction.value, item.text))
        if item.timestamp is not None:
            times.append(item.timestamp)
    duration = max(times) - min(times) if times else 0.0
    return Session(path.name, tuple(messages), max(duration, 0.001))


def sources() -> tuple[Session | None, Session]:
    """The probe session (None without the shared corpus) and our own session."""
    probe = load_session(PROBE_LOG) if PROBE_LOG.exists() else None
    return probe, load_session(OWN_RECORDING)


def _records(session: Session, number: int, start: float) -> Iterator[bytes]:
    yield orjson.dumps({"type": "open", "session": number, "t": start})
    step = session.duration / max(len(session.messages), 1)
    t = start
    for direction, text in session.messages:
        t += step
        record = {"type": "message", "session": number, "dir": direction, "t": round(t, 6)}
        record["raw"] = text
        yield orjson.dumps(record)
    yield orjson.dumps(
        {"type": "close", "session": number, "t": round(t, 6), "reason": "client-closed"}
    )


def _body(session: Session) -> Session:
    """The session without its opening (greeting, negotiation) and its ``quit``."""
    texts = [text for _, text in session.messages]
    start = next(n for n, t in enumerate(texts) if '"qmp_capabilities"' in t) + 2
    end = next(n for n, t in enumerate(texts) if '"execute": "quit"' in t)
    return Session(session.name, session.messages[start:end], session.duration)


def write_connection(path: Path, *, size: int) -> int:
    """Write one connection of at least *size* bytes to *path*: the number of messages.

    The connection opens like our QEMU recording (greeting, negotiation), then
    replays the body of that recording (jobs started, run and ended; errors;
    events) again and again: a long-lived monitor, as libvirt keeps one per VM.
    """
    _, own = sources()
    body = _body(own)
    opening = own.messages[: own.messages.index(body.messages[0])]
    written = 0
    t = 1795654800.0
    with path.open("wb") as out:
        out.write(
            orjson.dumps(
                {
                    "type": "header",
                    "format": "qmpcontract-recording",
                    "version": 1,
                    "tool": "qmpcontract bench/replay.py",
                }
            )
            + b"\n"
        )
        out.write(orjson.dumps({"type": "open", "session": 0, "t": t}) + b"\n")
        for messages in itertools.chain([opening], itertools.repeat(body.messages)):
            if out.tell() >= size:
                break
            lines = []
            for direction, text in messages:
                t += 0.001
                record = {"type": "message", "session": 0, "dir": direction, "t": round(t, 6)}
                record["raw"] = text
                lines.append(orjson.dumps(record))
            out.write(b"\n".join(lines) + b"\n")
            written += len(messages)
        close = {"type": "close", "session": 0, "t": t, "reason": "client-closed"}
        out.write(orjson.dumps(close) + b"\n")
    return written


def write_replay(
    path: Path,
    *,
    messages: int | None = None,
    size: int | None = None,
    probe_every: int = 100,
) -> tuple[int, int]:
    """Write a replay of at least *messages* messages (or *size* bytes) to *path*.

    Returns (messages written, sessions written).
    """
    probe, own = sources()
    header = {
        "type": "header",
        "format": "qmpcontract-recording",
        "version": 1,
        "created": "2026-11-26T00:00:00Z",
        "tool": "qmpcontract bench/replay.py",
        "note": "real sessions replayed: "
        + ", ".join(s.name for s in (probe, own) if s is not None),
    }
    written = sessions = 0
    t = 1795654800.0
    with path.open("wb") as out:
        out.write(orjson.dumps(header) + b"\n")
        while True:
            if messages is not None and written >= messages:
                break
            if size is not None and out.tell() >= size:
                break
            if messages is None and size is None:
                break
            use_probe = probe is not None and sessions % probe_every == 0
            session = probe if use_probe and probe is not None else own
            buffer = b"\n".join(_records(session, sessions, t)) + b"\n"
            out.write(buffer)
            written += len(session.messages)
            sessions += 1
            t += session.duration + 1.0
    return written, sessions
