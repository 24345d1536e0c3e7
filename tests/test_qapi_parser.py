"""The QAPI schema reader: tokens, JSON values, includes, pragmas, doc comments, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from qmpcontract.errors import InputError, InputReadError
from qmpcontract.location import Location
from qmpcontract.read.qapi import Dialect, Pragma, detect_dialect, detect_tree_dialect, parse_qapi
from qmpcontract.read.qapi_source import QapiError, QapiReadError, QapiSyntaxError, SourceInfo


def _write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory / next(iter(files))


def _error(tmp_path: Path, files: dict[str, str]) -> str:
    root = _write(tmp_path, files)
    with pytest.raises(QapiError) as caught:
        parse_qapi(root)
    return str(caught.value).replace(f"{tmp_path}/", "")


def test_expressions_values_and_places(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "s.json": "# a comment\n"
            "{ 'struct': 'A',   # after code\n"
            "  'data': { 'b': ['str'], 'c': { 'type': 'int', 'if': 'CONFIG_C' } } }\n"
            "\n"
            "  { 'command': 'x', 'allow-oob': true, 'gen': false }\n"
            "{ 'enum': 'E', 'data': [ 'a\\\\b' ] }\n"
        },
    )
    source = parse_qapi(root)
    assert [(e.value, e.info.line) for e in source.expressions] == [
        (
            {"struct": "A", "data": {"b": ["str"], "c": {"type": "int", "if": "CONFIG_C"}}},
            2,
        ),
        ({"command": "x", "allow-oob": True, "gen": False}, 5),
        ({"enum": "E", "data": ["a\\b"]}, 6),
    ]
    assert source.expressions[0].info == SourceInfo(str(root), 2)
    assert source.dialect is Dialect.CURRENT
    assert source.files == (str(root),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{ 'a': 'b' ", "s.json:1:12: expected ',' or '}'"),
        ("{ 'a' 'b' }", "s.json:1:7: expected ':'"),
        ("{ 'a': 1 }", "s.json:1:8: stray '1'"),
        ("{ 'a': null }", "s.json:1:8: stray 'null'"),
        ('{ "a": 1 }', "s.json:1:3: stray '\"a\"'"),
        ("{ 'a': 'b\\n' }", "s.json:1:8: unknown escape \\n"),
        ("{ 'a': 'caf\u00e9' }", "s.json:1:8: funny character in string"),
        ("{ 'a': 'b }", 's.json:1:8: missing terminating "\'"'),
        ("{ 'a': [ 'b', ] }", "s.json:1:15: expected '{', '[', string, or boolean"),
        ("{ 'a': 'b', 'a': 'c' }", "s.json:1:18: duplicate key 'a'"),
        ("\t{ 'a' }", "s.json:1:15: expected ':'"),  # a tab counts up to column 9
        ("[ 'a' ]", "s.json:1: top-level expression must be an object"),
        ("{ 'include': 'x.json', 'y': true }", "s.json:1: invalid 'include' directive"),
        (
            "{ 'pragma': { 'doc-required': 'yes' } }",
            "s.json:1: pragma 'doc-required' must be boolean",
        ),
    ],
)
def test_syntax_errors_are_located_like_qemu(tmp_path: Path, text: str, message: str) -> None:
    assert _error(tmp_path, {"s.json": text + "\n"}) == message


def test_syntax_errors_are_input_errors_with_a_location(tmp_path: Path) -> None:
    root = _write(tmp_path, {"s.json": "\n{ 'a' 'b' }\n"})
    with pytest.raises(QapiSyntaxError) as caught:
        parse_qapi(root)
    assert isinstance(caught.value, InputError)
    assert caught.value.location == Location(str(root), 2, 7)
    assert caught.value.message == "expected ':'"


def test_includes_are_relative_and_read_once(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "main.json": "{ 'include': 'sub/a.json' }\n{ 'include': 'sub/a.json' }\n",
            "sub/a.json": "{ 'include': 'b.json' }\n{ 'enum': 'A', 'data': [] }\n",
            "sub/b.json": "\n{ 'enum': 'B', 'data': [] }\n",
        },
    )
    source = parse_qapi(root)
    definitions = [e for e in source.expressions if "enum" in e.value]
    assert [e.value["enum"] for e in definitions] == ["B", "A"]
    b_info = definitions[0].info
    assert (Path(b_info.file).name, b_info.line) == ("b.json", 2)
    assert b_info.parent is not None
    assert (Path(b_info.parent.file).name, b_info.parent.line) == ("a.json", 1)
    assert len(source.files) == 3
    includes = [e.value["include"] for e in source.expressions if "include" in e.value]
    assert [Path(str(i)).name for i in includes] == ["a.json", "b.json", "a.json"]


def test_inclusion_loop_and_missing_include(tmp_path: Path) -> None:
    loop = {"a.json": "{ 'include': 'b.json' }\n", "b.json": "\n{ 'include': 'a.json' }\n"}
    assert _error(tmp_path, loop) == (
        "In file included from a.json:1:\nb.json:2: inclusion loop for a.json"
    )
    missing = {"c.json": "{ 'include': 'nope.json' }\n"}
    assert _error(tmp_path, missing) == (
        "c.json:1: can't read include file 'nope.json': No such file or directory"
    )


def test_error_in_an_included_file(tmp_path: Path) -> None:
    files = {"a.json": "\n\n{ 'include': 'b.json' }\n", "b.json": "{ 'enum' 'E' }\n"}
    assert _error(tmp_path, files) == "In file included from a.json:3:\nb.json:1:10: expected ':'"


def test_missing_root_file(tmp_path: Path) -> None:
    with pytest.raises(QapiReadError) as caught:
        parse_qapi(tmp_path / "none.json")
    assert isinstance(caught.value, InputReadError)
    assert str(caught.value) == (
        f"can't read schema file '{tmp_path}/none.json': No such file or directory"
    )


def test_pragmas(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "s.json": "{ 'pragma': { 'doc-required': true,\n"
            "              'member-name-exceptions': [ 'A' ] } }\n"
            "{ 'pragma': { 'member-name-exceptions': [ 'B' ],\n"
            "              'command-returns-exceptions': [ 'c' ] } }\n"
        },
    )
    assert parse_qapi(root).pragma == Pragma(
        doc_required=True,
        member_name_exceptions=("A", "B"),
        command_returns_exceptions=("c",),
    )


def test_old_pragma_names_only_in_old_schemas(tmp_path: Path) -> None:
    text = "{ 'pragma': { 'returns-whitelist': [ 'a' ], 'name-case-whitelist': [ 'B' ] } }\n"
    root = _write(tmp_path, {"s.json": text})
    source = parse_qapi(root)
    assert source.dialect is Dialect.QEMU_2
    assert source.pragma.command_returns_exceptions == ("a",)
    assert source.pragma.member_name_exceptions == ("B",)
    with pytest.raises(QapiError, match="unknown pragma 'returns-whitelist'"):
        parse_qapi(root, Dialect.CURRENT)


def test_dialect_detection() -> None:
    assert detect_dialect("{ 'type': 'A', 'data': {} }") is Dialect.QEMU_1
    assert detect_dialect("{ 'pragma': { 'name-case-whitelist': [] } }") is Dialect.QEMU_2
    assert detect_dialect("##\n# = Introduction\n##\n") is Dialect.QEMU_6
    assert detect_dialect("##\n# Introduction\n# ============\n##\n") is Dialect.CURRENT


DOC = """\
##
# = Free-form heading
##

##
# @frob:
#
# Frobnicate the thing.
#
# @arg: what to frobnicate,
#     on several lines
#
# @other: more
#
# Features:
#
# @deprecated: do not use
#
# Returns: the thing
#
# Since: 9.1
##
{ 'command': 'frob', 'data': { 'arg': 'str', 'other': 'int' },
  'features': [ 'deprecated' ], 'returns': 'Thing' }
"""


def test_doc_comments_are_attached_and_parsed(tmp_path: Path) -> None:
    source = parse_qapi(_write(tmp_path, {"s.json": DOC}), Dialect.CURRENT)
    free, frob = source.docs
    assert free.symbol is None
    assert free.text == "= Free-form heading"
    (expression,) = source.expressions
    assert expression.doc is frob
    assert frob.symbol == "frob"
    assert frob.info.line == 5
    assert list(frob.members) == ["arg", "other"]
    assert frob.members["arg"].text == "what to frobnicate,\n    on several lines"
    assert frob.members["arg"].info.line == 10
    assert list(frob.features) == ["deprecated"]
    returns = frob.section("Returns")
    assert returns is not None
    assert (returns.text, returns.info.line) == ("the thing", 19)
    since = frob.section("Since")
    assert since is not None
    assert since.text == "9.1"
    assert [s.kind for s in frob.sections] == [
        "plain",
        "member",
        "member",
        "feature",
        "Returns",
        "Since",
    ]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("##\n# @a:\n#b\n##\n", "s.json:3:1: missing space after #"),
        ("## x\n##\n", "s.json:1:1: junk after '##' at start of documentation comment"),
        ("##\n# @a:\n## x\n", "s.json:3:1: junk after '##' at end of documentation comment"),
        ("##\n# @a:\n", "s.json:2:6: documentation comment must end with '##'"),
        ("##\n# @a\n##\n", "s.json:2:1: line should end with ':'"),
        (
            "##\n# @a:\n# @b: x\n#   y\n# z\n##\n",
            "s.json:5:1: unexpected de-indent (expected at least 2 spaces)",
        ),
        ("##\n# @a:\n#\n# Since: 1\n#\n# Since: 2\n##\n", "s.json:6: duplicated 'Since' section"),
        ("##\n# @a:\n#\n# Errors:\n##\n", "s.json:4: text required after 'Errors:'"),
        ("##\n# @a:\n##\n", "s.json:1: documentation for 'a' is not followed by the definition"),
        (
            "##\n# text\n##\n{ 'enum': 'E', 'data': [] }\n",
            "s.json:1: definition documentation required",
        ),
        (
            "##\n# x " + "y" * 70 + "\n##\n",
            "s.json:2:1: documentation line longer than 70 characters",
        ),
    ],
)
def test_doc_comment_errors(tmp_path: Path, doc: str, message: str) -> None:
    assert _error(tmp_path, {"s.json": doc}) == message


def test_doc_text_rules_exempt_literal_blocks_and_urls(tmp_path: Path) -> None:
    doc = (
        "##\n# @a:\n#\n# An example.  It works::\n#\n"
        '#     -> { "execute": "a", "arguments": { "value": 1 } } ... and more. Done\n'
        "#\n# @b: see\n#     https://example.org/a/very/long/address/that/does/not/fit/in/70/columns\n"
        "##\n{ 'command': 'a', 'data': { 'b': 'str' } }\n"
    )
    (expression,) = parse_qapi(_write(tmp_path, {"s.json": doc}), Dialect.CURRENT).expressions
    assert expression.doc is not None
    assert list(expression.doc.members) == ["b"]


def test_older_dialects_read_doc_comments_leniently(tmp_path: Path) -> None:
    doc = (
        "##\n# @a:\n#\n# @b: the thing,\n#      aligned. Not two spaces here\n# Since: 1\n"
        "# Returns:\n##\n{ 'command': 'a', 'data': { 'b': 'str' } }\n"
    )
    root = _write(tmp_path, {"s.json": doc})
    with pytest.raises(QapiError):
        parse_qapi(root, Dialect.CURRENT)
    (expression,) = parse_qapi(root, Dialect.QEMU_6).expressions
    assert expression.doc is not None
    assert list(expression.doc.members) == ["b"]
    old = parse_qapi(root, Dialect.QEMU_1)  # QEMU 1.x: comments are comments
    assert old.docs == ()
    assert old.expressions[0].doc is None


def test_error_rendering() -> None:
    outer = SourceInfo("a.json", 3)
    inner = SourceInfo("b.json", 7, parent=SourceInfo("m.json", 2, parent=outer))
    error = QapiError("bad", inner.in_definition("command", "x"))
    assert str(error) == (
        "In file included from a.json:3:\n"
        "In file included from m.json:2:\n"
        "b.json: In command 'x':\n"
        "b.json:7: bad"
    )
    assert error.location == Location("b.json", 7)
    assert str(QapiSyntaxError("worse", outer, 5)) == "a.json:3:5: worse"


# Old trees, as QEMU's generator of their time read them (issue: a reviewer's tool must
# never refuse a tree QEMU accepted at that commit).


def test_the_dialect_is_read_from_every_file_of_the_tree(tmp_path: Path) -> None:
    # 2020: the pragma moved to qapi/pragma.json, still with its pre-6.0 name
    root = _write(
        tmp_path,
        {
            "qapi-schema.json": "{ 'include': 'pragma.json' }\n{ 'command': 'x' }\n",
            "pragma.json": "{ 'pragma': { 'returns-whitelist': [ 'x' ] } }\n",
        },
    )
    assert parse_qapi(root).dialect is Dialect.QEMU_2
    assert detect_tree_dialect(str(root)) is Dialect.QEMU_2


def test_qemus_own_tree_without_any_pragma_is_before_2_9(tmp_path: Path) -> None:
    files = {"qapi-schema.json": "##\n# free text: before 2.9 no rule\n##\n{ 'command': 'x' }\n"}
    source = parse_qapi(_write(tmp_path, files))
    assert (source.dialect, source.doc_rules, source.docs) == (Dialect.QEMU_1, False, ())
    # any other root file name is a schema of today (QEMU's own test schemas have no pragma)
    other = _write(tmp_path / "other", {"s.json": "{ 'command': 'x' }\n"})
    assert parse_qapi(other).dialect is Dialect.CURRENT


def test_qemus_first_parser_skipped_commas(tmp_path: Path) -> None:
    text = "{ 'type': 'A'\n  'data': { 'a': 'int', 'b': [ 'str' 'int', ], } }\n"
    source = parse_qapi(_write(tmp_path, {"qapi-schema.json": text}))
    assert source.expressions[0].value == {"type": "A", "data": {"a": "int", "b": ["str", "int"]}}
    assert "expected ',' or '}'" in _error(
        tmp_path / "now", {"s.json": text.replace("type", "struct")}
    )


def test_documentation_rules_can_be_left_out(tmp_path: Path) -> None:
    long = "# " + "x " * 40 + "\n"
    pragma = "{ 'pragma': { 'doc-required': true } }\n"
    text = f"##\n# @x:\n#\n{long}##\n{{ 'command': 'x' }}\n{pragma}"
    root = _write(tmp_path, {"s.json": text})
    assert "longer than 70" in _error(tmp_path, {"s.json": text})
    assert parse_qapi(root, doc_rules=False).doc_rules is False
