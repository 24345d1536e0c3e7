"""Drive a real QEMU over QMP and record the traffic, for fixtures and end-to-end tests.

This is test infrastructure, not the product's recorder: a small synchronous
QMP client that writes everything it sends and receives in qmpcontract's
recording format (one JSON record per message, exact text), and helpers that
start QEMU (``-machine none``) with a QMP unix socket, optionally behind a
``socat -v`` proxy whose log is a second, independent recording.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qmpcontract.read.splitter import Splitter

QEMU = "qemu-system-x86_64"


def have_qemu() -> bool:
    """True if QEMU, qemu-img, qemu-io and socat are installed."""
    return all(shutil.which(t) for t in (QEMU, "qemu-img", "qemu-io", "socat"))


def _wait_for(path: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.01)


@contextmanager
def qemu(workdir: Path, pretty: bool = False) -> Iterator[Path]:
    """Run QEMU with a QMP unix socket in *workdir*; yield the socket path.

    With *pretty*, the monitor pretty-prints its output (``pretty=on``).
    """
    sock = workdir / "qmp.sock"
    monitor = (
        [
            "-chardev",
            f"socket,id=mon,path={sock},server=on,wait=off",
            "-mon",
            "chardev=mon,mode=control,pretty=on",
        ]
        if pretty
        else ["-qmp", f"unix:{sock},server=on,wait=off"]
    )
    proc = subprocess.Popen(
        [QEMU, "-machine", "none", "-nodefaults", "-display", "none", *monitor],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(sock)
        yield sock
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def socat_proxy(target: Path, workdir: Path) -> Iterator[tuple[Path, Path]]:
    """A ``socat -v`` proxy in front of *target*; yield (proxy socket, log file)."""
    proxy = workdir / "proxy.sock"
    log = workdir / "socat.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            ["socat", "-v", f"UNIX-LISTEN:{proxy}", f"UNIX-CONNECT:{target}"],
            stderr=handle,
            stdout=subprocess.DEVNULL,
        )
        try:
            _wait_for(proxy)
            yield proxy, log
        finally:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait()


def make_images(workdir: Path, data_mib: int = 16) -> None:
    """base.qcow2 holding *data_mib* MiB of data; top.qcow2 and top2.qcow2 backed by it."""
    size = f"{max(64, data_mib * 2)}M"
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "base.qcow2", size], cwd=workdir, check=True
    )
    subprocess.run(
        ["qemu-io", "-f", "qcow2", "-c", f"write -P 0x55 0 {data_mib}M", "base.qcow2"],
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for top in ("top.qcow2", "top2.qcow2"):
        subprocess.run(
            [
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                "-b",
                "base.qcow2",
                "-F",
                "qcow2",
                top,
                size,
            ],
            cwd=workdir,
            check=True,
        )


class Client:
    """A synchronous QMP client that records every message in our format."""

    def __init__(self, sock: Path, recording: Path, session: int = 0) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(str(sock))
        self.sock.settimeout(30)
        self.out = recording.open("a", encoding="utf-8")
        self.session = session
        self.splitter = Splitter()
        self.inbox: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self._write({"type": "open", "session": session, "t": time.time()})
        self.greeting = self._receive()

    def _write(self, record: dict[str, Any]) -> None:
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()

    def _receive(self) -> dict[str, Any]:
        while not self.inbox:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("QEMU closed the connection")
            for segment in self.splitter.feed(data.decode()):
                self._write(
                    {
                        "type": "message",
                        "session": self.session,
                        "dir": "server",
                        "t": time.time(),
                        "raw": segment.text,
                    }
                )
                self.inbox.append(json.loads(segment.text))
        return self.inbox.pop(0)

    def send_raw(self, text: str) -> None:
        """Send *text* followed by a newline, recording it as one message."""
        self._write(
            {
                "type": "message",
                "session": self.session,
                "dir": "client",
                "t": time.time(),
                "raw": text,
            }
        )
        self.sock.sendall(text.encode() + b"\n")

    def execute(
        self,
        command: str,
        arguments: dict[str, Any] | None = None,
        id: object = None,
        check: bool = True,
    ) -> dict[str, Any]:
        """Run a command; return its response (events seen meanwhile are kept)."""
        message: dict[str, Any] = {"execute": command}
        if arguments is not None:
            message["arguments"] = arguments
        if id is not None:
            message["id"] = id
        self.send_raw(json.dumps(message))
        while True:
            reply = self._receive()
            if "event" in reply:
                self.events.append(reply)
                continue
            if check and "error" in reply:
                raise RuntimeError(f"{command}: {reply['error']}")
            return reply

    def wait_event(self, name: str, timeout: float = 30.0, **data: object) -> dict[str, Any]:
        """Wait for an event called *name* whose data contain *data*."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event["event"] == name and all(
                    event.get("data", {}).get(k) == v for k, v in data.items()
                ):
                    self.events.remove(event)
                    return event
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {name} {data}")
            reply = self._receive()
            if "event" in reply:
                self.events.append(reply)

    def close(self, reason: str = "client-closed") -> None:
        """Close the connection and record it."""
        self.sock.close()
        self._write({"type": "close", "session": self.session, "t": time.time(), "reason": reason})
        self.out.close()


def start_recording(path: Path, note: str) -> None:
    """Write the header record of a new recording."""
    header = {
        "type": "header",
        "format": "qmpcontract-recording",
        "version": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "tool": "qmpcontract tests/qemu_harness.py",
        "note": note,
    }
    path.write_text(json.dumps(header) + "\n", encoding="utf-8")


def block_job_session(client: Client) -> None:
    """The reference scenario: a stream job, a cancelled job, and errors."""
    client.execute("qmp_capabilities", id="caps")
    client.execute("query-version", id="version")
    client.execute(
        "blockdev-add",
        {
            "driver": "qcow2",
            "node-name": "base",
            "read-only": True,
            "file": {"driver": "file", "filename": "base.qcow2"},
        },
        id="add-base",
    )
    client.execute(
        "blockdev-add",
        {
            "driver": "qcow2",
            "node-name": "top",
            "backing": "base",
            "file": {"driver": "file", "filename": "top.qcow2"},
        },
        id="add-top",
    )
    client.execute(
        "blockdev-add",
        {
            "driver": "qcow2",
            "node-name": "top2",
            "backing": "base",
            "file": {"driver": "file", "filename": "top2.qcow2"},
        },
        id="add-top2",
    )
    # 1. A stream job to completion, polled while it runs.
    client.execute(
        "block-stream",
        {"job-id": "stream0", "device": "top", "speed": 8 * 1024 * 1024},
        id="stream",
    )
    client.execute("query-block-jobs", id="poll")
    client.execute("query-jobs", id="jobs")
    client.wait_event("BLOCK_JOB_COMPLETED", device="stream0")
    client.wait_event("JOB_STATUS_CHANGE", id="stream0", status="null")
    client.execute("query-block-jobs", id="after-stream")
    # 2. A job that is cancelled: auto-dismiss off, so it is dismissed by hand.
    client.execute(
        "block-stream",
        {"job-id": "stream1", "device": "top2", "speed": 1024 * 1024, "auto-dismiss": False},
        id="stream-slow",
    )
    client.execute("block-job-set-speed", {"device": "stream1", "speed": 512 * 1024}, id="slower")
    client.execute("block-job-cancel", {"device": "stream1"}, id="cancel")
    client.wait_event("BLOCK_JOB_CANCELLED", device="stream1")
    client.wait_event("JOB_STATUS_CHANGE", id="stream1", status="concluded")
    client.execute("job-dismiss", {"id": "stream1"}, id="dismiss")
    client.wait_event("JOB_STATUS_CHANGE", id="stream1", status="null")
    # 3. Errors.
    client.execute("block-stream", {"device": "no-such-node"}, id="bad-device", check=False)
    client.execute(
        "block-job-set-speed", {"device": "no-such-job", "speed": 1}, id="no-job", check=False
    )
    client.execute("job-cancel", {"id": "no-such-job"}, id="no-job-2", check=False)
    client.execute("no-such-command", id="unknown", check=False)
    client.execute("query-version", id={"nested": [1, "x", None]})
    client.execute("query-version")
    client.execute("blockdev-del", {"node-name": "top2"}, id="del-top2")
    client.execute("blockdev-del", {"node-name": "top"}, id="del-top")
    client.execute("blockdev-del", {"node-name": "base"}, id="del-base")
    client.execute("quit", id="quit")


def record_block_jobs(workdir: Path, recording: Path, via_socat: bool = False) -> Path | None:
    """Run the reference scenario against a fresh QEMU; return socat's log if used."""
    make_images(workdir)
    start_recording(
        recording,
        "block-stream to completion, a cancelled job, and errors (QEMU 7.2, -machine none)",
    )
    with qemu(workdir) as sock:
        if via_socat:
            with socat_proxy(sock, workdir) as (proxy, log):
                client = Client(proxy, recording)
                block_job_session(client)
                _drain(client)
                client.close("server-closed")
                return log
        client = Client(sock, recording)
        block_job_session(client)
        _drain(client)
        client.close("server-closed")
    return None


def _drain(client: Client) -> None:
    """Read until QEMU closes the connection (after 'quit'), recording the rest."""
    try:
        while True:
            reply = client._receive()
            client.events.append(reply)
    except (ConnectionError, OSError):
        pass


if __name__ == "__main__":  # regenerate the committed fixture
    import sys
    import tempfile

    target = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        record_block_jobs(Path(tmp), target)
