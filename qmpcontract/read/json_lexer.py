r"""The tokens of QEMU's JSON lexer (``qobject/json-lexer.c``), for the splitter.

QEMU reads its monitor input as tokens, measured against QEMU 7.2:

- ``{ } [ ] : ,``;
- strings in double or single quotes, which may hold any character but a
  control character (tab included) or the bytes 0xFE and 0xFF, also after a
  backslash (which escapes are valid is the parser's business, not the lexer's);
- words: runs of ``a``-``z`` (``true`` and ``null``, but also ``nul`` or ``e``);
- numbers: ``-?(0|[1-9][0-9]*)(\.[0-9]+)?`` with an exponent ``[eE][-+]?[0-9]+``
  only after ``1``-``9`` or a fraction (``0e5`` is ``0``, ``e``, ``5``);
- whitespace (space, tab, CR, LF), which is dropped.

A word or a number ends at the first character that cannot continue it: one at
the very end of the input is never finished.  Any other character is an error
token, which takes the character that made it one (``-a``, ``01``, ``"a<LF>``);
the lexer then skips everything up to a structural character, a control
character other than tab, or 0xFE/0xFF, and resumes there.

The splitter matches whole tokens with the regular expressions here and steps
:func:`lex` character by character only where a token is cut by the end of a
chunk, is an error, or is long enough to meet QEMU's 64 MiB token limit.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True, slots=True)
class Limits:
    """What QEMU accepts of one input (``qobject/json-streamer.c``); over them, it is refused."""

    nesting: int = 1024  # MAX_NESTING: braces and brackets open at once
    tokens: int = 2 << 20  # MAX_TOKEN_COUNT: tokens of one input
    size: int = 64 << 20  # MAX_TOKEN_SIZE: bytes of one token, and of one input's tokens


QEMU_LIMITS = Limits()

_BAD = "\x00-\x1f\udcfe\udcff"  # what a string may not hold (surrogateescape'd 0xFE, 0xFF)
_DQ = rf'"(?:[^"\\{_BAD}]++|\\[^{_BAD}])*+"'
_SQ = rf"'(?:[^'\\{_BAD}]++|\\[^{_BAD}])*+'"
# A word or a number, only where the character after it shows that it has ended.
_WORD = r"[a-z]++(?=[^a-z])"
_NUMBER = (
    r"-?(?:0(?=[^0-9.])|0\.[0-9]++(?=[^0-9eE])|0\.[0-9]++[eE][-+]?[0-9]++(?=[^0-9])"
    r"|[1-9][0-9]*+(?=[^0-9.eE])|[1-9][0-9]*+\.[0-9]++(?=[^0-9eE])"
    r"|[1-9][0-9]*+(?:\.[0-9]++)?[eE][-+]?[0-9]++(?=[^0-9]))"
)
# One whole token other than a bracket or whitespace.
TOKEN = re.compile(f"{_DQ}|{_SQ}|{_WORD}|{_NUMBER}|[:,]")
# Whole tokens other than brackets, and whitespace: what changes nothing but the counts.
RUN = re.compile(f"(?:[ \t\r\n]++|{_DQ}|{_SQ}|{_WORD}|{_NUMBER}|[:,])*+")
SPACE = re.compile(r"[ \t\r\n]*+")
# Where the lexer resumes after an error token.
RESUME = re.compile(r"[{}\[\]:,\x00-\x08\x0a-\x1f\udcfe\udcff]")
# Tokens known to be whole (each followed by the next, or ending a text that ends a token).
_WHOLE = re.compile(
    rf"[ \t\r\n]++|{_DQ}|{_SQ}|[a-z]++|[{{}}\[\]:,]"
    r"|-?(?:0(?:\.[0-9]++(?:[eE][-+]?[0-9]++)?)?|[1-9][0-9]*+(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?)"
)


class State(enum.IntEnum):
    """Where the lexer is: between tokens, inside one, or skipping after an error."""

    START = 0
    STRING = 1
    ESCAPE = 2
    WORD = 3
    MINUS = 4
    ZERO = 5
    DIGITS = 6
    POINT = 7
    FRACTION = 8
    EXP = 9
    EXP_SIGN = 10
    EXP_DIGITS = 11
    RECOVERY = 12


class Step(enum.Enum):
    """How :func:`lex` stopped."""

    MORE = "more"  # the text ended inside the token
    TOKEN = "token"  # the token ended just before the index returned
    ERROR = "error"  # an error token ended just before the index returned


_STOPS = {'"': re.compile(rf'["\\{_BAD}]'), "'": re.compile(rf"['\\{_BAD}]")}
_LETTERS = re.compile(r"[a-z]*+")
_DIGIT_RUN = re.compile(r"[0-9]*+")


def _bad(char: str) -> bool:
    return char < " " or char in "\udcfe\udcff"


def _number(state: State, char: str) -> State | Step:
    """The number lexer's step on *char*: a state, TOKEN (ended before it) or ERROR (taking it)."""
    digit = "0" <= char <= "9"
    if state is State.MINUS:
        return State.ZERO if char == "0" else State.DIGITS if digit else Step.ERROR
    if state is State.ZERO:
        return Step.ERROR if digit else State.POINT if char == "." else Step.TOKEN
    if state is State.DIGITS or state is State.FRACTION:
        if digit:
            return state
        if char in "eE":
            return State.EXP
        return State.POINT if char == "." and state is State.DIGITS else Step.TOKEN
    if state is State.POINT:
        return State.FRACTION if digit else Step.ERROR
    if state is State.EXP:
        return State.EXP_SIGN if char in "+-" else State.EXP_DIGITS if digit else Step.ERROR
    if state is State.EXP_SIGN:
        return State.EXP_DIGITS if digit else Step.ERROR
    return state if digit else Step.TOKEN  # EXP_DIGITS


_FIRST = {'"': State.STRING, "'": State.STRING, "0": State.ZERO, "-": State.MINUS}


def lex(state: State, quote: str, text: str, i: int) -> tuple[State, str, int, Step]:
    """Go on with the token under way (or, from START, begin one at ``text[i]``).

    Returns the state and quote to go on with, the index reached, and how it
    stopped: MORE at the end of *text* (the token goes on in the next chunk),
    TOKEN (the token ends just before the index) or ERROR (an error token ends
    just before it).  START is only given for a character that begins a string,
    a word, a number or an error, never for a bracket, ``:``, ``,`` or whitespace.

    >>> lex(State.START, "", "tru", 0)
    (<State.WORD: 3>, '', 3, <Step.MORE: 'more'>)
    >>> lex(State.WORD, "", "e,", 0)[2:]
    (1, <Step.TOKEN: 'token'>)
    >>> lex(State.START, "", "-a", 0)[2:]
    (2, <Step.ERROR: 'error'>)
    """
    size = len(text)
    if state is State.START:
        char = text[i]
        if char in _FIRST:
            state, quote = _FIRST[char], char if char in "\"'" else quote
        elif "1" <= char <= "9":
            state = State.DIGITS
        elif "a" <= char <= "z":
            state = State.WORD
        else:
            return State.RECOVERY, quote, i + 1, Step.ERROR
        i += 1
    if state is State.WORD:
        i = _LETTERS.match(text, i).end()  # type: ignore[union-attr]
        if i == size:
            return state, quote, i, Step.MORE
        return State.START, quote, i, Step.TOKEN
    if state is State.STRING or state is State.ESCAPE:
        stops = _STOPS[quote]
        while i < size:
            if state is State.ESCAPE:
                if _bad(text[i]):
                    return State.RECOVERY, quote, i + 1, Step.ERROR
                state, i = State.STRING, i + 1
                continue
            found = stops.search(text, i)
            if found is None:
                return state, quote, size, Step.MORE
            i = found.end()
            char = found[0]
            if char == quote:
                return State.START, quote, i, Step.TOKEN
            if char != "\\":
                return State.RECOVERY, quote, i, Step.ERROR
            state = State.ESCAPE
        return state, quote, i, Step.MORE
    while i < size:
        if state is State.DIGITS or state is State.FRACTION or state is State.EXP_DIGITS:
            i = _DIGIT_RUN.match(text, i).end()  # type: ignore[union-attr]
            if i == size:
                break
        step = _number(state, text[i])
        if isinstance(step, State):
            state, i = step, i + 1
        elif step is Step.TOKEN:
            return State.START, quote, i, step
        else:
            return State.RECOVERY, quote, i + 1, step
    return state, quote, i, Step.MORE


def nbytes(text: str) -> int:
    """The length of *text* in bytes as QEMU got them (UTF-8; surrogateescape'd bytes as one)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogateescape"))


def within(text: str, budget: int) -> int:
    """How many characters of *text* fit in *budget* bytes."""
    if text.isascii():
        return min(len(text), budget)
    used = 0
    for count, char in enumerate(text):
        used += nbytes(char)
        if used > budget:
            return count
    return len(text)


def count_tokens(text: str) -> tuple[int, int, int]:
    """Of *text*, whole tokens from a start of input: (tokens, their bytes, trailing blanks).

    Whitespace is not a token; the trailing blanks are the length of the
    whitespace at the end (a whitespace token under way).
    """
    tokens = size = blanks = 0
    for match in _WHOLE.finditer(text):
        token = match[0]
        if token[0] in " \t\r\n":
            blanks = len(token)
            continue
        tokens += 1
        size += nbytes(token)
        blanks = 0
    return tokens, size, blanks


def _refuse_constant(name: str) -> object:
    raise ValueError(name)  # NaN and Infinity are not JSON, nor tokens to QEMU


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
# Of valid JSON text, only the brackets and quotes (other characters are dropped).
_BRACKETS = {c: None for c in range(128) if chr(c) not in '{}[]"'}
_DEPTH = {"{": 1, "[": 1, "}": -1, "]": -1}


def whole_value(text: str, i: int, longest: int, nesting: int, ascii: bool) -> int:
    """The end of the valid JSON value at *i*, if QEMU takes it whole as one input; else -1.

    Valid JSON is made of whole tokens that QEMU lexes as Python's parser does, and
    its brackets balance where it ends; only a value longer than *longest*
    characters (which may meet a limit on tokens), one nested deeper than *nesting*,
    or one holding bytes 0xFE or 0xFF (error tokens to QEMU) is left to the lexer.
    *ascii* says that *text* is ASCII (so it holds neither).
    """
    try:
        end: int = _DECODER.raw_decode(text, i)[1]
    except (ValueError, RecursionError):
        return -1
    if end - i > longest or (end - i > 2 * nesting and _deeper(text, i, end, nesting)):
        return -1
    if not ascii and (text.find("\udcfe", i, end) >= 0 or text.find("\udcff", i, end) >= 0):
        return -1
    return end


def _deeper(text: str, start: int, end: int, nesting: int) -> bool:
    """True if the valid JSON value ``text[start:end]`` nests deeper than *nesting*."""
    if text.count("{", start, end) + text.count("[", start, end) <= nesting:
        return False
    # Without escaped backslashes and quotes, every other quote opens a string.
    value = text[start:end].replace("\\\\", "").replace('\\"', "")
    outside = "".join(value.translate(_BRACKETS).split('"')[::2])
    return max(accumulate(map(_DEPTH.__getitem__, outside)), default=0) > nesting
