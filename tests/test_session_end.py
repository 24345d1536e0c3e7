"""How a session ended: one rule for every reader, and for the recorder's verdict.

A connection that ends after QEMU answered ``quit`` (or sent ``SHUTDOWN``) ended
normally, whatever the recording tool writes after it (socat 1.8 logs ``E read(...):
Connection reset by peer`` once QEMU has exited); truncated means a message or an
answer was lost.  The readers report what the tool said; the session builder
(``model.transcript.ended_normally``) decides, and the recorder writes its verdict
by the same rule.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.location import Location
from qmpcontract.model.session_builder import SessionBuilder, build_sessions
from qmpcontract.read.libvirt_log import read_libvirt_log
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
    decode,
)
from qmpcontract.read.recording import read_recording
from qmpcontract.read.socat import read_socat
from qmpcontract.record.proxy import Piece, _Session

from .conftest import TEST_CORPUS
from .test_read_socat import build_log

SOCAT_18 = TEST_CORPUS / "transcripts" / "socat" / "socat-1.8-quit-then-reset.socat.log"
GREETING = (
    b'{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, '
    b'"capabilities": ["oob"]}}\r\n'
)
SHUTDOWN = (
    b'{"timestamp": {"seconds": 1795650269, "microseconds": 120731}, "event": "SHUTDOWN", '
    b'"data": {"guest": false, "reason": "host-qmp-quit"}}\r\n'
)
RESET = b"E read(5, 0x5581e0e3c000, 8192): Connection reset by peer"
CLIENT, SERVER = Direction.CLIENT, Direction.SERVER


def _ends(items: list[TranscriptItem]) -> list[tuple[BoundaryKind, str | None]]:
    return [
        (b.kind, b.note)
        for session in build_sessions(items)
        for b in session.boundaries
        if b.kind is not BoundaryKind.OPEN
    ]


def test_socat_18_reset_after_quit_is_a_normal_end(capsys: pytest.CaptureFixture[str]) -> None:
    items = list(read_socat(io.BytesIO(SOCAT_18.read_bytes()), "s.log"))
    assert items[-1].kind is BoundaryKind.TRUNCATED  # type: ignore[union-attr]  # socat said so
    ((kind, note),) = _ends(items)
    assert kind is BoundaryKind.CLOSE
    assert note is not None and "Connection reset by peer" in note and "answered 'quit'" in note
    assert main(["check", str(SOCAT_18), "--fail-on", "may"]) == 0
    assert "0 findings" in capsys.readouterr().out


def _socat(*chunks: tuple[Direction | str, bytes]) -> list[TranscriptItem]:
    return list(read_socat(io.BytesIO(build_log(list(chunks))), "s.log"))


CAPS = [
    (SERVER, GREETING),
    (CLIENT, b'{"execute": "qmp_capabilities"}\n'),
    (SERVER, b'{"return": {}}\r\n'),
]


@pytest.mark.parametrize(
    ("chunks", "kind"),
    [
        # SHUTDOWN alone ends the conversation too (a guest powering off)
        ([*CAPS, (SERVER, SHUTDOWN), ("diag", RESET)], BoundaryKind.CLOSE),
        # a command sent before the end got no answer: lost
        (
            [*CAPS, (CLIENT, b'{"execute": "query-status", "id": 1}\n'), ("diag", RESET)],
            BoundaryKind.TRUNCATED,
        ),
        # quit not answered yet
        ([*CAPS, (CLIENT, b'{"execute": "quit"}\n'), ("diag", RESET)], BoundaryKind.TRUNCATED),
        # quit answered, but a message cut off
        (
            [*CAPS, (CLIENT, b'{"execute": "quit"}\n'), (SERVER, SHUTDOWN + b'{"return": {}}\r\n'),
             (CLIENT, b'{"execute": "query-st')],
            BoundaryKind.TRUNCATED,
        ),
        # no end of the conversation at all
        ([*CAPS, ("diag", RESET)], BoundaryKind.TRUNCATED),
    ],
)  # fmt: skip
def test_socat_end(chunks: list[tuple[Direction | str, bytes]], kind: BoundaryKind) -> None:
    assert [k for k, _ in _ends(_socat(*chunks))] == [kind]


def _record(direction: str, body: object, t: float) -> str:
    raw = body if isinstance(body, str) else json.dumps(body)
    return json.dumps({"type": "message", "session": 0, "dir": direction, "t": t, "raw": raw})


def _recording(close: dict[str, str] | None, answered: bool = True) -> list[TranscriptItem]:
    lines = [
        json.dumps({"type": "header", "format": "qmpcontract-recording", "version": 1}),
        json.dumps({"type": "open", "session": 0, "t": 1.0}),
        _record("server", json.loads(GREETING), 1.1),
        _record("client", {"execute": "qmp_capabilities"}, 1.2),
        _record("server", {"return": {}}, 1.3),
        _record("client", {"execute": "quit"}, 1.4),
    ]
    if answered:
        lines.append(_record("server", {"return": {}}, 1.5))
    if close is not None:
        lines.append(json.dumps({"type": "close", "session": 0, "t": 2.0, **close}))
    data = "".join(line + "\n" for line in lines).encode()
    return list(read_recording(io.BytesIO(data), "r.jsonl"))


def test_recording_ends_after_quit() -> None:
    reset = {"reason": "truncated", "note": "relaying the server's bytes: Connection reset"}
    assert _ends(_recording(reset)) == [
        (BoundaryKind.CLOSE, "relaying the server's bytes: Connection reset (after QEMU "
         "answered 'quit')")
    ]  # fmt: skip
    # the recording itself cut after quit's answer: nothing was lost either
    assert [k for k, _ in _ends(_recording(None))] == [BoundaryKind.CLOSE]
    assert [k for k, _ in _ends(_recording(None, answered=False))] == [BoundaryKind.TRUNCATED]
    assert [k for k, _ in _ends(_recording(reset, answered=False))] == [BoundaryKind.TRUNCATED]


def _libvirt(quit_answered: bool) -> list[TranscriptItem]:
    """A libvirt debug log that ends with the monitor still open (no QEMU_MONITOR_CLOSE)."""
    mon = "mon=0x7f0000001000"

    def line(ms: int, where: str, text: str) -> str:
        return f"2026-11-25 10:00:03.{ms:03d}+0000: 201: {where} : {text}\n"

    def write(ms: int, message: str) -> str:
        head = line(ms, "info : qemuMonitorIOWrite:366", f"QEMU_MONITOR_IO_WRITE: {mon} buf=")
        return head[:-1] + f"{message}\r\n len={len(message) + 2} ret={len(message) + 2} errno=0\n"

    def received(ms: int, message: str) -> str:
        return line(ms, "debug : qemuMonitorJSONIOProcessLine:189", f"Line [{message}]")

    log = [
        line(0, "info : qemuMonitorOpenInternal:647", f"QEMU_MONITOR_NEW: {mon} fd=27"),
        received(1, GREETING.decode().strip()),
        write(2, '{"execute":"qmp_capabilities","id":"libvirt-1"}'),
        received(3, '{"return": {}, "id": "libvirt-1"}'),
        write(4, '{"execute":"quit","id":"libvirt-2"}'),
    ]
    if quit_answered:
        log.append(received(5, '{"return": {}, "id": "libvirt-2"}'))
    return list(read_libvirt_log(io.BytesIO("".join(log).encode()), "l.log"))


def test_libvirt_log_ending_with_the_monitor_open() -> None:
    ((kind, note),) = _ends(_libvirt(quit_answered=True))
    assert kind is BoundaryKind.CLOSE and note is not None and "monitor is open" in note
    assert [k for k, _ in _ends(_libvirt(quit_answered=False))] == [BoundaryKind.TRUNCATED]


def _message(index: int, direction: Direction, text: str) -> RawMessage:
    value, error = decode(text)
    return RawMessage(index, 0, direction, text, Location("t"), None, value, error)


def test_the_end_is_judged_on_the_whole_connection_checked_in_parts() -> None:
    texts = [
        (SERVER, GREETING.decode().strip()),
        (CLIENT, '{"execute": "qmp_capabilities"}'),
        (SERVER, '{"return": {}}'),
        *[(d, t) for _ in range(5) for d, t in
          [(CLIENT, '{"execute": "query-name"}'), (SERVER, '{"return": {}}')]],
        (CLIENT, '{"execute": "quit"}'),
        (SERVER, SHUTDOWN.decode().strip()),
        (SERVER, '{"return": {}}'),
    ]  # fmt: skip
    items: list[TranscriptItem] = [
        SessionBoundary(BoundaryKind.OPEN, 0, Location("t")),
        *(_message(i, d, t) for i, (d, t) in enumerate(texts)),
        SessionBoundary(BoundaryKind.TRUNCATED, 0, Location("t"), note="reset"),
    ]
    parts = list(SessionBuilder(part_size=2).run(items))
    assert len(parts) > 2
    assert [b.kind for b in parts[-1].boundaries] == [BoundaryKind.CLOSE]
    assert not any(part.truncated for part in parts)


def test_the_recorders_verdict_follows_the_same_rule() -> None:
    state = _Session(0)
    state.saw("client", Piece(b"", b'{"execute": "quit"}'))
    state.saw("server", Piece(b"", SHUTDOWN.strip()))
    state.saw("server", Piece(b"", b'{"return": {}}'))
    state.errors.append("relaying the client's bytes: Connection reset by peer")
    state.first_eof = "server"
    assert state.verdict() == (
        "server-closed",
        "relaying the client's bytes: Connection reset by peer",
    )
    state.saw("client", Piece(b"", b'{"execute": "query-status"}'))  # then never answered
    reason, note = state.verdict()
    assert reason == "truncated" and note is not None and "Connection reset" in note


def test_the_fixture_is_socat_18s_format() -> None:
    text = SOCAT_18.read_text()
    assert text.endswith(
        "2026/11/25 23:44:29 socat[1945] E read(5, 0x5581e0e3c000, 8192): "
        "Connection reset by peer\n"
    )
    assert Path(SOCAT_18).stat().st_size < 4096  # our own small file
