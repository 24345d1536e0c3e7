"""Where the recorder listens and where it connects: unix socket paths or TCP ports.

An endpoint is written ``unix:PATH``, ``tcp:HOST:PORT`` or just ``PATH`` (a
unix socket).  Unix sockets the recorder listens on are created owner-only
(mode 0600): whoever can connect to a QMP monitor controls the virtual machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from qmpcontract.errors import UsageError

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
# QMP messages can be large (query-qmp-schema's reply is over 100 KiB); the
# proxy reads what is there, this is only asyncio's buffer limit.
_LIMIT = 1 << 20


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A unix socket path or a TCP host and port."""

    path: Path | None = None
    host: str = ""
    port: int = 0

    @classmethod
    def parse(cls, spec: str) -> Endpoint:
        """Parse ``unix:PATH``, ``tcp:HOST:PORT`` or ``PATH``.

        :raise UsageError: for a TCP endpoint without a valid port.
        """
        if spec.startswith("tcp:"):
            host, sep, port = spec[4:].rpartition(":")
            if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
                raise UsageError(f"{spec!r}: a TCP endpoint is tcp:HOST:PORT")
            return cls(host=host.strip("[]") or "127.0.0.1", port=int(port))
        path = spec[5:] if spec.startswith("unix:") else spec
        if not path:
            raise UsageError(f"{spec!r}: no socket path")
        return cls(path=Path(path))

    def __str__(self) -> str:
        if self.path is not None:
            return f"unix:{self.path}"
        return f"tcp:{self.host}:{self.port}"

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Open a connection to this endpoint."""
        if self.path is not None:
            return await asyncio.open_unix_connection(self.path, limit=_LIMIT)
        return await asyncio.open_connection(self.host, self.port, limit=_LIMIT)

    async def connect_or_fail(
        self, timeout: float = 10.0
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Open a connection to this endpoint, or say clearly why there is none.

        :raise UsageError: if nothing accepts the connection within *timeout* seconds.
        """
        try:
            return await asyncio.wait_for(self.connect(), timeout)
        except TimeoutError as exc:
            raise UsageError(f"cannot connect to {self}: no answer in {timeout:g} s") from exc
        except OSError as exc:
            raise UsageError(f"cannot connect to {self}: {exc.strerror or exc}") from exc

    async def serve(self, handler: Handler) -> asyncio.Server:
        """Listen on this endpoint; a unix socket is created with mode 0600.

        :raise UsageError: if the path is in use or the socket cannot be created.
        """
        try:
            if self.path is None:
                return await asyncio.start_server(handler, self.host, self.port, limit=_LIMIT)
            _remove_stale(self.path)
            old = os.umask(0o177)
            try:
                server = await asyncio.start_unix_server(handler, self.path, limit=_LIMIT)
            finally:
                os.umask(old)
            os.chmod(self.path, 0o600)
            return server
        except OSError as exc:
            raise UsageError(f"cannot listen on {self}: {exc.strerror or exc}") from exc

    def bound(self, server: asyncio.Server) -> Endpoint:
        """The endpoint the server is bound to (the real port for ``tcp:HOST:0``)."""
        if self.path is not None or not server.sockets:
            return self
        host, port = server.sockets[0].getsockname()[:2]
        return Endpoint(host=str(host), port=int(port))


def _remove_stale(path: Path) -> None:
    """Remove a socket file nobody listens on; refuse to touch anything else."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise UsageError(f"{path} exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except ConnectionRefusedError:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from exc
    finally:
        probe.close()
    raise UsageError(f"{path} is in use by another program")
