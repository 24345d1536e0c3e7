"""QEMU 7.2's JSON lexer and streamer, character by character: what the splitter is held to.

A plain transcription of ``qobject/json-lexer.c`` and ``qobject/json-streamer.c``
as measured against QEMU 7.2 (``tests/e2e/test_wire_qemu.py`` sends the same
inputs to a real QEMU and counts its replies).  It is slow and meant to be
obviously right; ``tests/test_splitter.py`` checks that
:class:`qmpcontract.read.splitter.Splitter` cuts every text exactly as this does,
however the text is chunked.

The lexer turns characters into tokens: ``{ } [ ] : ,``, strings (double or
single quotes; no control character, byte 0xFE or 0xFF inside, and none after a
backslash), lowercase words (``true``, ``null``, but also ``nul`` or ``e``),
numbers (``-?(0|[1-9][0-9]*)(.[0-9]+)?`` with an exponent only after ``1-9`` or
a fraction: ``0e5`` is ``0``, ``e``, ``5``); a word or number ends at the first
character that cannot continue it, so one at the very end of the input is never
finished.  Any other character is an error token, which takes the character that
caused it; the lexer then skips everything up to a structural character
(``{ } [ ] : ,``), a control character other than tab, or 0xFE/0xFF.

The streamer collects tokens into one input until the braces and the brackets
are balanced (counted separately), so a token at the top level (a string, a
number, a word, a stray ``]``) is one input on its own; an error token ends the
input it is in.  An input over a limit (1024 levels of nesting, 2 Mi tokens,
64 MiB of token bytes, or one token over 64 MiB) is refused at the token that
goes over, and what follows is read afresh.  QEMU answers every input with one
response; what is left unfinished at the end is never answered.

A :class:`Cut` is one such input as the splitter reports it, ending where QEMU
answers it (an error input at its error token).  What QEMU skips after an error
token is in no cut: QEMU answers it nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

WS = " \t\r\n"

# lexer states
START, SPACE, STRING, ESCAPE, WORD, MINUS, ZERO, DIGITS = range(8)
POINT, FRACTION, EXP, EXP_SIGN, EXP_DIGITS, RECOVERY = range(8, 14)
# what a step does besides moving to a state
TOKEN, TOKEN_BEFORE, ERROR, RESUME = range(100, 104)


@dataclass(frozen=True)
class Cut:
    """One input: ``text[start:end]``; *complete* False if the text ended inside it."""

    start: int
    end: int
    complete: bool = True
    refused: str = ""  # "nesting", "tokens" or "size": the limit QEMU refused it for


def _bad(c: str) -> bool:
    """A character no string may hold (a control character, or byte 0xFE/0xFF)."""
    return c < " " or c in "\udcfe\udcff"


def _nbytes(c: str) -> int:
    if "\udc80" <= c <= "\udcff":  # a byte that was not UTF-8 (surrogateescape)
        return 1
    return len(c.encode("utf-8", "surrogatepass"))


def _next(state: int, quote: str, c: str) -> tuple[int, str]:
    """The lexer's step on *c*: a new state, or TOKEN (taking *c*), TOKEN_BEFORE, ERROR
    (taking *c*) or RESUME (not taking it); and the quote of a string."""
    if state == START:
        if c in WS:
            return SPACE, quote
        if c in "{}[]:,":
            return TOKEN, quote
        if c in "\"'":
            return STRING, c
        if c == "0":
            return ZERO, quote
        if "1" <= c <= "9":
            return DIGITS, quote
        if c == "-":
            return MINUS, quote
        if "a" <= c <= "z":
            return WORD, quote
        return ERROR, quote
    if state == SPACE:
        return (SPACE if c in WS else RESUME), quote
    if state == STRING:
        if _bad(c):
            return ERROR, quote
        if c == quote:
            return TOKEN, quote
        return (ESCAPE if c == "\\" else STRING), quote
    if state == ESCAPE:
        return (ERROR if _bad(c) else STRING), quote
    if state == WORD:
        return (WORD if "a" <= c <= "z" else TOKEN_BEFORE), quote
    if state == RECOVERY:
        resume = c in "{}[]:," or (_bad(c) and c != "\t")
        return (RESUME if resume else RECOVERY), quote
    digit = "0" <= c <= "9"
    if state == MINUS:
        return (ZERO if c == "0" else DIGITS if digit else ERROR), quote
    if state == ZERO:
        return (ERROR if digit else POINT if c == "." else TOKEN_BEFORE), quote
    if state == DIGITS:
        if digit:
            return DIGITS, quote
        return (EXP if c in "eE" else POINT if c == "." else TOKEN_BEFORE), quote
    if state == POINT:
        return (FRACTION if digit else ERROR), quote
    if state == FRACTION:
        return (FRACTION if digit else EXP if c in "eE" else TOKEN_BEFORE), quote
    if state == EXP:
        return (EXP_SIGN if c in "+-" else EXP_DIGITS if digit else ERROR), quote
    if state == EXP_SIGN:
        return (EXP_DIGITS if digit else ERROR), quote
    assert state == EXP_DIGITS
    return (EXP_DIGITS if digit else TOKEN_BEFORE), quote


@dataclass
class _Model:
    text: str
    nesting: int
    tokens: int
    size: int

    def __post_init__(self) -> None:
        self.cuts: list[Cut] = []
        self.state, self.quote = START, '"'
        self.token_start, self.token_bytes = -1, 0  # the lexer's token under way
        self.braces = self.brackets = self.count = self.queued = 0  # the streamer's
        self.message = -1  # where the input being collected starts

    def run(self) -> list[Cut]:
        text = self.text
        for i, c in enumerate(text):
            taken = False
            while not taken:
                state, self.quote = _next(self.state, self.quote, c)
                taken = state != TOKEN_BEFORE and state != RESUME
                if taken:
                    if self.token_start < 0:
                        self.token_start = i
                    self.token_bytes += _nbytes(c)
                if state in (TOKEN, TOKEN_BEFORE):
                    kind = c if state == TOKEN and c in "{}[]" else ""
                    self.token(kind, i + 1 if taken else i)
                    self.state = START
                elif state == ERROR:
                    self.error(i + 1)
                elif state == RESUME:
                    self.state = START
                    self.token_start, self.token_bytes = -1, 0
                else:
                    self.state = state
                    if state == RECOVERY:
                        self.token_start, self.token_bytes = -1, 0
            if self.token_bytes > self.size:  # one token over the limit
                self.refuse(i + 1, "size")
                self.state = START
        return self.finish()

    def token(self, kind: str, end: int) -> None:
        start, nbytes = self.token_start, self.token_bytes
        self.token_start, self.token_bytes = -1, 0
        if self.message < 0:
            self.message = start
        if kind:
            delta = 1 if kind in "{[" else -1
            if kind in "{}":
                self.braces += delta
            else:
                self.brackets += delta
        if self.queued + nbytes + 1 > self.size:
            return self.refuse(end, "size")
        if self.count + 1 > self.tokens:
            return self.refuse(end, "tokens")
        if self.braces + self.brackets > self.nesting:
            return self.refuse(end, "nesting")
        self.count += 1
        self.queued += nbytes
        if (self.braces > 0 or self.brackets > 0) and self.braces >= 0 and self.brackets >= 0:
            return None
        return self.cut(end)

    def cut(self, end: int, complete: bool = True, refused: str = "") -> None:
        self.cuts.append(Cut(self.message, end, complete, refused))
        self.message = -1
        self.braces = self.brackets = self.count = self.queued = 0

    def refuse(self, end: int, limit: str) -> None:
        if self.message < 0:
            self.message = self.token_start
        self.token_start, self.token_bytes = -1, 0
        self.cut(end, True, limit)

    def error(self, end: int) -> None:
        """An error token ending at *end*: QEMU answers its input now, then skips on."""
        if self.message < 0:
            self.message = self.token_start
        self.token_start, self.token_bytes = -1, 0
        self.cut(end)
        self.state = RECOVERY

    def finish(self) -> list[Cut]:
        if self.message >= 0:
            self.cut(len(self.text), False)
        elif self.state not in (START, SPACE, RECOVERY):
            self.message = self.token_start
            self.cut(len(self.text), False)
        return self.cuts


def qemu_cuts(
    text: str, nesting: int = 1024, tokens: int = 2 << 20, size: int = 64 << 20
) -> list[Cut]:
    """The inputs QEMU's streamer makes of *text* (the last one unfinished if it is)."""
    return _Model(text, nesting, tokens, size).run()
