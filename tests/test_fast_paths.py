"""The shortcuts taken for speed decide exactly what the slow, obvious code decides."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qmpcontract.model.transcript import id_key
from qmpcontract.read import replies
from qmpcontract.read.messages import RawMessage, decode
from qmpcontract.read.recording import _decode_plain, _Plain, _validator

KEYS = ["type", "session", "dir", "t", "raw", "complete", "pre", "raw_base64", "note", "x"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2**70),
    st.floats(allow_nan=False),
    st.sampled_from(["message", "client", "server", "open", "", "{}"]),
    st.text(max_size=5),
)


def _shortcut(record: dict[str, Any]) -> _Plain | None:
    """The record as the one-call decoder reads it, or None if it leaves it to the schema."""
    try:
        decoded = _decode_plain(json.dumps(record).encode())
    except msgspec.DecodeError:
        return None
    return decoded if isinstance(decoded, _Plain) else None


@given(st.dictionaries(st.sampled_from(KEYS), SCALARS, max_size=8))
def test_a_plain_message_record_is_a_valid_record(record: dict[str, Any]) -> None:
    record.setdefault("type", "message")
    if _shortcut(record) is not None:
        assert _validator().is_valid(record)


PLAIN = {"type": "message", "session": 3, "dir": "server", "t": 1.5, "raw": "{}", "pre": ""}


@given(
    st.dictionaries(st.sampled_from(KEYS), SCALARS, max_size=3),
    st.sets(st.sampled_from(sorted(PLAIN))),
)
def test_a_record_decoded_in_one_call_is_a_plain_one_with_the_same_values(
    changes: dict[str, Any], dropped: set[str]
) -> None:
    record = {k: v for k, v in {**PLAIN, **changes}.items() if k not in dropped}
    decoded = _shortcut(record)
    if decoded is None:
        return
    assert _validator().is_valid(record)
    assert decoded.session == record["session"] and decoded.dir == record["dir"]
    assert decoded.t == record["t"] and decoded.raw == record["raw"]
    assert decoded.pre == record.get("pre", "") and decoded.complete == record.get("complete", True)


def test_the_plain_record_shortcut_is_taken() -> None:
    record = {"type": "message", "session": 0, "dir": "client", "t": 1.5, "raw": "{}"}
    assert _shortcut(record) is not None
    for odd in ({"session": 1.0}, {"type": "open"}, {"x": 1}, {"t": True}, {"session": -1}):
        with pytest.raises(msgspec.DecodeError):  # a boolean is not a number, and so on
            _decode_plain(json.dumps({**record, **odd}).encode())
    with pytest.raises(msgspec.DecodeError):  # 'type' is required
        _decode_plain(json.dumps({k: v for k, v in record.items() if k != "type"}).encode())


def _has_duplicate(text: str) -> bool:
    def hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise KeyError("duplicate")
        return dict(pairs)

    try:
        json.loads(text, object_pairs_hook=hook)
    except KeyError:
        return True
    return False


KEY_TEXT = st.sampled_from(["a", "b", "a:b", "x\\u003ay", "\\u0061", ":", "id"])
VALUE_TEXT = st.sampled_from(
    ["1", '"s:t"', '":"', '"\\u003a"', "[1, 2]", "{}", "12345678901234567890123"]
)


@st.composite
def objects(draw: st.DrawFn, depth: int = 0) -> str:
    members = draw(st.lists(st.tuples(KEY_TEXT, VALUE_TEXT), max_size=4))
    parts = [f'"{key}": {value}' for key, value in members]
    if depth < 2 and draw(st.booleans()):
        parts.append(f'"{draw(KEY_TEXT)}": {draw(objects(depth + 1))}')
    return "{" + ", ".join(parts) + "}"


@given(objects())
def test_duplicate_keys_are_found_exactly(text: str) -> None:
    value, error = decode(text)
    if _has_duplicate(text):
        assert value is None and error is not None and error.startswith("duplicate key")
    else:
        assert error is None, error
        assert value == json.loads(text)


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=False), st.none()))
def test_id_keys_are_canonical_json(value: object) -> None:
    assert id_key(value) == json.dumps(value, sort_keys=True, separators=(",", ":"))


def _expected_locations(data: bytes) -> list[tuple[int, int, int]]:
    """(line, column, byte offset) of every top-level value, the obvious way."""
    found = []
    line, column, depth, quote, escape = 1, 1, 0, False, False
    for offset, char in enumerate(data.decode("utf-8")):
        if depth == 0 and char in "{[" and not quote:
            found.append((line, column, len(data.decode("utf-8")[:offset].encode("utf-8"))))
        if quote:
            quote = escape or char != '"'
            escape = not escape and char == "\\"
        elif char == '"':
            quote = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        line, column = (line + 1, 1) if char == "\n" else (line, column + 1)
    return found


@pytest.mark.parametrize("block", [1, 3, 7, 64, 1 << 16])
def test_replies_locations_do_not_depend_on_blocks(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (
        '{\n  "execute": "qmp_capabilities",\n  "id": "libvirt-1"\n}\n\n'
        '{\n  "return": {\n  },\n  "id": "libvirt-1"\n}\n\n'
        '{\n  "execute": "qom-get", "arguments": {"path": "/é/ünï\\"{"}, "id": "libvirt-2"\n}\n'
        '\n{"return": "€ 😀 {[", "id": "libvirt-2"}   {"return": {}}\n'
    ).encode()
    monkeypatch.setattr(replies, "BLOCK", block)
    got = [
        (m.location.line, m.location.column, m.location.offset)
        for m in replies.read_replies(io.BytesIO(data), "t.replies")
        if isinstance(m, RawMessage)
    ]
    assert got == _expected_locations(data)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=5))
def test_messages_decode_exactly(value: dict[str, object]) -> None:
    decoded, error = decode(json.dumps(value))
    assert error is None
    assert json.dumps(decoded, sort_keys=True) == json.dumps(value, sort_keys=True)  # types too


def _zero_exponent(number: str) -> float:
    assert not re.match(r"-?0[eE]", number), number
    return float(number)


@given(st.text(alphabet='{}[]":,0123456789.eE+- \\nultrfase', max_size=24))
def test_what_is_a_message_is_decided_like_orjson(text: str) -> None:
    value, error = decode(text)
    try:
        expected = orjson.loads(text)
    except orjson.JSONDecodeError:
        assert value is None and error is not None and error.startswith("not valid JSON")
        return
    try:
        json.loads(text, parse_float=_zero_exponent)
    except AssertionError:  # JSON, but not to QEMU (below)
        assert error is not None and error.startswith("not JSON to QEMU")
        return
    assert (error is None) == isinstance(expected, dict)


def test_a_number_qemu_does_not_read_as_one_makes_the_message_invalid() -> None:
    # QEMU 7.2 answers '{"execute":"query-name","id":0e5}' with "JSON parse error,
    # expected separator in dict" (no id): its lexer reads 0, e, 5.  '0.0e1' is a number.
    value, error = decode('{"execute": "query-name", "id": 0e5}')
    assert value is None and error is not None and "'0e5'" in error
    assert decode('{"execute": "query-name", "id": 0.0e1}')[0] == {
        "execute": "query-name",
        "id": 0.0,
    }
    assert decode('{"execute": "query-name", "id": "0e5"}')[1] is None  # only a string


def test_nesting_is_decided_like_qemu() -> None:
    assert decode('{"a": ' + "[" * 1000 + "]" * 1000 + "}")[1] is None
    deep = '{"a": ' + "[" * 1100 + "]" * 1100 + "}"
    assert decode(deep)[1] is not None
