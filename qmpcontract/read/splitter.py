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
carry their offsets in the stream, so readers can locate them, and the
whitespace before them (``pre``; the whitespace after the last one is
:attr:`Splitter.tail`), so every character of the stream is in exactly one
place.  Each character is scanned once, whatever the chunking: a message of
100 MiB fed 64 KiB at a time costs what it costs in one piece.

>>> s = Splitter()
>>> [seg.text for seg in s.feed('{"a": "}"}\r\n{"b": [1,')]
['{"a": "}"}']
>>> [seg.text for seg in s.feed(' 2]}garbage {}')]
['{"b": [1, 2]}', 'garbage', '{}']
>>> s.end() is None
True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# Characters that change the state outside strings.
_STRUCTURAL = re.compile(r"[{}\[\]\"']")
_DOUBLE = re.compile(r'["\\]')
_SINGLE = re.compile(r"['\\]")
_WS = re.compile(r"[ \t\r\n]*")
# Garbage at the top level runs until whitespace or the start of a structure.
_GARBAGE = re.compile(r"[^ \t\r\n{\[]+")


_DECODER = json.JSONDecoder()


def _json_end(text: str, i: int) -> int:
    """The end of the valid JSON value starting at *i*, or -1.

    A shortcut, in C: for valid JSON, brackets outside strings balance exactly
    where the value ends, so this is where the scan below would end too.  Text
    that is not valid JSON, or not complete yet, is left to the scan.
    """
    try:
        return _DECODER.raw_decode(text, i)[1]
    except (ValueError, RecursionError):
        return -1


@dataclass(frozen=True, slots=True)
class Segment:
    """One message (or one run of top-level garbage) and where it is in the stream."""

    start: int  # offset of its first character in the stream
    text: str
    complete: bool = True  # False for a message the stream ended inside
    pre: str = ""  # the whitespace between the previous segment and this one
    size: int = -1  # its length in the stream, when *text* is only its beginning

    @property
    def length(self) -> int:
        """Its length in the stream (characters)."""
        return len(self.text) if self.size < 0 else self.size

    @property
    def overflow(self) -> bool:
        """True if it was longer than the splitter keeps: *text* is only its beginning."""
        return self.size >= 0


HEAD = 256  # what an overlong segment keeps of its text
# The longest message the readers keep: QEMU's parser refuses a token over 64 MiB
# (json-streamer.c, MAX_TOKEN_SIZE), so no message QEMU accepts is much longer.
MAX_MESSAGE = 64 << 20


def overflow(segment: Segment) -> str:
    """Why an overlong segment is not parsed."""
    return (
        f"message of {segment.length} characters, longer than the {MAX_MESSAGE >> 20} MiB "
        "qmpcontract reads (QEMU refuses tokens over 64 MiB); not parsed"
    )


class Splitter:
    """Incremental message splitter for one direction of a QMP stream.

    With *max_size*, a segment longer than that many characters is not kept:
    it is still delimited exactly, but only its first :data:`HEAD` characters are
    kept (:attr:`Segment.overflow`), so memory stays bounded whatever the input.
    """

    def __init__(self, max_size: int | None = None) -> None:
        self._max = max_size
        self._size = 0  # characters of the unfinished segment in _parts
        self._overflow = False
        self._offset = 0  # stream offset just after the text fed so far
        self._parts: list[str] = []  # the unfinished segment's text from earlier chunks
        self._start = -1  # stream offset of the unfinished segment; -1: none
        self._garbage = False  # the unfinished segment is top-level garbage
        self._depth = 0
        self._quote = ""  # the open string's quote character, or ""
        self._escape = False
        self._pre: list[str] = []  # whitespace since the last segment

    @property
    def offset(self) -> int:
        """The stream offset just after the text fed so far."""
        return self._offset

    @property
    def tail(self) -> str:
        """The whitespace after the last segment (so far)."""
        return "".join(self._pre)

    def feed(self, text: str) -> list[Segment]:
        """Add *text* to the stream; return the segments it completes."""
        base = self._offset
        self._offset += len(text)
        out: list[Segment] = []
        i, size = 0, len(text)
        begun = 0  # where the unfinished segment's text starts in *text*
        while i < size:
            if self._start < 0:
                match = _WS.match(text, i)
                j = match.end() if match else i
                if j > i:
                    self._pre.append(text[i:j])
                    i = j
                if i >= size:
                    break
                self._start, begun = base + i, i
                self._garbage = text[i] not in "{["
                if not self._garbage:
                    end = _json_end(text, i)
                    if end > 0:  # a whole valid JSON value: it ends where QEMU's would
                        out.append(self._emit(text[begun:end], True))
                        i = end
                        continue
            if self._garbage:
                match = _GARBAGE.match(text, i)
                end = match.end() if match else i
                if end == size:
                    break  # the garbage may continue in the next chunk
            else:
                end = self._scan(text, i)
                if end < 0:
                    break
            out.append(self._emit(text[begun:end], True))
            i = end
        if self._start >= 0:
            self._keep(text[begun:])
        return out

    def _keep(self, text: str) -> None:
        self._size += len(text)
        if self._overflow:
            return
        self._parts.append(text)
        if self._max is not None and self._size > self._max:
            self._parts = ["".join(self._parts)[:HEAD]]
            self._overflow = True

    @property
    def pending(self) -> int | None:
        """The stream offset where the unfinished segment starts, if there is one."""
        return self._start if self._start >= 0 else None

    def end(self) -> Segment | None:
        """End the stream; return an unfinished message or trailing garbage, if any."""
        if self._start < 0:
            return None
        complete = self._garbage  # garbage is whole; a structure was cut
        return self._emit("", complete)

    def _emit(self, last: str, complete: bool) -> Segment:
        size = self._size + len(last)
        if self._overflow or (self._max is not None and size > self._max):
            head = ("".join(self._parts) + last[:HEAD])[:HEAD]
            segment = Segment(self._start, head, complete, "".join(self._pre), size)
        else:
            text = "".join(self._parts) + last if self._parts else last
            segment = Segment(self._start, text, complete, "".join(self._pre))
        self._parts, self._pre = [], []
        self._size, self._overflow = 0, False
        self._start = -1
        self._depth = 0
        self._quote = ""
        self._escape = False
        return segment

    def _scan(self, text: str, i: int) -> int:
        """Scan a structure from *i*; return the index after its end, or -1 (not yet)."""
        size = len(text)
        while i < size:
            if self._quote:
                if self._escape:
                    self._escape = False
                    i += 1
                    continue
                pattern = _DOUBLE if self._quote == '"' else _SINGLE
                match = pattern.search(text, i)
                if match is None:
                    return -1
                i = match.start()
                if text[i] == "\\":
                    self._escape = True
                else:
                    self._quote = ""
                i += 1
                continue
            match = _STRUCTURAL.search(text, i)
            if match is None:
                return -1
            i = match.start()
            char = text[i]
            i += 1
            if char in "\"'":
                self._quote = char
            elif char in "{[":
                self._depth += 1
            else:
                self._depth -= 1
                if self._depth <= 0:
                    return i
        return -1
