"""What ``check`` counts, held against what a real QEMU 7.2 answers, input by input.

QEMU answers every input its JSON parser reads exactly once.  Each input of
``tests/wire_inputs.py`` (top-level strings, numbers and words, errors and what QEMU
skips after them, stray brackets, nesting and token counts past QEMU's limits), and
each JSON object QEMU answers with its id or without one (no ``execute``;
``exec-oob`` with and without id, with and without OOB negotiated), goes to a real
QEMU through our recorder (``qmpcontract record -- qemu-system-x86_64 ...``) on a
connection of its own.  QEMU's answers are counted on the wire, one per CR LF
line, independently of qmpcontract's splitter; ``check``'s report of the recording
must hold one whole client message per answer, and no MUST finding but about what
the client sent.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from qmpcontract.check import check_items
from qmpcontract.contract import load_contracts
from qmpcontract.model.contract import Level
from qmpcontract.model.transcript import TranscriptInfo
from qmpcontract.read.formats import open_transcript
from qmpcontract.read.messages import Direction, RawMessage

from ..qemu_harness import have_qemu
from ..wire_inputs import ANSWERS, SIZE, TOKENS
from .test_record_qemu import QEMU_ARGS, recorder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not have_qemu(), reason="needs qemu-system-x86_64, qemu-img and socat"),
]
# What a client may be told off for: what it sent is no QMP message.
ABOUT_THE_CLIENT = {"qmpcontract/invalid-message", "qmpcontract/unknown-message"}


class _Wire:
    """A raw QMP connection: bytes out, QEMU's answers in, counted by their CR LF."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(str(path))
        self.received = bytearray()
        self.wait(1)  # the greeting

    def send(self, data: bytes) -> None:
        # 64 MiB through the recorder into QEMU's lexer: minutes on a busy 2-core machine
        self.sock.settimeout(600)
        self.sock.sendall(data)

    def wait(self, count: int, grace: float = 0.2, timeout: float = 20.0) -> int:
        """Wait for *count* more lines, then *grace* seconds more; return how many came."""
        before = self.received.count(b"\r\n")
        deadline = time.monotonic() + timeout
        quiet_until = None
        while True:
            have = self.received.count(b"\r\n") - before
            now = time.monotonic()
            if have >= count and quiet_until is None:
                quiet_until = now + grace
            if now >= (quiet_until if quiet_until is not None else deadline):
                return have
            self.sock.settimeout(max(0.01, (quiet_until or deadline) - now))
            try:
                data = self.sock.recv(1 << 20)
            except TimeoutError:
                continue
            if not data:
                return self.received.count(b"\r\n") - before
            self.received += data

    def negotiate(self, oob: bool = False) -> None:
        caps: dict[str, object] = {"execute": "qmp_capabilities"}
        if oob:
            caps["arguments"] = {"enable": ["oob"]}
        self.send(json.dumps(caps).encode() + b"\n")
        assert self.wait(1) == 1

    def close(self) -> None:
        self.sock.close()


def _quit(sock: Path) -> None:
    wire = _Wire(sock)
    try:
        wire.negotiate()
        wire.send(b'{"execute": "quit"}\n')
        wire.wait(2, timeout=10)  # SHUTDOWN, then the return
    finally:
        wire.close()


def _check(recording: Path) -> tuple[list[RawMessage], list[tuple[str, str, int | None]]]:
    """The messages of *recording* and check's MUST findings (rule, message, index)."""
    transcript = open_transcript(recording)
    items = list(transcript.items())
    info = TranscriptInfo(str(recording), transcript.format.name)
    result = check_items(iter(items), info, load_contracts())
    messages = [i for i in items if isinstance(i, RawMessage)]
    assert result.summary.messages == len(messages)  # every message is accounted for
    musts = [
        (f.rule_id, f.message, f.location.message_index)
        for f in result.findings
        if f.level is Level.MUST
    ]
    return messages, musts


def _about_qemu(
    messages: list[RawMessage], musts: list[tuple[str, str, int | None]]
) -> list[tuple[str, str, int | None]]:
    """The MUST findings that are not about what the client sent."""
    return [
        (rule, text, index)
        for rule, text, index in musts
        if not (
            rule in ABOUT_THE_CLIENT
            and index is not None
            and messages[index].direction is Direction.CLIENT
        )
    ]


def _inputs(messages: list[RawMessage], session: int) -> list[RawMessage]:
    """The whole client messages of *session* after its qmp_capabilities."""
    sent = [m for m in messages if m.session == session and m.direction is Direction.CLIENT]
    assert sent and isinstance(sent[0].value, dict)
    assert sent[0].value.get("execute") == "qmp_capabilities"
    return [m for m in sent[1:] if not m.truncated]


def _run(tmp_path: Path, cases: list[tuple[bytes, int]], timeout: float) -> list[int]:
    """Send each input on a connection of its own through the recorder; QEMU's answers."""
    answers = []
    with recorder(tmp_path, "--", *QEMU_ARGS) as (proc, sock):
        for data, expected in cases:
            wire = _Wire(sock)
            try:
                wire.negotiate()
                wire.send(data)
                answers.append(wire.wait(expected, timeout=timeout))
            finally:
                wire.close()
        _quit(sock)
        assert proc.wait(30) == 0
    return answers


def test_one_message_per_answer_of_qemu(tmp_path: Path) -> None:
    answers = _run(tmp_path, ANSWERS, timeout=5)
    messages, musts = _check(tmp_path / "rec.jsonl")
    for session, ((data, measured), answered) in enumerate(zip(ANSWERS, answers, strict=True)):
        inputs = _inputs(messages, session)
        assert len(inputs) == answered, (data, [m.text for m in inputs], answered)
        assert answered == measured, (data, "QEMU no longer answers as tests/wire_inputs.py says")
        server = [m for m in messages if m.session == session and m.direction is Direction.SERVER]
        assert len(server) == 2 + answered  # the greeting, qmp_capabilities' return, answers
    assert _about_qemu(messages, musts) == []


def test_one_message_per_answer_past_qemus_token_limits(tmp_path: Path) -> None:
    cases = [TOKENS, SIZE]
    answers = _run(tmp_path, cases, timeout=120)
    assert answers == [answers for _, answers in cases]
    messages, musts = _check(tmp_path / "rec.jsonl")
    for session, answered in enumerate(answers):
        assert len(_inputs(messages, session)) == answered
    assert _about_qemu(messages, musts) == []


# (input, its answer carries this id): each QEMU 7.2 answers once, as measured.
WITHOUT_OOB: list[tuple[bytes, object]] = [
    (b'{"arguments": {}, "id": "no-execute"}\n', "no-execute"),  # lacks member 'execute'
    (b'{"id": 5}\n', 5),
    (b'{"execute": "query-name", "id": {"x": [1]}}\n', {"x": [1]}),
    (b'{"exec-oob": "query-status"}\n', None),  # "member 'exec-oob' is unexpected"
    (b'{"exec-oob": "query-status", "id": "oob-1"}\n', "oob-1"),
]
WITH_OOB: list[tuple[bytes, object]] = [
    (b'{"exec-oob": "migrate-pause"}\n', None),  # an OOB command, answered without id
    (b'{"exec-oob": "migrate-pause", "id": "p"}\n', "p"),
    (b'{"execute": "query-name"}\n', None),
    (b'{"exec-oob": "query-status"}\n', None),  # "does not support OOB"
    (b'{"arguments": {}, "id": "no-execute"}\n', "no-execute"),
]


def test_any_object_is_paired_with_qemus_answer(tmp_path: Path) -> None:
    ids: list[list[object]] = []
    with recorder(tmp_path, "--", *QEMU_ARGS) as (proc, sock):
        for oob, cases in ((False, WITHOUT_OOB), (True, WITH_OOB)):
            wire = _Wire(sock)
            got: list[object] = []
            try:
                wire.negotiate(oob)
                for data, _ in cases:  # one at a time: nothing overtakes anything
                    mark = len(wire.received)
                    wire.send(data)
                    assert wire.wait(1) == 1, data
                    got.append(json.loads(bytes(wire.received[mark:])).get("id"))
            finally:
                wire.close()
            ids.append(got)
        _quit(sock)
        assert proc.wait(30) == 0
    assert ids == [[i for _, i in WITHOUT_OOB], [i for _, i in WITH_OOB]]  # as measured
    messages, musts = _check(tmp_path / "rec.jsonl")
    for session, sent in enumerate((WITHOUT_OOB, WITH_OOB)):
        assert len(_inputs(messages, session)) == len(sent)
    assert _about_qemu(messages, musts) == []
    assert {rule for rule, _, _ in musts} == {"qmpcontract/unknown-message"}
