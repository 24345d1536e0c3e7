"""Readers of our recording format and of raw (compact or pretty) QMP streams."""

from __future__ import annotations

import base64
import io
import json

from qmpcontract.read.formats import FORMATS, detect
from qmpcontract.read.messages import BoundaryKind, Direction, RawMessage, SessionBoundary
from qmpcontract.read.recording import read_recording, record_schema, sniff
from qmpcontract.read.stream import read_stream

from .conftest import REPO

PRETTY = (
    '{\r\n    "QMP": {\r\n        "version": {\r\n            "qemu": {\r\n'
    '                "micro": 22,\r\n                "minor": 2,\r\n'
    '                "major": 7\r\n            },\r\n            "package": ""\r\n'
    '        },\r\n        "capabilities": [\r\n            "oob"\r\n        ]\r\n    }\r\n}\r\n'
    '{"execute": "qmp_capabilities", "id": 1}\n'
    '{\r\n    "return": {\r\n    },\r\n    "id": 1\r\n}\r\n'
)


def test_pretty_stream_is_split_like_qemu() -> None:
    items = list(read_stream(io.BytesIO(PRETTY.encode()), "pretty.txt"))
    messages = [i for i in items if isinstance(i, RawMessage)]
    assert [m.direction for m in messages] == [Direction.SERVER, Direction.CLIENT, Direction.SERVER]
    assert all(m.ok for m in messages)
    assert [(m.location.line, m.location.column) for m in messages] == [(1, 1), (16, 1), (17, 1)]
    data = PRETTY.encode()
    for message in messages:
        assert message.location.offset is not None
        assert data[message.location.offset :].startswith(message.text.encode())
    assert [type(i).__name__ for i in (items[0], items[-1])] == ["SessionBoundary"] * 2
    assert detect(data, "pretty.txt") is FORMATS["stream"]


def test_stream_keeps_garbage_and_cut_messages() -> None:
    text = b'{"return": {}}\nnot json\n{"event": "X", "data": {'
    items = list(read_stream(io.BytesIO(text), "s.txt"))
    messages = [i for i in items if isinstance(i, RawMessage)]
    assert [m.text for m in messages] == [
        '{"return": {}}',
        "not",
        "json",
        '{"event": "X", "data": {',
    ]
    assert [m.ok for m in messages] == [True, False, False, False]
    assert messages[-1].truncated
    end = items[-1]
    assert isinstance(end, SessionBoundary) and end.kind is BoundaryKind.TRUNCATED


def test_the_example_recording_follows_its_schema() -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(record_schema())
    lines = (REPO / "examples" / "qemu-7.2-block-jobs.jsonl").read_text().splitlines()
    assert all(validator.is_valid(json.loads(line)) for line in lines)
    assert sniff(lines[0].encode())


def _records(*records: dict[str, object]) -> bytes:
    header = {"type": "header", "format": "qmpcontract-recording", "version": 1}
    return b"".join(json.dumps(r).encode() + b"\n" for r in (header, *records))


def test_recording_reader_is_lossless() -> None:
    bad = b'{"execute": "x\xff"}'
    data = (
        _records(
            {"type": "open", "session": 0, "t": 1.0},
            {"type": "message", "session": 0, "dir": "client", "t": 1.5, "raw": '{"execute": "a"}'},
            {
                "type": "message",
                "session": 0,
                "dir": "client",
                "t": 1.6,
                "raw_base64": base64.b64encode(bad).decode(),
            },
            {
                "type": "message",
                "session": 0,
                "dir": "server",
                "t": 1.7,
                "raw": '{"ret',
                "complete": False,
            },
            {"type": "surprise"},
            {"type": "close", "session": 0, "t": 2.0, "reason": "truncated"},
        )
        + b'{"type": "message", "sess'
    )
    items = list(read_recording(io.BytesIO(data), "r.jsonl"))
    messages = [i for i in items if isinstance(i, RawMessage)]
    assert [m.location.line for m in messages] == [3, 4, 5, 6, 8]
    assert messages[0].ok and messages[0].timestamp == 1.5
    assert messages[1].text.encode("utf-8", "surrogateescape") == bad
    assert messages[1].error == "not valid UTF-8 (QMP text must be UTF-8)"
    assert messages[2].truncated
    assert messages[3].error == "unknown record type 'surprise'"
    assert messages[4].error == "line cut off (the recording ends inside it)"
    assert messages[4].truncated and not messages[3].truncated
    kinds = [i.kind for i in items if isinstance(i, SessionBoundary)]
    assert kinds == [BoundaryKind.OPEN, BoundaryKind.TRUNCATED]


def test_unclosed_session_is_truncated() -> None:
    data = _records({"type": "open", "session": 3, "t": 1.0})
    items = list(read_recording(io.BytesIO(data), "r.jsonl"))
    assert isinstance(items[-1], SessionBoundary)
    assert (items[-1].kind, items[-1].session) == (BoundaryKind.TRUNCATED, 3)
