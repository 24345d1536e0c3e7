"""The located JSON parser: same values as json.loads, exact positions, located errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qmpcontract.errors import InputReadError, JsonSyntaxError
from qmpcontract.read.located_json import parse_located, read_text

from .conftest import CONTRACTS

VALID = [
    "{}",
    "[]",
    '"a\\u00e9\\n\\"x\\""',
    "-0.5e+3",
    "123456789012345678901234567890",
    '{"a": [true, false, null, 1, 2.5, {"b": {}}], "c": ""}',
    " \n\t[ [ [ ] ] , { } ] \r\n",
    '{"\\ud83d\\ude00": "emoji", "~/": 1}',
]


@pytest.mark.parametrize("text", VALID)
def test_values_equal_json_loads(text: str) -> None:
    assert parse_located(text, "t.json").value == json.loads(text)


def test_every_shipped_contract_parses_like_json_loads() -> None:
    files = sorted(CONTRACTS.glob("*/*.json"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert parse_located(text, str(path)).value == json.loads(text)


def test_positions_of_members_and_values() -> None:
    text = '{\n  "a": {\n    "b/c": [10,\n      "x"]\n  }\n}'
    doc = parse_located(text, "t.json")
    first_key = doc.source.key_position("/a")
    assert first_key is not None and first_key.line == 2
    second_key = doc.source.key_position("/a/b~1c")
    assert second_key is not None and second_key.line == 3
    second = doc.source.value_position("/a/b~1c/1")
    assert second is not None and (second.line, second.column) == (4, 7)
    assert text[second.offset] == '"'
    location = doc.source.locate("/a/b~1c/1/missing")
    assert (location.line, location.column) == (4, 7), "falls back to the nearest ancestor"


def test_duplicates_are_reported_not_fatal() -> None:
    doc = parse_located('{"a": 1,\n "a": 2}', "t.json")
    assert doc.value == {"a": 2}
    (dup,) = doc.duplicates
    assert dup.pointer == "/a"
    assert (dup.first.line, dup.position.line) == (1, 2)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('{"a": 1,}', 1, 9, "expected a member name in double quotes, found '}' (trailing comma?)"),
        ("[1,\n]", 2, 1, "trailing comma before ']'"),
        ('{"a" 1}', 1, 6, "expected ':' after member name, found '1'"),
        ('{"a": tru}', 1, 7, "expected a JSON value, found 't'"),
        ("[1] [2]", 1, 5, "unexpected '[' after the JSON document"),
        ("", 1, 1, "expected a JSON value, found end of input"),
        ("[1, 2", 1, 6, "expected ',' or ']', found end of input"),
        ('"\\x"', 1, 2, "invalid escape sequence in string"),
        ('"abc', 1, 1, "unterminated string"),
        ("NaN", 1, 1, "expected a JSON value, found 'N'"),
        ("1e999", 1, 1, "number out of range: 1e999"),
        ("{'a': 1}", 1, 2, 'expected a member name in double quotes, found "\'"'),
    ],
)
def test_syntax_errors_are_located(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(JsonSyntaxError) as info:
        parse_located(text, "t.json")
    assert (info.value.location.line, info.value.location.column) == (line, column)
    assert info.value.message == message
    assert str(info.value) == f"t.json:{line}:{column}: {message}"


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    depth = 200_000
    doc = parse_located("[" * depth + "]" * depth, "deep.json")
    node = doc.value
    for _ in range(10):
        assert isinstance(node, list)
        node = node[0] if node else None


def test_read_text_locates_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{\n  "a": "\xff"\n}')
    with pytest.raises(InputReadError) as info:
        read_text(path)
    assert (info.value.location.line, info.value.location.column) == (2, 9)


def test_read_text_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputReadError, match="cannot read file"):
        read_text(tmp_path / "nope.json")


def test_parse_quickly_is_parse_located_with_a_lazy_source_map() -> None:
    from qmpcontract.read.located_json import parse_quickly

    for path in sorted((Path(__file__).parent.parent / "contracts").glob("*/*.json")):
        text = path.read_text(encoding="utf-8")
        quick, strict = parse_quickly(text, path.name), parse_located(text, path.name)
        assert quick.value == strict.value and quick.duplicates == ()
        for pointer in ("/rules/0/id", "/version", "/contract"):
            assert quick.source.locate(pointer) == strict.source.locate(pointer)
    # what the C decoder would read otherwise goes through the strict parser
    assert parse_quickly('{"a": 1, "a": 2}', "d.json").duplicates
    for text in ("[NaN]", "[1e400]"):
        with pytest.raises(JsonSyntaxError):
            parse_quickly(text, "bad.json")
    deep = "[" * 100_000 + "]" * 100_000  # too deep for the C decoder, not for ours
    assert isinstance(parse_quickly(deep, "deep.json").value, list)
