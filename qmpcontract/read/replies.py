"""Read libvirt's ``.replies`` files (``tests/qemucapabilitiesdata/*.replies``).

A ``.replies`` file is what libvirt's capability probe sent and received, as
pretty-printed JSON values separated by blank lines: request, reply, request,
reply...  There is no greeting, no event and no timestamp, and ids restart when
libvirt probes again, so requests and replies pair by position (the checker's
job, not this reader's).  Files written by different libvirt releases differ in
layout (indentation, blank lines, key order), so the values are split the way
QEMU's own JSON streamer splits its input (:class:`~qmpcontract.read.splitter.Splitter`)
and parsed, never compared byte for byte.

A file holds one session per probe: libvirt probes again (a new monitor
connection, ids restarting) with a new ``qmp_capabilities``, so each
``qmp_capabilities`` request after the first message closes the session and
opens the next.  The last session ends with CLOSE, or TRUNCATED if the file
ends inside a value.  A message's direction follows from what it is: an
object with ``execute`` or ``exec-oob`` is a request (CLIENT), any other object
a reply (SERVER); text that is not a JSON object has no direction (None).  The
messages are yielded in file order even where the alternation is broken.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
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

BLOCK = 1 << 20  # bytes read at a time (a QEMU schema reply fits in one)

# The first value of every .replies file is a pretty-printed request.
_HEAD = re.compile(r'[ \t\r\n]*\{[ \t]*\r?\n[ \t\r\n]*"(?:execute|exec-oob)"[ \t]*:')
_CONTENT = re.compile(r"[^ \t\r\n]")


def sniff(head: bytes) -> bool:
    r"""True if these first bytes look like a ``.replies`` file.

    >>> sniff(b'{\n  "execute": "qmp_capabilities",\n  "id": "libvirt-1"\n}\n')
    True
    >>> sniff(b'{"execute": "qmp_capabilities"}\n')
    False
    """
    return _HEAD.match(head.decode("utf-8", "surrogateescape")) is not None


def read_replies(source: BinaryIO, name: str) -> Iterator[TranscriptItem]:
    """Yield the session and the messages of a ``.replies`` file, in file order.

    *source* is read in blocks of :data:`BLOCK` bytes, never whole; *name* goes into every
    location.  Every input QEMU would answer is a message: garbage between values
    and an unfinished last value are messages too, with their ``error`` (what QEMU
    skips after an error token is in none).  An empty (or blank) file yields nothing.

    :raise InputError: if the first non-whitespace character does not start a
        JSON value (the input is not a ``.replies`` file).
    """
    splitter = Splitter(MAX_MESSAGE)
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    session_open = False
    session = in_session = 0
    index = 0
    char_offset = byte_offset = 0
    number, column = 1, 0  # the line and column the next piece starts at
    here = _At(1, 0, 0, "")
    # The piece holding the first character not yet emitted.
    anchor: _At | None = None
    while raw := source.read(BLOCK):
        text = decoder.decode(raw)
        here = _At(number, char_offset, byte_offset, text, column, text.isascii())
        if not session_open:
            first = _CONTENT.search(text)
            if first is not None:
                if text[first.start()] not in "{[":
                    where = here.location(name, first.start())
                    raise InputError("not a .replies file: expected a JSON value", where)
                session_open = True
                yield SessionBoundary(BoundaryKind.OPEN, 0, Location(name, 1, 1, 0))
        segments = splitter.feed(text)
        for segment in segments:
            start = anchor if anchor is not None and segment.start < char_offset else here
            message = _message(segment, start, index, name, session)
            if _is_negotiation(message) and in_session:
                yield SessionBoundary(BoundaryKind.CLOSE, session, message.location)
                session += 1
                in_session = 0
                yield SessionBoundary(BoundaryKind.OPEN, session, message.location)
                message = _message(segment, start, index, name, session)
            yield message
            in_session += 1
            index += 1
        pending = splitter.pending
        if pending is None:
            anchor = None
        elif pending >= char_offset:  # it began in this piece
            anchor = here
        char_offset += len(text)
        byte_offset += len(text) if here.ascii else len(_encode(text))
        newlines = text.count("\n")
        if newlines:
            number, column = number + newlines, len(text) - text.rfind("\n") - 1
        else:
            column += len(text)
    if not session_open:
        return
    kind, note = BoundaryKind.CLOSE, None
    tail = splitter.end()
    if tail is not None:
        assert anchor is not None
        yield _message(tail, anchor, index, name, session)
        if not tail.complete:
            kind, note = BoundaryKind.TRUNCATED, "the file ends inside a value"
    end = Location(name, number, column + 1, byte_offset)
    yield SessionBoundary(kind, session, end, None, note)


@dataclass(slots=True)
class _At:
    """A piece of the file: its line, its offsets, its text, its column in the line."""

    line: int
    char: int  # offset of its first character in the decoded file
    byte: int
    text: str
    column: int = 0  # 0-based column of its first character in its line
    ascii: bool = False  # the text is ASCII: a character is a byte
    # Newlines counted so far: those before position _seen are _lines (messages are
    # located in increasing order, so each newline is counted once).
    _seen: int = 0
    _lines: int = 0

    def location(self, name: str, at: int, index: int | None = None) -> Location:
        """The location of the character at 0-based position *at* of the piece."""
        text = self.text
        byte = self.byte + (at if self.ascii else len(_encode(text[:at])))
        newline = text.rfind("\n", 0, at)
        if newline < 0:
            return Location(name, self.line, self.column + at + 1, byte, message_index=index)
        if at < self._seen:
            self._seen, self._lines = 0, 0
        self._lines += text.count("\n", self._seen, at)
        self._seen = at
        return Location(name, self.line + self._lines, at - newline, byte, message_index=index)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _is_negotiation(message: RawMessage) -> bool:
    value = message.value
    return isinstance(value, dict) and value.get("execute") == "qmp_capabilities"


def _message(segment: Segment, at: _At, index: int, name: str, session: int = 0) -> RawMessage:
    where = at.location(name, segment.start - at.char, index)
    value, error = parse(segment)
    if error is not None and not segment.complete:
        error = f"the file ends inside this value; {error}"
    direction = None
    if isinstance(value, dict):
        request = "execute" in value or "exec-oob" in value
        direction = Direction.CLIENT if request else Direction.SERVER
    truncated = not segment.complete
    return RawMessage(index, session, direction, segment.text, where, None, value, error, truncated)
