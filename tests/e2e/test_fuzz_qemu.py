"""``qmpcontract fuzz`` against a real QEMU 7.2 (``-machine none``), as CI runs it.

The fuzzer starts QEMU itself, imports its ``query-qmp-schema`` as an extra
contract, and sends a bounded number of conforming and non-conforming requests
for read-only commands.  QEMU 7.2 must pass: every response and event checks
clean, every non-conforming request is refused, nothing hangs or crashes.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.fuzz.targets import forbidden

from ..qemu_harness import QEMU, have_qemu, qemu

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not have_qemu(), reason="needs qemu-system-x86_64"),
]
QEMU_ARGS = [QEMU, "-machine", "none", "-nodefaults", "-display", "none"]


def _summary(out: str) -> re.Match[str]:
    match = re.search(
        r"qmpcontract fuzz: (\d+) requests sent \((\d+) conforming, (\d+) non-conforming\) "
        r"to (\d+) commands of QEMU ([\d.]+) in [\d.]+ s, seed (\d+); (\d+) failure\(s\)",
        out,
    )
    assert match is not None, out
    return match


def test_fuzz_a_launched_qemu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recording = tmp_path / "fuzz.jsonl"
    code = main(
        [
            "fuzz",
            "-o",
            str(recording),
            "--max-examples",
            "600",
            "--time-limit",
            "120",
            "--seed",
            "2026",
            "--",
            *QEMU_ARGS,
        ]
    )
    out = capsys.readouterr().out
    summary = _summary(out)
    assert code == 0, out
    sent, conforming, broken = int(summary[1]), int(summary[2]), int(summary[3])
    assert sent == 600 and conforming > 200 and broken > 100
    assert int(summary[4]) > 50  # query-* and qom-* of QEMU's own schema
    assert summary[5].startswith("7.2") and summary[7] == "0"
    records = [json.loads(line) for line in recording.read_text(encoding="utf-8").splitlines()]
    requests = [json.loads(r["raw"]) for r in records if r.get("dir") == "client"]
    assert requests[0]["execute"] == "qmp_capabilities"
    assert requests[1]["execute"] == "query-qmp-schema"
    assert not [r for r in requests if forbidden(r["execute"])]
    # Checked on its own, the recording is clean: the broken requests are marked in it as
    # meant to be refused, and QEMU refused each (expected refusals, not violations).
    assert main(["check", str(recording), "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (transcript,) = report["transcripts"]
    assert "qemu-introspection@7.2.22" in transcript["contracts"]
    assert transcript["summary"]["expected_refusals"] == broken
    assert not [f for f in report["findings"] if f["level"] == "MUST"]
    assert sum(1 for r in records if "expect_error" in r) == broken
    clients = {
        i
        for i, r in enumerate(r for r in records if r["type"] == "message")
        if r["dir"] == "client"
    }
    on_qemu = [f for f in report["findings"] if f["location"]["message_index"] not in clients]
    assert on_qemu == []


def test_fuzz_an_existing_monitor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with qemu(tmp_path) as sock:
        code = main(
            [
                "fuzz",
                "--connect",
                str(sock),
                "-o",
                str(tmp_path / "f.jsonl"),
                "--max-examples",
                "100",
                "--seed",
                "1",
            ]
        )
        out = capsys.readouterr().out
        # QEMU still serves after the fuzzer left; let the harness shut it down.
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(str(sock))
            client.settimeout(10)
            client.recv(4096)
            client.sendall(b'{"execute": "qmp_capabilities"}{"execute": "quit"}')
            while client.recv(4096):
                pass
    assert code == 0, out
    assert _summary(out)[1] == "100"


def test_qemu_refuses_noncharacters_in_strings(tmp_path: Path) -> None:
    # Found by the fuzzer: RFC 8259 allows Unicode noncharacters in strings, QEMU 7.2's
    # parser does not, and says so with an error that carries no id (so a client cannot
    # tell which request it answers).  The generators leave noncharacters out.
    with qemu(tmp_path) as sock, socket.socket(socket.AF_UNIX) as client:
        client.connect(str(sock))
        client.settimeout(10)
        client.recv(65536)
        received = bytearray()
        for request, lines in (
            (b'{"execute": "qmp_capabilities", "id": 1}\n', 1),
            (b'{"execute": "qom-list", "arguments": {"path": "\\ufdec"}, "id": 2}\n', 2),
            (b'{"execute": "quit", "id": 3}\n', 4),  # SHUTDOWN, then the return
        ):
            client.sendall(request)
            while received.count(b"\r\n") < lines:
                received += client.recv(65536)
    replies = [json.loads(line) for line in received.decode().split("\r\n") if line.strip()]
    parse_error = next(r for r in replies if "error" in r)
    assert "id" not in parse_error
    assert (
        parse_error["error"]["desc"] == "JSON parse error, \\ufdec is not a valid Unicode character"
    )
