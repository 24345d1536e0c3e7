"""Where a QAPI schema construct is, and errors rendered the way QEMU renders them.

QEMU's QAPI front end reports a problem as ``file:line: message`` (semantic
errors) or ``file:line:col: message`` (syntax errors), preceded by one
``In file included from file:line:`` line per enclosing include directive and,
once the definition is known, by ``file: In struct 'Foo':``.  A
:class:`SourceInfo` holds exactly what that rendering needs; :class:`QapiError`
renders it, so messages can be compared with QEMU's own test suite
(``tests/qapi-schema/*.err``) character for character.

>>> root = SourceInfo("a.json", 3)
>>> inner = SourceInfo("b.json", 7, parent=root).in_definition("struct", "Foo")
>>> print(QapiError("struct has an invalid name", inner))
In file included from a.json:3:
b.json: In struct 'Foo':
b.json:7: struct has an invalid name
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from qmpcontract.errors import InputError, InputReadError
from qmpcontract.location import Location


@dataclass(frozen=True)
class SourceInfo:
    """A line of a schema file, the include directives leading to it, and its definition."""

    file: str
    line: int | None = None
    parent: SourceInfo | None = None  # the include directive that read this file
    defn_meta: str | None = None  # 'struct', 'command', ... once the definition is known
    defn_name: str | None = None

    def in_definition(self, meta: str, name: str) -> SourceInfo:
        """The same place, known to be inside definition *meta* *name*."""
        return replace(self, defn_meta=meta, defn_name=name)

    def location(self, column: int | None = None) -> Location:
        """The place as a package-wide :class:`~qmpcontract.location.Location`."""
        return Location(self.file, self.line, column if self.line is not None else None)

    def include_path(self) -> str:
        """QEMU's ``In file included from`` lines, outermost first."""
        text = ""
        parent = self.parent
        while parent is not None:
            text = f"In file included from {parent.file}:{parent.line}:\n" + text
            parent = parent.parent
        return text

    def render(self, message: str, column: int | None = None) -> str:
        """*message* located here, exactly as QEMU prints it."""
        if self.line is None:
            return message
        where = f"{self.file}:{self.line}" + (f":{column}" if column is not None else "")
        context = ""
        if self.defn_name is not None:
            context = f"{self.file}: In {self.defn_meta} '{self.defn_name}':\n"
        return f"{self.include_path()}{context}{where}: {message}"


class QapiError(InputError):
    """A QAPI schema QEMU would reject: the first problem, located like QEMU locates it.

    ``info`` is the schema line, ``column`` is set for syntax errors only (as in
    QEMU, where only parse errors carry a column).  ``str()`` gives QEMU's text.
    """

    def __init__(self, message: str, info: SourceInfo, column: int | None = None) -> None:
        super().__init__(message, info.location(column))
        self.info = info
        self.column = column

    def __str__(self) -> str:
        return self.info.render(self.message, self.column)


class QapiSyntaxError(QapiError):
    """The text is not in the schema language (lexical or JSON-level), with a column."""


class QapiReadError(QapiError, InputReadError):
    """A schema or include file cannot be read."""
