r"""The tokens of the QAPI schema language, and the JSON values they make.

docs/devel/qapi-code-gen.rst, "Schema syntax": JSON, except that comments
start with ``#``, strings are in single quotes and hold printable ASCII with
``\\`` as the only escape, and there are no numbers and no ``null``.  Errors
are :class:`~qmpcontract.read.qapi_source.QapiSyntaxError` at the line and
column of the offending token (columns count a tab to the next multiple of 8,
as QEMU does), with QEMU's messages.
"""

from __future__ import annotations

import re

from qmpcontract.read.qapi_source import QapiSyntaxError, SourceInfo

_BLANKS = re.compile(r"[ \t\r\f\v]*")
_SIMPLE_STRING = re.compile(r"'([\x20-\x26\x28-\x5b\x5d-\x7e]*)'")
_STRAY = re.compile(r"[^\[\]{}:,\s']+")


# Real schemas nest a few levels; QEMU's own (recursive) parser would hit
# Python's recursion limit near 1000, we stop with a located error well before.
MAX_NESTING = 100


class Lexer:
    """The tokens of one file, and the JSON values they make.

    ``tok`` is a structural character, ``'`` (a string, in ``val``), ``t`` or
    ``f`` (a boolean, in ``val``), ``#`` (a comment, in ``val``) or None (the end).
    """

    def __init__(self, fname: str, text: str, parent: SourceInfo | None) -> None:
        if not text.endswith("\n"):
            text += "\n"
        self.fname = fname
        self.src = text
        self.parent = parent
        self.cursor = 0
        self.line = 1
        self.line_pos = 0
        self.pos = 0
        self.tok: str | None = None
        self.val: object = None
        self._depth = 0  # of the value being parsed
        # QEMU's first parser (2011 to 2013) skipped a ',' if there was one: commas
        # optional, a trailing one too.
        self.optional_commas = False

    def info(self, line: int | None = None) -> SourceInfo:
        """The place of *line* (default: the current line) of this file."""
        return SourceInfo(self.fname, self.line if line is None else line, self.parent)

    def column(self) -> int:
        """The column of the current token, tabs to the next multiple of 8 (as QEMU)."""
        col = 1
        for ch in self.src[self.line_pos : self.pos]:
            col = ((col - 1) // 8 + 1) * 8 + 1 if ch == "\t" else col + 1
        return col

    def error(self, message: str) -> QapiSyntaxError:
        """A syntax error at the current token."""
        return QapiSyntaxError(message, self.info(), self.column())

    def accept(self, comments: str = "") -> None:
        """Move to the next token.

        Comments are skipped, except those starting with *comments* (``"#"``:
        every comment, ``"##"``: documentation comments).
        """
        src = self.src
        while True:
            blanks = _BLANKS.match(src, self.cursor)
            self.cursor = self.pos = pos = blanks.end() if blanks else self.cursor
            ch = src[pos]
            self.cursor = pos + 1
            if ch == "\n":
                if self.cursor == len(src):
                    self.tok = None
                    return
                self.line += 1
                self.line_pos = self.cursor
            elif ch == "#":
                self.cursor = src.index("\n", pos)
                if comments and src.startswith(comments, pos):
                    self.tok, self.val = "#", src[pos : self.cursor]
                    return
            elif ch in "{}:,[]":
                self.tok = ch
                return
            elif ch == "'":
                self.tok = ch
                self.val = self._string()
                return
            elif src.startswith("true", pos):
                self.tok, self.val, self.cursor = "t", True, pos + 4
                return
            elif src.startswith("false", pos):
                self.tok, self.val, self.cursor = "f", False, pos + 5
                return
            elif not ch.isspace():
                stray = _STRAY.match(src, pos)
                raise self.error(f"stray '{stray.group(0) if stray else ch}'")

    def _string(self) -> str:
        match = _SIMPLE_STRING.match(self.src, self.pos)
        if match is not None:
            self.cursor = match.end()
            return match.group(1)
        chars: list[str] = []
        escaped = False
        while True:
            ch = self.src[self.cursor]
            self.cursor += 1
            if ch == "\n":
                raise self.error('missing terminating "\'"')
            if escaped:
                if ch != "\\":
                    raise self.error(f"unknown escape \\{ch}")
                escaped = False
            elif ch == "\\":
                escaped = True
                continue
            elif ch == "'":
                return "".join(chars)
            if not " " <= ch <= "~":
                raise self.error("funny character in string")
            chars.append(ch)

    def value(self, after: str = "") -> object:
        """The JSON value starting at the current token; then the token after it."""
        tok = self.tok
        if tok in ("{", "[") and self._depth >= MAX_NESTING:
            raise self.error(f"nesting deeper than {MAX_NESTING} levels")
        if tok == "{":
            self.accept()
            self._depth += 1
            result: object = self._members(after)
            self._depth -= 1
        elif tok == "[":
            self.accept()
            self._depth += 1
            result = self._values(after)
            self._depth -= 1
        elif tok is not None and tok in "'tf":
            result = self.val
            self.accept(after)
        else:
            raise self.error("expected '{', '[', string, or boolean")
        return result

    def _members(self, after: str) -> dict[str, object]:
        members: dict[str, object] = {}
        if self.tok == "}":
            self.accept(after)
            return members
        if self.tok != "'":
            raise self.error("expected string or '}'")
        while True:
            key = str(self.val)
            self.accept()
            if self.tok != ":":
                raise self.error("expected ':'")
            self.accept()
            if key in members:
                raise self.error(f"duplicate key '{key}'")
            members[key] = self.value()
            if self.tok == "}":
                self.accept(after)
                return members
            if self.tok != ",":
                if self.optional_commas and self.tok == "'":
                    continue
                raise self.error("expected ',' or '}'")
            self.accept()
            if self.optional_commas and self.tok == "}":
                self.accept(after)
                return members
            if self.tok != "'":
                raise self.error("expected string")

    def _values(self, after: str) -> list[object]:
        values: list[object] = []
        if self.tok == "]":
            self.accept(after)
            return values
        if self.tok is None or self.tok not in "{['tf":
            raise self.error("expected '{', '[', ']', string, or boolean")
        while True:
            values.append(self.value())
            if self.tok == "]":
                self.accept(after)
                return values
            if self.tok != ",":
                if self.optional_commas and self.tok is not None and self.tok in "{['tf":
                    continue
                raise self.error("expected ',' or ']'")
            self.accept()
            if self.optional_commas and self.tok == "]":
                self.accept(after)
                return values
