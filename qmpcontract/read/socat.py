r"""Read a ``socat -v`` log of a proxy between a QMP client and QEMU.

``socat -v`` copies every read it relays to its log: a header line, then the
data as text::

    > 2026/11/25 23:23:26.000646163  length=32 from=0 to=31
    {"execute": "qmp_capabilities"}
    < 2026/11/25 23:23:26.000646388  length=16 from=142 to=157
    {"return": {}}\r

``>`` is the client writing to QEMU (:attr:`Direction.CLIENT`), ``<`` QEMU
writing to the client (:attr:`Direction.SERVER`); ``from``/``to`` are byte
offsets in that direction's stream.  The data is printed with CR as ``\r``,
a backslash as ``\\``, LF as a real newline and other unprintable bytes as
``.`` (which cannot be undone: QEMU writes ASCII, but a client's UTF-8 is lost).
One header is written per read of up to 8192 bytes, so a message may span
chunks and a chunk may hold several messages; when a chunk does not end with
LF, the next header (or a socat diagnostic) is glued onto its last line.
socat 1.8 also logs its own diagnostics (``2026/11/25 23:44:29 socat[1945] W
exiting on signal 15``): they are not data.

:func:`read_socat` undoes the escapes, feeds each direction to a
:class:`~qmpcontract.read.splitter.Splitter` and yields located
:class:`~qmpcontract.read.messages.RawMessage` and
:class:`~qmpcontract.read.messages.SessionBoundary` items, streaming: only
the messages not yet complete are kept in memory.

Header times are local wall-clock times without a zone; they are read as UTC.
socat prints the microseconds with ``%09ld`` (``.000646163`` is 646163 µs);
a fraction of a million or more can only be nanoseconds and is read as such.
Several connections through ``socat ... fork`` follow one another in the log;
a new one starts when a direction that already carried data starts again at
``from=0``.  Connections that overlap in time cannot be told apart (the log
does not say which process wrote a chunk): their chunks show up as jumps in
the stream offsets, and the messages cut by a jump are reported as such.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import BinaryIO

from qmpcontract.errors import InputError
from qmpcontract.location import Location
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
)
from qmpcontract.read.splitter import MAX_MESSAGE, Segment, Splitter, parse

_DATE = r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d"
_HEADER = (
    rf"(?P<dir>[<>]) (?P<time>{_DATE})\.(?P<frac>\d{{9}})"
    r"  length=\d+ from=(?P<start>\d+) to=\d+\r?\n?\Z"
)
# socat's own log lines: date, optional fraction (-lu), optional host (-lh),
# program[pid], severity letter.
_DIAGNOSTIC = rf"{_DATE}(?:\.\d+)? (?:\S+ )?\S+\[\d+\] [DINWEF] "
# A header or diagnostic, at the start of a line or glued onto data.
_MARK = re.compile(rf"{_HEADER}|(?P<diag>{_DIAGNOSTIC})")
_HEADER_LIKE = re.compile(rf"[<>] {_DATE}")
_SNIFF = re.compile(rf"[<>] {_DATE}\.\d{{9}}  length=\d+ from=\d+ to=\d+|(?m:^{_DIAGNOSTIC})")
_RESET = re.compile(r"reset by peer|broken pipe", re.IGNORECASE)
_ESCAPE = re.compile(r"\\[\\r]")
_WS = " \t\r\n"

# socat -v lines are at most twice its buffer (-b, 8192) plus a header; longer
# lines are read in pieces, and a header glued across a piece boundary is missed.
_MAX_LINE = 1 << 20
_LOOKAHEAD = 1 << 18  # how far read_socat looks for a first header before giving up

_CUT_EOF = "message cut off by the end of the recording"
_CUT_SESSION = "message cut off by the end of the connection (a new one started)"


def sniff(head: bytes) -> bool:
    r"""True if these first bytes look like a ``socat -v`` log.

    They do if they hold a chunk header anywhere, or start a line with a
    socat diagnostic.

    >>> sniff(b"< 2026/11/25 23:23:26.000645841  length=142 from=0 to=141\n{")
    True
    >>> sniff(b'{"execute": "qmp_capabilities"}\n')
    False
    """
    return _SNIFF.search(head.decode("utf-8", "surrogateescape")) is not None


def _unescape(raw: str) -> str:
    r"""Undo socat's ``\\r`` and ``\\\\`` (any other backslash is kept as is)."""
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(lambda m: "\\" if m[0] == "\\\\" else "\r", raw)


def _raw_index(raw: str, k: int) -> int:
    """The index in escaped *raw* of the *k*-th character of its unescaped text."""
    done = 0  # unescaped characters before raw[j]
    j = 0
    for match in _ESCAPE.finditer(raw):
        plain = match.start() - j
        if done + plain > k:
            break
        done += plain + 1
        if done > k:
            return match.start()
        j = match.end()
    return j + (k - done)


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


def _timestamp(time: str, frac: str) -> float | None:
    try:
        wall = datetime.strptime(time, "%Y/%m/%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    fraction = int(frac)
    return wall.timestamp() + (fraction / 1e6 if fraction < 1_000_000 else fraction / 1e9)


@dataclass(frozen=True, slots=True)
class _Piece:
    """One run of data from one log line, fed to a splitter."""

    start: int  # stream offset (characters) of its first unescaped character
    end: int
    raw: str  # as written in the log (escaped)
    line: int
    column: int  # of raw[0]
    offset: int  # byte offset of raw[0] in the log
    timestamp: float | None  # of its chunk


class _Stream:
    """One direction of one connection."""

    def __init__(self, wire: int = 0) -> None:
        self.splitter = Splitter(MAX_MESSAGE)
        self.pieces: deque[_Piece] = deque()
        self.fed = 0  # characters fed to the splitter
        self.wire = wire  # bytes of the stream seen, to compare with from=
        self.garbage_at: float = float("inf")  # log offset of a pending non-object segment

    def locate(self, char: int) -> tuple[_Piece, int]:
        """The piece holding stream character *char*, and its index in ``piece.raw``."""
        for piece in self.pieces:
            if char < piece.end:
                return piece, _raw_index(piece.raw, char - piece.start)
        raise AssertionError(f"stream offset {char} was forgotten")  # pragma: no cover

    def log_offset(self, char: int) -> int:
        """The byte offset in the log of stream character *char*."""
        piece, j = self.locate(char)
        return piece.offset + _nbytes(piece.raw[:j])


class _Reader:
    """The state of one pass over a log; items go to :attr:`out` as they are known."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.out: list[TranscriptItem] = []
        self.session = -1
        self.streams: dict[Direction, _Stream] = {}
        self.chunk: Direction | None = None  # direction of the chunk being read
        self.timestamp: float | None = None
        self.truncated: str | None = None  # why the current session is truncated
        self.held: list[tuple[int, int, RawMessage]] = []  # by log offset of their end
        self.seq = 0
        self.count = 0

    # -- lines -----------------------------------------------------------------

    def line(self, text: str, line: int, column: int, offset: int) -> None:
        """Process one log line (or a piece of an overlong one) starting at *column*."""
        if column == 1 and _HEADER_LIKE.match(text) and not _MARK.match(text):
            self.chunk = None  # the data that follows has no known direction
            self.stray(text, line, column, offset, "malformed socat header line")
            return
        mark = _MARK.search(text)
        cut = mark.start() if mark else len(text)
        if cut:
            self.data(text[:cut], line, column, offset)
        if mark is None:
            return
        column += cut
        offset += _nbytes(text[:cut])
        if mark["diag"] is None:
            self.header(mark, line, column, offset)
        elif self.session >= 0 and _RESET.search(text, cut) and self.truncated is None:
            self.truncated = "socat: " + text[cut:].rstrip("\n")

    def header(self, mark: re.Match[str], line: int, column: int, offset: int) -> None:
        """Start a chunk; open, close and cut sessions as its offsets say."""
        location = Location(self.name, line, column, offset)
        timestamp = _timestamp(mark["time"], mark["frac"])
        if timestamp is None:
            self.chunk = None
            self.stray(mark[0], line, column, offset, "malformed socat header line (bad date)")
            return
        direction = Direction.CLIENT if mark["dir"] == ">" else Direction.SERVER
        start = int(mark["start"])
        if self.streams and start == 0 and self.streams[direction].wire > 0:
            self.close(location, _CUT_SESSION)
        if not self.streams:
            self.session += 1
            self.streams = {Direction.CLIENT: _Stream(), Direction.SERVER: _Stream()}
            self.truncated = None
            self.out.append(SessionBoundary(BoundaryKind.OPEN, self.session, location, timestamp))
        stream = self.streams[direction]
        if start != stream.wire:
            self.flush(
                direction,
                f"message cut off: the recording jumps from byte {stream.wire} to byte "
                f"{start} of this direction's stream",
            )
            self.streams[direction] = _Stream(start)
            self.release()
        self.chunk = direction
        self.timestamp = timestamp

    def data(self, raw: str, line: int, column: int, offset: int) -> None:
        """Feed the data of the current chunk found on one log line."""
        if self.chunk is None:
            self.stray(raw, line, column, offset, "data outside any socat chunk (no header)")
            return
        stream = self.streams[self.chunk]
        text = _unescape(raw)
        start = stream.fed
        stream.pieces.append(
            _Piece(start, start + len(text), raw, line, column, offset, self.timestamp)
        )
        stream.fed += len(text)
        stream.wire += _nbytes(text)
        segments = stream.splitter.feed(text)
        for segment in segments:
            self.hold(self.chunk, stream, segment, None)
        if segments:
            stream.garbage_at = float("inf")
        pending = stream.splitter.pending
        # A segment begun in this chunk that is no object or array may end with its
        # next character, which may come after the other direction's messages: they
        # wait for it.
        if pending is not None and pending >= start and text[pending - start] not in "{[":
            stream.garbage_at = stream.log_offset(pending)
        keep = stream.fed if pending is None else pending
        while stream.pieces and stream.pieces[0].end <= keep:
            stream.pieces.popleft()
        while len(stream.pieces) > 2:
            # A segment starts in the first piece kept and ends in the newest: the
            # pieces between them are never looked up (a long message stays cheap).
            newest = stream.pieces.pop()
            stream.pieces.pop()
            stream.pieces.append(newest)
        self.release()

    def stray(self, text: str, line: int, column: int, offset: int, error: str) -> None:
        """Report text that is not part of any chunk (unless it is only whitespace)."""
        text = text.rstrip("\n")
        if text.strip(_WS):
            where = Location(self.name, line, column, offset)
            message = RawMessage(-1, max(self.session, 0), None, text, where, self.timestamp)
            self.push(offset + _nbytes(text) - 1, replace(message, error=error))
            self.release()

    # -- messages --------------------------------------------------------------

    def hold(
        self, direction: Direction, stream: _Stream, segment: Segment, cut: str | None
    ) -> None:
        """Queue one segment of *stream* as a message, located where it starts."""
        piece, j = stream.locate(segment.start)
        offset = piece.offset + _nbytes(piece.raw[:j])
        where = Location(self.name, piece.line, piece.column + j, offset)
        value: object
        error: str | None
        if cut:
            value, error = None, cut
        else:
            value, error = parse(segment)
        message = RawMessage(
            -1, self.session, direction, segment.text, where, piece.timestamp, value, error
        )
        end = stream.log_offset(segment.start + segment.length - 1)
        self.push(end, replace(message, truncated=True) if cut else message)

    def push(self, end: int, message: RawMessage) -> None:
        """Queue a message whose last character is at byte *end* of the log."""
        heapq.heappush(self.held, (end, self.seq, message))
        self.seq += 1

    def release(self, everything: bool = False) -> None:
        """Number and emit the queued messages no pending garbage can precede."""
        barrier = float("inf")
        if not everything:
            for stream in self.streams.values():
                barrier = min(barrier, stream.garbage_at)
        while self.held and self.held[0][0] < barrier:
            message = heapq.heappop(self.held)[2]
            location = replace(message.location, message_index=self.count)
            self.out.append(replace(message, index=self.count, location=location))
            self.count += 1

    def flush(self, direction: Direction, cut: str) -> None:
        """End *direction*'s stream: queue what it still holds."""
        stream = self.streams[direction]
        segment = stream.splitter.end()
        if segment is not None:
            self.hold(direction, stream, segment, None if segment.complete else cut)
            if not segment.complete and self.truncated is None:
                self.truncated = cut

    def close(self, location: Location, cut: str) -> None:
        """End the current session: its leftovers, then its CLOSE or TRUNCATED boundary."""
        for direction in self.streams:
            self.flush(direction, cut)
        self.release(everything=True)
        if self.streams:
            kind = BoundaryKind.CLOSE if self.truncated is None else BoundaryKind.TRUNCATED
            boundary = SessionBoundary(kind, self.session, location, self.timestamp, self.truncated)
            self.out.append(boundary)
        self.streams = {}
        self.chunk = None


def _lines(source: BinaryIO) -> Iterator[bytes]:
    while line := source.readline(_MAX_LINE):
        yield line


def _recognise(lines: Iterator[bytes], name: str) -> list[bytes]:
    """Read until the first header or diagnostic; return the lines read.

    :raise InputError: if there is none in the first ``_LOOKAHEAD`` bytes.
    """
    head: list[bytes] = []
    size = 0
    for raw in lines:
        head.append(raw)
        size += len(raw)
        text = raw.decode("utf-8", "surrogateescape")
        if _SNIFF.search(text) or _HEADER_LIKE.match(text):
            return head
        if size > _LOOKAHEAD:
            break
    number, offset = 1, 0
    for raw in head:
        if raw.strip():
            where = Location(name, number, 1, offset)
            raise InputError("not a socat -v log: no socat header or diagnostic line", where)
        number += raw.count(b"\n")
        offset += len(raw)
    return head  # only whitespace


def read_socat(source: BinaryIO, name: str) -> Iterator[TranscriptItem]:
    r"""Yield the messages and session boundaries of a ``socat -v`` log.

    *name* is the file name used in every location.  Every message is a
    :class:`RawMessage` (garbage, cut messages and stray data included, with
    ``error`` set); messages are numbered in the order of their last
    character in the log, except that a message cut off by the end of its
    connection is numbered when that connection ends.

    >>> import io
    >>> log = b'> 2026/11/25 23:23:26.000646163  length=20 from=0 to=19\n{"execute": "quit"}\n'
    >>> [type(i).__name__ for i in read_socat(io.BytesIO(log), "a.log")]
    ['SessionBoundary', 'RawMessage', 'SessionBoundary']

    :raise qmpcontract.errors.InputError: if the start of the file has no
        socat header or diagnostic line (it is not a socat log at all).
    """
    reader = _Reader(name)
    lines = _lines(source)
    head = _recognise(lines, name)
    number, column, offset = 1, 1, 0
    for raw in itertools.chain(head, lines):
        text = raw.decode("utf-8", "surrogateescape")
        reader.line(text, number, column, offset)
        offset += len(raw)
        if text.endswith("\n"):
            number, column = number + 1, 1
        else:
            column += len(text)
        yield from reader.out
        reader.out.clear()
    reader.close(Location(name, number, column, offset), _CUT_EOF)
    yield from reader.out
