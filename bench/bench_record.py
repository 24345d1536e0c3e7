"""Benchmark: the recording proxy, against talking to the peer directly.

A scripted QMP peer on a unix socket (1) streams EVENTS events to the client
and hangs up, and (2) answers ROUND_TRIPS requests one by one.  Each is timed
with the client connected directly (the baseline) and through the recorder
(``RecordingProxy`` writing a recording to a temporary file), in the same
process and event loop; the ratios are what recording costs.  Median of
several runs.  Not a test: run it by hand or in CI's log.

    python bench/bench_record.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from qmpcontract.record.endpoints import Endpoint
from qmpcontract.record.proxy import RecordingProxy
from qmpcontract.record.writer import RecordingWriter

EVENTS = 20_000
ROUND_TRIPS = 2_000
RUNS = 5
EVENT = (
    b'{"timestamp": {"seconds": 1795658598, "microseconds": 5412}, "event": '
    b'"JOB_STATUS_CHANGE", "data": {"status": "running", "id": "stream0"}}\r\n'
)


async def _peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b'{"QMP": {"version": {}, "capabilities": []}}\r\n')
    mode = await reader.readline()
    if mode.startswith(b'{"execute": "events"'):
        for _ in range(EVENTS // 100):
            writer.write(EVENT * 100)
            await writer.drain()
    else:
        while await reader.readline():
            writer.write(b'{"return": {}}\r\n')
            await writer.drain()
    writer.close()


async def _events(path: Path) -> None:
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(b'{"execute": "events"}\n')
    total = len(await reader.read())
    assert total >= EVENTS * len(EVENT), total
    writer.close()


async def _round_trips(path: Path) -> None:
    reader, writer = await asyncio.open_unix_connection(path)
    await reader.readline()
    writer.write(b'{"execute": "round-trips"}\n')
    for _ in range(ROUND_TRIPS):
        writer.write(b'{"execute": "query-status"}\n')
        await reader.readline()
    writer.close()


async def _measure(work: Callable[[Path], Awaitable[None]], tmp: Path) -> tuple[float, float]:
    server = await asyncio.start_unix_server(_peer, tmp / "peer.sock")
    output = RecordingWriter(tmp / "rec.jsonl")
    proxy = RecordingProxy(output, Endpoint(path=tmp / "peer.sock"))
    front = await Endpoint(path=tmp / "proxy.sock").serve(proxy.handle)
    direct: list[float] = []
    recorded: list[float] = []
    for _ in range(RUNS):
        for target, samples in ((tmp / "peer.sock", direct), (tmp / "proxy.sock", recorded)):
            start = time.perf_counter()
            await work(target)
            samples.append(time.perf_counter() - start)
        await proxy.wait_idle()
    front.close()
    server.close()
    output.finish()
    return statistics.median(direct), statistics.median(recorded)


def main() -> int:
    """Run the benchmark and print the ratios; return 0."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for label, work, count in (
            (f"{EVENTS} events, QEMU to client", _events, EVENTS),
            (f"{ROUND_TRIPS} request/response round trips", _round_trips, ROUND_TRIPS),
        ):
            direct, recorded = asyncio.run(_measure(work, tmp))
            print(
                f"{label}: direct {direct * 1000:.1f} ms, recorded {recorded * 1000:.1f} ms "
                f"({recorded / direct:.1f}x; {count / recorded:,.0f} messages/s recorded)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
