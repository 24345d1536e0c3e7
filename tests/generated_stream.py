"""A byte stream produced on the fly, for reader tests on inputs never held in memory."""

from __future__ import annotations

import io
from collections.abc import Iterator


class GeneratedStream(io.RawIOBase):
    """Subclasses set ``self._parts`` (an iterator of byte strings) and ``self._pending``."""

    _parts: Iterator[bytes]
    _pending: bytes = b""
    produced: int = 0  # bytes handed out so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            part = next(self._parts, None)
            if part is None:
                return 0
            self._pending = part
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.produced += size
        return size
