"""Read qmpcontract's own recording format (JSON Lines, one record per message).

The format is specified by ``recording.schema.json`` next to this module and
documented in ``docs/reference/recording-format.md``: a ``header`` record, then
``open``, ``message`` and ``close`` records, each on one line, flushed as they
are written.  A message record holds the exact text of the message (``raw``),
or its exact bytes in base64 when they are not UTF-8 (``raw_base64``).

The reader is streaming and lossless: a line that is not a valid record is
reported as a message with an error at that line (a last line cut short, as a
message cut short: truncated), and a recording that ends without closing its
sessions (the recorder crashed) marks them truncated.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Annotated, Any, BinaryIO, Literal

import jsonschema_rs
import msgspec
import orjson
from jsonschema import Draft202012Validator

from qmpcontract.location import Location
from qmpcontract.read.lines import bounded_lines
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
    decode,
)
from qmpcontract.read.splitter import HEAD, MAX_MESSAGE

FORMAT = "qmpcontract-recording"
# A record holds one message as JSON text; escaping can make it longer than the message.
MAX_RECORD = 2 * MAX_MESSAGE
_DIRECTIONS = {d.value: d for d in Direction}
_CUT = "line cut off (the recording ends inside it)"
_CLOSE_KINDS = {"truncated": BoundaryKind.TRUNCATED, "error": BoundaryKind.TRUNCATED}


@cache
def record_schema() -> dict[str, object]:
    """The JSON Schema of one recording record."""
    text = resources.files("qmpcontract.read").joinpath("recording.schema.json").read_text()
    value = json.loads(text)
    assert isinstance(value, dict)
    return value


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(record_schema())


@cache
def _fast() -> Callable[[object], bool]:
    check: Callable[[object], bool] = jsonschema_rs.validator_for(record_schema()).is_valid
    return check


def sniff(head: bytes) -> bool:
    """True if *head* starts like a recording (its header record)."""
    first = head.lstrip().split(b"\n", 1)[0]
    return first.startswith(b"{") and FORMAT.encode() in first and b'"header"' in first


class _Plain(msgspec.Struct, forbid_unknown_fields=True, tag_field="type", tag="message"):
    """A message record of the commonest form, decoded and validated in one C call.

    It accepts a subset of what the record schema accepts (``session`` must be a
    JSON integer, not ``1.0``); anything else is read the general way.
    """

    session: Annotated[int, msgspec.Meta(ge=0)]
    dir: Literal["client", "server"]
    t: float
    raw: str
    pre: str = ""
    complete: bool = True


class _Other(msgspec.Struct, tag_field="type", tag="\x00"):
    """Never a record: it makes ``type`` required for :class:`_Plain`."""


_decode_plain = msgspec.json.Decoder(_Plain | _Other).decode


def _record_error(record: object) -> str | None:
    try:
        if _fast()(record):
            return None
    except ValueError:  # not JSON (a key that is not a string): jsonschema says why
        pass
    errors = list(_validator().iter_errors(record))
    if not errors:
        return None
    if not isinstance(record, dict) or "type" not in record:
        return "not a recording record (no 'type')"
    if record.get("type") not in ("header", "open", "message", "close"):
        return f"unknown record type {record.get('type')!r}"
    return "malformed recording record"


def _parse(line: bytes) -> tuple[Any, str | None]:
    """A record line parsed and checked the general way: ``(record, None)`` or the reason."""
    try:
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            record = json.loads(line)  # integers beyond 64 bits, or the reason
        return record, _record_error(record)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        if not line.endswith(b"\n"):
            return None, _CUT
        return None, f"not a JSON record: {exc}"


def _message_text(record: dict[str, Any]) -> tuple[str, object, str | None]:
    """The text of a message record, and its parsed value or why there is none."""
    if "raw" in record:
        text: str = record["raw"]
        return (text, *decode(text))
    try:
        data = base64.b64decode(record["raw_base64"], validate=True)
    except (binascii.Error, ValueError):
        data = b""
    return data.decode("utf-8", "surrogateescape"), None, "not valid UTF-8 (QMP text must be UTF-8)"


def read_recording(source: BinaryIO, name: str) -> Iterator[TranscriptItem]:
    """Yield the messages and session boundaries of a recording.

    :raise qmpcontract.errors.InputError: never; every defect is reported as
        a message with an error at its line.
    """
    index = 0
    offset = 0
    open_sessions: dict[int, Location] = {}
    last_t: float | None = None
    number = 0
    for number, (line, length) in enumerate(bounded_lines(source, MAX_RECORD), start=1):
        start = offset
        offset += length
        if length > len(line):
            error: str | None = (
                f"record of {length} bytes, longer than the {MAX_RECORD >> 20} MiB a record "
                "of a message QEMU accepts can take; not read"
            )
            line = line[:HEAD]
        elif not line.strip():
            continue
        else:
            error = None
        plain: _Plain | _Other | None = None
        if error is None:
            try:
                plain = _decode_plain(line)
            except msgspec.DecodeError:  # any other record, or not one: the general way
                plain = None
        if isinstance(plain, _Plain):
            expect = None
            last_t = plain.t
            session, direction, text, complete = plain.session, plain.dir, plain.raw, plain.complete
            value, problem = decode(text)
        else:
            record: Any = None
            if error is None:
                record, error = _parse(line)
            if error is not None:
                # Not a usable record: still a message of the input, reported where it is.
                text = line.decode("utf-8", "surrogateescape").rstrip("\r\n")
                where = Location(name, number, 1, start, message_index=index)
                session = max(open_sessions, default=0)
                cut = error == _CUT  # the recorder stopped inside it: truncated, not invalid
                yield RawMessage(index, session, None, text, where, last_t, None, error, cut)
                index += 1
                continue
            kind = record["type"]
            t = record.get("t")
            last_t = float(t) if isinstance(t, int | float) else last_t
            if kind == "open":
                location = Location(name, number, 1, start)
                open_sessions[record["session"]] = location
                yield SessionBoundary(
                    BoundaryKind.OPEN, record["session"], location, last_t, record.get("peer")
                )
            elif kind == "close":
                open_sessions.pop(record["session"], None)
                boundary = _CLOSE_KINDS.get(record["reason"], BoundaryKind.CLOSE)
                where = Location(name, number, 1, start)
                note = record.get("note") or record["reason"]
                yield SessionBoundary(boundary, record["session"], where, last_t, note)
            if kind != "message":
                continue
            session, direction = record["session"], record["dir"]
            complete = record.get("complete") is not False
            expect = record.get("expect_error") if direction == "client" else None
            text, value, problem = _message_text(record)
        if not complete:
            value, problem = None, "message cut off (the connection ended inside it)"
        where = Location(name, number, 1, start, message_index=index)
        yield RawMessage(
            index, session, _DIRECTIONS[direction], text, where, last_t, value, problem,
            not complete, expect,
        )  # fmt: skip
        index += 1
    end = Location(name, max(number, 1), None, offset)
    for session in sorted(open_sessions):
        yield SessionBoundary(
            BoundaryKind.TRUNCATED,
            session,
            end,
            last_t,
            "the recording ends without closing the session",
        )


def _field_bytes(record: dict[str, object], key: str) -> bytes:
    if isinstance(text := record.get(key), str):
        return text.encode("utf-8", "surrogateescape")
    if isinstance(data := record.get(f"{key}_base64"), str):
        return base64.b64decode(data)
    return b""


def recording_streams(source: BinaryIO) -> dict[tuple[int, Direction], bytes]:
    """The bytes each direction of each session carried, rebuilt from a recording.

    Concatenates ``pre`` and ``raw`` of every message and the close record's
    tail: for a recording written by ``qmpcontract record`` this is exactly
    what crossed the connection.  Lines that are not valid records are skipped
    (``read_recording`` reports them).
    """
    streams: dict[tuple[int, Direction], bytearray] = {}
    for line in source:
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            continue
        if not isinstance(record, dict) or _record_error(record) is not None:
            continue
        if record["type"] == "message":
            key = (record["session"], Direction(record["dir"]))
            stream = streams.setdefault(key, bytearray())
            stream += _field_bytes(record, "pre") + _field_bytes(record, "raw")
        elif record["type"] == "close":
            for direction in Direction:
                tail = _field_bytes(record, f"{direction.value}_tail")
                if tail:
                    streams.setdefault((record["session"], direction), bytearray()).extend(tail)
    return {key: bytes(value) for key, value in streams.items()}
