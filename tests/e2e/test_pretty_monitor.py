"""A real QEMU monitor with ``pretty=on``: its raw output is a valid 'stream' transcript."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from qmpcontract.cli import main

from ..qemu_harness import QEMU, have_qemu

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not have_qemu(), reason="needs qemu-system-x86_64"),
]

REQUESTS = [
    b'{"execute": "qmp_capabilities", "id": "caps"}\n',
    b'{"execute": "query-version", "id": "v"}\n',
    b'{"execute": "query-block-jobs", "id": "jobs"}\n',
    b'{"execute": "quit", "id": "quit"}\n',
]


def _read_until(sock: socket.socket, count: int, buffer: bytearray) -> None:
    """Read until *count* complete top-level objects have arrived (or EOF)."""
    while buffer.count(b"\r\n}\r\n") < count:
        data = sock.recv(65536)
        if not data:
            return
        buffer += data


def test_pretty_printed_monitor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mon.sock"
    proc = subprocess.Popen(
        [
            QEMU,
            "-machine",
            "none",
            "-nodefaults",
            "-display",
            "none",
            "-chardev",
            f"socket,id=mon,path={path},server=on,wait=off",
            "-mon",
            "chardev=mon,mode=control,pretty=on",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        transcript = bytearray()
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(path))
            sock.settimeout(10)
            received = bytearray()
            _read_until(sock, 1, received)  # the greeting
            transcript += received
            for expected, request in enumerate(REQUESTS, start=2):
                sock.sendall(request)
                transcript += request
                before = len(received)
                _read_until(
                    sock,
                    expected + (1 if request.startswith(b'{"execute": "quit"') else 0),
                    received,
                )
                transcript += received[before:]
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert b'{\r\n    "QMP": {' in transcript  # really pretty-printed
    stream = tmp_path / "pretty.txt"
    stream.write_bytes(bytes(transcript))
    assert main(["check", str(stream), "--fail-on", "may"]) == 0
    out = capsys.readouterr().out
    assert "0 findings" in out
    assert "(1 event, 1 greeting, 4 request, 4 success)" in out
