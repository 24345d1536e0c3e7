r"""The QAPI schema language, read: files and includes in, located expressions out.

The language (docs/devel/qapi-code-gen.rst, "Schema syntax") is JSON with
single-quoted strings of printable ASCII whose only escape is ``\\``, ``#``
comments, no numbers and no ``null``; a schema is a sequence of top-level JSON
objects.  Two of them are directives, handled here:

- ``{'include': PATH}`` reads PATH (relative to the including file) in place.
  A file already read is skipped, so including a file twice is harmless; a
  file that includes one of the files including it is an inclusion loop,
  which QEMU rejects, and so do we.
- ``{'pragma': {...}}`` sets schema-wide options (:class:`Pragma`).

Definitions (``enum``, ``struct``, ``union``, ``alternate``, ``command``,
``event``) are returned unchecked, each with its place and the documentation
comment (:mod:`qmpcontract.read.qapi_doc`) right before it.  Their meaning is
checked by :mod:`qmpcontract.importers.qapi_expr` and
:mod:`qmpcontract.importers.qapi_schema`.

Errors are :class:`~qmpcontract.read.qapi_source.QapiError` and render like
QEMU's: syntax errors as ``file:line:col: message``, the others without the
column, after ``In file included from`` lines.

Old schemas (:class:`Dialect`, :func:`detect_dialect`): the language has
changed over QEMU's releases, and each release's schema follows the rules of
its time.  The root file and the files it includes tell which (a pragma moved
to ``qapi/pragma.json`` in development trees of 2020 still used the old names):

- top-level ``'type'`` expressions (at the start of a line), or QEMU's own
  ``qapi-schema.json`` with no pragma in any file (pragmas and the
  documentation parser came with QEMU 2.9): QEMU 1.x to 2.8 (``'type'``
  meant ``'struct'``, member types could be nested anonymous structs; no
  documentation rules);
- pragmas ``returns-whitelist`` or ``name-case-whitelist`` (QEMU 2.9 to 5.2):
  those names are accepted, as are simple unions, ``_`` in names and C
  expressions or lists as ``if`` conditions;
- ``= Heading`` lines in documentation (QEMU 6.0 to 9.2): documentation
  comments are read for their structure, without QEMU 10's rules for their
  text (70 columns, two spaces between sentences, indentation, non-empty
  sections) and for what they must describe; simple unions and C expressions
  or lists as conditions (6.0, 6.1) are accepted;
- anything else is the current language, every rule applies.
"""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from qmpcontract.read.qapi_doc import QapiDoc, RawDocLine, parse_doc
from qmpcontract.read.qapi_lexer import Lexer
from qmpcontract.read.qapi_source import QapiError, QapiReadError, SourceInfo

__all__ = [
    "Dialect",
    "Pragma",
    "QapiDoc",
    "QapiError",
    "QapiExpression",
    "QapiSource",
    "SourceInfo",
    "detect_dialect",
    "detect_tree_dialect",
    "parse_qapi",
]

_LEGACY_1 = re.compile(r"^\{\s*'type'\s*:", re.MULTILINE)
_LEGACY_2 = re.compile(r"'(returns-whitelist|name-case-whitelist)'\s*:")
_LEGACY_6 = re.compile(r"^##\n# =+ ", re.MULTILINE)
_PRAGMA = re.compile(r"^\{\s*'pragma'\s*:", re.MULTILINE)
_INCLUDE = re.compile(r"'include'\s*:\s*'([^']+)'")
_LIST_PRAGMAS = {
    "command-name-exceptions": "command_name_exceptions",
    "command-returns-exceptions": "command_returns_exceptions",
    "documentation-exceptions": "documentation_exceptions",
    "member-name-exceptions": "member_name_exceptions",
}
_OLD_PRAGMAS = {  # QEMU 2.9 to 5.2 spellings
    "returns-whitelist": ("command_returns_exceptions",),
    "name-case-whitelist": ("command_name_exceptions", "member_name_exceptions"),
}


class Dialect(enum.Enum):
    """Which generation of the schema language a schema is written in."""

    CURRENT = "current"  # QEMU 10.0 and later: the language of qapi-code-gen.rst
    QEMU_6 = "qemu-6"  # QEMU 6.0-9.2: '= Heading' documentation, no text style rules
    QEMU_2 = "qemu-2"  # QEMU 2.x-5.x: old pragma names, simple unions, C conditions
    QEMU_1 = "qemu-1"  # QEMU 1.x-2.8: 'type' for structs, nested anonymous structs, no doc rules


def detect_dialect(text: str) -> Dialect:
    r"""The dialect of a root schema file, from its text.

    >>> detect_dialect("{ 'type': 'NameInfo', 'data': {'*name': 'str'} }")
    <Dialect.QEMU_1: 'qemu-1'>
    >>> detect_dialect("{ 'pragma': { 'returns-whitelist': [] } }")
    <Dialect.QEMU_2: 'qemu-2'>
    >>> detect_dialect("##\n# = Introduction\n##\n")
    <Dialect.QEMU_6: 'qemu-6'>
    >>> detect_dialect("{ 'struct': 'NameInfo', 'data': {} }")
    <Dialect.CURRENT: 'current'>
    """
    if _LEGACY_1.search(text):
        return Dialect.QEMU_1
    if _LEGACY_2.search(text):
        return Dialect.QEMU_2
    if _LEGACY_6.search(text):
        return Dialect.QEMU_6
    return Dialect.CURRENT


def detect_tree_dialect(root: str, include_root: str | None = None) -> Dialect:
    """The dialect of the schema whose root file is *root*, from it and what it includes.

    The oldest generation any file shows by its keys and pragmas wins; the
    documentation style is the root file's.  Only files inside *include_root*
    (default: the root file's directory) are read, as by :func:`parse_qapi`.
    A file that cannot be read is skipped here: :func:`parse_qapi` reports it
    where it is included.
    """
    texts: list[str] = []
    inside = os.path.realpath(include_root or os.path.dirname(root) or ".")
    pending, seen = [root], set()
    while pending:
        name = os.path.normpath(pending.pop())
        if name in seen or os.path.commonpath([os.path.realpath(name), inside]) != inside:
            continue
        seen.add(name)
        try:
            with open(name, encoding="utf-8", errors="replace") as stream:
                text = stream.read()
        except OSError:
            continue
        texts.append(text)
        folder = os.path.dirname(name)
        pending.extend(os.path.join(folder, include) for include in _INCLUDE.findall(text))
    qemu_tree = os.path.basename(root) == "qapi-schema.json"
    if qemu_tree and texts and not any(_PRAGMA.search(text) for text in texts):
        return Dialect.QEMU_1  # QEMU's schema before 2.9: no pragma, no documentation rules
    found = Dialect.CURRENT
    for legacy, dialect in ((_LEGACY_1, Dialect.QEMU_1), (_LEGACY_2, Dialect.QEMU_2)):
        if any(legacy.search(text) for text in texts):
            found = dialect
            break
    else:  # '= Heading' documentation: the root file's own (modules keep headings today)
        found = detect_dialect(texts[0]) if texts else Dialect.CURRENT
    stated = _version_dialect(root) if qemu_tree else None
    # A development tree may not show what its rules were: the release it grew
    # from bounds them (its new rules came during the cycle, some not yet).
    return _oldest(found, stated) if stated is not None else found


_ORDER = (Dialect.QEMU_1, Dialect.QEMU_2, Dialect.QEMU_6, Dialect.CURRENT)


def _oldest(one: Dialect, other: Dialect) -> Dialect:
    return min(one, other, key=_ORDER.index)


def _version_dialect(root: str) -> Dialect | None:
    """The dialect of the release a QEMU tree's ``VERSION`` grew from, if it states one."""
    here = os.path.dirname(os.path.abspath(root))
    folder = os.path.dirname(here) if os.path.basename(here) == "qapi" else here
    try:
        with open(os.path.join(folder, "VERSION"), encoding="utf-8") as stream:
            match = re.match(r"(\d+)\.(\d+)", stream.read().strip())
    except OSError:
        return None
    if match is None:
        return None
    release = (int(match[1]), int(match[2]))
    for bound, dialect in (
        ((2, 9), Dialect.QEMU_1),
        ((6, 0), Dialect.QEMU_2),
        ((10, 0), Dialect.QEMU_6),
    ):
        if release < bound:
            return dialect
    return Dialect.CURRENT


@dataclass(frozen=True)
class Pragma:
    """The schema-wide options set by ``pragma`` directives (qapi-code-gen.rst, "Pragma")."""

    doc_required: bool = False
    command_name_exceptions: tuple[str, ...] = ()  # commands whose names may use '_'
    command_returns_exceptions: tuple[str, ...] = ()  # commands that may return non-objects
    documentation_exceptions: tuple[str, ...] = ()  # definitions with undocumented members
    member_name_exceptions: tuple[str, ...] = ()  # types whose members may use upper case, '_'


@dataclass(frozen=True)
class QapiExpression:
    """A top-level expression: its value, where it starts, and its documentation.

    ``value`` is the JSON object as written (``str``, ``bool``, ``list``,
    ``dict``), except that an ``include`` holds the path as resolved.
    """

    value: dict[str, object]
    info: SourceInfo
    doc: QapiDoc | None = None


@dataclass(frozen=True)
class QapiSource:
    """A whole schema, includes expanded: what :func:`parse_qapi` returns."""

    root: str
    expressions: tuple[QapiExpression, ...]
    docs: tuple[QapiDoc, ...]
    pragma: Pragma
    dialect: Dialect
    files: tuple[str, ...]  # every file read, in order
    doc_rules: bool = True  # the current rules for documentation comments applied
    skipped: tuple[str, ...] = ()  # include files left out: not there (skip_missing)


def parse_qapi(
    path: Path | str,
    dialect: Dialect | None = None,
    include_root: Path | str | None = None,
    *,
    doc_rules: bool = True,
    skip_missing: bool = False,
) -> QapiSource:
    """Read the schema whose root file is *path*, with all it includes.

    Includes must resolve (symbolic links followed) inside *include_root*,
    which defaults to the root file's directory: a schema from a patch cannot
    make qmpcontract read, and quote, a file elsewhere such as ``/etc/passwd``.
    *dialect* defaults to the one :func:`detect_tree_dialect` finds.
    Documentation comments are parsed except in QEMU 1.x schemas (whose
    comments followed no rules), strictly in the current dialect only, and
    without QEMU 10's rules for their text and content when *doc_rules* is
    false (a reviewer's tool must not refuse a development tree older than a
    rule that its version number cannot date).  With *skip_missing*, an include
    file that does not exist is left out and named in ``skipped`` (a tree cut
    down to its schema files may lack one QEMU had).

    :raise QapiError: on the first problem, located like QEMU locates it
        (:class:`~qmpcontract.read.qapi_source.QapiReadError` for a file that
        cannot be read).
    """
    root = os.fspath(path)
    text = _read(root, None)
    inside = os.path.realpath(
        include_root if include_root is not None else os.path.dirname(root) or "."
    )
    state = _State(dialect or detect_tree_dialect(root, inside))
    state.doc_rules = doc_rules and state.dialect is Dialect.CURRENT
    state.skip_missing = skip_missing
    state.include_root = inside
    _FileParser(root, text, None, state).parse()
    return QapiSource(
        root,
        tuple(state.expressions),
        tuple(state.docs),
        state.pragma,
        state.dialect,
        tuple(state.files),
        state.doc_rules,
        tuple(state.skipped),
    )


def _read(fname: str, include_info: SourceInfo | None) -> str:
    try:
        with open(fname, encoding="utf-8") as stream:
            return stream.read()
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else str(err)
        if include_info is None:
            raise QapiReadError(
                f"can't read schema file '{fname}': {reason}", SourceInfo(fname)
            ) from err
        raise QapiReadError(f"can't read include file '{fname}': {reason}", include_info) from err


@dataclass
class _State:
    dialect: Dialect
    pragma: Pragma = field(default_factory=Pragma)
    expressions: list[QapiExpression] = field(default_factory=list)
    docs: list[QapiDoc] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # absolute paths of files read
    include_root: str = ""  # real path of the directory includes must stay in
    doc_rules: bool = True
    skip_missing: bool = False
    skipped: list[str] = field(default_factory=list)


class _FileParser(Lexer):
    def __init__(self, fname: str, text: str, parent: SourceInfo | None, state: _State) -> None:
        super().__init__(fname, text, parent)
        self.state = state
        state.seen.add(os.path.abspath(fname))
        state.files.append(fname)
        self.docs_enabled = state.dialect is not Dialect.QEMU_1
        self.optional_commas = state.dialect is Dialect.QEMU_1

    def parse(self) -> None:
        doc_start = "##" if self.docs_enabled else ""
        cur_doc: QapiDoc | None = None
        self.accept(doc_start)
        while self.tok is not None:
            info = self.info()
            if self.tok == "#":
                _reject_expr_doc(cur_doc)
                cur_doc = self._doc(info)
                self.state.docs.append(cur_doc)
                self.accept(doc_start)
                continue
            expr = self.value(doc_start)
            if not isinstance(expr, dict):
                raise QapiError("top-level expression must be an object", info)
            if "include" in expr:
                _reject_expr_doc(cur_doc)
                self._include(expr, info)
            elif "pragma" in expr:
                _reject_expr_doc(cur_doc)
                self._pragma(expr, info)
            else:
                if cur_doc is not None and cur_doc.symbol is None:
                    raise QapiError("definition documentation required", cur_doc.info)
                self.state.expressions.append(QapiExpression(expr, info, cur_doc))
            cur_doc = None
        _reject_expr_doc(cur_doc)

    def _doc(self, info: SourceInfo) -> QapiDoc:
        lines = [RawDocLine(str(self.val), self.line, self.column())]
        while True:
            self.accept("#")
            if self.tok != "#":
                lines.append(RawDocLine(None, self.line, self.column()))
                break
            text = str(self.val)
            lines.append(RawDocLine(text, self.line, self.column()))
            if text.startswith("##"):
                break
        return parse_doc(lines, info, self.info, strict=self.state.doc_rules)

    def _include(self, expr: dict[str, object], info: SourceInfo) -> None:
        if len(expr) != 1:
            raise QapiError("invalid 'include' directive", info)
        include = expr["include"]
        if not isinstance(include, str):
            raise QapiError("value of 'include' must be a string", info)
        fname = os.path.join(os.path.dirname(self.fname), include)
        inside = self.state.include_root
        if os.path.commonpath([os.path.realpath(fname), inside]) != inside:
            raise QapiError(
                f"include file '{include}' is outside {inside}; not read "
                "(give the directory that holds every file of the schema)",
                info,
            )
        self.state.expressions.append(QapiExpression({"include": fname}, info))
        absolute = os.path.abspath(fname)
        outer: SourceInfo | None = info
        while outer is not None:
            if os.path.abspath(outer.file) == absolute:
                raise QapiError(f"inclusion loop for {include}", info)
            outer = outer.parent
        if absolute in self.state.seen:
            return
        if self.state.skip_missing and not os.path.exists(fname):
            self.state.skipped.append(fname)
            return
        _FileParser(fname, _read(fname, info), info, self.state).parse()

    def _pragma(self, expr: dict[str, object], info: SourceInfo) -> None:
        if len(expr) != 1:
            raise QapiError("invalid 'pragma' directive", info)
        pragmas = expr["pragma"]
        if not isinstance(pragmas, dict):
            raise QapiError("value of 'pragma' must be an object", info)
        self.state.expressions.append(QapiExpression(expr, info))
        for name, value in pragmas.items():
            if name == "doc-required":
                if not isinstance(value, bool):
                    raise QapiError("pragma 'doc-required' must be boolean", info)
                self.state.pragma = replace(self.state.pragma, doc_required=value)
                continue
            if name in _LIST_PRAGMAS:
                attributes: tuple[str, ...] = (_LIST_PRAGMAS[name],)
            elif name in _OLD_PRAGMAS and self.state.dialect in (Dialect.QEMU_1, Dialect.QEMU_2):
                attributes = _OLD_PRAGMAS[name]
            else:
                raise QapiError(f"unknown pragma '{name}'", info)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise QapiError(f"pragma {name} must be a list of strings", info)
            for attribute in attributes:
                names = getattr(self.state.pragma, attribute) + tuple(value)
                self.state.pragma = replace(self.state.pragma, **{attribute: names})


def _reject_expr_doc(doc: QapiDoc | None) -> None:
    if doc is not None and doc.symbol is not None:
        raise QapiError(
            f"documentation for '{doc.symbol}' is not followed by the definition", doc.info
        )
