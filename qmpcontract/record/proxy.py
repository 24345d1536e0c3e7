"""The recording proxy: forwards QMP bytes unchanged and records every message.

Each client connection is one session: the proxy opens its own connection to
QEMU and pumps both directions.  Every chunk read is first recorded, then
forwarded as it was; the recording splits each direction into messages as
QEMU's JSON parser does (:class:`~qmpcontract.read.splitter.Splitter`: compact,
pretty-printed and garbage alike) and writes one flushed record per message,
so a crash of anything loses nothing already received.  The bytes between
messages go into the record's ``pre`` and the bytes after the last message
into the close record, so the recording holds each direction byte for byte.

A session ends when either side closes.  Its close record says why:
``client-closed``; ``server-closed`` when QEMU closed after answering ``quit``
or sending ``SHUTDOWN``; ``truncated`` when the connection ended inside a
message, with a command unanswered, by a connection error, or by QEMU going
away without a reason (killed, crashed); ``error`` when QEMU could not be
reached at all.  Once QEMU answered ``quit`` or sent ``SHUTDOWN``, with nothing
cut or unanswered, the session ended normally whatever follows (a connection
reset as QEMU exits, the recorder stopped while draining): that goes in the
note (:func:`~qmpcontract.model.transcript.ended_normally`, the rule ``check``
applies too).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import time
from dataclasses import dataclass, field

from qmpcontract.model.transcript import ended_normally
from qmpcontract.read.splitter import Splitter
from qmpcontract.record.endpoints import Endpoint
from qmpcontract.record.writer import RecordingFailed, RecordingWriter

_CHUNK = 65536
# Once the client closed, how long QEMU may go on answering what it already
# received before the proxy closes the session itself; once QEMU closed, how
# long the client may take to notice.  Neither is an error.
DRAIN_SECONDS = {"client": 5.0, "server": 1.0}


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True)
class Piece:
    """One message of one direction, with the bytes that came before it."""

    pre: bytes
    data: bytes
    complete: bool = True


class DirectionSplitter:
    r"""Turns the bytes of one direction into :class:`Piece` values, losslessly.

    >>> s = DirectionSplitter()
    >>> [(p.pre, p.data) for p in s.feed(b'{"a": 1}\r\n{"b"')]
    [(b'', b'{"a": 1}')]
    >>> [(p.pre, p.data) for p in s.feed(b': 2}')]
    [(b'\r\n', b'{"b": 2}')]
    >>> s.end()
    ([], b'')
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._splitter = Splitter()

    def feed(self, data: bytes) -> list[Piece]:
        """Add bytes received; return the messages they complete."""
        segments = self._splitter.feed(self._decoder.decode(data))
        return [Piece(_encode(s.pre), _encode(s.text), s.complete) for s in segments]

    def end(self) -> tuple[list[Piece], bytes]:
        """The stream ended: return the last messages (maybe cut) and the bytes after them."""
        pieces = self.feed(b"")
        rest = self._decoder.decode(b"", final=True)
        pieces += [
            Piece(_encode(s.pre), _encode(s.text), s.complete) for s in self._splitter.feed(rest)
        ]
        last = self._splitter.end()
        if last is not None:
            pieces.append(Piece(_encode(last.pre), _encode(last.text), last.complete))
        return pieces, _encode(self._splitter.tail)


@dataclass
class _Session:
    """What the proxy tracks of one session to say how it ended."""

    number: int
    unanswered: int = 0
    quit_answered: bool = False
    quit_asked: bool = False
    shutdown_seen: bool = False
    messages: int = 0
    cut: list[str] = field(default_factory=list)  # directions that ended inside a message
    errors: list[str] = field(default_factory=list)
    first_eof: str = ""  # the direction that ended first
    tails: dict[str, bytes] = field(default_factory=dict)

    def saw(self, direction: str, piece: Piece) -> None:
        """Follow the conversation: commands asked and answered, quit, SHUTDOWN."""
        self.messages += 1
        if not piece.complete:
            return
        try:
            value = json.loads(piece.data)
        except (ValueError, RecursionError):  # (QEMU answers inputs nested deeper than json goes)
            value = None
        if direction == "client":
            # Each piece is one input to QEMU's parser, which answers every input once
            # (a command, an object without 'execute', or garbage alike).
            self.unanswered += 1
            if isinstance(value, dict):
                self.quit_asked |= (value.get("execute") or value.get("exec-oob")) == "quit"
        elif not isinstance(value, dict):
            return
        elif "return" in value or "error" in value:
            self.unanswered = max(0, self.unanswered - 1)
            self.quit_answered |= self.quit_asked and "return" in value
        elif value.get("event") == "SHUTDOWN":
            self.shutdown_seen = True

    def verdict(self) -> tuple[str, str | None]:
        """The close record's reason and note."""
        if ended_normally(
            quit_answered=self.quit_answered,
            shutdown=self.shutdown_seen,
            cut=bool(self.cut),
            unanswered=self.unanswered,
        ):
            reason = "client-closed" if self.first_eof == "client" else "server-closed"
            return reason, "; ".join(self.errors) or None
        notes: list[str] = []
        if self.cut:
            notes.append(
                " and ".join(f"the connection ended inside a {d} message" for d in sorted(self.cut))
            )
        notes.extend(self.errors)
        if self.first_eof == "server":
            if self.unanswered:
                notes.append(
                    f"QEMU closed the connection with {self.unanswered} command(s) unanswered"
                )
            elif not (self.quit_answered or self.shutdown_seen):
                notes.append(
                    "QEMU closed the connection without 'quit' or a SHUTDOWN event "
                    "(killed or crashed?)"
                )
        if notes:
            return "truncated", "; ".join(notes)
        if self.first_eof == "client":
            note = f"{self.unanswered} command(s) unanswered" if self.unanswered else None
            return "client-closed", note
        return "server-closed", None


class RecordingProxy:
    """Accepts QMP clients on one endpoint and relays each to QEMU, recording both ways."""

    def __init__(
        self,
        writer: RecordingWriter,
        upstream: Endpoint,
        spare: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None,
    ) -> None:
        self.writer = writer
        self.upstream = upstream
        # A connection to QEMU opened before any client came (to fail early when there is
        # none): the first session uses it.  QEMU's greeting waits in it, unread.
        self._spare = spare
        self.sessions = 0
        self.messages = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        # Set when the recording cannot be written: nothing more is relayed, since
        # what is relayed must be recorded.
        self.failed = asyncio.Event()
        # Set by a client that means QEMU to refuse its next request (the fuzzer): what
        # is wrong with it, recorded on that request's record as ``expect_error``.
        self.expect_error: str | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one client connection (an ``asyncio`` stream server callback)."""
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._idle.clear()
        try:
            await self._session(reader, writer)
        finally:
            self._tasks.discard(task)
            if not self._tasks:
                self._idle.set()

    def drop_spare(self) -> None:
        """Close the connection opened in advance, if no session used it."""
        if self._spare is not None:
            self._spare[1].close()
            self._spare = None

    async def wait_idle(self) -> None:
        """Wait until no session is open."""
        await self._idle.wait()

    async def cancel_all(self) -> None:
        """End every open session now (they are recorded as truncated)."""
        for task in list(self._tasks):
            task.cancel()
        await self.wait_idle()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state = _Session(self.sessions)
        self.sessions += 1
        peer = writer.get_extra_info("peername")
        try:
            self.writer.open(state.number, str(peer) if peer else None)
            if self._spare is not None:
                (up_reader, up_writer), self._spare = self._spare, None
            else:
                up_reader, up_writer = await self.upstream.connect()
        except RecordingFailed:
            self.failed.set()
            writer.close()
            return
        except OSError as exc:
            with contextlib.suppress(RecordingFailed):
                self.writer.close(
                    state.number,
                    "error",
                    f"cannot connect to {self.upstream}: {exc.strerror or exc}",
                )
            writer.close()
            return
        pumps = {
            asyncio.create_task(self._pump(reader, up_writer, "client", state)),
            asyncio.create_task(self._pump(up_reader, writer, "server", state)),
        }
        try:
            _, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            if pending:
                await asyncio.wait(pending, timeout=DRAIN_SECONDS[state.first_eof])
        except asyncio.CancelledError:
            state.errors.append("the recorder was stopped")
            raise
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for stream in (writer, up_writer):
                stream.close()
            reason, note = state.verdict()
            try:
                self.writer.close(state.number, reason, note, state.tails)
            except RecordingFailed:
                self.failed.set()
            self.messages += state.messages

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        direction: str,
        state: _Session,
    ) -> None:
        splitter = DirectionSplitter()
        try:
            while data := await source.read(_CHUNK):
                self._record(splitter.feed(data), direction, state)
                sink.write(data)
                await sink.drain()
        except ConnectionError as exc:
            state.errors.append(f"relaying the {direction}'s bytes: {exc.strerror or exc}")
        except RecordingFailed:
            self.failed.set()  # stop relaying what cannot be recorded
        except Exception as exc:  # a bug of ours ends the session: say so in its record
            state.errors.append(f"the recorder failed on the {direction}'s bytes: {exc!r}")
        finally:
            pieces, tail = splitter.end()
            with contextlib.suppress(RecordingFailed):
                self._record(pieces, direction, state)
            state.tails[direction] = tail
            state.first_eof = state.first_eof or direction
            with contextlib.suppress(OSError, RuntimeError):
                if sink.can_write_eof():
                    sink.write_eof()

    def _record(self, pieces: list[Piece], direction: str, state: _Session) -> None:
        now = time.time()
        for piece in pieces:
            expect = None
            if direction == "client" and piece.complete and self.expect_error is not None:
                expect, self.expect_error = self.expect_error, None
            self.writer.message(
                state.number, direction, piece.data, pre=piece.pre, complete=piece.complete, t=now,
                expect_error=expect,
            )  # fmt: skip
            if not piece.complete:
                state.cut.append(direction)
            state.saw(direction, piece)
