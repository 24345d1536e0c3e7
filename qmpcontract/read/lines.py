"""Read a file line by line in bounded memory, however long its lines are.

Transcripts come from crashed VMs and broken tools: a log may hold a single
line of a gigabyte.  :func:`bounded_lines` yields whole lines up to a limit and,
for a longer line, its first *limit* bytes and its true length, skipping the
rest in bounded reads; :func:`pieces` yields a stream's lines in pieces of at
most *limit* bytes, saying which piece ends a line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

PIECE = 1 << 20


def pieces(source: BinaryIO, limit: int = PIECE) -> Iterator[tuple[bytes, bool]]:
    r"""Yield ``(piece, ends_line)`` for every piece of at most *limit* bytes.

    >>> import io
    >>> list(pieces(io.BytesIO(b"abcdef\nxy"), limit=4))
    [(b'abcd', False), (b'ef\n', True), (b'xy', True)]
    """
    while piece := source.readline(limit):
        yield piece, piece.endswith(b"\n") or len(piece) < limit


def bounded_lines(source: BinaryIO, limit: int) -> Iterator[tuple[bytes, int]]:
    r"""Yield ``(line, length)``: the line (only its first *limit* bytes if longer) and its length.

    >>> import io
    >>> list(bounded_lines(io.BytesIO(b"short\n" + b"x" * 10 + b"\nend"), limit=8))
    [(b'short\n', 6), (b'xxxxxxxx', 11), (b'end', 3)]
    """
    while line := source.readline(limit):
        length = len(line)
        if length == limit and not line.endswith(b"\n"):
            while rest := source.readline(PIECE):
                length += len(rest)
                if rest.endswith(b"\n"):
                    break
        yield line, length
