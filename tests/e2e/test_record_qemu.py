"""``qmpcontract record`` with a real QEMU 7.2, a real QMP client (``qemu.qmp``) and ``socat -v``.

- QEMU started by the recorder, driven by ``qemu.qmp`` through a block-stream
  job, a cancelled job and a mirror job to READY and completion: the
  recording checks clean.
- The recorder chained in front of a ``socat -v`` proxy: each direction's
  bytes in our recording equal the bytes in socat's log.
- Faults: a client hanging up inside a message, QEMU killed with SIGKILL while
  a job runs: every byte received before the fault is in the recording and
  the session is marked truncated, which ``check`` reports.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from qemu.qmp import QMPClient

from qmpcontract.cli import main
from qmpcontract.read.messages import Direction
from qmpcontract.read.recording import recording_streams

from ..qemu_harness import QEMU, have_qemu, make_images, qemu, socat_proxy

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not have_qemu(), reason="needs qemu-system-x86_64, qemu-img and socat"),
]
QEMU_ARGS = [QEMU, "-machine", "none", "-nodefaults", "-display", "none"]


def _wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, f"exited with {proc.returncode}"
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)


@contextmanager
def recorder(workdir: Path, *args: str) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """``qmpcontract record -o rec.jsonl --listen rec.sock ARGS``; yield it and its socket."""
    listen = workdir / "rec.sock"
    command = [sys.executable, "-m", "qmpcontract", "record", "-o", "rec.jsonl"]
    with subprocess.Popen(
        [*command, "--listen", str(listen), *args], cwd=workdir, stderr=subprocess.PIPE
    ) as proc:
        try:
            _wait_for(listen, proc)
            yield proc, listen
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(30)


def _streams(path: Path) -> dict[tuple[int, Direction], bytes]:
    with path.open("rb") as source:
        return recording_streams(source)


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def _wait_event(client: QMPClient, name: str, **data: object) -> dict[str, object]:
    async def matching() -> dict[str, object]:
        async for event in client.events:
            fields = event.get("data", {})
            assert isinstance(fields, dict)
            if event["event"] == name and all(fields.get(k) == v for k, v in data.items()):
                return dict(event)
        raise AssertionError("event stream ended")

    return await asyncio.wait_for(matching(), 60)


async def _add_qcow2(
    client: QMPClient, node: str, backing: str | None = None, read_only: bool = False
) -> None:
    """blockdev-add the qcow2 image NODE.qcow2 as node *node*."""
    options: dict[str, object] = {
        "driver": "qcow2",
        "node-name": node,
        "file": {"driver": "file", "filename": f"{node}.qcow2"},
    }
    if backing:
        options["backing"] = backing
    if read_only:
        options["read-only"] = True
    await client.execute("blockdev-add", options)


async def _block_jobs(sock: Path) -> None:
    """Stream to completion, a cancelled stream, a mirror to READY then completed; quit."""
    client = QMPClient("record-e2e")
    await client.connect(str(sock))
    # The recording then also checks against QEMU's own schema, 'any' returns included.
    await client.execute("query-qmp-schema")
    assert (
        await client.execute("qom-get", {"path": "/machine", "property": "type"}) == "none-machine"
    )
    await _add_qcow2(client, "base", read_only=True)
    for node in ("top", "top2"):
        await _add_qcow2(client, node, backing="base")
    await _add_qcow2(client, "target")
    # 1. A stream job to completion.
    await client.execute("block-stream", {"job-id": "stream0", "device": "top"})
    await _wait_event(client, "BLOCK_JOB_COMPLETED", device="stream0")
    # 2. A slow stream job, cancelled, dismissed by hand.
    await client.execute(
        "block-stream",
        {"job-id": "stream1", "device": "top2", "speed": 1024 * 1024, "auto-dismiss": False},
    )
    await client.execute("job-cancel", {"id": "stream1"})
    await _wait_event(client, "BLOCK_JOB_CANCELLED", device="stream1")
    await _wait_event(client, "JOB_STATUS_CHANGE", id="stream1", status="concluded")
    await client.execute("job-dismiss", {"id": "stream1"})
    # 3. A mirror to READY, then completed.
    await client.execute(
        "blockdev-mirror",
        {"job-id": "mirror0", "device": "top", "target": "target", "sync": "full"},
    )
    await _wait_event(client, "BLOCK_JOB_READY", device="mirror0")
    jobs = await client.execute("query-block-jobs")
    assert isinstance(jobs, list) and jobs[0]["ready"] is True
    await client.execute("job-complete", {"id": "mirror0"})
    await _wait_event(client, "BLOCK_JOB_COMPLETED", device="mirror0")
    await client.execute("quit")
    with suppress(EOFError):  # qemu.qmp reports QEMU's hang-up after quit as EOFError
        await client.disconnect()


def test_qemu_started_by_the_recorder_block_jobs_check_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_images(tmp_path)
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "target.qcow2", "64M"],
        cwd=tmp_path,
        check=True,
    )
    with recorder(tmp_path, "--", *QEMU_ARGS) as (proc, sock):
        assert (os.stat(sock).st_mode & 0o777) == 0o600
        asyncio.run(_block_jobs(sock))
        assert proc.wait(30) == 0  # QEMU quit, so the recorder stops by itself
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
    assert f"connect QMP clients to unix:{sock}" in err
    assert "message(s) in 1 session(s) written to rec.jsonl" in err
    recording = tmp_path / "rec.jsonl"
    records = _records(recording)
    # After 'quit', either side may hang up first: qemu.qmp disconnects as soon as
    # it has the return, QEMU as it exits.
    assert records[-1]["type"] == "close"
    assert records[-1]["reason"] in ("server-closed", "client-closed")
    events = {json.loads(str(r["raw"])).get("event") for r in records if r.get("dir") == "server"}
    assert {"BLOCK_JOB_READY", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_COMPLETED"} <= events
    assert main(["check", str(recording), "--fail-on", "may"]) == 0
    out = capsys.readouterr().out
    assert "0 findings" in out and "block-jobs@2.5.0" in out
    assert "qemu-introspection@7.2" in out


def _socat_streams(log: Path) -> dict[Direction, bytes]:
    """Each direction's bytes from a ``socat -v`` log, by the header's ``length`` (an oracle
    independent of qmpcontract's own socat reader)."""
    header = re.compile(rb"([<>]) \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+  length=(\d+) from=(\d+)")
    data = log.read_bytes()
    streams = {Direction.CLIENT: bytearray(), Direction.SERVER: bytearray()}
    pos = 0
    while (match := header.search(data, pos)) is not None:
        stream = streams[Direction.CLIENT if match[1] == b">" else Direction.SERVER]
        assert int(match[3]) == len(stream), "socat's offsets are contiguous"
        pos = data.index(b"\n", match.end()) + 1
        chunk = bytearray()
        while len(chunk) < int(match[2]):
            if data[pos : pos + 2] in (b"\\r", b"\\\\"):
                chunk += b"\r" if data[pos + 1 : pos + 2] == b"r" else b"\\"
                pos += 2
            else:
                chunk.append(data[pos])
                pos += 1
        stream += chunk
    return {d: bytes(s) for d, s in streams.items()}


async def _short_session(sock: Path) -> None:
    client = QMPClient("record-socat")
    await client.connect(str(sock))
    await client.execute("query-version")
    await _add_qcow2(client, "top")
    await client.execute("block-stream", {"job-id": "s", "device": "top"})
    await _wait_event(client, "BLOCK_JOB_COMPLETED", device="s")
    with suppress(Exception):
        await client.execute("no-such-command")
    await client.execute("quit")
    with suppress(EOFError):
        await client.disconnect()


def test_recording_equals_socat_byte_for_byte(tmp_path: Path) -> None:
    make_images(tmp_path)
    with (
        qemu(tmp_path) as qemu_sock,
        socat_proxy(qemu_sock, tmp_path) as (socat_sock, log),
        recorder(tmp_path, "--connect", str(socat_sock), "--once") as (proc, sock),
    ):
        asyncio.run(_short_session(sock))
        assert proc.wait(30) == 0
    ours = _streams(tmp_path / "rec.jsonl")
    theirs = _socat_streams(log)
    assert theirs[Direction.SERVER].startswith(b'{"QMP": ')
    assert b"BLOCK_JOB_COMPLETED" in theirs[Direction.SERVER]
    assert ours[(0, Direction.CLIENT)] == theirs[Direction.CLIENT]
    assert ours[(0, Direction.SERVER)] == theirs[Direction.SERVER]


def _receive_all(
    sock: socket.socket, into: bytearray, until: bytes | None = None, count: int = 1
) -> None:
    """Receive until *until* occurs *count* times in *into* (or, without it, until EOF)."""
    while until is None or into.count(until) < count:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return
        if not data:
            return
        into += data


def test_client_hanging_up_mid_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sent = b'{"execute": "qmp_capabilities"}\r\n{"execute": "query-status"}\n{"execute": "query-'
    received = bytearray()
    with (
        qemu(tmp_path) as qemu_sock,
        recorder(tmp_path, "--connect", str(qemu_sock), "--once") as (proc, sock),
        socket.socket(socket.AF_UNIX) as client,
    ):
        client.connect(str(sock))
        client.settimeout(30)
        _receive_all(client, received, b"\r\n")
        client.sendall(sent)
        _receive_all(client, received, b'"running"')
        client.close()
        assert proc.wait(30) == 0
        # QEMU keeps serving: a new client still gets a greeting.
        with socket.socket(socket.AF_UNIX) as again:
            again.connect(str(qemu_sock))
            again.settimeout(30)
            assert again.recv(65536).startswith(b'{"QMP"')
            again.sendall(b'{"execute": "qmp_capabilities"}{"execute": "quit"}')
            _receive_all(again, bytearray())
    streams = _streams(tmp_path / "rec.jsonl")
    assert streams[(0, Direction.CLIENT)] == sent
    assert streams[(0, Direction.SERVER)].startswith(bytes(received))
    close = _records(tmp_path / "rec.jsonl")[-1]
    assert close["reason"] == "truncated"
    assert "the connection ended inside a client message" in str(close["note"])
    assert main(["check", str(tmp_path / "rec.jsonl")]) == 0  # truncation is MAY
    out = capsys.readouterr().out
    assert "qmpcontract/truncated" in out and "the recording ends inside this message" in out


def test_qemu_killed_mid_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_images(tmp_path, data_mib=32)
    received = bytearray()
    sent = bytearray()
    with (
        recorder(tmp_path, "--", *QEMU_ARGS, "-pidfile", str(tmp_path / "qemu.pid")) as (
            proc,
            sock,
        ),
        socket.socket(socket.AF_UNIX) as client,
    ):
        client.connect(str(sock))
        client.settimeout(30)
        _receive_all(client, received, b"\r\n")
        for request in (
            b'{"execute": "qmp_capabilities"}\n',
            b'{"execute": "blockdev-add", "arguments": {"driver": "qcow2", "node-name": "top",'
            b' "file": {"driver": "file", "filename": "top.qcow2"}}}\n',
            b'{"execute": "block-stream", "arguments": {"job-id": "slow", "device": "top",'
            b' "speed": 1048576}}\n',
        ):
            sent += request
            client.sendall(request)
            _receive_all(client, received, b'"return"', sent.count(b"\n"))
        _receive_all(client, received, b'"status": "running"')
        sent += b'{"execute": "query-block-jobs"}'  # a request QEMU never answers
        client.sendall(sent[-31:])
        os.kill(int((tmp_path / "qemu.pid").read_text()), signal.SIGKILL)
        _receive_all(client, received)
        assert proc.wait(30) == 1
        assert proc.stderr is not None
        assert "QEMU was killed by signal 9" in proc.stderr.read().decode()
    streams = _streams(tmp_path / "rec.jsonl")
    assert streams[(0, Direction.CLIENT)] == bytes(sent)
    assert streams[(0, Direction.SERVER)] == bytes(received)
    close = _records(tmp_path / "rec.jsonl")[-1]
    assert close["reason"] == "truncated"
    assert main(["check", str(tmp_path / "rec.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "session 0 was cut short" in out
