"""What every transcript reader produces: raw messages and session boundaries.

A transcript is a stream of :class:`RawMessage` (one QMP message: its exact
text, where it is, which way it went, when) and :class:`SessionBoundary`
(a monitor connection opened, closed, or cut short).  Readers never drop
anything: a message that is not valid JSON is still a :class:`RawMessage`,
with ``error`` saying why, so the report accounts for every message read.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass

import msgspec
import orjson

from qmpcontract.location import Location


class Direction(enum.StrEnum):
    """Which way a message went."""

    CLIENT = "client"  # client to QEMU: requests
    SERVER = "server"  # QEMU to client: greeting, responses, events


class BoundaryKind(enum.StrEnum):
    """What happened to a monitor connection."""

    OPEN = "open"
    CLOSE = "close"
    TRUNCATED = "truncated"  # the recording ends in the middle of a message or session


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One message as read, parsed or not."""

    index: int  # 0-based position among all messages of the input
    session: int  # 0-based monitor connection
    direction: Direction | None  # None where the format does not say
    text: str  # the exact text of the message
    location: Location  # where its first character is
    timestamp: float | None = None  # seconds since the epoch, by the recorder's clock
    value: object = None  # the parsed JSON value, if it parsed
    error: str | None = None  # why it is not a JSON object, if it is not
    truncated: bool = False  # the recording ends inside this message
    # The client meant QEMU to refuse this request, and why (a fuzzer's broken request)
    expect_error: str | None = None

    @property
    def ok(self) -> bool:
        """True if the text is one JSON object."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class SessionBoundary:
    """A connection event in the transcript."""

    kind: BoundaryKind
    session: int
    location: Location
    timestamp: float | None = None
    note: str | None = None


TranscriptItem = RawMessage | SessionBoundary

_BIG_INT = re.compile(r"[0-9]{19,}")
# A number with an exponent right after a leading zero ('0e5', '-0E+1'): JSON, but not to
# QEMU, whose lexer ends a number at '0' unless a fraction follows (json-lexer.c): it reads
# '0', the word 'e', '5' and refuses the message ("JSON parse error, expected separator").
_ZERO_EXPONENT = re.compile(r"(?<![0-9.])0[eE]")
_decode = msgspec.json.Decoder().decode
_BAD = object()


def _deep_decode(text: str) -> object:
    """A message nested deeper than msgspec goes, else :data:`_BAD`.

    msgspec stops at Python's recursion limit (under 1,000 levels); orjson goes to
    1,024, like QEMU (and :mod:`json` keeps integers beyond 64 bits exact).
    """
    try:
        return json.loads(text) if _BIG_INT.search(text) else orjson.loads(text)
    except (orjson.JSONDecodeError, json.JSONDecodeError, RecursionError):
        return _BAD


def decode(text: str) -> tuple[object, str | None]:
    """Parse one message; return ``(value, None)`` or ``(None, reason)``.

    ``msgspec`` parses, keeping integers of any size exact (QEMU echoes an id
    back verbatim); it refuses what ``orjson`` refuses.  A message nested deeper
    than it goes is tried with ``orjson``, which QEMU's 1,024 levels fit.  What
    is not JSON gets :mod:`json`'s reason.

    >>> decode('{"execute": "quit", "id": 123456789012345678901234567890}')[0]["id"]
    123456789012345678901234567890
    >>> decode('[1]')
    (None, 'not a JSON object (a QMP message is an object)')
    >>> decode('{"a": }')[1]
    'not valid JSON: Expecting value at column 7'
    >>> print(decode('{"execute": "a", "execute": "b"}')[1])
    duplicate key 'execute' (QEMU refuses the message: "JSON parse error, duplicate key")
    """
    try:
        value = _decode(text)  # exact integers of any size, at orjson's speed
    except RecursionError:
        value = _deep_decode(text)
    except (msgspec.DecodeError, UnicodeEncodeError):  # not JSON (or not UTF-8)
        value = _BAD
    if value is _BAD:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            return None, f"not valid JSON: {exc.msg} at column {exc.colno}"
        except (RecursionError, ValueError) as exc:
            return None, f"not valid JSON: {exc}"
        return None, "not valid JSON"
    if not isinstance(value, dict):
        return None, "not a JSON object (a QMP message is an object)"
    if ("0e" in text or "0E" in text) and _zero_exponent(text):
        return None, (
            "not JSON to QEMU: a number like '0e5' (QEMU reads '0', the word 'e', then '5': "
            '"JSON parse error, expected separator")'
        )
    if text.count(":") > _member_colons(text, value):
        # More colons than the parsed value accounts for: a key was given twice (the
        # parsers above keep the last silently; QEMU refuses the message).
        duplicate = _duplicate_key(text)
        if duplicate is not None:
            return None, (
                f"duplicate key '{duplicate}' (QEMU refuses the message: "
                '"JSON parse error, duplicate key")'
            )
    return value, None


class _ZeroExponent(Exception):
    pass


def _no_zero_exponent(number: str) -> float:
    if number.lstrip("-")[:1] == "0" and number.lstrip("-")[1:2] in ("e", "E"):
        raise _ZeroExponent(number)
    return float(number)


def _zero_exponent(text: str) -> bool:
    """True if *text* (valid JSON) holds a number like ``0e5`` (not just a string that does)."""
    if _ZERO_EXPONENT.search(text) is None:
        return False
    try:
        json.loads(text, parse_float=_no_zero_exponent)
    except _ZeroExponent:
        return True
    except (ValueError, RecursionError):
        return False
    return False


def _member_colons(text: str, value: object) -> int:
    """The colons of *text* its parsed *value* accounts for.

    Re-serialised, the value has one colon per member plus those inside its
    strings; the text has as many unless a member was dropped (a duplicate
    key) or a colon is escaped (backslash u003a), where members are counted exactly.
    """
    if "\\u003" in text:  # JSON escapes are written with a lowercase u
        return _count_members(value)
    try:
        return orjson.dumps(value).count(b":")
    except TypeError:  # integers beyond 64 bits
        return _count_members(value)


def _count_members(value: object) -> int:
    count = 0
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            count += len(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


class _Duplicate(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return result


def _duplicate_key(text: str) -> str | None:
    """The first key given twice in one object of *text* (valid JSON), if any."""
    try:
        json.loads(text, object_pairs_hook=_no_duplicates)
    except _Duplicate as exc:
        return str(exc.args[0])
    except (ValueError, RecursionError):
        return None
    return None
