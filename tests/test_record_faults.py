"""The recorder under faults: clients that vanish, flood, never end a message; a full disk.

It must survive each, never lose a byte it already received (every byte relayed
is in the recording), and say what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

from qmpcontract.read.json_lexer import QEMU_LIMITS
from qmpcontract.read.messages import Direction, RawMessage
from qmpcontract.read.recording import read_recording, recording_streams
from qmpcontract.record.endpoints import Endpoint
from qmpcontract.record.proxy import RecordingProxy
from qmpcontract.record.writer import RecordingWriter

from .fake_qmp import FakeQmp, fake_qmp_thread


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _streams(path: Path) -> dict[tuple[int, Direction], bytes]:
    with path.open("rb") as source:
        return recording_streams(source)


async def _serve(
    tmp_path: Path, fake: FakeQmp
) -> tuple[asyncio.Server, asyncio.Server, RecordingProxy, RecordingWriter]:
    upstream = await asyncio.start_unix_server(fake.handle, fake.path)
    writer = RecordingWriter(tmp_path / "rec.jsonl")
    proxy = RecordingProxy(writer, Endpoint(path=fake.path))
    front = await Endpoint(path=tmp_path / "proxy.sock").serve(proxy.handle)
    return upstream, front, proxy, writer


def test_a_client_that_connects_and_closes_at_once(tmp_path: Path) -> None:
    async def run() -> None:
        fake = FakeQmp(tmp_path / "qemu.sock")
        upstream, front, proxy, writer = await _serve(tmp_path, fake)
        for _ in range(3):
            _, client = await asyncio.open_unix_connection(tmp_path / "proxy.sock")
            client.close()
        reader, client = await asyncio.open_unix_connection(tmp_path / "proxy.sock")
        assert (await reader.readline()).startswith(b'{"QMP"')  # still serving
        client.close()
        await asyncio.wait_for(proxy.wait_idle(), 10)
        front.close()
        upstream.close()
        writer.finish()

    asyncio.run(run())
    records = _records(tmp_path / "rec.jsonl")
    closes = [r for r in records if r["type"] == "close"]
    assert sorted(r["session"] for r in closes) == [0, 1, 2, 3]  # type: ignore[type-var]
    assert {r["reason"] for r in closes} <= {"client-closed", "truncated"}


def test_a_client_that_sends_faster_than_qemu_reads(tmp_path: Path) -> None:
    count = 20_000
    requests = b"".join(b'{"execute": "query-status", "id": %d}\n' % i for i in range(count))

    async def run() -> bytes:
        fake = FakeQmp(tmp_path / "qemu.sock")
        upstream, front, proxy, writer = await _serve(tmp_path, fake)
        reader, client = await asyncio.open_unix_connection(tmp_path / "proxy.sock")
        received = bytearray()

        async def read() -> None:
            while len(received.splitlines()) < count + 1:
                chunk = await reader.read(65536)
                if not chunk:
                    return
                received.extend(chunk)

        reading = asyncio.create_task(read())
        client.write(requests)  # all at once: the proxy must apply back-pressure, not buffer
        await client.drain()
        await asyncio.wait_for(reading, 60)
        client.close()
        await asyncio.wait_for(proxy.wait_idle(), 10)
        front.close()
        upstream.close()
        writer.finish()
        assert bytes(fake.received[0]) == requests
        return bytes(received)

    received = asyncio.run(run())
    streams = _streams(tmp_path / "rec.jsonl")
    assert streams[(0, Direction.CLIENT)] == requests
    assert streams[(0, Direction.SERVER)] == received
    messages = [r for r in _records(tmp_path / "rec.jsonl") if r["type"] == "message"]
    assert len(messages) == 2 * count + 1


def test_a_message_of_100_mib_without_an_end(tmp_path: Path) -> None:
    size = 100 * 1024 * 1024
    head = b'{"execute": "qmp_capabilities"}\n{"execute": "query-status", "arguments": {"x": "'

    async def run() -> None:
        fake = FakeQmp(tmp_path / "qemu.sock")
        upstream, front, proxy, writer = await _serve(tmp_path, fake)
        reader, client = await asyncio.open_unix_connection(tmp_path / "proxy.sock")
        await reader.readline()
        client.write(head)
        block = b"a" * (1024 * 1024)
        for _ in range(100):
            client.write(block)
            await client.drain()
        client.close()
        await asyncio.wait_for(proxy.wait_idle(), 60)
        front.close()
        upstream.close()
        writer.finish()
        assert len(fake.received[0]) == len(head) + size  # all relayed

    asyncio.run(run())
    streams = _streams(tmp_path / "rec.jsonl")
    assert len(streams[(0, Direction.CLIENT)]) == len(head) + size
    with (tmp_path / "rec.jsonl").open("rb") as source:
        items = list(read_recording(source, "rec.jsonl"))
    # QEMU refuses the input at its 64 MiB token limit ("JSON token size limit
    # exceeded") and reads the rest afresh: a word of 'a's the connection cut.
    client = [i for i in items if isinstance(i, RawMessage) and i.direction is Direction.CLIENT]
    refused, cut = client[-2:]
    assert refused.error is not None and refused.error.startswith("not valid JSON")
    # up to the string's first byte over 64 MiB (its quote and 64 MiB of 'a')
    assert len(refused.text) == len(head) - 32 + QEMU_LIMITS.size and not refused.truncated
    assert cut.truncated and len(cut.text) == size - QEMU_LIMITS.size
    assert _records(tmp_path / "rec.jsonl")[-1]["reason"] == "truncated"


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_a_full_disk_stops_the_recorder_and_says_so(tmp_path: Path) -> None:
    output = tmp_path / "rec.jsonl"
    with fake_qmp_thread(tmp_path / "qemu.sock"):
        listen = tmp_path / "proxy.sock"
        with subprocess.Popen(
            [
                sys.executable,
                "-m",
                "qmpcontract",
                "record",
                "-o",
                str(output),
                "--listen",
                str(listen),
                "--connect",
                str(tmp_path / "qemu.sock"),
            ],
            stderr=subprocess.PIPE,
            preexec_fn=_limit_file_size,
        ) as proc:
            deadline = time.monotonic() + 20
            while not listen.exists():
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
            with socket.socket(socket.AF_UNIX) as client:
                client.connect(str(listen))
                client.settimeout(10)
                with contextlib.suppress(OSError):  # the recorder hangs up: it cannot record
                    for i in range(1000):
                        client.sendall(b'{"execute": "query-status", "id": %d}\n' % i)
                        if not client.recv(65536):
                            break
            assert proc.wait(20) == 2
            assert proc.stderr is not None
            err = proc.stderr.read().decode()
    assert "error: cannot write" in err and "File too large" in err
    assert "the recording stops after" in err
    assert output.stat().st_size <= 4096
    with output.open("rb") as source:
        items = list(read_recording(source, "rec.jsonl"))  # readable up to the last full line
    assert any(getattr(i, "text", "").startswith('{"QMP"') for i in items)
