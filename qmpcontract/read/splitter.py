r"""Split a byte stream of QMP traffic into messages, as QEMU's JSON streamer does.

QMP has no framing: a peer writes JSON objects one after the other (compact,
pretty-printed over many lines, several in one write, or one split over many
writes).  QEMU's parser finds message boundaries by counting braces and
brackets outside strings (strings may use double or single quotes, with
backslash escapes); whitespace between messages is ignored, and anything else
at the top level is garbage that QEMU answers with an error and skips.

:class:`Splitter` does the same incrementally: :meth:`Splitter.feed` takes
text as it arrives and returns every segment it completes; :meth:`Splitter.end`
returns what is left (an unfinished message: the stream was cut).  Segments
carry their offsets in the stream, so readers can locate them.  Every
non-whitespace character ends up in exactly one segment.

>>> s = Splitter()
>>> [seg.text for seg in s.feed('{"a": "}"}\r\n{"b": [1,')]
['{"a": "}"}']
>>> [seg.text for seg in s.feed(' 2]}garbage {}')]
['{"b": [1, 2]}', 'garbage', '{}']
>>> s.end() is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters that change the state outside strings.
_STRUCTURAL = re.compile(r"[{}\[\]\"']")
_DOUBLE = re.compile(r'["\\]')
_SINGLE = re.compile(r"['\\]")
_WS = re.compile(r"[ \t\r\n]*")
# Garbage at the top level runs until whitespace or the start of a structure.
_GARBAGE = re.compile(r"[^ \t\r\n{\[]+")


@dataclass(frozen=True, slots=True)
class Segment:
    """One message (or one run of top-level garbage) and where it is in the stream."""

    start: int  # offset of its first character in the stream
    text: str
    complete: bool = True  # False for a message the stream ended inside


class Splitter:
    """Incremental message splitter for one direction of a QMP stream."""

    def __init__(self) -> None:
        self._buffer = ""  # text not yet emitted starts at _buffer[_pos]
        self._pos = 0
        self._base = 0  # stream offset of _buffer[0]
        self._depth = 0
        self._quote = ""  # the open string's quote character, or ""
        self._escape = False
        self._scan = -1  # index in _buffer the state above is valid up to; -1: no segment

    @property
    def offset(self) -> int:
        """The stream offset just after the text fed so far."""
        return self._base + len(self._buffer)

    def feed(self, text: str) -> list[Segment]:
        """Add *text* to the stream; return the segments it completes."""
        if self._pos:
            # Compact once per feed, not once per message.
            self._buffer = self._buffer[self._pos :]
            self._base += self._pos
            if self._scan >= 0:
                self._scan -= self._pos
            self._pos = 0
        self._buffer += text
        out: list[Segment] = []
        while True:
            segment = self._next()
            if segment is None:
                return out
            out.append(segment)

    def end(self) -> Segment | None:
        """End the stream; return an unfinished message or trailing garbage, if any."""
        self._skip_whitespace()
        rest = self._buffer[self._pos :]
        if not rest:
            return None
        segment = Segment(self._base + self._pos, rest, complete=rest[0] not in "{[")
        self._pos = len(self._buffer)
        self._reset()
        return segment

    def _reset(self) -> None:
        self._depth = 0
        self._quote = ""
        self._escape = False
        self._scan = -1

    def _skip_whitespace(self) -> None:
        if self._scan < 0:
            match = _WS.match(self._buffer, self._pos)
            if match:
                self._pos = match.end()

    def _emit(self, end: int) -> Segment:
        segment = Segment(self._base + self._pos, self._buffer[self._pos : end])
        self._pos = end
        self._reset()
        return segment

    def _next(self) -> Segment | None:
        self._skip_whitespace()
        buffer = self._buffer
        if self._pos >= len(buffer):
            return None
        if self._scan < 0 and buffer[self._pos] not in "{[":
            match = _GARBAGE.match(buffer, self._pos)
            assert match is not None
            if match.end() == len(buffer):
                return None  # the garbage may continue in the next chunk
            return self._emit(match.end())
        i = self._pos if self._scan < 0 else self._scan
        while i < len(buffer):
            if self._quote:
                if self._escape:
                    self._escape = False
                    i += 1
                    continue
                pattern = _DOUBLE if self._quote == '"' else _SINGLE
                match = pattern.search(buffer, i)
                if match is None:
                    i = len(buffer)
                    break
                i = match.start()
                if buffer[i] == "\\":
                    self._escape = True
                else:
                    self._quote = ""
                i += 1
                continue
            match = _STRUCTURAL.search(buffer, i)
            if match is None:
                i = len(buffer)
                break
            i = match.start()
            char = buffer[i]
            i += 1
            if char in "\"'":
                self._quote = char
            elif char in "{[":
                self._depth += 1
            else:
                self._depth -= 1
                if self._depth <= 0:
                    return self._emit(i)
        self._scan = i
        return None
