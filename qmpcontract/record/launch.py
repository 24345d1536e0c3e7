"""Run the recorder: as a standalone proxy, or around a QEMU it starts itself.

:func:`run_proxy` listens until it is stopped (SIGINT, SIGTERM) or, with
``once``, until its first session ends.  :func:`run_qemu` starts QEMU with an
extra QMP monitor on a private socket (``-qmp unix:...,server=on,wait=off``),
puts the proxy in front of it, tells the caller where clients connect, and
stops when QEMU exits; a SIGINT or SIGTERM to the recorder is passed on to QEMU
as SIGTERM, which QEMU treats as a shutdown request.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import shutil
import signal
import tempfile
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qmpcontract.errors import UsageError
from qmpcontract.record.endpoints import Endpoint
from qmpcontract.record.proxy import DRAIN_SECONDS, RecordingProxy
from qmpcontract.record.writer import RecordingWriter

_MONITOR_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What a recorder run produced."""

    sessions: int
    messages: int
    qemu_status: int | None = None  # QEMU's exit status; -N: killed by signal N
    failure: str | None = None  # why the recording could not be written to the end


@contextlib.contextmanager
def _signals(handler: Callable[[], None]) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, handler)
    try:
        yield
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _writer(output: Path, note: str | None) -> RecordingWriter:
    try:
        return RecordingWriter(output, note)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc


async def _shut(server: asyncio.Server, proxy: RecordingProxy, grace: float) -> None:
    """Stop accepting; give open sessions *grace* seconds to end, then end them."""
    server.close()
    try:
        await asyncio.wait_for(proxy.wait_idle(), grace)
    except TimeoutError:
        await proxy.cancel_all()
    await server.wait_closed()


async def run_proxy(
    listen: Endpoint,
    upstream: Endpoint,
    output: Path,
    *,
    once: bool = False,
    note: str | None = None,
    announce: Callable[[str], None] = lambda _: None,
) -> RecordResult:
    """Record every client of *listen*, relayed to *upstream*, into *output*.

    The first connection to *upstream* is opened before anything else (and
    serves the first client), so an unreachable monitor fails the run at once.

    :raise UsageError: if *upstream* cannot be reached, the output cannot be
        written or *listen* cannot be used.
    """
    try:
        first = await upstream.connect_or_fail()
    except UsageError as exc:
        raise UsageError(f"QEMU's monitor: {exc}; nothing was recorded") from exc
    try:
        writer = _writer(output, note)
    except UsageError:
        first[1].close()
        raise
    proxy = RecordingProxy(writer, upstream, first)
    stop = asyncio.Event()
    try:
        server = await listen.serve(proxy.handle)
        announce(f"recording to {output}; connect QMP clients to {listen.bound(server)}")
        with _signals(stop.set):
            waits: list[Coroutine[Any, Any, object]] = [stop.wait(), proxy.failed.wait()]
            if once:
                waits.append(_first_session_done(proxy))
            await _first_of(*waits)
            abrupt = stop.is_set() or proxy.failed.is_set()
            await _shut(server, proxy, 0.0 if abrupt else 1.0)
    finally:
        proxy.drop_spare()
        writer.finish()
        if listen.path is not None:
            with contextlib.suppress(OSError):
                listen.path.unlink()
    return RecordResult(proxy.sessions, proxy.messages, failure=writer.failure)


async def _first_of(*waits: Coroutine[Any, Any, Any]) -> None:
    """Wait until the first of *waits* finishes; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _first_session_done(proxy: RecordingProxy) -> None:
    while proxy.sessions == 0:
        await asyncio.sleep(0.05)
    await proxy.wait_idle()


async def _wait_for_monitor(path: Path, process: asyncio.subprocess.Process) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _MONITOR_TIMEOUT
    while not path.exists():
        if process.returncode is not None:
            raise UsageError(
                f"QEMU exited with status {process.returncode} before its monitor was up"
            )
        if loop.time() > deadline:
            process.kill()
            raise UsageError(f"QEMU's monitor socket did not appear in {_MONITOR_TIMEOUT:.0f} s")
        await asyncio.sleep(0.02)


async def run_qemu(
    command: Sequence[str],
    output: Path,
    *,
    listen: Endpoint | None = None,
    note: str | None = None,
    announce: Callable[[str], None] = lambda _: None,
) -> RecordResult:
    """Start *command* (a QEMU) with a recorded monitor; return when QEMU exits.

    :raise UsageError: if QEMU cannot be started or its monitor does not come up.
    """
    if not command:
        raise UsageError("no QEMU command given (record -o FILE -- qemu-system-x86_64 ...)")
    workdir = Path(tempfile.mkdtemp(prefix="qmpcontract-record-"))  # mode 0700
    try:
        monitor = workdir / "qemu-monitor.sock"
        listen = listen or Endpoint(path=workdir / "qmp.sock")
        writer = _writer(output, note or f"qemu: {shlex.join(command)}")
        proxy = RecordingProxy(writer, Endpoint(path=monitor))
        try:
            try:
                process = await asyncio.create_subprocess_exec(
                    *command, "-qmp", f"unix:{monitor},server=on,wait=off"
                )
            except OSError as exc:
                raise UsageError(f"cannot start {command[0]}: {exc.strerror or exc}") from exc
            with _signals(lambda: _terminate(process)):
                try:
                    # Listen only once QEMU's monitor is up: a client that finds
                    # the socket can talk to QEMU at once.
                    await _wait_for_monitor(monitor, process)
                    server = await listen.serve(proxy.handle)
                except UsageError:
                    _terminate(process)
                    await process.wait()
                    raise
                announce(f"recording to {output}; connect QMP clients to {listen.bound(server)}")
                await _first_of(process.wait(), proxy.failed.wait())
                if proxy.failed.is_set():
                    _terminate(process)  # QEMU's run is not recorded any more: end it
                    await _shut(server, proxy, 0.0)
                status = await process.wait()
                await _shut(server, proxy, DRAIN_SECONDS["server"] + 1.0)
        finally:
            writer.finish()
        return RecordResult(proxy.sessions, proxy.messages, status, writer.failure)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if listen is not None and listen.path is not None and workdir not in listen.path.parents:
            with contextlib.suppress(OSError):
                listen.path.unlink()


def _terminate(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
