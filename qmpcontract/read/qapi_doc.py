"""Documentation comments of the QAPI schema language.

A documentation comment is a block of ``#`` lines that starts and ends with a
``##`` line (docs/devel/qapi-code-gen.rst, "Documentation comments").  If its
first line is ``@SYMBOL:`` it documents the definition that must follow it:
an optional overview, ``@name:`` descriptions of members (or arguments,
branches, values), a ``Features:`` line with ``@feature:`` descriptions, and
tagged sections (``Returns:``, ``Errors:``, ``Since:``, ``TODO:``); anything
else is free-form text.

The lexer hands over the raw comment lines (:class:`RawDocLine`); this module
checks them one by one, in order, so that the first problem reported is the
one QEMU reports: a line without a space after ``#``, a line longer than 70
columns, a single space between sentences, a de-indented continuation line, a
duplicated section, an empty tagged section.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from qmpcontract.read.qapi_source import QapiError, QapiSyntaxError, SourceInfo

MAX_LINE = 70
TAGS = {"Returns": "Returns", "Errors": "Errors", "Since": "Since", "TODO": "TODO"}
_AT_NAME = re.compile(r"@([^:]*): *")
_TAG = re.compile(r"(Returns|Errors|Since|TODO)(?!::): *")
# A sentence ends with a word of two or more lower-case letters (or a closing
# bracket or quote after one) and a full stop; the next starts with a capital.
# Initials, "e.g.", numbered list items and version numbers do not match.
_ONE_SPACE = re.compile(r"(?:(?<=[a-z][a-z][.!?])|(?<=[a-z][a-z][.!?][)'\"])) (?=[A-Z])")


@dataclass(frozen=True)
class RawDocLine:
    """One token of a documentation comment, as the lexer found it.

    ``text`` is the whole comment from its ``#`` (``##`` for the closing line),
    or ``None`` where something other than a comment came first.
    """

    text: str | None
    line: int
    column: int


@dataclass(frozen=True)
class DocSection:
    """A part of a documentation comment.

    ``kind`` is ``"plain"`` (text), ``"member"``, ``"feature"`` (with ``name``), or
    a tag: ``"Returns"``, ``"Errors"``, ``"Since"``, ``"TODO"``.
    """

    kind: str
    info: SourceInfo
    text: str = ""
    name: str | None = None


@dataclass(frozen=True)
class QapiDoc:
    """A documentation comment: definition documentation when ``symbol`` is set."""

    info: SourceInfo
    symbol: str | None
    sections: tuple[DocSection, ...] = ()

    @property
    def members(self) -> dict[str, DocSection]:
        """The ``@name:`` descriptions, by name, in order."""
        return {s.name: s for s in self.sections if s.kind == "member" and s.name is not None}

    @property
    def features(self) -> dict[str, DocSection]:
        """The feature descriptions, by name, in order."""
        return {s.name: s for s in self.sections if s.kind == "feature" and s.name is not None}

    def section(self, kind: str) -> DocSection | None:
        """The first section of *kind* (e.g. ``"Returns"``, ``"Since"``), if any."""
        return next((s for s in self.sections if s.kind == kind), None)

    @property
    def text(self) -> str:
        """All the text, sections in order (for free-form documentation: all of it)."""
        return "\n".join(s.text for s in self.sections)


@dataclass
class _Section:
    kind: str
    info: SourceInfo
    name: str | None = None
    lines: list[str] = field(default_factory=list)


class _Reader:
    """The comment lines one at a time; checks each line when it becomes current."""

    def __init__(
        self, lines: Sequence[RawDocLine], info_at: Callable[[int], SourceInfo], strict: bool
    ) -> None:
        self._lines = lines
        self.strict = strict
        self._index = 0
        self._info_at = info_at
        self._literal_indent: int | None = None  # inside a literal block (rST "::")

    def _literal(self, line: str) -> bool:
        """Whether *line* is in a literal block, where text rules do not apply."""
        if self._literal_indent is not None:
            if not line or _indent(line) > self._literal_indent:
                return True
            self._literal_indent = None
        if line.endswith("::"):
            self._literal_indent = _indent(line)
        return False

    @property
    def raw(self) -> RawDocLine:
        return self._lines[self._index]

    def info(self) -> SourceInfo:
        return self._info_at(self.raw.line)

    def error(self, message: str, column: int | None = None) -> QapiSyntaxError:
        raw = self.raw
        return QapiSyntaxError(message, self.info(), raw.column if column is None else column)

    def advance(self) -> str | None:
        """Move to the next line and return its text after ``# `` (None: the closing ``##``)."""
        self._index += 1
        return self.current()

    def current(self) -> str | None:
        text = self.raw.text
        if text is None:
            raise self.error("documentation comment must end with '##'")
        if text.startswith("##"):
            if text != "##":
                raise self.error("junk after '##' at end of documentation comment")
            return None
        if text == "#":
            return ""
        if text[1] != " ":
            raise self.error("missing space after #")
        body = text.rstrip()
        if not self.strict or self._literal(body[2:]):
            return body[2:]
        if self.raw.column - 1 + len(body) > MAX_LINE and " " in body[2:].strip():
            raise self.error(f"documentation line longer than {MAX_LINE} characters")
        match = _ONE_SPACE.search(body)
        if match is not None:
            raise self.error(
                "Use two spaces between sentences\n"
                "If this not the end of a sentence, please report a bug.",
                self.raw.column + match.start(),
            )
        return body[2:]


class _Builder:
    def __init__(self, info: SourceInfo, symbol: str | None, strict: bool) -> None:
        self.strict = strict
        self.info = info
        self.symbol = symbol
        self.sections: list[_Section] = []
        self.members: set[str] = set()
        self.features: set[str] = set()

    def append(self, line: str) -> None:
        self.sections[-1].lines.append(line)

    def plain(self, info: SourceInfo) -> None:
        if not self.sections or self.sections[-1].kind != "plain":
            self.sections.append(_Section("plain", info))
        elif self.sections[-1].lines:
            self.sections[-1].lines.append("")

    def described(self, kind: str, info: SourceInfo, name: str) -> None:
        seen = self.members if kind == "member" else self.features
        word = "parameter" if kind == "member" else "feature"
        if self.strict and not name:
            raise QapiError(f"invalid {word} name", info)
        if self.strict and name in seen:
            raise QapiError(f"'{name}' {word} name duplicated", info)
        seen.add(name)
        self.sections.append(_Section(kind, info, name))

    def tagged(self, info: SourceInfo, tag: str) -> None:
        if (
            self.strict
            and tag in ("Returns", "Since")
            and any(s.kind == tag for s in self.sections)
        ):
            raise QapiError(f"duplicated '{tag}' section", info)
        self.sections.append(_Section(tag, info))

    def build(self) -> QapiDoc:
        out = []
        for section in self.sections:
            text = "\n".join(section.lines).strip()
            if self.strict and section.kind in TAGS and not text:
                raise QapiError(f"text required after '{section.kind}:'", section.info)
            out.append(DocSection(section.kind, section.info, text, section.name))
        return QapiDoc(self.info, self.symbol, tuple(out))


def parse_doc(
    lines: Sequence[RawDocLine],
    info: SourceInfo,
    info_at: Callable[[int], SourceInfo],
    *,
    strict: bool = True,
) -> QapiDoc:
    """Parse one documentation comment; *lines* start with its opening ``##``.

    *info* is where the comment starts; *info_at* gives the place of a line
    number of the same file.  *strict* (QEMU 10's rules) adds the rules for
    text lines (at most 70 columns, two spaces between sentences; literal
    blocks exempt), for indentation and for the order and content of
    sections; without it only the comment's form is checked.

    :raise QapiSyntaxError: on a malformed line (with its column).
    :raise QapiError: on a malformed structure (duplicate or empty sections).
    """
    reader = _Reader(lines, info_at, strict)
    if lines[0].text != "##":
        raise reader.error("junk after '##' at start of documentation comment")
    line = reader.advance()
    if line is not None and line.startswith("@"):
        if not line.endswith(":"):
            raise reader.error("line should end with ':'")
        symbol = line[1:-1]
        if not symbol:
            raise reader.error("name required after '@'")
        builder = _Builder(info, symbol, strict)
        _definition(reader, builder)
    else:
        builder = _Builder(info, None, strict)
        _free_form(reader, builder, line)
    return builder.build()


def _free_form(reader: _Reader, doc: _Builder, line: str | None) -> None:
    doc.plain(reader.info())
    while line is not None:
        match = _AT_NAME.match(line)
        if match is not None and reader.strict:
            raise reader.error(f"'@{match.group(1)}:' not allowed in free-form documentation")
        doc.append(line)
        line = reader.advance()


def _skip_blank(reader: _Reader, line: str | None) -> str | None:
    while line == "":
        line = reader.advance()
    return line


def _definition(reader: _Reader, doc: _Builder) -> None:
    line = reader.advance()
    sections_started = False  # no more member descriptions after a section
    while True:
        line = _skip_blank(reader, line)
        if line is None:
            return
        if line == "Features:":
            if doc.features and reader.strict:
                raise reader.error("duplicated 'Features:' line")
            line = _skip_blank(reader, reader.advance())
            line = _descriptions(reader, doc, "feature", line)
            if not doc.features and reader.strict:
                raise reader.error("feature descriptions expected")
            sections_started = True
        elif (match := _AT_NAME.match(line)) is not None:
            if sections_started and reader.strict:
                raise reader.error(f"description of '@{match.group(1)}:' follows a section")
            line = _descriptions(reader, doc, "member", line)
            sections_started = True
        elif (match := _TAG.match(line)) is not None:
            doc.tagged(reader.info(), match.group(1))
            if line[match.end() :]:
                doc.append(line[match.end() :])
            line = _indented(reader, doc)
            sections_started = True
        else:
            doc.plain(reader.info())
            while line:  # a paragraph: up to a blank line or the end
                doc.append(line)
                line = reader.advance()


def _descriptions(reader: _Reader, doc: _Builder, kind: str, line: str | None) -> str | None:
    while line is not None and (match := _AT_NAME.match(line)) is not None:
        doc.described(kind, reader.info(), match.group(1))
        if line[match.end() :]:
            doc.append(line[match.end() :])
        line = _indented(reader, doc)
    return line


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _indented(reader: _Reader, doc: _Builder) -> str | None:
    """The rest of a description or section: lines indented like its second line."""
    line = reader.advance()
    while line == "":
        doc.append(line)
        line = reader.advance()
    if line is None:
        return None
    indent = _indent(line)
    if not indent:
        return line
    doc.append(line)
    after_blank = False
    while True:
        line = reader.advance()
        if line is None or _AT_NAME.match(line):
            return line
        if line and _indent(line) < indent:
            if after_blank or not reader.strict:
                return line
            raise reader.error(f"unexpected de-indent (expected at least {indent} spaces)")
        doc.append(line)
        after_blank = line == ""
