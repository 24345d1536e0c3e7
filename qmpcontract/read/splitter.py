r"""Split a byte stream of QMP traffic into messages, as QEMU's JSON streamer does.

QMP has no framing: a peer writes JSON values one after the other (compact,
pretty-printed over many lines, several in one write, or one split over many
writes).  QEMU reads them as tokens (:mod:`qmpcontract.read.json_lexer`) and
its streamer (``qobject/json-streamer.c``) collects tokens into one input
until the braces and the brackets, counted apart, are balanced.  So, as
measured against QEMU 7.2:

- a value at the top level that is not an object or array is one input on its
  own: ``"just a string"``, ``123``, ``true`` (and ``truenull``, one word), a
  stray ``]``, ``:`` or ``,``; ``123 456`` and ``"a""b"`` are two;
- a word or a number ends only at the next character: one at the very end of
  the stream was never read by QEMU (it is unfinished here);
- an error token (``A``, ``-a``, a string holding a newline...) ends the input
  it is in, where QEMU answers it; QEMU then skips up to the next ``{ } [ ] : ,``
  or control character other than tab.  The skipped text is in no segment (QEMU
  answers it nothing): it goes in the next segment's ``pre``;
- an input over QEMU's limits (:class:`~qmpcontract.read.json_lexer.Limits`:
  1024 levels of nesting, 2 Mi tokens, 64 MiB of tokens, or one token over 64
  MiB) is refused at the token that goes over (:attr:`Segment.refused`), and
  the rest is read afresh: 1100 ``[`` then 1100 ``]`` are 1027 inputs.

QEMU answers every input with one response, so each segment of a client's
stream is one message that gets exactly one answer.

:class:`Splitter` does this incrementally: :meth:`Splitter.feed` takes text as
it arrives and returns every segment it completes; :meth:`Splitter.end`
returns what is left (an unfinished message: the stream was cut).  Segments
carry their offsets in the stream, so readers can locate them, and the
whitespace before them (``pre``; the whitespace after the last one is
:attr:`Splitter.tail`), so every character of the stream is in exactly one
place.  The cost does not depend on the chunking: a whole JSON value is taken
in one C call; otherwise whole tokens between brackets are matched by one
regular expression, and only a token cut by the end of a chunk, an error, or
an input long enough to meet a limit other than nesting is lexed token by
token.  ``tests/qemu_json_model.py`` is the character-by-character model this is
held to.

>>> s = Splitter()
>>> [seg.text for seg in s.feed('{"a": "}"}\r\n{"b": [1,')]
['{"a": "}"}']
>>> [seg.text for seg in s.feed(' 2]}garbage {}"just a string"12')]
['{"b": [1, 2]}', 'garbage', '{}', '"just a string"']
>>> s.end()
Segment(start=50, text='12', complete=False, pre='', size=-1, refused='')
"""

from __future__ import annotations

from dataclasses import dataclass

from qmpcontract.read.json_lexer import (
    QEMU_LIMITS,
    RESUME,
    RUN,
    SPACE,
    TOKEN,
    Limits,
    State,
    Step,
    count_tokens,
    lex,
    nbytes,
    whole_value,
    within,
)
from qmpcontract.read.messages import decode

# QEMU's own words when it refuses an input over a limit.
NESTING = "JSON nesting depth limit exceeded"
TOKENS = "JSON token count limit exceeded"
SIZE = "JSON token size limit exceeded"


@dataclass(frozen=True, slots=True)
class Segment:
    """One message (or one error QEMU answers) and where it is in the stream."""

    start: int  # offset of its first character in the stream
    text: str
    complete: bool = True  # False for a message the stream ended inside
    # The text between the previous segment and this one: whitespace, and what QEMU
    # skipped after an error token (with max_size, only as much of that as a text).
    pre: str = ""
    size: int = -1  # its length in the stream, when *text* is only its beginning
    refused: str = ""  # QEMU's reason when it refused it for going over a limit

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


def parse(segment: Segment) -> tuple[object, str | None]:
    """A whole segment's value, or why it has none (refused by QEMU, too long, not JSON)."""
    reasons = [f"QEMU refuses it: {segment.refused}"] if segment.refused else []
    if segment.overflow:
        reasons.append(overflow(segment))
    if reasons:
        return None, "; ".join(reasons)
    return decode(segment.text)


class Splitter:
    """Incremental message splitter for one direction of a QMP stream.

    With *max_size*, a segment longer than that many characters is not kept:
    it is still delimited exactly, but only its first :data:`HEAD` characters are
    kept (:attr:`Segment.overflow`), so memory stays bounded whatever the input.
    *limits* are QEMU's (tests lower them).
    """

    def __init__(self, max_size: int | None = None, limits: Limits = QEMU_LIMITS) -> None:
        self._max = max_size
        self._limits = limits
        # An input of no more characters cannot meet a limit but nesting (a token is
        # at least a character, and a character at most 4 bytes): its tokens are not
        # counted.  Its text is kept whole, to count them if it grows longer.
        safe = min(limits.tokens - 1, (limits.size - 1) // 4)
        self._safe = safe if max_size is None else min(safe, max_size)
        self._size = 0  # characters of the unfinished segment in _parts
        self._overflow = False
        self._offset = 0  # stream offset just after the text fed so far
        self._parts: list[str] = []  # the unfinished segment's text from earlier chunks
        self._start = -1  # stream offset of the unfinished segment; -1: none
        self._pre: list[str] = []  # the text since the last segment (see Segment.pre)
        self._skipped = 0  # characters QEMU skipped since the last segment
        # The lexer: its state, the bytes and characters of the token under way, and
        # the whitespace under way (a token too).
        self._lex = State.START
        self._quote = '"'
        self._token = self._token_chars = self._blank = 0
        # The streamer: open braces and brackets, and (once counted) tokens and bytes.
        self._braces = self._brackets = 0
        self._counted = False
        self._tokens = self._bytes = 0
        # Of the chunk being fed: its stream offset, where the unfinished segment's
        # text starts in it, and the segments completed.
        self._base = self._begun = 0
        self._out: list[Segment] = []

    @property
    def offset(self) -> int:
        """The stream offset just after the text fed so far."""
        return self._offset

    @property
    def tail(self) -> str:
        """The text after the last segment (so far): whitespace, and what QEMU skipped."""
        return "".join(self._pre)

    @property
    def pending(self) -> int | None:
        """The stream offset where the unfinished segment starts, if there is one."""
        return self._start if self._start >= 0 else None

    def feed(self, text: str) -> list[Segment]:
        """Add *text* to the stream; return the segments it completes."""
        size = len(text)
        base = self._base = self._offset
        self._begun, self._out = 0, []
        self._offset += size
        ascii = text.isascii()
        if self._start >= 0 and not self._counted and self._size + size > self._safe:
            self._count()
        i = 0
        while i < size:
            state = self._lex
            if state is State.RECOVERY:
                i = self._recover(text, i)
                continue
            if state is not State.START:
                i = self._lex_on(text, i)
                continue
            if self._start < 0:  # between inputs
                end = SPACE.match(text, i).end()  # type: ignore[union-attr]
                if end > i:
                    if self._blank + end - i > self._limits.size:
                        i = self._between(text, i)  # whitespace QEMU refuses as too long
                        continue
                    self._pre.append(text[i:end])
                    self._blank += end - i
                    i = end
                    if i >= size:
                        break
                counted = size - i > self._safe
                if text[i] in "{[" and not counted:
                    end = whole_value(text, i, self._safe, self._limits.nesting, ascii)
                    if end > 0:  # a whole JSON value: it ends where QEMU's input would
                        pre = "".join(self._pre) if self._pre else ""
                        self._out.append(Segment(base + i, text[i:end], True, pre))
                        self._pre, self._blank, self._skipped = [], 0, 0
                        i = end
                        continue
                self._start, self._begun, self._counted = base + i, i, counted
            elif not self._counted:  # inside braces or brackets
                i = RUN.match(text, i).end()  # type: ignore[union-attr]
                if i >= size:
                    break
            i = self._token_at(text, i)
        if self._start >= 0:
            self._keep(text[self._begun :])
        out, self._out = self._out, []
        return out

    def end(self) -> Segment | None:
        """End the stream; return an unfinished message, if there is one."""
        segment = self._emit("", False) if self._start >= 0 else None
        self._lex = State.START
        self._token = self._token_chars = self._blank = 0
        return segment

    # -- the streamer ------------------------------------------------------------

    def _token_at(self, text: str, i: int) -> int:
        """Take the token (or whitespace) at *i*, where the lexer is between tokens."""
        char = text[i]
        if char in "{}[]":
            return self._push(text, i + 1, char, 1)
        if char in " \t\r\n":  # inside an input whose tokens are counted
            end = SPACE.match(text, i).end()  # type: ignore[union-attr]
            budget = self._limits.size - self._blank
            if end - i > budget:  # whitespace is a token too, limited like any other
                return self._too_long(text, i + budget + 1)
            self._blank += end - i
            return end
        match = TOKEN.match(text, i)
        if match is not None:
            if not self._counted:
                return self._push(text, match.end(), "", 0)
            used = nbytes(match[0])
            if used <= self._limits.size:  # else QEMU cut it: lexed below, to find where
                return self._push(text, match.end(), "", used)
        self._token = self._token_chars = 0  # cut by the chunk's end, an error, or too long
        return self._lex_on(text, i)

    def _push(self, text: str, end: int, kind: str, size: int) -> int:
        """A token ending at *end* joins the input; cut it if that ends or refuses the input."""
        self._blank = 0
        if kind == "{":
            self._braces += 1
        elif kind == "}":
            self._braces -= 1
        elif kind == "[":
            self._brackets += 1
        elif kind == "]":
            self._brackets -= 1
        limits = self._limits
        refused = ""
        if self._counted:
            if self._bytes + size + 1 > limits.size:
                refused = SIZE
            elif self._tokens + 1 > limits.tokens:
                refused = TOKENS
            self._tokens += 1
            self._bytes += size
        braces, brackets = self._braces, self._brackets
        if not refused and braces + brackets > limits.nesting:
            refused = NESTING
        if refused or not ((braces > 0 or brackets > 0) and braces >= 0 and brackets >= 0):
            self._cut(text, end, refused)
        return end

    def _count(self) -> None:
        """Start counting the tokens of the unfinished input (its text so far is kept whole)."""
        self._counted = True
        prefix = "".join(self._parts)
        under_way = self._token_chars if self._lex is not State.START else 0
        done = len(prefix) - under_way
        if self._braces or self._brackets:
            self._tokens, self._bytes, blank = count_tokens(prefix[:done])
            self._blank = blank if not under_way else 0
        self._token = nbytes(prefix[done:])

    # -- the lexer ---------------------------------------------------------------

    def _between(self, text: str, i: int) -> int:
        """Whitespace between inputs at *i* is over QEMU's token limit: it refuses it there."""
        end = i + self._limits.size - self._blank + 1
        blanks = "".join(self._pre) + text[i:end]
        token = self._blank + end - i
        self._pre = [blanks[: len(blanks) - token]]
        self._start, self._begun = self._base + end - token, end
        self._keep(blanks[len(blanks) - token :])
        self._out.append(self._emit("", True, SIZE))
        return end

    def _lex_on(self, text: str, i: int) -> int:
        """Go on with the token under way (or begin one at *i*) as far as *text* goes."""
        string = self._lex in (State.STRING, State.ESCAPE) or (
            self._lex is State.START and text[i] in "\"'"
        )
        state, self._quote, end, step = lex(self._lex, self._quote, text, i)
        if self._counted:
            used = nbytes(text[i:end])
            budget = self._limits.size - self._token
            if used > budget:  # QEMU cuts a token at its first byte over the limit
                over = i + within(text[i:end], budget)
                closing = step is Step.ERROR or (step is Step.TOKEN and string)
                if over < end - 1 or not closing:
                    return self._too_long(text, over + 1)
            self._token += used
        self._token_chars += end - i
        if step is Step.MORE:
            self._lex = state
            return end
        size = self._token
        self._lex = state
        self._token = self._token_chars = 0
        if step is Step.TOKEN:
            return self._push(text, end, "", size)
        self._cut(text, end)  # an error token: QEMU answers the input now, and skips on
        return end

    def _too_long(self, text: str, end: int) -> int:
        """The token under way went over QEMU's size limit at *end*: QEMU refuses the input."""
        self._lex = State.START
        self._token = self._token_chars = 0
        self._cut(text, end, SIZE)
        return end

    def _recover(self, text: str, i: int) -> int:
        """Skip what QEMU skips after an error token, up to where it resumes."""
        found = RESUME.search(text, i)
        end = len(text) if found is None else found.start()
        skipped = text[i:end]
        if self._max is not None:  # (kept up to the size a segment's text is kept)
            skipped = skipped[: max(0, self._max - self._skipped)]
        self._skipped += end - i
        self._pre.append(skipped)
        if found is not None:
            self._lex = State.START
        return end

    # -- segments ----------------------------------------------------------------

    def _cut(self, text: str, end: int, refused: str = "") -> None:
        """The unfinished segment ends at *end* of *text*: emit it."""
        self._out.append(self._emit(text[self._begun : end], True, refused))
        self._begun = end

    def _keep(self, text: str) -> None:
        self._size += len(text)
        if self._overflow:
            return
        self._parts.append(text)
        if self._max is not None and self._size > self._max:
            self._parts = ["".join(self._parts)[:HEAD]]
            self._overflow = True

    def _emit(self, last: str, complete: bool, refused: str = "") -> Segment:
        size = self._size + len(last)
        pre = "".join(self._pre)
        if self._overflow or (self._max is not None and size > self._max):
            head = ("".join(self._parts) + last[:HEAD])[:HEAD]
            segment = Segment(self._start, head, complete, pre, size, refused)
        else:
            text = "".join(self._parts) + last if self._parts else last
            segment = Segment(self._start, text, complete, pre, -1, refused)
        self._parts, self._pre = [], []
        self._size, self._overflow, self._skipped = 0, False, 0
        self._start = -1
        self._braces = self._brackets = self._tokens = self._bytes = self._blank = 0
        self._counted = False
        return segment
