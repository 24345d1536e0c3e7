"""A real QEMU monitor with ``pretty=on``: its raw output is a valid 'stream' transcript."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from qmpcontract.cli import main

from ..qemu_harness import have_qemu, qemu

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
    transcript = bytearray()
    with qemu(tmp_path, pretty=True) as path, socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(path))
        sock.settimeout(10)
        received = bytearray()
        _read_until(sock, 1, received)  # the greeting
        transcript += received
        for expected, request in enumerate(REQUESTS, start=2):
            sock.sendall(request)
            transcript += request
            before = len(received)
            quitting = request.startswith(b'{"execute": "quit"')
            _read_until(sock, expected + (1 if quitting else 0), received)
            transcript += received[before:]
    assert b'{\r\n    "QMP": {' in transcript  # really pretty-printed
    stream = tmp_path / "pretty.txt"
    stream.write_bytes(bytes(transcript))
    assert main(["check", str(stream), "--fail-on", "may"]) == 0
    out = capsys.readouterr().out
    assert "0 findings" in out
    assert "(1 event, 1 greeting, 4 request, 4 success)" in out
