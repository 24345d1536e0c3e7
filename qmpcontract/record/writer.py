"""Write a recording: one JSON record per line, flushed as it is written.

The format is ``qmpcontract/read/recording.schema.json``.  A message record holds
the exact text of the message (``raw``), or its exact bytes in base64 when they
are not UTF-8; ``pre`` holds the bytes between the previous message and this one
(whitespace, usually CR LF), and the close record holds what followed the last
message of each direction (``client_tail``, ``server_tail``), so that
concatenating them gives back every byte that crossed the connection.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from pathlib import Path
from typing import IO, Any

from qmpcontract import __version__


def _text_fields(key: str, data: bytes) -> dict[str, str]:
    try:
        return {key: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {f"{key}_base64": base64.b64encode(data).decode("ascii")}


class RecordingFailed(Exception):
    """The recording cannot be written any more (disk full, file size limit...)."""


class RecordingWriter:
    """Appends records to a recording file; safe to call from several tasks.

    A write that fails (``OSError``: a full disk, ``RLIMIT_FSIZE``) raises
    :class:`RecordingFailed`, and so does every later write: what was written
    before stays readable, up to its last complete line.
    """

    def __init__(self, path: Path, note: str | None = None) -> None:
        self.path = path
        self.records = 0
        self.failure: str | None = None
        self._lock = threading.Lock()
        self._out: IO[str] = path.open("w", encoding="utf-8")
        header: dict[str, Any] = {
            "type": "header",
            "format": "qmpcontract-recording",
            "version": 1,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "tool": f"qmpcontract {__version__}",
        }
        if note:
            header["note"] = note
        self._write(header)

    def _write(self, record: dict[str, Any]) -> None:
        with self._lock:
            if self.failure is not None:
                raise RecordingFailed(self.failure)
            try:
                self._out.write(json.dumps(record, ensure_ascii=False) + "\n")
                self._out.flush()
            except OSError as exc:
                self.failure = (
                    f"cannot write {self.path}: {exc.strerror or exc}; the recording stops "
                    f"after {self.records} complete record(s)"
                )
                raise RecordingFailed(self.failure) from exc
            self.records += 1

    def open(self, session: int, peer: str | None = None) -> None:
        """Record that a client connected."""
        record: dict[str, Any] = {"type": "open", "session": session, "t": time.time()}
        if peer:
            record["peer"] = peer
        self._write(record)

    def message(
        self,
        session: int,
        direction: str,
        data: bytes,
        *,
        pre: bytes = b"",
        complete: bool = True,
        t: float | None = None,
        expect_error: str | None = None,
    ) -> None:
        """Record one message (its exact bytes) and the bytes before it.

        *t* is when its last byte was received (default: now); *expect_error*
        marks a client's request it meant QEMU to refuse, saying what is wrong.
        """
        record: dict[str, Any] = {
            "type": "message",
            "session": session,
            "dir": direction,
            "t": time.time() if t is None else t,
        }
        record.update(_text_fields("raw", data))
        if pre:
            record.update(_text_fields("pre", pre))
        if not complete:
            record["complete"] = False
        if expect_error:
            record["expect_error"] = expect_error
        self._write(record)

    def close(
        self,
        session: int,
        reason: str,
        note: str | None = None,
        tails: dict[str, bytes] | None = None,
    ) -> None:
        """Record that the connection ended, and why.

        *tails* maps a direction to the bytes that followed its last message.
        """
        record: dict[str, Any] = {
            "type": "close",
            "session": session,
            "t": time.time(),
            "reason": reason,
        }
        if note:
            record["note"] = note
        for direction, tail in sorted((tails or {}).items()):
            if tail:
                record.update(_text_fields(f"{direction}_tail", tail))
        self._write(record)

    def finish(self) -> None:
        """Close the file (a failed recording's unwritten rest is dropped)."""
        with self._lock, contextlib.suppress(OSError):  # closing flushes; it closes anyway
            self._out.close()
