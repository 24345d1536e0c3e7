"""A strict JSON parser that remembers where every value and member name is.

Contracts are hand-written, so a problem must be reported at the line of the
offending member.  :func:`parse_located` parses RFC 8259 JSON (no comments, no
trailing commas, no NaN) without recursion, so deep nesting cannot exhaust the
stack, and returns the value with a :class:`SourceMap` from JSON pointers to
positions.  Duplicate member names are not an error here; they are returned so
the caller can report them (the last value wins, as in :func:`json.loads`).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from pathlib import Path

from qmpcontract.errors import InputReadError, JsonSyntaxError
from qmpcontract.location import Location, join_pointer, split_pointer

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class Position:
    """A 1-based line and column plus the 0-based character offset."""

    line: int
    column: int
    offset: int


@dataclass(frozen=True)
class DuplicateKey:
    """A member name that appears twice in one object."""

    pointer: str
    position: Position
    first: Position


class _Node:
    """Positions of one value, of its member name, and of its children."""

    __slots__ = ("children", "key", "value")

    def __init__(self, value: Position) -> None:
        self.value = value
        self.key: Position | None = None
        self.children: dict[str, _Node] | list[_Node] | None = None


class SourceMap:
    """Maps JSON pointers of a parsed document to positions in its text.

    Positions are kept in a tree shaped like the document, so memory grows
    with the number of values, not with their depth.
    """

    def __init__(self, file: str, root: _Node | None = None) -> None:
        self.file = file
        self._root = root

    def _node(self, pointer: str) -> tuple[_Node | None, bool]:
        """The node at *pointer* or its nearest ancestor, and whether it is exact."""
        node = self._root
        if node is None:
            return None, False
        for token in split_pointer(pointer):
            children = node.children
            if isinstance(children, dict) and token in children:
                node = children[token]
            elif isinstance(children, list) and token.isdigit() and int(token) < len(children):
                node = children[int(token)]
            else:
                return node, False
        return node, True

    def value_position(self, pointer: str) -> Position | None:
        """The position where the value at *pointer* starts, if it exists."""
        node, exact = self._node(pointer)
        return node.value if node is not None and exact else None

    def key_position(self, pointer: str) -> Position | None:
        """The position of the member name of *pointer*, if it is an object member."""
        node, exact = self._node(pointer)
        return node.key if node is not None and exact else None

    def position(self, pointer: str, *, prefer_key: bool = True) -> Position | None:
        """Return the position of *pointer*, or of its nearest known ancestor.

        For an object member the position of its name is preferred, because
        that is the line a reader looks for.
        """
        node, _ = self._node(pointer)
        if node is None:
            return None
        if prefer_key and node.key is not None:
            return node.key
        return node.value

    def locate(self, pointer: str, *, prefer_key: bool = True) -> Location:
        """Return a :class:`Location` for *pointer* (see :meth:`position`)."""
        pos = self.position(pointer, prefer_key=prefer_key)
        if pos is None:
            return Location(self.file, pointer=pointer)
        return Location(self.file, pos.line, pos.column, pos.offset, pointer=pointer)


class LocatedJson:
    """A parsed JSON document with its source map and duplicate member names.

    The source map may be made on first use (:func:`parse_quickly`): the value of
    a valid document comes from the C decoder, and positions are only needed to
    report a problem.
    """

    def __init__(
        self,
        value: object,
        source: SourceMap | None,
        duplicates: tuple[DuplicateKey, ...],
        text: str = "",
        file: str = "",
    ) -> None:
        self.value = value
        self.duplicates = duplicates
        self._source = source
        self._text, self._file = text, file

    @property
    def source(self) -> SourceMap:
        """The source map (made from the text on first use, if it was not yet)."""
        if self._source is None:
            self._source = parse_located(self._text, self._file).source
            self._text = ""
        return self._source


class _NotPlain(ValueError):
    """A document the C decoder would read otherwise than :func:`parse_located`."""


def _no_constant(name: str) -> object:
    raise _NotPlain(name)


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NotPlain(text)
    return value


def _unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _NotPlain("duplicate member")
    return found


def parse_quickly(text: str, file: str) -> LocatedJson:
    """:func:`parse_located`, with the source map made only when a position is asked for.

    A document the C decoder reads exactly as the strict parser does (no duplicate
    member, no NaN or Infinity, no number out of range) is decoded by it; any other
    goes through :func:`parse_located`, which reports its errors and duplicates.
    """
    try:
        value = json.loads(
            text, object_pairs_hook=_unique, parse_constant=_no_constant, parse_float=_finite
        )
    except (ValueError, RecursionError):  # _NotPlain, not JSON, too deep: the strict parser
        return parse_located(text, file)
    return LocatedJson(value, None, (), text, file)


class _Lines:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def position(self, offset: int) -> Position:
        index = bisect.bisect_right(self._starts, offset) - 1
        return Position(index + 1, offset - self._starts[index] + 1, offset)


@dataclass
class _Frame:
    container: dict[str, object] | list[object]
    node: _Node
    key: str = ""
    index: int = 0


# The largest JSON document qmpcontract parses with locations (a contract, a
# baseline): real ones are well under 2 MiB, and the located parser needs about
# 25 times the file's size in memory.
MAX_DOCUMENT = 16 << 20


def read_text(path: Path, display: str | None = None, max_size: int = MAX_DOCUMENT) -> str:
    """Read *path* as UTF-8 text, refusing files larger than *max_size* bytes.

    :raise InputReadError: if the file cannot be read, is too large or is not
        valid UTF-8; the location names the line of the first undecodable byte.
    """
    name = display if display is not None else str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_size + 1)
    except OSError as exc:
        raise InputReadError(f"cannot read file: {exc.strerror or exc}", Location(name)) from exc
    if len(data) > max_size:
        raise InputReadError(
            f"file larger than the {max_size >> 20} MiB qmpcontract reads as one document",
            Location(name),
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = exc.start - (head.rfind(b"\n") + 1) + 1
        raise InputReadError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            Location(name, line, column, exc.start),
        ) from exc


def parse_located(text: str, file: str) -> LocatedJson:
    r"""Parse *text* as one JSON document, keeping the position of every value.

    >>> doc = parse_located('{\n  "a": [1, {"b": null}]\n}', "x.json")
    >>> doc.value
    {'a': [1, {'b': None}]}
    >>> doc.source.key_position("/a/1/b")
    Position(line=2, column=13, offset=14)

    :raise JsonSyntaxError: at the first character that is not valid JSON.
    """
    return _Parser(text, file).parse()


class _Parser:
    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.lines = _Lines(text)
        self.duplicates: list[DuplicateKey] = []

    def error(self, message: str, offset: int) -> JsonSyntaxError:
        pos = self.lines.position(offset)
        return JsonSyntaxError(message, Location(self.file, pos.line, pos.column, offset))

    def skip(self, offset: int) -> int:
        match = _WS.match(self.text, offset)
        assert match is not None
        return match.end()

    def describe(self, offset: int) -> str:
        if offset >= len(self.text):
            return "end of input"
        return repr(self.text[offset])

    def parse(self) -> LocatedJson:
        text = self.text
        stack: list[_Frame] = []
        root: _Node | None = None
        pending_key: Position | None = None
        i = self.skip(0)
        while True:
            node = _Node(self.lines.position(i))
            node.key = pending_key
            if stack:
                parent = stack[-1]
                if isinstance(parent.node.children, dict):
                    parent.node.children[parent.key] = node
                else:
                    assert parent.node.children is not None
                    parent.node.children.append(node)
            else:
                root = node
            char = text[i : i + 1]
            value: object
            if char == "{":
                i = self.skip(i + 1)
                node.children = {}
                if text[i : i + 1] == "}":
                    value, i = {}, i + 1
                else:
                    frame = _Frame({}, node)
                    stack.append(frame)
                    i, pending_key = self.read_key(stack, i)
                    continue
            elif char == "[":
                i = self.skip(i + 1)
                node.children = []
                if text[i : i + 1] == "]":
                    value, i = [], i + 1
                else:
                    stack.append(_Frame([], node))
                    pending_key = None
                    continue
            else:
                value, i = self.scalar(i)
            # A value is complete: attach it and close every container it completes.
            while True:
                if not stack:
                    i = self.skip(i)
                    if i != len(text):
                        raise self.error(
                            f"unexpected {self.describe(i)} after the JSON document", i
                        )
                    source = SourceMap(self.file, root)
                    return LocatedJson(value, source, tuple(self.duplicates))
                frame = stack[-1]
                closer = "}" if isinstance(frame.container, dict) else "]"
                if isinstance(frame.container, dict):
                    frame.container[frame.key] = value
                else:
                    frame.container.append(value)
                i = self.skip(i)
                char = text[i : i + 1]
                if char == ",":
                    i = self.skip(i + 1)
                    if isinstance(frame.container, dict):
                        i, pending_key = self.read_key(stack, i)
                    else:
                        frame.index += 1
                        pending_key = None
                        if text[i : i + 1] == "]":
                            raise self.error("trailing comma before ']'", i)
                    break
                if char == closer:
                    i += 1
                    value = frame.container
                    stack.pop()
                    continue
                raise self.error(f"expected ',' or '{closer}', found {self.describe(i)}", i)

    @staticmethod
    def pointer_of(stack: list[_Frame]) -> str:
        """The pointer of the member being read (computed only when needed)."""
        tokens: list[str | int] = []
        for frame in stack:
            tokens.append(frame.key if isinstance(frame.container, dict) else frame.index)
        return join_pointer("", *tokens)

    def read_key(self, stack: list[_Frame], i: int) -> tuple[int, Position]:
        frame = stack[-1]
        if self.text[i : i + 1] != '"':
            hint = " (trailing comma?)" if self.text[i : i + 1] == "}" else ""
            raise self.error(
                f"expected a member name in double quotes, found {self.describe(i)}{hint}", i
            )
        key, end = self.string(i)
        position = self.lines.position(i)
        assert isinstance(frame.container, dict)
        assert isinstance(frame.node.children, dict)
        frame.key = key
        if key in frame.container:
            first = frame.node.children[key].key
            assert first is not None
            self.duplicates.append(DuplicateKey(self.pointer_of(stack), position, first))
        end = self.skip(end)
        if self.text[end : end + 1] != ":":
            raise self.error(f"expected ':' after member name, found {self.describe(end)}", end)
        return self.skip(end + 1), position

    def string(self, i: int) -> tuple[str, int]:
        match = _STRING.match(self.text, i)
        if match is None:
            j = i + 1
            while j < len(self.text):
                char = self.text[j]
                if char == '"':
                    break
                if char == "\\":
                    if not re.match(r'\\(["\\/bfnrt]|u[0-9a-fA-F]{4})', self.text[j : j + 6]):
                        raise self.error("invalid escape sequence in string", j)
                    j += 2
                    continue
                if ord(char) < 0x20:
                    raise self.error(
                        f"control character U+{ord(char):04X} in string (escape it)", j
                    )
                j += 1
            raise self.error("unterminated string", i)
        return json.loads(match.group()), match.end()

    def scalar(self, i: int) -> tuple[object, int]:
        char = self.text[i : i + 1]
        if char == '"':
            return self.string(i)
        match = _NUMBER.match(self.text, i)
        if match is not None and match.end() > i:
            token = match.group()
            if any(c in token for c in ".eE"):
                number = float(token)
                if number in (float("inf"), float("-inf")):
                    raise self.error(f"number out of range: {token}", i)
                return number, match.end()
            return int(token), match.end()
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, i):
                return literal, i + len(word)
        raise self.error(f"expected a JSON value, found {self.describe(i)}", i)
