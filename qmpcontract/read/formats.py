"""Transcript formats: detection and opening.

Each format is a reader module with ``sniff(head) -> bool`` and a streaming
``read(source, name)``; :data:`FORMATS` lists them in the order detection tries
them.  ``--format`` overrides detection.  A transcript can be a file or
standard input (``-``); standard input is peeked at without being consumed.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from qmpcontract.errors import InputError, InputReadError
from qmpcontract.location import Location
from qmpcontract.read import libvirt_log, recording, replies, socat, stream
from qmpcontract.read.messages import TranscriptItem

HEAD_SIZE = 65536


@dataclass(frozen=True)
class Format:
    """A transcript format and what it can tell the checker."""

    name: str
    description: str
    sniff: Callable[[bytes], bool]
    read: Callable[[BinaryIO, str], Iterator[TranscriptItem]]
    has_greeting: bool = True
    has_events: bool = True
    pair_by_position: bool = False
    # Why a file forced to this format (--format) that does not start like it is
    # refused; empty where the reader refuses such a file itself.
    refusal: str = ""


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "recording",
            "qmpcontract's own recording (JSON Lines)",
            recording.sniff,
            recording.read_recording,
            refusal="not a qmpcontract recording: its first line is not a header record",
        ),
        Format(
            "socat",
            "a 'socat -v' log of a proxy between client and QEMU",
            socat.sniff,
            socat.read_socat,
        ),
        Format(
            "libvirt-log",
            "a libvirt debug log with qemu_monitor filters",
            libvirt_log.sniff,
            libvirt_log.read_libvirt_log,
        ),
        Format(
            "replies",
            "a libvirt tests/qemucapabilitiesdata .replies file",
            replies.sniff,
            replies.read_replies,
            has_greeting=False,
            has_events=False,
            pair_by_position=True,
        ),
        Format(
            "stream",
            "raw QMP messages one after the other (compact or pretty)",
            stream.sniff,
            stream.read_stream,
            refusal="not a raw QMP stream: it does not start with a JSON object",
        ),
    )
}


def forced(fmt: str, head: bytes, name: str) -> Format:
    """The format *fmt*, given with ``--format``, for a transcript starting with *head*.

    :raise InputError: if the transcript plainly is not in that format (an
        empty one is: it holds no message).
    """
    chosen = FORMATS[fmt]
    text = head.lstrip()
    if chosen.refusal and text and not chosen.sniff(head):
        line = head[: len(head) - len(text)].count(b"\n") + 1
        raise InputError(
            f"{chosen.refusal} (is it a {detected(head, name)}?)", Location(name, line, 1)
        )
    return chosen


def detected(head: bytes, name: str) -> str:
    """What detection would take *head* for: a format's name, or "file of another kind"."""
    try:
        return f"{detect(head, name).name} transcript"
    except InputError:
        return "file of another kind"


def files_under(directory: Path) -> Iterator[Path]:
    """Every file under *directory*, in order, leaving out hidden ones (``.git``, ``.x``)."""
    for child in sorted(p for p in directory.rglob("*") if p.is_file()):
        if not any(part.startswith(".") for part in child.relative_to(directory).parts):
            yield child


def is_transcript(path: Path) -> bool:
    """True if *path* starts like a transcript of a known format.

    A directory of transcripts may hold other files.  A file that cannot be read
    counts as one: opening it says why.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_SIZE)
    except OSError:
        return True
    try:
        detect(head, str(path))
    except InputError:
        return False
    return True


def detect(head: bytes, name: str) -> Format:
    """The format of a transcript starting with *head*.

    :raise InputError: if no format recognises it.
    """
    if name.endswith(".replies") and replies.sniff(head):
        return FORMATS["replies"]
    for candidate in FORMATS.values():
        if candidate.sniff(head):
            return candidate
    raise InputError(
        "cannot tell the transcript format (known: " + ", ".join(FORMATS) + "); use --format",
        Location(name),
    )


class _Prefixed(io.RawIOBase):
    """A stream that first replays already-read bytes, then reads the rest."""

    def __init__(
        self, head: bytes, rest: BinaryIO, on_read: Callable[[int], None] | None = None
    ) -> None:
        self._head = head
        self._rest = rest
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if self._rest is not sys.stdin.buffer:
            self._rest.close()
        super().close()

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
        else:
            data = self._rest.read(len(buffer))
            count = len(data)
            buffer[:count] = data
        if self._on_read is not None:
            self._on_read(count)
        return count


@dataclass
class OpenTranscript:
    """A transcript ready to be read: its name, its format, and its items."""

    name: str
    format: Format
    source: BinaryIO

    def items(self) -> Iterator[TranscriptItem]:
        """The transcript's messages and session boundaries, streamed."""
        try:
            yield from self.format.read(self.source, self.name)
        finally:
            self.source.close()


def open_transcript(
    path: Path | None,
    fmt: str | None = None,
    on_read: Callable[[int], None] | None = None,
) -> OpenTranscript:
    """Open a transcript file (or standard input when *path* is None).

    *on_read*, if given, is called with the number of bytes each time the
    reader consumes more of the file (for progress display).

    :raise InputReadError: if the file cannot be read.
    :raise InputError: if its format cannot be detected.
    """
    name = "-" if path is None else str(path)
    try:
        raw: BinaryIO = sys.stdin.buffer if path is None else path.open("rb")
    except OSError as exc:
        raise InputReadError(f"cannot read file: {exc.strerror or exc}", Location(name)) from exc
    try:
        head = raw.read(HEAD_SIZE)
        chosen = forced(fmt, head, name) if fmt is not None else detect(head, name)
    except OSError as exc:
        if raw is not sys.stdin.buffer:
            raw.close()
        raise InputReadError(f"cannot read file: {exc.strerror or exc}", Location(name)) from exc
    except InputError:
        if raw is not sys.stdin.buffer:
            raw.close()
        raise
    source = io.BufferedReader(_Prefixed(head, raw, on_read))
    return OpenTranscript(name, chosen, source)
