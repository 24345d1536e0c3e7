"""Where something is: a file position plus a JSON pointer.

Every diagnostic the tool produces carries a :class:`Location`.  Lines and
columns are 1-based (as in compiler messages) and columns count characters.
``offset`` is 0-based: for transcripts it counts bytes of the file (so a
reader can seek to a message), for contracts characters of the decoded text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """A position in an input file.

    >>> str(Location("a.json", 3, 5))
    'a.json:3:5'
    >>> str(Location("a.json"))
    'a.json'
    """

    file: str
    line: int | None = None
    column: int | None = None
    offset: int | None = None
    pointer: str = ""
    message_index: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


def escape_pointer_token(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901).

    >>> escape_pointer_token("a/b~c")
    'a~1b~0c'
    """
    return token.replace("~", "~0").replace("/", "~1")


def unescape_pointer_token(token: str) -> str:
    """Undo :func:`escape_pointer_token`.

    >>> unescape_pointer_token("a~1b~0c")
    'a/b~c'
    """
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(pointer: str, *tokens: str | int) -> str:
    """Append reference tokens to a JSON pointer.

    >>> join_pointer("/commands", "block-stream", "arguments")
    '/commands/block-stream/arguments'
    >>> join_pointer("", 0)
    '/0'
    """
    for token in tokens:
        pointer += "/" + escape_pointer_token(str(token))
    return pointer


def split_pointer(pointer: str) -> list[str]:
    """Split a JSON pointer into unescaped reference tokens.

    >>> split_pointer("/types/a~1b")
    ['types', 'a/b']
    >>> split_pointer("")
    []

    :raise ValueError: if *pointer* is neither empty nor starts with ``/``.
    """
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {pointer!r}")
    return [unescape_pointer_token(t) for t in pointer[1:].split("/")]


def resolve_pointer(document: object, pointer: str) -> tuple[bool, object]:
    """Follow a JSON pointer; return ``(found, value)``.

    >>> resolve_pointer({"a": [1, 2]}, "/a/1")
    (True, 2)
    >>> resolve_pointer({"a": []}, "/b")
    (False, None)
    """
    node = document
    for token in split_pointer(pointer):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node
