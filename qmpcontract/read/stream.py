"""Read a raw QMP stream: messages one after the other, compact or pretty-printed.

This is what a monitor with ``pretty=on`` writes (multi-line objects, CR LF at the end
of every line), what ``nc -U`` prints, or a hand-written session: JSON objects
concatenated with any whitespace between them.  There are no direction markers
or timestamps: a message with ``execute`` or ``exec-oob`` went to QEMU, any
other went to the client.  The whole file is one session.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import BinaryIO

from qmpcontract.location import Location
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
    decode,
)
from qmpcontract.read.splitter import Segment, Splitter


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

    Lines are added as they are read and forgotten once no segment can start
    in them, so memory stays bounded by the longest unfinished message.
    """

    def __init__(self) -> None:
        self._lines: deque[tuple[int, int, int, str]] = deque()  # (char start, number, byte, text)

    def add(self, char_start: int, number: int, byte_offset: int, text: str) -> None:
        """Record that line *number* starts at *char_start* / *byte_offset*."""
        self._lines.append((char_start, number, byte_offset, text))

    def locate(self, name: str, char_offset: int, index: int) -> Location:
        """The location of the character at *char_offset*; forget earlier lines."""
        while len(self._lines) > 1 and self._lines[1][0] <= char_offset:
            self._lines.popleft()
        if not self._lines:
            return Location(name, message_index=index)
        start, number, byte, text = self._lines[0]
        column = char_offset - start
        prefix = text[:column].encode("utf-8", "surrogateescape")
        return Location(name, number, column + 1, byte + len(prefix), message_index=index)


def _message(segment: Segment, location: Location, index: int) -> RawMessage:
    if segment.complete:
        value, error = decode(segment.text)
    else:
        value, error = None, "message cut off by the end of the file"
    direction = guess_direction(value)
    return RawMessage(
        index, 0, direction, segment.text, location, None, value, error, not segment.complete
    )


def read_stream(source: BinaryIO, name: str) -> Iterator[TranscriptItem]:
    """Yield every message of a raw QMP stream, located, as one session."""
    splitter = Splitter()
    lines = LineMap()
    index = 0
    byte_offset = 0
    truncated = False
    opened = False
    for number, raw in enumerate(source, start=1):
        text = raw.decode("utf-8", "surrogateescape")
        if not opened:
            yield SessionBoundary(BoundaryKind.OPEN, 0, Location(name, 1, 1, 0))
            opened = True
        lines.add(splitter.offset, number, byte_offset, text)
        byte_offset += len(raw)
        for segment in splitter.feed(text):
            yield _message(segment, lines.locate(name, segment.start, index), index)
            index += 1
    rest = splitter.end()
    if rest is not None:
        truncated = not rest.complete
        yield _message(rest, lines.locate(name, rest.start, index), index)
        index += 1
    if opened:
        kind = BoundaryKind.TRUNCATED if truncated else BoundaryKind.CLOSE
        yield SessionBoundary(kind, 0, Location(name, None, None, byte_offset))
