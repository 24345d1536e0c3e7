"""A scripted QMP peer for the recorder's fast tests (the end-to-end tests use real QEMU).

It greets like QEMU 7.2, answers every message it receives (split as QEMU
does) with ``{"return": {}}`` (or the ``id`` echoed), answers ``quit`` with a
SHUTDOWN event and a return before closing, and can be told to hang up after
some number of messages.  Everything it receives and sends is kept so tests
can compare bytes.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from qmpcontract.read.splitter import Splitter

GREETING = (
    b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, '
    b'"capabilities": ["oob"]}}\r\n'
)


@dataclass
class FakeQmp:
    """A QMP server on a unix socket; one entry per connection in *received*/*sent*."""

    path: Path
    hang_up_after: int | None = None  # close (without quit) after this many messages
    silent: frozenset[str] = frozenset()  # commands never answered (a hang)
    received: list[bytearray] = field(default_factory=list)
    sent: list[bytearray] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection."""
        got, out = bytearray(), bytearray()
        self.received.append(got)
        self.sent.append(out)
        splitter = Splitter()
        count = 0

        async def send(data: bytes) -> None:
            out.extend(data)
            writer.write(data)
            await writer.drain()

        await send(GREETING)
        try:
            while data := await reader.read(4096):
                got.extend(data)
                for segment in splitter.feed(data.decode("utf-8", "surrogateescape")):
                    count += 1
                    try:
                        request = json.loads(segment.text)
                    except ValueError:
                        request = None
                    if not isinstance(request, dict):
                        await send(b'{"error": {"class": "GenericError", "desc": "bad"}}\r\n')
                        continue
                    if request.get("execute") in self.silent:
                        continue
                    reply: dict[str, object] = {"return": {}}
                    if "id" in request:
                        reply["id"] = request["id"]
                    if request.get("execute") == "quit":
                        await send(
                            b'{"timestamp": {"seconds": 1, "microseconds": 2}, '
                            b'"event": "SHUTDOWN", "data": {"guest": false, '
                            b'"reason": "host-qmp-quit"}}\r\n'
                        )
                        await send(json.dumps(reply).encode() + b"\r\n")
                        return
                    await send(json.dumps(reply).encode() + b"\r\n")
                    if self.hang_up_after is not None and count >= self.hang_up_after:
                        return
        finally:
            writer.close()


@contextmanager
def fake_qmp_thread(
    path: Path, hang_up_after: int | None = None, silent: frozenset[str] = frozenset()
) -> Iterator[FakeQmp]:
    """Run a :class:`FakeQmp` on its own event loop in a thread (for subprocess tests)."""
    fake = FakeQmp(path, hang_up_after, silent=silent)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def serve() -> asyncio.Server:
        return await asyncio.start_unix_server(fake.handle, path)

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(serve())
        ready.set()
        loop.run_forever()
        server.close()
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(server.wait_closed())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield fake
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
