"""A live QMP session for the fuzzer: ``qemu.qmp`` behind our recorder, on its own thread.

The fuzzer's loop is synchronous (hypothesis drives it); ``qemu.qmp`` and the
recorder are asyncio.  :class:`LiveSession` runs an event loop on a thread,
relays the client through a :class:`~qmpcontract.record.proxy.RecordingProxy`
(so the whole session is recorded byte for byte), and offers blocking calls
with a timeout.  :class:`LaunchedQemu` starts QEMU with a private monitor.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from qemu.qmp import ExecuteError, QMPClient
from qemu.qmp.message import Message

from qmpcontract.errors import UsageError
from qmpcontract.model.versions import QemuVersion
from qmpcontract.record.endpoints import Endpoint
from qmpcontract.record.proxy import RecordingProxy
from qmpcontract.record.writer import RecordingWriter

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What became of one request."""

    kind: str  # "return", "error", "timeout" or "lost" (the connection went away)
    reply: dict[str, Any] | None = None
    detail: str = ""
    seconds: float = 0.0


class LiveSession:
    """One recorded QMP session with a live QEMU at *target*."""

    def __init__(self, target: Endpoint, recording: Path, note: str) -> None:
        self.target = target
        self._dir = Path(tempfile.mkdtemp(prefix="qmpcontract-fuzz-"))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        try:
            self._writer = RecordingWriter(recording, note)
        except OSError as exc:
            self._stop_loop()
            raise UsageError(f"cannot write {recording}: {exc.strerror or exc}") from exc
        self._proxy = RecordingProxy(self._writer, target)
        self._server: asyncio.Server | None = None
        self.client = QMPClient("qmpcontract-fuzz")
        self.version = QemuVersion(0, 0)

    def _run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def open(self, timeout: float = 30.0) -> QemuVersion:
        """Connect and negotiate; return QEMU's version from the greeting.

        :raise UsageError: if QEMU cannot be reached.
        """
        listen = Endpoint(path=self._dir / "proxy.sock")
        self._server = self._run(listen.serve(self._proxy.handle))
        try:
            self._run(self.client.connect(str(listen.path)), timeout)
        except Exception as exc:  # qemu.qmp wraps every failure in ConnectError
            raise UsageError(f"cannot open a QMP session with {self.target}: {exc}") from exc
        greeting = self.client.greeting
        if greeting is None:
            raise UsageError(f"{self.target} sent no QMP greeting")
        qemu = greeting.QMP.version.get("qemu")
        try:
            assert isinstance(qemu, dict)
            self.version = QemuVersion(int(qemu["major"]), int(qemu["minor"]), int(qemu["micro"]))
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{self.target}: the greeting has no QEMU version") from exc
        return self.version

    def send(
        self, request: dict[str, Any], timeout: float, expect_error: str | None = None
    ) -> Outcome:
        """Send *request* (the client adds an id); wait at most *timeout* seconds.

        *expect_error*, for a request meant to be refused, says what is wrong with
        it; the recording marks the request with it.
        """
        start = time.monotonic()
        self._proxy.expect_error = expect_error

        async def execute() -> object:
            return await self.client.execute_msg(Message(request))

        try:
            value = self._run(asyncio.wait_for(execute(), timeout))
        except ExecuteError as exc:
            return Outcome("error", dict(exc.received), str(exc), time.monotonic() - start)
        except TimeoutError:
            return Outcome("timeout", None, f"no response in {timeout:g} s", timeout)
        except Exception as exc:  # the connection or QEMU went away
            return Outcome("lost", None, f"{type(exc).__name__}: {exc}", time.monotonic() - start)
        return Outcome("return", {"return": value}, "", time.monotonic() - start)

    def close(self) -> None:
        """Disconnect, stop the recorder and close the recording."""
        try:
            self._run(self._disconnect(), 30)
        finally:
            self._writer.finish()
            self._stop_loop()
            shutil.rmtree(self._dir, ignore_errors=True)

    async def _disconnect(self) -> None:
        with contextlib.suppress(Exception):  # QEMU may be gone; the recording says so
            await self.client.disconnect()
        if self._server is not None:
            self._server.close()
        try:
            await asyncio.wait_for(self._proxy.wait_idle(), 5)
        except TimeoutError:
            await self._proxy.cancel_all()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


class LaunchedQemu:
    """QEMU started by the fuzzer with a private QMP monitor socket."""

    def __init__(self, command: Sequence[str], timeout: float = 30.0) -> None:
        if not command:
            raise UsageError("no QEMU command given (fuzz -- qemu-system-x86_64 ...)")
        self._dir = Path(tempfile.mkdtemp(prefix="qmpcontract-fuzz-qemu-"))
        self.monitor = self._dir / "qmp.sock"
        try:
            self.process = subprocess.Popen(
                [*command, "-qmp", f"unix:{self.monitor},server=on,wait=off"],
                stdin=subprocess.DEVNULL,
            )
        except OSError as exc:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise UsageError(f"cannot start {command[0]}: {exc.strerror or exc}") from exc
        deadline = time.monotonic() + timeout
        while not self.monitor.exists():
            if self.process.poll() is not None:
                self.stop()
                raise UsageError(f"QEMU exited with status {self.process.returncode} at start")
            if time.monotonic() > deadline:
                self.stop()
                raise UsageError(f"QEMU's monitor socket did not appear in {timeout:g} s")
            time.sleep(0.02)

    @property
    def endpoint(self) -> Endpoint:
        """Where the monitor listens."""
        return Endpoint(path=self.monitor)

    def died(self) -> str | None:
        """How QEMU ended, if it already has (a crash or an exit during fuzzing)."""
        status = self.process.poll()
        if status is None:
            return None
        return f"killed by signal {-status}" if status < 0 else f"exited with status {status}"

    def stop(self) -> int | None:
        """Terminate QEMU (SIGTERM: a clean shutdown); return its exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._dir, ignore_errors=True)
        return self.process.returncode
