"""Overlong lines and messages, in every transcript format: bounded memory, located errors.

The readers keep at most ``MAX_MESSAGE`` (64 MiB) of one message; longer ones
are delimited exactly, reported as not parsed, and the messages after them are
read normally.  Here the limit is lowered to 64 KiB so that a 3 MiB line shows
the behaviour quickly; ``test_a_gigabyte_line`` runs the real limit on a real
1 GB line in a subprocess and measures its memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.read import libvirt_log, recording, replies, socat, stream

LIMIT = 64 * 1024
HUGE = 3 * 1024 * 1024
GREETING = (
    '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, '
    '"capabilities": []}}'
)
REQUEST = '{"execute": "qmp_capabilities", "id": 1}'
LONG = '{"execute": "query-status", "arguments": {"x": "' + "a" * HUGE + '"}, "id": 2}'
AFTER = '{"return": {}, "id": 1}'


def _record(direction: str, raw: str) -> str:
    message = {"type": "message", "session": 0, "dir": direction, "t": 1.0, "raw": raw}
    return json.dumps(message)


def _libvirt(text: str, probe: str) -> str:
    return f"2026-11-25 23:26:43.283+0000: 17844: info : qemuMonitorIOWrite:366 : {probe}{text}"


CASES = {
    "stream.txt": "\n".join([GREETING, REQUEST, LONG, AFTER]) + "\n",
    "recording.jsonl": "\n".join(
        [
            json.dumps({"type": "header", "format": "qmpcontract-recording", "version": 1}),
            json.dumps({"type": "open", "session": 0, "t": 1.0}),
            _record("server", GREETING),
            _record("client", REQUEST),
            _record("client", LONG),
            _record("server", AFTER),
        ]
    )
    + "\n",
    "probe.replies": "\n\n".join([REQUEST, LONG, AFTER]) + "\n",
    "monitor.log": "\n".join(
        [
            _libvirt("mon=0x7f01 vm=0x7f02 name=vm", "QEMU_MONITOR_NEW: "),
            _libvirt(f"mon=0x7f01 buf={REQUEST}\r", "QEMU_MONITOR_IO_WRITE: "),
            f" len={len(REQUEST) + 2} ret={len(REQUEST) + 2} errno=0",
            _libvirt(f"mon=0x7f01 buf={LONG}\r", "QEMU_MONITOR_IO_WRITE: "),
            " len=1 ret=1 errno=0",
        ]
    )
    + "\n",
}


@pytest.fixture
def low_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (stream, replies, socat, libvirt_log):
        monkeypatch.setattr(module, "MAX_MESSAGE", LIMIT)
    monkeypatch.setattr(recording, "MAX_RECORD", 2 * LIMIT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_overlong_message_is_reported_and_reading_goes_on(
    name: str, tmp_path: Path, low_limits: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_text(CASES[name], encoding="utf-8")
    assert main(["check", str(path), "--output", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    (transcript,) = report["transcripts"]
    overlong = [f for f in report["findings"] if "longer than" in f["message"]]
    assert len(overlong) == 1, report["findings"]
    assert overlong[0]["location"]["file"] == str(path)
    assert overlong[0]["location"]["line"] is not None
    counts = transcript["summary"]["by_kind"]
    assert counts.get("invalid") == 1  # the overlong one; every other message was read
    assert sum(counts.values()) == transcript["summary"]["messages"]


@pytest.mark.slow
def test_a_gigabyte_line(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("w", encoding="ascii") as out:
        out.write(GREETING + "\n" + '{"execute": "x", "arguments": {"s": "')
        block = "a" * (1 << 20)
        for _ in range(1024):
            out.write(block)
        out.write('"}}\n' + AFTER + "\n")
    code = (
        "import sys\n"
        "from qmpcontract.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        # VmHWM, not ru_maxrss: Linux carries that over exec from the forking pytest
        "peak = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        "print('MAXRSS', peak[0], file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "check", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30)),
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "longer than the 64 MiB qmpcontract reads" in done.stdout
    maxrss_kib = int(done.stderr.split("MAXRSS")[1].split()[0])
    assert maxrss_kib < 512 * 1024, f"{maxrss_kib} KiB for a 1 GiB line"
