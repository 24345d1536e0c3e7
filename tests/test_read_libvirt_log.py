"""The libvirt debug log reader: the real 9.0 sample, hand-made logs, cuts, hostile input.

The fixtures in ``corpus/transcripts/libvirt/`` are written the way libvirt 9.0
writes its records (see the real sample): ``interleaved.log`` has two VMs with
an API thread and an event thread each, then a third monitor reusing the first
one's pointer; ``shared-thread.log`` has one event loop serving two monitors;
``partial-write.log`` has an EAGAIN retry, a write in three pieces, one cut
short and one that failed; ``cut-record.log`` ends in the middle of a record.
"""

from __future__ import annotations

import io
import itertools
import random
import re
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qmpcontract.errors import InputError
from qmpcontract.read import libvirt_log
from qmpcontract.read.libvirt_log import read_libvirt_log, sniff
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
)

from .conftest import TEST_CORPUS
from .generated_stream import GeneratedStream

FIXTURES = TEST_CORPUS / "transcripts" / "libvirt"
SAMPLE = "samples/libvirt-9.0.0-probe-debug.log"
CLIENT, SERVER = Direction.CLIENT, Direction.SERVER
OPEN, CLOSE, TRUNCATED = BoundaryKind.OPEN, BoundaryKind.CLOSE, BoundaryKind.TRUNCATED
A, B = "0x7f0000001000", "0x7f0000002000"


def read(data: bytes, name: str = "t.log") -> list[TranscriptItem]:
    return list(read_libvirt_log(io.BytesIO(data), name))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def messages(items: list[TranscriptItem]) -> list[RawMessage]:
    return [item for item in items if isinstance(item, RawMessage)]


def summary(items: list[TranscriptItem]) -> list[tuple[object, ...]]:
    """(kind, session) for boundaries; (direction, session, id or what it is) for messages."""
    out: list[tuple[object, ...]] = []
    for item in items:
        if isinstance(item, SessionBoundary):
            out.append((item.kind.value, item.session))
            continue
        value = item.value if isinstance(item.value, dict) else {}
        what = value.get("id") or value.get("event") or ("QMP" if "QMP" in value else "?")
        if "QMP" in value:
            what = "greeting " + value["QMP"]["version"].get("package", "")
        out.append((item.direction.value if item.direction else None, item.session, what))
    return out


def record(stamp: str, tid: int, text: str) -> bytes:
    return f"2026-11-25 10:00:{stamp}+0000: {tid}: info : f:1 : {text}\n".encode()


def write(stamp: str, tid: int, mon: str, buf: str, ret: int | None = None) -> bytes:
    size = len(buf.encode()) + 2
    result = f" len={size} ret={size if ret is None else ret} errno=0"
    return record(stamp, tid, f"QEMU_MONITOR_IO_WRITE: mon={mon} buf={buf}\r\n{result}")


def line(stamp: str, tid: int, text: str) -> bytes:
    prefix = f"2026-11-25 10:00:{stamp}+0000: {tid}: debug : qemuMonitorJSONIOProcessLine:189 : "
    return f"{prefix}Line [{text}]\n".encode()


def assert_located(data: bytes, items: list[TranscriptItem]) -> None:
    """Indexes count messages; each message's text is at its offset, line and column."""
    lines = data.split(b"\n")
    msgs = messages(items)
    assert [m.index for m in msgs] == list(range(len(msgs)))
    for message in msgs:
        where = message.location
        assert where.offset is not None and where.line is not None and where.column is not None
        assert where.message_index == message.index
        raw = message.text.encode("utf-8", "surrogateescape")
        assert data[where.offset : where.offset + len(raw)] == raw
        text = lines[where.line - 1].decode("utf-8", "surrogateescape")
        assert text[where.column - 1 :].startswith(message.text.split("\n")[0])


def assert_sessions_well_formed(items: list[TranscriptItem]) -> None:
    """Each session: one OPEN first, its messages, then exactly one CLOSE or TRUNCATED."""
    state: dict[int, str] = {}
    for item in items:
        if isinstance(item, SessionBoundary) and item.kind is OPEN:
            assert item.session not in state
            state[item.session] = "open"
        elif isinstance(item, SessionBoundary):
            assert state.get(item.session) == "open"
            state[item.session] = "closed"
        else:
            assert state.get(item.session) == "open"
    assert sorted(state) == list(range(len(state)))
    assert all(s == "closed" for s in state.values())


def test_sniff(shared_corpus: Path) -> None:
    assert sniff((shared_corpus / SAMPLE).read_bytes()[:512])
    assert sniff(fixture("interleaved.log")[:100])
    assert not sniff((shared_corpus / "libvirt-replies" / "caps_9.2.0_x86_64.replies").read_bytes())
    assert not sniff(b"> 2026/11/25 23:23:26.000646163  length=32 from=0 to=31\n")
    assert not sniff(b'{"execute": "qmp_capabilities"}\n')
    assert not sniff(b"")


def test_empty_and_blank_files_have_no_items() -> None:
    assert read(b"") == []
    assert read(b"\n\n \n") == []


def test_not_a_log_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        read(b"hello\nworld\n", "x.log")
    assert str(caught.value.location) == "x.log:1:1"
    with pytest.raises(InputError) as caught:
        read(b"not a log\n" * 1000 + record("00.000", 1, "x"), "x.log")
    assert caught.value.location.line == libvirt_log.MAX_LEADING + 1


def test_real_sample(shared_corpus: Path) -> None:
    data = (shared_corpus / SAMPLE).read_bytes()
    items = read(data, "probe.log")
    msgs = messages(items)
    sent = [m for m in msgs if m.direction is CLIENT]
    received = [m for m in msgs if m.direction is SERVER]
    values = [m.value for m in received if isinstance(m.value, dict)]
    assert (len(sent), len(received)) == (52, 53)
    assert sum("QMP" in v for v in values) == 1
    assert sum("event" in v for v in values) == 0
    assert sum("return" in v for v in values) == 47
    assert sum("error" in v for v in values) == 5  # DeviceNotFound, GenericError
    assert all(m.ok and not m.truncated for m in msgs)
    assert [(b.kind, b.session) for b in items if isinstance(b, SessionBoundary)] == [
        (OPEN, 0),
        (CLOSE, 0),
    ]
    assert {m.session for m in msgs} == {0}
    # Each message once: every libvirt-N id of the log once as a request, once as a reply.
    ids = set(re.findall(rb'"id": ?"(libvirt-\d+)"', data))
    assert len(ids) == 52
    sent_ids = [m.value["id"] for m in sent if isinstance(m.value, dict)]
    reply_ids = [v["id"] for v in values if "QMP" not in v]
    assert sorted(sent_ids) == sorted(reply_ids) == sorted(i.decode() for i in ids)
    # libvirt waits for each reply: request, reply, request, reply... after the greeting.
    assert [m.direction for m in msgs] == [SERVER] + [CLIENT, SERVER] * 52
    assert all(
        isinstance(q.value, dict) and isinstance(r.value, dict) and q.value["id"] == r.value["id"]
        for q, r in zip(msgs[1::2], msgs[2::2], strict=True)
    )
    # Locations.
    assert_located(data, items)
    greeting, capabilities, first_reply = msgs[0], msgs[1], msgs[2]
    assert str(greeting.location) == "probe.log:11:87"
    assert greeting.text.startswith('{"QMP": {"version": {"qemu": {"micro": 22')
    assert str(capabilities.location) == "probe.log:15:116"
    assert capabilities.text == '{"execute":"qmp_capabilities","id":"libvirt-1"}'
    assert str(first_reply.location) == "probe.log:17:87"
    assert str(items[0].location) == "probe.log:10:75"
    assert str(items[-1].location) == "probe.log:417:68"
    assert msgs[-1].location.line == 415
    # Times: the record prefix, in milliseconds, never going back.
    stamps = [m.timestamp for m in msgs]
    assert stamps[0] == datetime(2026, 11, 25, 23, 26, 43, 283000, UTC).timestamp()
    assert all(a is not None and b is not None and a <= b for a, b in itertools.pairwise(stamps))
    assert stamps[-1] == datetime(2026, 11, 25, 23, 26, 43, 433000, UTC).timestamp()


def test_two_interleaved_monitors_and_a_reused_pointer() -> None:
    data = fixture("interleaved.log")
    items = read(data, "interleaved.log")
    assert summary(items) == [
        ("open", 0),
        ("open", 1),
        ("server", 1, "greeting B"),
        ("server", 0, "greeting A"),  # after B's NEW: its thread, not the last NEW, decides
        ("client", 0, "libvirt-1"),
        ("client", 1, "libvirt-1"),
        ("server", 0, "libvirt-1"),  # both Lines before either RECV record
        ("server", 1, "libvirt-1"),
        ("client", 1, "libvirt-2"),
        ("server", 1, "STOP"),
        ("server", 1, "libvirt-2"),
        ("client", 0, "libvirt-2"),
        ("server", 0, "libvirt-2"),
        ("close", 0),
        ("open", 2),  # the pointer of session 0, reused
        ("server", 2, "greeting C"),
        ("client", 2, "libvirt-1"),
        ("server", 2, "?"),  # libvirt could not parse it; nothing names its monitor after it
        ("close", 1),
        ("truncated", 2),
    ]
    bad = messages(items)[-1]
    assert bad.text == '{"return": {}, "id": "libvirt-1"'
    assert bad.error is not None and bad.error.startswith("not valid JSON")
    assert not bad.truncated
    assert str(bad.location) == "interleaved.log:42:85"
    assert_located(data, items)
    assert_sessions_well_formed(items)
    end = items[-1]
    assert isinstance(end, SessionBoundary) and end.location.offset == len(data)


def test_one_thread_serving_two_monitors() -> None:
    items = read(fixture("shared-thread.log"))
    assert summary(items) == [
        ("open", 0),
        ("open", 1),
        ("client", 1, "libvirt-5"),
        ("client", 0, "libvirt-9"),
        ("server", 1, "libvirt-5"),  # the thread's previous record was A's: its next one decides
        ("server", 0, "libvirt-9"),
        ("close", 0),
        ("close", 1),
    ]


def test_partial_and_failed_writes() -> None:
    data = fixture("partial-write.log")
    items = read(data, "partial-write.log")
    assert summary(items) == [
        ("open", 0),
        ("client", 0, "libvirt-1"),  # EAGAIN, then the same buf again: one message
        ("server", 0, "libvirt-1"),
        ("client", 0, "libvirt-2"),  # written in three pieces: one message
        ("server", 0, "libvirt-2"),
        ("client", 0, "libvirt-3"),
        ("client", 0, "libvirt-4"),
        ("close", 0),
    ]
    msgs = messages(items)
    assert [m.error for m in msgs] == [
        None,
        None,
        None,
        None,
        "the write was cut short: 20 of 46 bytes were sent",
        "the write failed (errno 32): nothing was sent",
    ]
    big = msgs[2]
    assert big.text.startswith('{"execute":"query-cpu-model-expansion"') and big.text.endswith("}")
    assert str(big.location) == "partial-write.log:12:114"  # where it was first logged
    assert big.value == {
        "execute": "query-cpu-model-expansion",
        "arguments": {"type": "full", "model": {"name": "host"}},
        "id": "libvirt-2",
    }
    assert msgs[0].location.line == 4 and msgs[0].timestamp == msgs[0].timestamp
    assert_located(data, items)


def test_record_cut_at_the_end_of_the_file() -> None:
    data = fixture("cut-record.log")
    assert not data.endswith(b"\n")
    items = read(data, "cut-record.log")
    assert summary(items) == [
        ("open", 0),
        ("server", 0, "greeting A"),
        ("client", 0, "libvirt-1"),
        ("server", 0, "?"),
        ("truncated", 0),
    ]
    last = messages(items)[-1]
    assert last.truncated and last.text == '{"return": {"arch": "x86_64"}, '
    assert last.error is not None and last.error.startswith("the log ends inside this record")
    last_line = data.rsplit(b"\n", 1)[1]
    assert str(items[-1].location) == f"cut-record.log:7:{len(last_line) + 1}"
    assert_located(data, items)


def test_every_prefix_of_a_log() -> None:
    """Cut anywhere, the log reads without error into a prefix of the whole log's messages."""
    data = fixture("interleaved.log") + fixture("partial-write.log")
    full = messages(read(data))
    first_line = data.index(b"\n")
    for cut in range(len(data) + 1):
        try:
            items = read(data[:cut])
        except InputError:
            assert cut <= first_line  # not even one whole record prefix: not a log
            continue
        assert_located(data[:cut], items)
        assert_sessions_well_formed(items)
        msgs = messages(items)
        assert len(msgs) <= len(full)
        for mine, whole in zip(msgs[:-1], full, strict=False):
            assert mine.text == whole.text
        if msgs:
            last, whole_text = msgs[-1].text, full[len(msgs) - 1].text
            # A cut just after a Line's ']' cannot tell the record's ']' from the message's.
            assert whole_text.startswith(last) or last == whole_text + "]"


def test_received_messages_without_line_records_are_counted_once() -> None:
    """At info level there are no Line records: the RECV records are the messages."""
    data = b"".join(r for r in fixture("interleaved.log").splitlines(True) if b"Line [" not in r)
    items = read(data)
    assert summary(items) == [
        ("open", 0),
        ("open", 1),
        ("client", 0, "libvirt-1"),
        ("client", 1, "libvirt-1"),
        ("server", 1, "libvirt-1"),
        ("server", 0, "libvirt-1"),
        ("client", 1, "libvirt-2"),
        ("server", 1, "STOP"),
        ("server", 1, "libvirt-2"),
        ("client", 0, "libvirt-2"),
        ("server", 0, "libvirt-2"),
        ("close", 0),
        ("open", 2),
        ("client", 2, "libvirt-1"),
        ("close", 1),
        ("truncated", 2),
    ]
    assert_located(data, items)


def test_monitors_opened_before_the_log_starts() -> None:
    data = b"".join(r for r in fixture("shared-thread.log").splitlines(True) if b"_NEW" not in r)
    items = read(data)
    assert summary(items)[:3] == [("open", 0), ("client", 0, "libvirt-5"), ("open", 1)]
    opens = [i for i in items if isinstance(i, SessionBoundary) and i.kind is OPEN]
    assert all(o.note == "no QEMU_MONITOR_NEW for this monitor in the log" for o in opens)
    assert_sessions_well_formed(items)


def test_a_line_no_monitor_can_be_found_for_gets_a_session_of_its_own() -> None:
    items = read(line("00.000", 7, '{"QMP": {"version": {}}}'))
    assert [type(i).__name__ for i in items] == ["SessionBoundary", "RawMessage", "SessionBoundary"]
    assert summary(items)[2] == ("truncated", 0)
    assert_sessions_well_formed(items)


def test_a_greeting_logged_before_its_new() -> None:
    """libvirt registers the monitor with the event loop before it logs QEMU_MONITOR_NEW."""
    data = line("00.000", 2, '{"QMP": {"version": {"package": "A"}}}')
    data += record("00.001", 1, f"QEMU_MONITOR_NEW: mon={A} fd=3")
    data += write("00.002", 2, A, '{"execute":"qmp_capabilities"}')
    data += record("00.003", 1, f"QEMU_MONITOR_CLOSE: mon={A}")
    items = read(data)
    assert summary(items) == [
        ("open", 0),
        ("server", 0, "greeting A"),
        ("client", 0, "?"),
        ("close", 0),
    ]
    opening = items[0]
    assert isinstance(opening, SessionBoundary) and opening.note is None
    assert opening.location.line == 2  # where the NEW is, though yielded first


def test_new_without_close_truncates_the_old_session() -> None:
    data = record("00.000", 1, f"QEMU_MONITOR_NEW: mon={A} fd=3") + write("00.001", 2, A, "{}")
    data += record("00.002", 1, f"QEMU_MONITOR_NEW: mon={A} fd=4") + write("00.003", 2, A, "{}")
    items = read(data)
    assert [(i.kind.value, i.session) for i in items if isinstance(i, SessionBoundary)] == [
        ("open", 0),
        ("truncated", 0),
        ("open", 1),
        ("truncated", 1),
    ]
    assert [m.session for m in messages(items)] == [0, 1]


def test_lookahead_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libvirt_log, "MAX_LOOKAHEAD", 3)
    data = record("00.000", 1, f"QEMU_MONITOR_NEW: mon={A} fd=3")
    data += write("00.001", 2, A, '{"execute":"a"}')
    data += line("00.002", 2, '{"return": {}}')  # thread 2 never names a monitor again
    data += record("00.003", 1, f"QEMU_MONITOR_NEW: mon={B} fd=4")
    data += b"".join(write(f"00.{n:03}", 3, B, '{"execute":"b"}') for n in range(10, 20))
    items = list(read_libvirt_log(io.BytesIO(data), "t.log"))
    assert summary(items)[:4] == [("open", 0), ("client", 0, "?"), ("server", 0, "?"), ("open", 1)]
    assert_sessions_well_formed(items)


def test_timestamps() -> None:
    def stamp(prefix: str) -> float | None:
        data = f"{prefix}: 1: info : f:1 : QEMU_MONITOR_IO_WRITE: mon={A} buf={{}}\r\n"
        message = messages(read(data.encode() + b" len=4 ret=4 errno=0\n"))[0]
        return message.timestamp

    assert (
        stamp("2026-11-25 10:00:00.250+0100")
        == datetime(2026, 11, 25, 9, 0, 0, 250000, UTC).timestamp()
    )
    assert stamp("2026-11-25 10:00:00+0000") == datetime(2026, 11, 25, 10, tzinfo=UTC).timestamp()
    assert stamp("2026-11-25 10:00:00.250") is None  # no UTC offset: no time
    assert stamp("2026-13-45 10:00:00.250+0000") is None  # not a date


def test_undecodable_bytes_are_kept() -> None:
    data = record("00.000", 1, f"QEMU_MONITOR_NEW: mon={A} fd=3")
    data += line("00.001", 2, '{"return": "\xe9"}').replace(b"\xc3\xa9", b"\xff")
    data += line("00.002", 2, '{"return": "é"}') + record(
        "00.003", 2, f"QEMU_MONITOR_CLOSE: mon={A}"
    )
    items = read(data)
    msgs = messages(items)
    assert not msgs[0].ok and msgs[1].ok and msgs[1].value == {"return": "é"}
    assert_located(data, items)


def test_hostile_input_never_raises_anything_but_input_error() -> None:
    lines = (fixture("interleaved.log") + fixture("partial-write.log")).splitlines(True)
    rng = random.Random(1)
    for _ in range(300):
        picked = [rng.choice(lines) for _ in range(rng.randrange(1, 40))]
        if rng.random() < 0.5:
            picked = [p[: rng.randrange(len(p) + 1)] if rng.random() < 0.2 else p for p in picked]
        if rng.random() < 0.3:
            picked.insert(
                rng.randrange(len(picked) + 1), bytes(rng.randrange(256) for _ in range(30))
            )
        data = b"".join(picked)
        try:
            items = read(data)
        except InputError:
            continue
        assert_located(data, items)
        assert_sessions_well_formed(items)


class _Generated(GeneratedStream):
    """A libvirt log of one monitor and *exchanges* request/reply pairs, made as it is read."""

    def __init__(self, exchanges: int) -> None:
        self._parts = self._generate(exchanges)
        self._pending = b""
        self.produced = 0

    @staticmethod
    def _generate(exchanges: int) -> Iterator[bytes]:
        yield record("00.000", 1, f"QEMU_MONITOR_NEW: mon={A} fd=3")
        for n in range(exchanges):
            request = f'{{"execute":"query-status","id":"libvirt-{n}"}}'
            reply = f'{{"return": {{"status": "running"}}, "id": "libvirt-{n}"}}'
            yield record("00.001", 1, f"QEMU_MONITOR_SEND_MSG: mon={A} msg={request}\r\n fd=-1")
            yield write("00.001", 2, A, request)
            yield line("00.002", 2, reply)
            yield record("00.002", 2, f"QEMU_MONITOR_RECV_REPLY: mon={A} reply={reply}")
        yield record("00.003", 1, f"QEMU_MONITOR_CLOSE: mon={A}")


def test_reading_is_lazy() -> None:
    raw = _Generated(100_000)
    items = read_libvirt_log(io.BufferedReader(raw), "t.log")
    assert isinstance(next(items), SessionBoundary)
    first = next(items)
    assert isinstance(first, RawMessage) and first.text.endswith('"libvirt-0"}')
    assert raw.produced < 100_000


@pytest.mark.slow
def test_memory_does_not_grow_with_the_file() -> None:
    def peak(exchanges: int) -> int:
        tracemalloc.start()
        try:
            count = sum(1 for _ in read_libvirt_log(io.BufferedReader(_Generated(exchanges)), "t"))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert count == 2 * exchanges + 2

    small, large = peak(500), peak(10_000)
    assert large < small * 1.5 + 100_000, (small, large)
