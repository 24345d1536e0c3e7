r"""Read the QMP traffic out of a libvirt debug log.

libvirt logs its monitor I/O when ``log_filters`` include ``1:qemu.qemu_monitor
1:qemu.qemu_monitor_json``.  Every record starts with a prefix::

    2026-11-25 23:26:43.283+0000: 17844: info : qemuMonitorIOWrite:366 : <message>

and runs until the next line that starts with one (a message holding a newline,
like the CRLF libvirt appends to every command it sends, continues the record on
the next line).  This reader keeps only the records of monitor I/O:

- ``QEMU_MONITOR_NEW: mon=%p ...`` and ``QEMU_MONITOR_CLOSE: mon=%p`` open and
  close a session, keyed by the ``mon`` pointer (a pointer may be reused after
  its close).  A record naming a monitor that was never opened in the log opens
  one implicitly; a session still open at the end of the log is TRUNCATED.
- Sent messages come from ``QEMU_MONITOR_IO_WRITE: mon=%p buf=%s\r\n len=%zu
  ret=%d errno=%d`` (``QEMU_MONITOR_SEND_MSG`` logs the same message again and is
  skipped).  A partial write (``ret < len``) is finished by later IO_WRITE
  records whose ``buf`` is the unwritten rest; a failed one (``ret=-1``) may be
  retried with the same ``buf``.  Either way the message is counted once, where
  it was first logged; one that was never completely written carries an error.
- Received messages come from the debug ``qemuMonitorJSONIOProcessLine: Line
  [%s]`` records, which include the greeting and lines libvirt could not parse.
  The ``QEMU_MONITOR_RECV_REPLY``/``RECV_EVENT`` record that follows a ``Line``
  on the same thread repeats it and is skipped; one with no ``Line`` before it
  (a log at info level) is counted instead.

A ``Line`` record does not name its monitor.  It is attributed to the monitor
named by the next ``QEMU_MONITOR_*`` record (other than NEW) *of the same
thread*: libvirt logs RECV_REPLY/RECV_EVENT right after the ``Line`` it parsed,
and current libvirt gives every VM (and every capability probe) an event thread
of its own, so a greeting is followed by that thread's first IO_WRITE.  Until
then the message waits (the items after it wait too: the output stays in file
order).  If the thread names no monitor before the log ends, before the
fallback monitor closes, or within :data:`MAX_LOOKAHEAD` items, the message
goes to the fallback: the monitor of the thread's previous monitor record if
still open, else the most recently opened monitor still open, else a session
of its own.  Where one event loop serves several monitors (older libvirt),
replies and events are still attributed right, but a greeting or a line libvirt
could not parse may land in the wrong session.  libvirt logs NEW after it hands
the monitor to its event thread, so a greeting may come first: the session's
OPEN (located at its NEW) is then yielded just before it.

Times are the record prefix's (milliseconds, with a UTC offset; None without one).
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from qmpcontract.errors import InputError
from qmpcontract.location import Location
from qmpcontract.read.lines import bounded_lines
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
    decode,
)
from qmpcontract.read.splitter import MAX_MESSAGE

MAX_LOOKAHEAD = 1000  # items held back while a message waits for its monitor
MAX_LEADING = 100  # non-record lines tolerated before the first record

_PREFIX = re.compile(
    r"(?P<stamp>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?P<tz>[+-]\d{4})?): "
    r"(?P<tid>\d+): (?P<level>[a-z]+) : (?:(?P<src>\S+) : )?"
)
_PROBE = re.compile(r"QEMU_MONITOR_(?P<probe>[A-Z_]+): mon=(?P<mon>\S+)(?P<rest>\s|\Z)")
_WRITE_RESULT = re.compile(r" len=(?P<len>\d+) ret=(?P<ret>-?\d+) errno=(?P<errno>\d+)\n?\Z")
_PAYLOAD = {"IO_WRITE": "buf=", "RECV_REPLY": "reply=", "RECV_EVENT": "event="}
_LINE = "Line ["
_CUT = "the log ends inside this record"
_NO_NEW = "no QEMU_MONITOR_NEW for this monitor in the log"
_NOT_A_LOG = "not a libvirt debug log (no line starts like a libvirt log record)"


@functools.lru_cache(maxsize=256)
def _timestamp(stamp: str) -> float | None:
    """Seconds since the epoch of a record prefix's time; None without a UTC offset."""
    if stamp[-5] not in "+-":
        return None
    fraction = ".%f" if "." in stamp else ""
    try:
        return datetime.strptime(stamp, f"%Y-%m-%d %H:%M:%S{fraction}%z").timestamp()
    except ValueError:
        return None


def _complete(record: _Record) -> bool:
    """Whether *record* is whole as it stands (what follows it is another record)."""
    text = record.text
    if text.startswith(_LINE, record.body_start):
        return text.endswith("]\n")
    if text.startswith("QEMU_MONITOR_IO_WRITE", record.body_start):
        return _WRITE_RESULT.search(text) is not None
    return text.endswith("\n")


def sniff(head: bytes) -> bool:
    r"""True if these first bytes look like a libvirt debug log.

    >>> sniff(b"2026-11-25 23:26:43.049+0000: 17836: info : libvirt version: 9.0.0\n")
    True
    >>> sniff(b'{"execute": "qmp_capabilities"}')
    False
    """
    text = head.decode("utf-8", "surrogateescape").lstrip("\r\n")
    return _PREFIX.match(text) is not None


def read_libvirt_log(source: BinaryIO, name: str) -> Iterator[TranscriptItem]:
    """Yield the sessions and messages of a libvirt debug log, in file order.

    *source* is read line by line, never whole; *name* goes into every location.
    Each message is counted once (see the module docstring); one that does not
    parse, or was not completely written, is still yielded, with its ``error``.

    :raise InputError: if none of the first :data:`MAX_LEADING` non-blank lines
        starts like a libvirt log record (the input is not a libvirt log).
    """
    return _Reader(name).run(source)


@dataclass(eq=False, slots=True)
class _Session:
    mon: str | None
    open: bool = True
    number: int = -1  # assigned when its first item is yielded
    write: _Entry | None = None  # a write still waiting for its rest
    opening: _Entry | None = None  # its QEMU_MONITOR_NEW


@dataclass(eq=False, slots=True)
class _Entry:
    """A message or boundary waiting to be yielded."""

    where: tuple[int, int, int]  # line, column, byte offset
    timestamp: float | None
    session: _Session | None  # None: a Line record not attributed yet
    text: str | None = None  # None for a boundary
    direction: Direction | None = None
    error: str | None = None
    kind: BoundaryKind | None = None
    note: str | None = None
    fallback: _Session | None = None  # where an unattributed Line goes if nothing better
    rest: bytes = b""  # what a write still has to send
    total: int = 0  # the bytes of the whole write
    errno: int = 0


@dataclass(slots=True)
class _Record:
    line: int
    offset: int
    tid: str
    stamp: str
    body_start: int  # where the message starts in text
    text: str = ""  # its lines, line ends included
    cut: bool = False  # the log ends inside it
    overlong: int = 0  # its length, when longer than qmpcontract keeps (text is its start)


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.queue: deque[_Entry] = deque()
        self.open: dict[str, _Session] = {}  # mon pointer -> open session, in opening order
        self.unknown = _Session(None)  # for Lines no monitor can be found for
        self.thread_mon: dict[str, _Session] = {}  # thread -> its last monitor record's
        self.thread_lines: dict[str, deque[_Entry]] = {}  # thread -> unattributed Lines
        self.thread_text: dict[str, str] = {}  # thread -> its last Line, until a RECV
        self.index = 0
        self.sessions = 0

    def run(self, source: BinaryIO) -> Iterator[TranscriptItem]:
        record: _Record | None = None
        keep = False  # whether the current record is monitor I/O
        line = offset = leading = 0
        text = ""
        for raw, length in bounded_lines(source, MAX_MESSAGE):
            line += 1
            text = raw.decode("utf-8", "surrogateescape")
            match = _PREFIX.match(text)
            if match is not None:
                if record is not None and keep:
                    self.record(record)
                record = _Record(line, offset, match["tid"], match["stamp"], match.end())
                keep = text.startswith("QEMU_MONITOR_", match.end()) or (
                    text.startswith(_LINE, match.end()) and "IOProcessLine" in (match["src"] or "")
                )
            elif record is None and text.strip():
                leading += 1
                if leading > MAX_LEADING:
                    raise InputError(_NOT_A_LOG, Location(self.name, line, 1, offset))
            if record is not None and keep and (text.endswith("\n") or not _complete(record)):
                if record.overlong:
                    record.overlong += length
                else:
                    record.text += text  # else: a record cut inside its prefix, at the end
                    if len(record.text) > MAX_MESSAGE or length > len(raw):
                        record.overlong = len(record.text) + length - len(raw)
                        record.text, record.cut = record.text[:4096], True
            offset += length
            yield from self.drain(False)
        if record is not None and keep:
            record.cut = not _complete(record)
            self.record(record)
        if record is None and leading:
            raise InputError(_NOT_A_LOG, Location(self.name, 1, 1, 0))
        yield from self.drain(True)
        end = (line + 1, 1) if text.endswith("\n") or not line else (line, len(text) + 1)
        last = [s for s in (*self.open.values(), self.unknown) if s.open and s.number >= 0]
        for session in sorted(last, key=lambda s: s.number):
            note = "the log ends while this monitor is open"
            where = Location(self.name, end[0], end[1], offset)
            yield SessionBoundary(BoundaryKind.TRUNCATED, session.number, where, None, note)

    # -- records -----------------------------------------------------------------

    def record(self, record: _Record) -> None:
        text, cut = record.text, record.cut
        stamp = _timestamp(record.stamp)
        body = record.body_start
        if text.startswith(_LINE, body):
            start = body + len(_LINE)
            message = text[start:].removesuffix("\n")
            if message.endswith("]") and (not cut or decode(message[:-1])[1] is None):
                message = message[:-1]
            entry = self.entry(record, start, stamp, message)
            last = self.thread_mon.get(record.tid)
            entry.fallback = (
                last if last and last.open else next(reversed(self.open.values()), None)
            )
            lines = self.thread_lines.setdefault(record.tid, deque())
            while lines and lines[0].session is not None:
                lines.popleft()  # attributed when the look-ahead ran out
            lines.append(entry)
            self.queue.append(entry)
            self.thread_text[record.tid] = message
            return
        match = _PROBE.match(text, body)
        if match is None or not match["rest"]:
            return  # a monitor pointer cut short names nothing reliably
        probe, mon = match["probe"], match["mon"]
        if probe == "NEW":
            self.new(mon, record, stamp)
            return
        session = self.open.setdefault(mon, _Session(mon))  # implicit if the log has no NEW
        for waiting in self.thread_lines.pop(record.tid, ()):
            if waiting.session is None:
                waiting.session = session
        self.thread_mon[record.tid] = session
        line_text, payload = self.thread_text.pop(record.tid, None), _PAYLOAD.get(probe)
        if probe == "CLOSE":
            self.close(session, self.boundary(record, stamp, BoundaryKind.CLOSE))
        elif payload is not None and text.startswith(payload, match.end()):
            start = match.end() + len(payload)
            if probe == "IO_WRITE":
                self.write(record, session, start, stamp)
                return
            message = text[start:].removesuffix("\n")
            if line_text is not None and (
                line_text == message or (cut and line_text.startswith(message))
            ):
                return  # the Line record just before already counted it
            entry = self.entry(record, start, stamp, message)
            entry.session = session
            self.queue.append(entry)

    def write(self, record: _Record, session: _Session, start: int, stamp: float | None) -> None:
        text, cut = record.text, record.cut
        result = None if cut else _WRITE_RESULT.search(text, start)
        end = result.start() if result else len(text)
        if cut and "\n" in text[start:]:  # cut after the CR LF libvirt appends
            end = text.index("\n", start) + 1
        buf = text[start:end]
        data = buf.encode("utf-8", "surrogateescape")
        pending = session.write
        if pending is not None and result is None and cut and pending.rest.startswith(data):
            return  # the rest of a write, cut short: the write stays unfinished
        if pending is not None and result is not None and data == pending.rest:
            self.advance(pending, data, int(result["ret"]), int(result["errno"]))
            return
        if pending is not None:
            self.finish(pending)  # its rest never came
        message = buf.removesuffix("\n").removesuffix("\r")
        entry = self.entry(record, start, stamp, message)
        entry.session, entry.direction = session, Direction.CLIENT
        if result is None and not cut:
            entry.error = "no write result (len=, ret=, errno=) in this record"
        self.queue.append(entry)
        if result is not None:
            entry.total = len(data)
            self.advance(entry, data, int(result["ret"]), int(result["errno"]))

    def advance(self, entry: _Entry, data: bytes, ret: int, errno: int) -> None:
        """Account for one write attempt of *entry*'s message (``data`` is what it tried)."""
        entry.rest, entry.errno = (data if ret < 0 else data[ret:]), errno
        assert entry.session is not None
        entry.session.write = entry if entry.rest else None

    def finish(self, entry: _Entry) -> None:
        """A write whose rest never came: say how much of it went out."""
        assert entry.session is not None
        if entry.session.write is entry:
            entry.session.write = None
        sent, entry.rest = entry.total - len(entry.rest), b""
        entry.error = f"the write was cut short: {sent} of {entry.total} bytes were sent"
        if sent == 0:
            entry.error = f"the write failed (errno {entry.errno}): nothing was sent"

    # -- sessions -------------------------------------------------------------------

    def new(self, mon: str, record: _Record, stamp: float | None) -> None:
        old = self.open.get(mon)
        if old is not None:
            end = self.boundary(record, stamp, BoundaryKind.TRUNCATED)
            end.note = "QEMU_MONITOR_NEW reused this monitor before its QEMU_MONITOR_CLOSE"
            self.close(old, end)
        session = self.open[mon] = _Session(mon)
        session.opening = self.boundary(record, stamp, BoundaryKind.OPEN)
        session.opening.session = session
        self.queue.append(session.opening)

    def close(self, session: _Session, entry: _Entry) -> None:
        if session.write is not None:
            self.finish(session.write)
        for lines in self.thread_lines.values():
            for waiting in lines:
                if waiting.session is None and waiting.fallback is session:
                    waiting.session = session
        session.open = False
        if self.open.get(session.mon or "") is session:
            del self.open[session.mon or ""]
        entry.session = session
        self.queue.append(entry)

    # -- output ---------------------------------------------------------------------

    def entry(self, record: _Record, start: int, stamp: float | None, message: str) -> _Entry:
        """A message at *start* in *record*'s text, received, not attributed yet."""
        before = record.text[:start]
        newline = before.rfind("\n")
        line = record.line + before.count("\n")
        offset = record.offset + len(before.encode("utf-8", "surrogateescape"))
        entry = _Entry((line, start - newline, offset), stamp, None, message, Direction.SERVER)
        if record.overlong:
            entry.error = f"record of {record.overlong} characters, longer than the " + (
                f"{MAX_MESSAGE >> 20} MiB qmpcontract reads; not parsed"
            )
        elif record.cut and decode(message)[1] is not None:
            entry.error = _CUT
        return entry

    def boundary(self, record: _Record, stamp: float | None, kind: BoundaryKind) -> _Entry:
        where = (record.line, record.body_start + 1, record.offset + record.body_start)
        return _Entry(where, stamp, None, kind=kind)

    def drain(self, everything: bool) -> Iterator[TranscriptItem]:
        queue = self.queue
        while queue:
            head = queue[0]
            if everything or len(queue) > MAX_LOOKAHEAD:
                if head.session is None:
                    head.session = head.fallback or self.unknown
                if head.session.write is head:
                    self.finish(head)
            elif head.session is None or head.session.write is head:
                return
            queue.popleft()
            yield from self.emit(head)

    def emit(self, entry: _Entry) -> Iterator[TranscriptItem]:
        session = entry.session
        assert session is not None
        if session.number < 0:  # its first item: its NEW, a message before its NEW, or no NEW
            session.number, self.sessions = self.sessions, self.sessions + 1
            opening = session.opening or _Entry(entry.where, None, session, note=_NO_NEW)
            where = Location(self.name, *opening.where)
            yield SessionBoundary(
                BoundaryKind.OPEN, session.number, where, opening.timestamp, opening.note
            )
        if entry is session.opening:
            return  # yielded just above, or before a message of its monitor logged first
        if entry.kind is not None:
            where = Location(self.name, *entry.where)
            yield SessionBoundary(entry.kind, session.number, where, entry.timestamp, entry.note)
            return
        assert entry.text is not None
        value, error = decode(entry.text)
        if entry.error is not None:
            error = entry.error if error is None else f"{entry.error}; {error}"
        yield RawMessage(
            index=self.index,
            session=session.number,
            direction=entry.direction,
            text=entry.text,
            location=Location(self.name, *entry.where, message_index=self.index),
            timestamp=entry.timestamp,
            value=value,
            error=error,
            truncated=entry.error == _CUT,
        )
        self.index += 1
