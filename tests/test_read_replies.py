"""The ``.replies`` reader: the 38 real files, hand-made layouts and defects, hostile input."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from qmpcontract.errors import InputError
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
)
from qmpcontract.read.replies import read_replies, sniff

from .conftest import SHARED_CORPUS, TEST_CORPUS
from .generated_stream import GeneratedStream
from .qemu_json_model import qemu_cuts

FIXTURES = TEST_CORPUS / "transcripts" / "libvirt"
REPLIES = sorted(p.name for p in (SHARED_CORPUS / "libvirt-replies").glob("*.replies"))
CLIENT, SERVER = Direction.CLIENT, Direction.SERVER


def read(data: bytes, name: str = "t.replies") -> list[TranscriptItem]:
    return list(read_replies(io.BytesIO(data), name))


def messages(items: list[TranscriptItem]) -> list[RawMessage]:
    return [item for item in items if isinstance(item, RawMessage)]


def boundaries(items: list[TranscriptItem]) -> list[SessionBoundary]:
    return [item for item in items if isinstance(item, SessionBoundary)]


def top_level_values(text: str) -> int:
    """How many JSON values *text* holds, by json's own decoder (independent of the reader)."""
    decoder = json.JSONDecoder()
    count = index = 0
    while True:
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
        if index == len(text):
            return count
        _, index = decoder.raw_decode(text, index)
        count += 1


def assert_lossless(data: bytes, items: list[TranscriptItem]) -> None:
    """Every message is where it says, and they are the inputs QEMU would read."""
    lines = data.split(b"\n")
    msgs = messages(items)
    assert [m.index for m in msgs] == list(range(len(msgs)))
    for message in msgs:
        raw = message.text.encode("utf-8", "surrogateescape")
        where = message.location
        assert where.offset is not None and where.line is not None and where.column is not None
        assert where.message_index == message.index
        assert data[where.offset : where.offset + len(raw)] == raw
        line = lines[where.line - 1].decode("utf-8", "surrogateescape")
        assert line[where.column - 1 :].startswith(message.text.split("\n")[0])
    text = data.decode("utf-8", "surrogateescape")
    assert [m.text for m in msgs] == [text[c.start : c.end] for c in qemu_cuts(text)]
    assert sum(len(m.text.encode("utf-8", "surrogateescape")) for m in msgs) <= len(data)


def test_sniff(shared_corpus: Path) -> None:
    for name in REPLIES:
        assert sniff((shared_corpus / "libvirt-replies" / name).read_bytes()[:512]), name
    assert sniff((FIXTURES / "odd-count.replies").read_bytes())
    assert not sniff((shared_corpus / "samples" / "libvirt-9.0.0-probe-debug.log").read_bytes())
    assert not sniff(b'{"execute": "qmp_capabilities"}\n{"return": {}}\n')  # compact: a stream
    assert not sniff(b'{\r\n    "QMP": {\r\n')  # a pretty-printed monitor starts with a greeting
    assert not sniff(b"")


def test_empty_and_blank_files_have_no_items() -> None:
    assert read(b"") == []
    assert read(b"\n\n  \t\r\n") == []


def test_not_a_replies_file_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        read(b"\n  # qemu capabilities\n{}\n", "x.replies")
    assert str(caught.value.location) == "x.replies:2:3"
    assert caught.value.location.offset == 3


def test_the_38_real_files_are_there(shared_corpus: Path) -> None:
    assert len(REPLIES) == 38
    with (shared_corpus / "libvirt-replies" / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        listed = {row["file"] for row in csv.DictReader(manifest, delimiter="\t")}
    assert listed == set(REPLIES)


@pytest.mark.parametrize("name", REPLIES)
def test_real_file(shared_corpus: Path, name: str) -> None:
    path = shared_corpus / "libvirt-replies" / name
    data = path.read_bytes()
    with path.open("rb") as source:
        items = list(read_replies(source, name))
    msgs = messages(items)
    assert all(m.ok and m.error is None and not m.truncated for m in msgs)
    assert all(m.timestamp is None for m in msgs)
    # One session per probe: each qmp_capabilities starts one, and ids restart with it.
    starts = [m for m in msgs if m.value == {"execute": "qmp_capabilities", "id": "libvirt-1"}]
    assert [m.session for m in starts] == list(range(len(starts)))
    assert all(m.session == sum(1 for s in starts if s.index <= m.index) - 1 for m in msgs)
    assert [m.direction for m in msgs] == [CLIENT, SERVER] * (len(msgs) // 2)
    assert len(msgs) % 2 == 0
    assert len(msgs) == top_level_values(data.decode("utf-8"))
    with (path.parent / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        row = next(r for r in csv.DictReader(manifest, delimiter="\t") if r["file"] == name)
    assert len(msgs) == 2 * int(row["exchanges"])
    assert [(b.kind, b.session) for b in boundaries(items)] == [
        (kind, n) for n in range(len(starts)) for kind in (BoundaryKind.OPEN, BoundaryKind.CLOSE)
    ]
    assert items[0] == SessionBoundary(BoundaryKind.OPEN, 0, items[0].location)
    assert (items[0].location.line, items[0].location.offset) == (1, 0)
    assert items[-1].location.offset == len(data)
    assert_lossless(data, items)
    first = msgs[0]
    assert first.value == {"execute": "qmp_capabilities", "id": "libvirt-1"}
    assert (first.location.line, first.location.column) == (1, 1)


def test_odd_number_of_messages_and_old_layout() -> None:
    data = (FIXTURES / "odd-count.replies").read_bytes()
    items = read(data, "odd-count.replies")
    msgs = messages(items)
    assert [(m.direction, m.location.line) for m in msgs] == [
        (CLIENT, 1),
        (SERVER, 7),
        (CLIENT, 12),
    ]
    assert msgs[1].value == {"id": "libvirt-1", "return": {}}  # key order is not ours to judge
    assert all(m.ok for m in msgs)
    assert [b.kind for b in boundaries(items)] == [BoundaryKind.OPEN, BoundaryKind.CLOSE]
    assert str(items[-1].location) == "odd-count.replies:16:1"
    assert_lossless(data, items)


def test_garbage_between_values_is_kept_in_place() -> None:
    data = (FIXTURES / "garbage.replies").read_bytes()
    items = read(data, "garbage.replies")
    msgs = messages(items)
    # 'J' is an error token: QEMU answers it, then skips 'SON' up to the newline
    assert [m.text if not m.ok else m.direction for m in msgs] == [
        CLIENT, "this", "is", "not", "J", SERVER, "}", CLIENT, SERVER,
    ]  # fmt: skip
    assert [str(m.location) for m in msgs[1:5]] == [
        "garbage.replies:6:1",
        "garbage.replies:6:6",
        "garbage.replies:6:9",
        "garbage.replies:6:13",
    ]
    assert msgs[1].direction is None and msgs[1].error is not None
    assert msgs[1].error.startswith("not valid JSON")
    assert str(msgs[6].location) == "garbage.replies:12:1"
    assert [b.kind for b in boundaries(items)] == [BoundaryKind.OPEN, BoundaryKind.CLOSE]
    assert_lossless(data, items)


def test_truncated_final_value() -> None:
    data = (FIXTURES / "truncated.replies").read_bytes()
    items = read(data, "truncated.replies")
    msgs = messages(items)
    assert [m.direction for m in msgs] == [CLIENT, SERVER, CLIENT, None]
    last = msgs[-1]
    assert last.truncated and not last.ok
    assert last.error is not None and last.error.startswith("the file ends inside this value")
    assert last.text.startswith('{\n  "return": [') and last.text.endswith('"meta-')
    assert str(last.location) == "truncated.replies:16:1"
    end = items[-1]
    assert isinstance(end, SessionBoundary) and end.kind is BoundaryKind.TRUNCATED
    assert end.location.offset == len(data)
    assert_lossless(data, items)


def test_broken_alternation_is_still_read_in_order() -> None:
    data = b'{"return": {}}\n{"execute": "a"}\n{"execute": "b"}\n{"exec-oob": "c"}\n'
    msgs = messages(read(data))
    assert [m.direction for m in msgs] == [SERVER, CLIENT, CLIENT, CLIENT]
    assert [m.index for m in msgs] == [0, 1, 2, 3]


def test_locations_count_bytes_and_characters() -> None:
    data = '{"execute": "é"}  {"return": "€"} {"x":\n 1}\n'.encode()
    msgs = messages(read(data))
    assert [(m.location.line, m.location.column, m.location.offset) for m in msgs] == [
        (1, 1, 0),
        (1, 19, 19),
        (1, 35, 37),
    ]
    assert_lossless(data, read(data))


def test_undecodable_bytes_are_kept() -> None:
    # Bytes 0xFF and 0xFE are error tokens to QEMU even inside a string: QEMU 7.2
    # answers this line with three errors ('"<FF>', '<FE>' and the stray '}'; it
    # skips the '"' after the second).
    data = b'{"execute": "\xff\xfe"}\n{"return": {}}\n'
    items = read(data)
    msgs = messages(items)
    texts = [m.text.encode("utf-8", "surrogateescape") for m in msgs]
    assert texts == [data[:14], data[14:15], data[16:17], data[18:32]]
    assert [m.ok for m in msgs] == [False, False, False, True]
    assert msgs[3].location.offset == 18
    assert_lossless(data, items)


@pytest.mark.parametrize("fixture", ["garbage.replies", "odd-count.replies", "truncated.replies"])
def test_every_prefix_of_a_fixture(fixture: str) -> None:
    data = (FIXTURES / fixture).read_bytes()
    full = messages(read(data))
    for cut in range(len(data) + 1):
        items = read(data[:cut])
        assert_lossless(data[:cut], items)
        msgs = messages(items)
        for mine, whole in zip(msgs, full, strict=False):
            assert whole.text.startswith(mine.text)
        if items:
            assert isinstance(items[0], SessionBoundary) and isinstance(items[-1], SessionBoundary)


def test_hostile_input_never_raises_anything_but_input_error() -> None:
    samples = [
        b"{" * 5000,
        b"[" + b"]" * 10,
        b'{"a": "\\',
        b"{'single': 'quotes'}",
        b'{"execute": "x"}\x00\x01\x02',
        b"[1, 2]\n[[[",
        bytes(range(256)),
        b'{"id": 123456789012345678901234567890}',
    ]
    for data in samples:
        try:
            items = read(data)
        except InputError:
            continue
        assert_lossless(data, items)


class _Generated(GeneratedStream):
    """A .replies file of *exchanges* request/reply pairs, produced as it is read."""

    def __init__(self, exchanges: int) -> None:
        self._parts = self._generate(exchanges)
        self._pending = b""

    @staticmethod
    def _generate(exchanges: int) -> Iterator[bytes]:
        for n in range(exchanges):
            yield f'{{\n  "execute": "query-status",\n  "id": "libvirt-{n}"\n}}\n\n'.encode()
            reply = {"return": {"status": "running", "running": True}, "id": f"libvirt-{n}"}
            yield json.dumps(reply, indent=2).encode() + b"\n\n"


@pytest.mark.slow
def test_memory_does_not_grow_with_the_file() -> None:
    def peak(exchanges: int) -> int:
        tracemalloc.start()
        try:
            source = io.BufferedReader(_Generated(exchanges))
            count = sum(1 for _ in read_replies(source, "t.replies"))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert count == 2 * exchanges + 2

    small, large = peak(20_000), peak(80_000)  # both well beyond a block of the reader
    assert large < small * 1.5 + 100_000, (small, large)
