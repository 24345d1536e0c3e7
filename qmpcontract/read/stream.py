"""Read a raw QMP stream: messages one after the other, compact or pretty-printed.

This is what a monitor with ``pretty=on`` writes (multi-line objects, CR LF at the end
of every line), what ``nc -U`` prints, or a hand-written session: JSON objects
concatenated with any whitespace between them.  There are no direction markers
or timestamps: a message with ``execute`` or ``exec-oob`` went to QEMU, any
other went to the client.  The whole file is one session.
"""

from __future__ import annotations

import codecs
from collections import deque
from collections.abc import Iterator
from typing import BinaryIO

from qmpcontract.location import Location
from qmpcontract.read.lines import pieces
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
)
from qmpcontract.read.splitter import MAX_MESSAGE, Segment, Splitter, parse


def sniff(head: bytes) -> bool:
    """True if *head* starts with a JSON object (after whitespace)."""
    return head.lstrip()[:1] == b"{"


def guess_direction(value: object) -> Direction | None:
    """CLIENT for a request, SERVER for anything else that parsed, None otherwise."""
    if not isinstance(value, dict):
        return None
    return Direction.CLIENT if "execute" in value or "exec-oob" in value else Direction.SERVER


class LineMap:
    """Maps character offsets of a decoded stream back to file lines and byte offsets.

    Pieces of lines are added as they are read; :meth:`trim` forgets those no
    future segment can start in, so memory stays bounded (by the piece size,
    not by the longest message).
    """

    def __init__(self) -> None:
        # (char start, line number, byte offset, text, column of its first character)
        self._lines: deque[tuple[int, int, int, str, int]] = deque()

    def add(self, char_start: int, number: int, byte_offset: int, text: str, column: int) -> None:
        """Record that a piece of line *number* starts at *char_start* / *byte_offset*."""
        self._lines.append((char_start, number, byte_offset, text, column))

    def trim(self, keep: int) -> None:
        """Forget pieces before the one holding offset *keep*, and all but the last after it."""
        while len(self._lines) > 1 and self._lines[1][0] <= keep:
            self._lines.popleft()
        while len(self._lines) > 2:
            last = self._lines.pop()
            self._lines.pop()
            self._lines.append(last)

    def locate(self, name: str, char_offset: int, index: int) -> Location:
        """The location of the character at *char_offset*; forget earlier pieces."""
        self.trim(char_offset)
        if not self._lines:
            return Location(name, message_index=index)
        start, number, byte, text, column = self._lines[0]
        at = char_offset - start
        prefix = text[:at].encode("utf-8", "surrogateescape")
        return Location(name, number, column + at + 1, byte + len(prefix), message_index=index)


def _message(segment: Segment, location: Location, index: int) -> RawMessage:
    value: object
    error: str | None
    if segment.complete:
        value, error = parse(segment)
    else:
        value, error = None, "message cut off by the end of the file"
    direction = guess_direction(value)
    return RawMessage(
        index, 0, direction, segment.text, location, None, value, error, not segment.complete
    )


def read_stream(source: BinaryIO, name: str) -> Iterator[TranscriptItem]:
    """Yield every message of a raw QMP stream, located, as one session."""
    splitter = Splitter(MAX_MESSAGE)
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    lines = LineMap()
    index = 0
    byte_offset = 0
    truncated = False
    opened = False
    number, column = 1, 0
    for raw, ends_line in pieces(source):
        text = decoder.decode(raw)
        if not opened:
            yield SessionBoundary(BoundaryKind.OPEN, 0, Location(name, 1, 1, 0))
            opened = True
        lines.add(splitter.offset, number, byte_offset, text, column)
        byte_offset += len(raw)
        for segment in splitter.feed(text):
            yield _message(segment, lines.locate(name, segment.start, index), index)
            index += 1
        pending = splitter.pending
        lines.trim(splitter.offset if pending is None else pending)
        number, column = (number + 1, 0) if ends_line else (number, column + len(text))
    rest = splitter.end()
    if rest is not None:
        truncated = not rest.complete
        yield _message(rest, lines.locate(name, rest.start, index), index)
        index += 1
    if opened:
        kind = BoundaryKind.TRUNCATED if truncated else BoundaryKind.CLOSE
        yield SessionBoundary(kind, 0, Location(name, None, None, byte_offset))
