r"""The ``socat -v`` reader: real logs, hand-made quirks, random chunkings, hostile input.

Synthetic logs are built by :func:`build_log` the way socat writes them: a header
per chunk, CR as ``\r``, a backslash as ``\\``, and the next header glued on
when a chunk does not end with LF.
"""

from __future__ import annotations

import io
import random
import re
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qmpcontract.errors import InputError
from qmpcontract.read import socat
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
    decode,
)
from qmpcontract.read.socat import read_socat, sniff

from .conftest import TEST_CORPUS
from .generated_stream import GeneratedStream

FIXTURES = TEST_CORPUS / "transcripts" / "socat"
T0 = 1795649006  # 2026-11-25 23:23:26 UTC
CLIENT, SERVER = Direction.CLIENT, Direction.SERVER
GREETING = '{"QMP": {"version": {}, "capabilities": ["oob"]}}'

# A chunk: (direction, wire bytes); "new" starts a new connection; "diag" a socat
# diagnostic (date and program added); "raw" bytes written to the log as they are.
Event = tuple[Direction | str, bytes]


def escape(data: bytes) -> bytes:
    return data.replace(b"\\", b"\\\\").replace(b"\r", b"\\r")


def build_log(events: Sequence[Event], start: float = T0) -> bytes:
    """A socat -v log of these chunks, 1.5 ms apart."""
    out = bytearray()
    offsets = {CLIENT: 0, SERVER: 0}
    for number, (kind, data) in enumerate(events):
        stamp = start + number * 0.0015
        if kind == "new":
            offsets = {CLIENT: 0, SERVER: 0}
        elif kind == "raw":
            out += data
        elif kind == "diag":
            out += time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(stamp)).encode()
            out += b" socat[1945] " + data + b"\n"
        else:
            assert isinstance(kind, Direction)
            when = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(stamp))
            micro = round((stamp % 1) * 1e6)
            arrow = ">" if kind is CLIENT else "<"
            first = offsets[kind]
            out += f"{arrow} {when}.{micro:09d}  length={len(data)} from={first} ".encode()
            out += f"to={first + len(data) - 1}\n".encode()
            out += escape(data)
            offsets[kind] += len(data)
    return bytes(out)


def read(log: bytes, name: str = "t.log") -> list[TranscriptItem]:
    return list(read_socat(io.BytesIO(log), name))


def messages(items: Sequence[TranscriptItem]) -> list[RawMessage]:
    return [i for i in items if isinstance(i, RawMessage)]


def boundaries(items: Sequence[TranscriptItem]) -> list[tuple[BoundaryKind, int]]:
    return [(i.kind, i.session) for i in items if isinstance(i, SessionBoundary)]


# where data is interrupted: a chunk header or a socat diagnostic
HEADER = re.compile(
    rb"([<>] )?\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(\.\d{9}  length=|(\.\d+)? (\S+ )?socat\[)"
)


def starts_with(log: bytes, first: bytes) -> bool:
    """*log* starts with *first*, or with its part before the next header or diagnostic."""
    stop = HEADER.search(log, 1, len(first) + 64)
    head = first if stop is None else first[: stop.start()]
    return bool(head) and log.startswith(head)


def check_locations(log: bytes, items: Sequence[TranscriptItem]) -> None:
    """Each message's offset, line and column point at its first character."""
    lines = log.split(b"\n")
    for index, message in enumerate(messages(items)):
        assert message.index == index
        loc = message.location
        assert loc.message_index == index and loc.file == "t.log"
        assert loc.offset is not None and loc.line is not None and loc.column is not None
        first = message.text.split("\n")[0].encode("utf-8", "surrogateescape")
        if message.direction is not None:
            first = escape(first)  # stray text is reported as written in the log
        assert starts_with(log[loc.offset :], first), (message, log[loc.offset :][:80])
        line = lines[loc.line - 1].decode("utf-8", "surrogateescape")
        assert starts_with(line[loc.column - 1 :].encode("utf-8", "surrogateescape"), first)


def check(log: bytes) -> list[TranscriptItem]:
    items = read(log)
    check_locations(log, items)
    return items


def texts(items: Sequence[TranscriptItem]) -> list[tuple[Direction | None, str]]:
    return [(m.direction, m.text) for m in messages(items)]


# -- sniffing and recognition ------------------------------------------------------


def test_sniff() -> None:
    assert sniff(b"> 2026/11/25 23:23:26.000646163  length=32 from=0 to=31\n{")
    assert sniff(b"2026/11/25 23:44:29 socat[1945] E connect(5, ...): No such file\n")
    assert sniff(b'"id": 1}\n< 2026/11/25 23:23:26.000646388  length=16 from=142 to=157\n')
    assert sniff(b'"id": 1}< 2026/11/25 23:23:26.000646388  length=16 from=142 to=157\n')
    assert not sniff(b"")
    assert not sniff(b'{"QMP": {"version": {}}}\r\n')
    assert not sniff(b"2026-11-25 23:23:26.123+0000: 1234: debug : qemuMonitorIOWrite:1 buf=")


def test_empty_and_blank_files_have_no_items() -> None:
    assert read(b"") == []
    assert read(b"\n  \n\n") == []


def test_not_a_socat_log_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        read(b"\n\nhello world\n")
    assert str(info.value).startswith("t.log:3:1: not a socat -v log")


# -- the real samples --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "client", "server"),
    [("qemu-7.2-block-stream.socat.log", 16, 25), ("qemu-7.2-before-capabilities.socat.log", 7, 9)],
)
def test_real_sample(shared_corpus: Path, sample: str, client: int, server: int) -> None:
    path = shared_corpus / "samples" / sample
    log = path.read_bytes()
    assert sniff(log[:512])
    with path.open("rb") as source:
        items = list(read_socat(source, "t.log"))
    check_locations(log, items)
    found = messages(items)
    assert sum(m.direction is CLIENT for m in found) == client
    assert sum(m.direction is SERVER for m in found) == server
    assert all(m.ok and isinstance(m.value, dict) for m in found)
    assert all(m.session == 0 for m in found)
    assert boundaries(items) == [(BoundaryKind.OPEN, 0), (BoundaryKind.CLOSE, 0)]
    assert isinstance(items[0], SessionBoundary) and items[-1] == SessionBoundary(
        BoundaryKind.CLOSE, 0, items[-1].location, found[-1].timestamp
    )
    greeting = found[0]
    assert greeting.direction is SERVER and isinstance(greeting.value, dict)
    assert "QMP" in greeting.value
    assert greeting.location.line == 2 and greeting.location.column == 1
    assert all(m.text.startswith("{") and m.text.endswith("}") for m in found)
    stamps = [m.timestamp for m in found]
    assert all(isinstance(s, float) for s in stamps)
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    # each message's text is exactly the wire text, found verbatim in the log
    text = log.decode()
    assert all(m.text in text for m in found)


def test_real_sample_block_stream_details(shared_corpus: Path) -> None:
    path = shared_corpus / "samples" / "qemu-7.2-block-stream.socat.log"
    found = messages(read(path.read_bytes()))
    assert found[1].direction is CLIENT and found[1].text == '{"execute": "qmp_capabilities"}'
    assert found[1].location.line == 4
    # two messages in one 174-byte chunk: the second one starts on the next line
    ids = [(m.direction, m.value.get("id")) for m in found if isinstance(m.value, dict)]
    stream = found[ids.index((SERVER, "stream"))]
    assert stream.location.line == 21
    assert stream.timestamp == datetime(2026, 11, 25, 23, 23, 26, 650208, UTC).timestamp()
    # the 2490-byte query-named-block-nodes reply is one message
    nodes = found[ids.index((SERVER, "nodes"))]
    assert len(nodes.text) == 2490 - 2 and nodes.ok


def test_fixture_fork_two_sessions() -> None:
    """Real socat 1.7.4 output: two connections through fork, glued headers."""
    log = (FIXTURES / "socat-1.7.4-fork-two-sessions.socat.log").read_bytes()
    items = check(log)
    assert boundaries(items) == [
        (BoundaryKind.OPEN, 0),
        (BoundaryKind.CLOSE, 0),
        (BoundaryKind.OPEN, 1),
        (BoundaryKind.CLOSE, 1),
    ]
    session = [
        (SERVER, '{"QMP": {"version": {}, "capabilities": []}}'),
        (CLIENT, '{"execute": "x", "id": 1}'),
        (SERVER, '{"return": {"a": "x\\\\y\\r"}, "id": 1}'),
        (SERVER, '{"event": "E", "data": {}}'),
        (CLIENT, '{"execute": "quit"}'),
    ]
    assert texts(items) == session + session
    assert [m.session for m in messages(items)] == [0] * 5 + [1] * 5
    assert messages(items)[2].value == {"return": {"a": "x\\y\r"}, "id": 1}


def test_fixture_reply_cut() -> None:
    """Real socat 1.7.4 output: QEMU's side reset in the middle of a reply."""
    log = (FIXTURES / "socat-1.7.4-reply-cut-by-reset.socat.log").read_bytes()
    items = check(log)
    assert boundaries(items) == [(BoundaryKind.OPEN, 0), (BoundaryKind.TRUNCATED, 0)]
    last = messages(items)[-1]
    assert last.text == '{"return": [{"name": "very lo' and last.direction is SERVER
    assert last.error == "message cut off by the end of the recording" and last.value is None
    end = items[-1]
    assert isinstance(end, SessionBoundary) and end.note == last.error
    assert end.location.offset == len(log) and end.location.line == 7


# -- chunking quirks ---------------------------------------------------------------


def test_timestamp_fraction_is_zero_padded_microseconds() -> None:
    log = b"< 2026/11/25 23:23:26.000646163  length=3 from=0 to=2\n{}\n"
    (message,) = messages(read(log))
    assert message.timestamp == datetime(2026, 11, 25, 23, 23, 26, 646163, UTC).timestamp()
    # a fraction of a million or more cannot be microseconds: nanoseconds
    log = b"< 2026/11/25 23:23:26.646163000  length=3 from=0 to=2\n{}\n"
    (message,) = messages(read(log))
    assert message.timestamp == pytest.approx(T0 + 0.646163)


def test_message_spanning_three_chunks() -> None:
    log = build_log(
        [
            (SERVER, GREETING.encode() + b"\r\n"),
            (CLIENT, b'{"execute": "blockdev-add", '),
            (CLIENT, b'"arguments": {"node-name": "n"},'),
            (CLIENT, b' "id": "add"}\n'),
        ]
    )
    items = check(log)
    assert texts(items)[1] == (
        CLIENT,
        '{"execute": "blockdev-add", "arguments": {"node-name": "n"}, "id": "add"}',
    )
    spanning = messages(items)[1]
    assert spanning.ok and spanning.location.line == 4 and spanning.timestamp == T0 + 0.0015


def test_two_messages_in_one_chunk() -> None:
    log = build_log([(SERVER, b'{"a": 1}\r\n{"b": 2}\r\n')])
    items = check(log)
    assert texts(items) == [(SERVER, '{"a": 1}'), (SERVER, '{"b": 2}')]
    assert [m.location.line for m in messages(items)] == [2, 3]
    assert all(m.timestamp == T0 for m in messages(items))


def test_glued_header() -> None:
    log = build_log([(CLIENT, b'{"execute": "x", "id": "x"}'), (SERVER, b'{"return": {}}\r\n')])
    assert b'"id": "x"}< 2026/' in log
    items = check(log)
    assert texts(items) == [(CLIENT, '{"execute": "x", "id": "x"}'), (SERVER, '{"return": {}}')]
    assert messages(items)[1].location.line == 3


def test_glued_header_in_the_middle_of_a_message() -> None:
    log = build_log([(SERVER, b'{"return": {"a'), (CLIENT, b"{}"), (SERVER, b'": 1}}\r\n')])
    assert texts(check(log)) == [(CLIENT, "{}"), (SERVER, '{"return": {"a": 1}}')]


def test_escapes() -> None:
    # on the wire: a JSON string holding a backslash and the escape \r, then CR LF
    wire = b'{"return": {"path": "C:\\\\dir\\\\", "cr": "\\r"}}\r\n{"x": "\\\\r"}\r\n'
    log = build_log([(SERVER, wire)])
    assert b'"C:\\\\\\\\dir' in log and b"}}\\r\n" in log
    items = check(log)
    first, second = messages(items)
    assert first.text == '{"return": {"path": "C:\\\\dir\\\\", "cr": "\\r"}}'
    assert first.value == {"return": {"path": "C:\\dir\\", "cr": "\r"}}
    assert second.value == {"x": "\\r"}


def test_raw_utf8_is_kept() -> None:
    wire = '{"execute": "x", "arguments": {"name": "caf\u00e9"}}\n'.encode()
    items = check(build_log([(CLIENT, wire)]))
    assert messages(items)[0].value == {"execute": "x", "arguments": {"name": "caf\u00e9"}}


def test_socat_diagnostics_are_skipped() -> None:
    log = build_log(
        [
            (SERVER, GREETING.encode() + b"\r\n"),
            ("diag", b"N accepting connection"),
            (CLIENT, b'{"execute": "quit"}'),
            ("diag", b"W exiting on signal 15"),
        ]
    )
    assert b'"quit"}2026/' in log  # glued onto data that did not end with LF
    items = check(log)
    assert texts(items) == [(SERVER, GREETING), (CLIENT, '{"execute": "quit"}')]
    assert boundaries(items) == [(BoundaryKind.OPEN, 0), (BoundaryKind.CLOSE, 0)]


@pytest.mark.parametrize(
    "line",
    [
        b"2026/11/25 23:44:29 socat[1945] W exiting on signal 15\n",
        b"2026/11/25 23:44:29.123456 socat[1945] N socket 1 to socket 2 is in state 3\n",  # -lu
        b"2026/11/25 23:44:29 vmhost socat[1945] E write(6, 0x1, 20): Broken pipe\n",  # -lh
    ],
)
def test_socat_diagnostic_formats(line: bytes) -> None:
    log = build_log(
        [(SERVER, GREETING.encode() + b"\r\n{"), ("raw", line), (SERVER, b'"a": 1}\r\n')]
    )
    assert sniff(line)
    items = check(log)
    assert texts(items) == [(SERVER, GREETING), (SERVER, '{"a": 1}')]
    broken = b"Broken pipe" in line
    assert boundaries(items)[-1][0] is (BoundaryKind.TRUNCATED if broken else BoundaryKind.CLOSE)


def test_connection_reset_truncates_the_session() -> None:
    log = build_log(
        [
            (SERVER, GREETING.encode() + b"\r\n"),
            ("diag", b"E read(5, 0x55d0c8a4b000, 8192): Connection reset by peer"),
        ]
    )
    items = check(log)
    assert texts(items) == [(SERVER, GREETING)]
    end = items[-1]
    assert isinstance(end, SessionBoundary) and end.kind is BoundaryKind.TRUNCATED
    assert end.note is not None and "Connection reset by peer" in end.note


def test_truncated_last_message() -> None:
    log = build_log([(SERVER, GREETING.encode() + b"\r\n"), (CLIENT, b'{"execute": "qu')])
    items = check(log)
    cut = messages(items)[-1]
    assert (cut.direction, cut.text, cut.value) == (CLIENT, '{"execute": "qu', None)
    assert cut.error == "message cut off by the end of the recording"
    assert boundaries(items)[-1] == (BoundaryKind.TRUNCATED, 0)


def test_two_sessions() -> None:
    log = build_log(
        [
            (SERVER, GREETING.encode() + b"\r\n"),
            (CLIENT, b'{"execute": "qmp_capabilities"'),  # never finished
            ("new", b""),
            (SERVER, GREETING.encode() + b"\r\n"),
            (CLIENT, b'{"execute": "quit"}\n'),
        ]
    )
    items = check(log)
    assert boundaries(items) == [
        (BoundaryKind.OPEN, 0),
        (BoundaryKind.TRUNCATED, 0),
        (BoundaryKind.OPEN, 1),
        (BoundaryKind.CLOSE, 1),
    ]
    found = messages(items)
    assert [(m.session, m.direction) for m in found] == [
        (0, SERVER),
        (0, CLIENT),
        (1, SERVER),
        (1, CLIENT),
    ]
    assert found[1].error is not None and "end of the connection" in found[1].error
    assert found[1].truncated and not found[0].truncated
    assert items[1] is found[0] and items[2] is found[1]  # in order, before the boundary


def test_garbage_between_messages_keeps_its_place() -> None:
    # the garbage's chunk ends without whitespace: it is known to be complete only
    # when the next client chunk arrives, after QEMU's error reply
    log = build_log(
        [
            (CLIENT, b'{"execute": "a"} oops'),
            (SERVER, b'{"error": {"class": "GenericError", "desc": "JSON parse error"}}\r\n'),
            (CLIENT, b'\n{"execute": "b"}\n'),
        ]
    )
    items = check(log)
    assert texts(items) == [
        (CLIENT, '{"execute": "a"}'),
        (CLIENT, "oops"),
        (SERVER, '{"error": {"class": "GenericError", "desc": "JSON parse error"}}'),
        (CLIENT, '{"execute": "b"}'),
    ]
    oops = messages(items)[1]
    assert oops.error is not None and oops.error.startswith("not valid JSON")
    assert boundaries(items)[-1] == (BoundaryKind.CLOSE, 0)  # garbage is not a cut


def test_jump_in_the_stream_cuts_the_message() -> None:
    log = build_log([(SERVER, GREETING.encode() + b'\r\n{"return": ')])
    log += b"< 2026/11/25 23:23:27.000000000  length=3 from=500 to=502\n{}\n"
    items = check(log)
    found = messages(items)
    assert found[1].text == '{"return": ' and found[1].error is not None
    assert "jumps from byte" in found[1].error
    assert found[2].text == "{}" and found[2].ok
    assert boundaries(items) == [(BoundaryKind.OPEN, 0), (BoundaryKind.TRUNCATED, 0)]


# -- data that does not fit --------------------------------------------------------


def test_data_before_the_first_header() -> None:
    log = b'"id": 7}\\r\n' + build_log([(SERVER, b"{}\r\n")])
    items = check(log)
    stray = items[0]
    assert isinstance(stray, RawMessage) and stray.direction is None
    assert stray.text == '"id": 7}\\r' and stray.error is not None
    assert (stray.location.line, stray.location.column, stray.location.offset) == (1, 1, 0)
    assert texts(items)[1] == (SERVER, "{}")


def test_malformed_header() -> None:
    log = build_log([(SERVER, b"{}\r\n")])
    log += b'> 2026/11/25 23:23:26.0006  length=x\n{"execute": "x"}\n'
    log += b'> 2026/11/25 23:23:28.000000001  length=17 from=0 to=16\n{"execute": "y"}\n'
    items = check(log)
    found = messages(items)
    assert [(m.direction, m.ok) for m in found] == [
        (SERVER, True),
        (None, False),
        (None, False),
        (CLIENT, True),
    ]
    assert found[1].error == "malformed socat header line" and found[1].location.line == 3
    assert found[2].text == '{"execute": "x"}' and found[2].location.line == 4


def test_header_with_an_impossible_date() -> None:
    log = build_log([(SERVER, b"{}\r\n")])
    log += b"> 2026/13/45 23:23:26.000000001  length=3 from=0 to=2\n{}\n"
    found = messages(check(log))
    assert [m.direction for m in found] == [SERVER, None, None]


def test_overlong_lines_are_read_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socat, "_MAX_LINE", 100)
    big = '{"return": "' + "x\\\\" * 150 + '"}'
    log = build_log([(SERVER, b"{}\r\n" + big.encode() + b"\r\n{}\r\n")])
    items = check(log)
    assert texts(items) == [(SERVER, "{}"), (SERVER, big), (SERVER, "{}")]


# -- properties --------------------------------------------------------------------

POOL = [
    '{"execute": "query-status", "id": 1}',
    '{"return": {"running": true, "status": "running"}, "id": 1}',
    '{"execute": "x", "arguments": {"s": "a\\\\b\\r\\n\\"}{"}}',
    '{"event": "X", "data": {"s": "]}\'", "t": \'}\'}}',
    '{\n    "execute": "pretty",\n    "id": [1, {"a": []}]\n}',
    "[1, 2]",
    "oops",
    '{"return": {}}',
]


Expected = list[tuple[tuple[int, int], Direction, str]]


def random_events(rng: random.Random, sessions: int) -> tuple[list[Event], Expected]:
    """Events of a random log, and its messages in the order of their last byte."""
    events: list[Event] = []
    expected: Expected = []
    for session in range(sessions):
        if session:
            events.append(("new", b""))
        # QEMU greets first: a new connection shows as the server starting again at 0
        streams: dict[Direction, bytearray] = {CLIENT: bytearray(), SERVER: bytearray()}
        ends: dict[Direction, list[tuple[int, str]]] = {CLIENT: [], SERVER: []}
        for number in range(rng.randint(1, 12)):
            direction = rng.choice([CLIENT, SERVER]) if number else SERVER
            text = rng.choice(POOL) if number else GREETING
            stream = streams[direction]
            stream += text.encode()
            ends[direction].append((len(stream) - 1, text))
            stream += rng.choice([b"\r\n", b"\n", b" ", b"\r\n\r\n"] + [b""] * (text[0] == "{"))
        done = {CLIENT: 0, SERVER: 0}
        while any(done[d] < len(streams[d]) for d in streams):
            ready = [d for d in streams if done[d] < len(streams[d])]
            direction = rng.choice(ready) if done[SERVER] else SERVER
            size = rng.randint(1, min(len(streams[direction]) - done[direction], 60))
            first = done[direction]
            for last, text in ends[direction]:
                if first <= last < first + size:
                    expected.append(((len(events), last - first), direction, text))
            events.append((direction, bytes(streams[direction][first : first + size])))
            done[direction] += size
    expected.sort()
    return events, expected


@pytest.mark.parametrize("seed", range(60))
def test_random_chunking_reads_back_the_messages(seed: int) -> None:
    rng = random.Random(seed)
    sessions = 1 + seed % 3
    events, expected = random_events(rng, sessions)
    log = build_log(events)
    items = check(log)
    assert texts(items) == [(direction, text) for _, direction, text in expected]
    for message in messages(items):
        assert (message.value, message.error) == decode(message.text)
    kinds = [kind for kind, _ in boundaries(items)]
    assert kinds == [BoundaryKind.OPEN, BoundaryKind.CLOSE] * sessions
    assert sorted(m.session for m in messages(items)) == [m.session for m in messages(items)]


# -- hostile input and streaming ---------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_mutated_logs_never_crash(seed: int) -> None:
    rng = random.Random(seed)
    events, _ = random_events(rng, 2)
    log = bytearray(build_log(events))
    alphabet = b"<> \n\r\\{}[]\"'0123456789/:.=abc\xc3\xff"
    for _ in range(rng.randint(1, 20)):
        where = rng.randrange(len(log) + 1)
        action = rng.randrange(3)
        if action == 0:
            del log[where : where + rng.randint(1, 30)]
        elif action == 1:
            log[where:where] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
        else:
            log[where:where] = log[rng.randrange(len(log)) :][: rng.randint(1, 80)]
    try:
        items = read(bytes(log))
    except InputError:
        return
    for index, message in enumerate(messages(items)):
        assert message.index == index and message.location.offset is not None
        if "\\" not in message.text and "\r" not in message.text:  # else escape() is not exact
            first = message.text.split("\n")[0].encode("utf-8", "surrogateescape")
            if message.direction is not None:
                first = escape(first)
            assert starts_with(bytes(log[message.location.offset :]), first)
    opened = [s for k, s in boundaries(items) if k is BoundaryKind.OPEN]
    closed = [s for k, s in boundaries(items) if k is not BoundaryKind.OPEN]
    assert opened == closed == list(range(len(opened)))


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_never_crash(seed: int) -> None:
    rng = random.Random(seed)
    head = b"< 2026/11/25 23:23:26.000646163  length=3 from=0 to=2\n" if seed % 2 else b""
    data = head + bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000)))
    try:
        read(data)
    except InputError:
        assert not head


class _Generated(GeneratedStream):
    """A long log produced on the fly, never held in memory as a whole."""

    def __init__(self, exchanges: int) -> None:
        self._parts = self._produce(exchanges)
        self._pending = b""
        self.produced = 0

    def _produce(self, exchanges: int) -> Iterator[bytes]:
        client = server = 0
        for n in range(exchanges):
            request = b'{"execute": "query-block-jobs", "id": "poll-%d"}' % n
            reply = b'{"return": [{"device": "stream0", "offset": %d}], "id": "poll-%d"}\r\n' % (
                n,
                n,
            )
            yield b"> 2026/11/25 23:23:26.000000001  length=%d from=%d to=%d\n%s" % (
                len(request),
                client,
                client + len(request) - 1,
                request,
            )
            client += len(request)
            yield b"< 2026/11/25 23:23:26.000000002  length=%d from=%d to=%d\n%s" % (
                len(reply),
                server,
                server + len(reply) - 1,
                escape(reply),
            )
            server += len(reply)


def test_reading_is_lazy() -> None:
    raw = _Generated(100_000)
    items = read_socat(io.BufferedReader(raw), "t.log")
    assert isinstance(next(items), SessionBoundary)
    first = next(items)
    assert isinstance(first, RawMessage) and first.text.endswith('"poll-0"}')
    assert raw.produced < 100_000


def test_memory_does_not_grow_with_the_file() -> None:
    raw = _Generated(3000)
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_socat(io.BufferedReader(raw), "t.log"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 2 * 3000 + 2
    assert raw.produced > 700_000 and peak < 150_000, (raw.produced, peak)
