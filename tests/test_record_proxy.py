"""The recorder against a scripted QMP peer: bytes unchanged, every message recorded, faults.

The end-to-end tests with a real QEMU and a real libvirt are in ``tests/e2e``.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from qmpcontract.cli import main
from qmpcontract.errors import UsageError
from qmpcontract.model.session_builder import build_sessions
from qmpcontract.read.messages import BoundaryKind, Direction, RawMessage, SessionBoundary
from qmpcontract.read.recording import read_recording, record_schema, recording_streams
from qmpcontract.read.splitter import Splitter
from qmpcontract.record.endpoints import Endpoint
from qmpcontract.record.proxy import DirectionSplitter, Piece, RecordingProxy, _Session
from qmpcontract.record.writer import RecordingWriter

from .fake_qmp import FakeQmp, fake_qmp_thread

STREAM = (
    b'{"execute": "qmp_capabilities"}\r\n'
    b'{\n    "execute": "query-version",\n    "id": "caf\xc3\xa9 \xf0\x9f\x98\x80"\n}\n'
    b"garbage ]\xff\xfe {'single': \"quo}ted\"}  \t\n"
    b'[1, {"a": "}"}]{"b": 2}\r\n\r\n'
    b'{"unfinished": "\xe2\x82'
)


def _replay(pieces_and_tail: tuple[list[tuple[bytes, bytes]], bytes]) -> bytes:
    pieces, tail = pieces_and_tail
    return b"".join(pre + data for pre, data in pieces) + tail


def _split(stream: bytes, cuts: list[int]) -> tuple[list[tuple[bytes, bytes]], bytes]:
    splitter = DirectionSplitter()
    out: list[tuple[bytes, bytes]] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out += [(p.pre, p.data) for p in splitter.feed(stream[start:end])]
    last, tail = splitter.end()
    out += [(p.pre, p.data) for p in last]
    return out, tail


def test_direction_splitter_is_lossless_however_the_bytes_arrive() -> None:
    whole = _split(STREAM, [])
    # The messages are the ones QEMU's parser would see, as exact bytes.
    expected = Splitter()
    text = STREAM.decode("utf-8", "surrogateescape")
    segments = [s.text for s in expected.feed(text)]
    end = expected.end()
    assert end is not None and not end.complete
    segments.append(end.text)
    assert [d.decode("utf-8", "surrogateescape") for _, d in whole[0]] == segments
    assert _replay(whole) == STREAM
    rng = random.Random(8)
    for _ in range(300):
        cuts = sorted(rng.sample(range(1, len(STREAM)), rng.randint(1, 30)))
        assert _split(STREAM, cuts) == whole, cuts
    one_byte = _split(STREAM, list(range(1, len(STREAM))))
    assert one_byte == whole


def _streams(path: Path) -> dict[tuple[int, Direction], bytes]:
    with path.open("rb") as source:
        return recording_streams(source)


def _records(path: Path) -> list[dict[str, object]]:
    validator = Draft202012Validator(record_schema())
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in records:
        validator.validate(record)
    return records


async def _with_proxy(
    tmp_path: Path,
    script: Callable[[Path], Awaitable[None]],
    fake: FakeQmp | None = None,
) -> tuple[FakeQmp, Path]:
    fake = fake or FakeQmp(tmp_path / "qemu.sock")
    server = await asyncio.start_unix_server(fake.handle, fake.path)
    output = tmp_path / "rec.jsonl"
    writer = RecordingWriter(output)
    proxy = RecordingProxy(writer, Endpoint(path=fake.path))
    listen = Endpoint(path=tmp_path / "proxy.sock")
    proxy_server = await listen.serve(proxy.handle)
    try:
        await script(tmp_path / "proxy.sock")
        await asyncio.wait_for(proxy.wait_idle(), 10)
    finally:
        proxy_server.close()
        server.close()
        writer.finish()
    return fake, output


async def _talk(path: Path, chunks: list[bytes], read_until_eof: bool = True) -> bytes:
    reader, writer = await asyncio.open_unix_connection(path)
    received = bytearray(await reader.readuntil(b"\r\n"))
    for chunk in chunks:
        writer.write(chunk)
        await writer.drain()
        await asyncio.sleep(0.01)
    if read_until_eof:
        received += await reader.read()
    writer.close()
    return bytes(received)


def test_bytes_cross_unchanged_and_every_byte_is_recorded(tmp_path: Path) -> None:
    sent = [
        b'{"execute": "qmp_capabilities", "id": 1}\r\n{"execute": "query-',
        b'version", "id": "\xc3',
        b'\xa9"}\n{\n  "execute": "query-status"\n}\n',
        b"\xff\xfe junk\n",
        b'{"execute": "quit", "id": "q"}\n',
    ]
    received: list[bytes] = []

    async def script(sock: Path) -> None:
        received.append(await _talk(sock, sent))

    fake, output = asyncio.run(_with_proxy(tmp_path, script))
    client_bytes = b"".join(sent)
    assert bytes(fake.received[0]) == client_bytes  # forwarded unchanged
    assert received[0] == bytes(fake.sent[0])
    streams = _streams(output)
    assert streams == {(0, Direction.CLIENT): client_bytes, (0, Direction.SERVER): received[0]}
    records = _records(output)
    assert records[-1]["type"] == "close" and records[-1]["reason"] == "server-closed"
    messages = [r for r in records if r["type"] == "message"]
    assert [m.get("raw", m.get("raw_base64")) for m in messages if m["dir"] == "client"] == [
        '{"execute": "qmp_capabilities", "id": 1}',
        '{"execute": "query-version", "id": "é"}',
        '{\n  "execute": "query-status"\n}',
        # QEMU 7.2 answers '\\xff\\xfe junk' twice: a byte 0xFF or 0xFE is an error
        # token, after which QEMU skips up to the newline or the next 0xFE/0xFF (' junk'
        # is skipped, in the next record's 'pre').  Not UTF-8: kept as base64.
        "/w==",
        "/g==",
        '{"execute": "quit", "id": "q"}',
    ]
    assert all(m.get("complete", True) for m in messages)


def test_sessions_one_per_client_connection(tmp_path: Path) -> None:
    async def script(sock: Path) -> None:
        await asyncio.gather(
            _talk(sock, [b'{"execute": "quit", "id": "a"}']),
            _talk(sock, [b'{"execute": "query-status", "id": "b"}', b'{"execute": "quit"}']),
        )
        await _talk(sock, [b'{"execute": "quit", "id": "c"}'])

    fake, output = asyncio.run(_with_proxy(tmp_path, script))
    streams = _streams(output)
    assert {s for s, _ in streams} == {0, 1, 2}
    assert sorted(streams[(s, Direction.CLIENT)] for s in range(3)) == sorted(
        bytes(r) for r in fake.received
    )
    closes = [r for r in _records(output) if r["type"] == "close"]
    assert sorted(r["session"] for r in closes) == [0, 1, 2]  # type: ignore[type-var]
    assert {r["reason"] for r in closes} == {"server-closed"}


def test_client_disconnecting_mid_message_is_truncated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = b'{"execute": "qmp_capabilities"}\n{"execute": "query-ver'

    async def script(sock: Path) -> None:
        await _talk(sock, [cut], read_until_eof=False)

    _, output = asyncio.run(_with_proxy(tmp_path, script))
    assert _streams(output)[(0, Direction.CLIENT)] == cut
    records = _records(output)
    last_client = [r for r in records if r.get("dir") == "client"][-1]
    assert last_client["raw"] == '{"execute": "query-ver' and last_client["complete"] is False
    assert records[-1]["reason"] == "truncated"
    assert "the connection ended inside a client message" in str(records[-1]["note"])
    with output.open("rb") as source:
        items = list(read_recording(source, "rec.jsonl"))
    assert any(isinstance(i, RawMessage) and i.truncated for i in items)
    assert any(isinstance(i, SessionBoundary) and i.kind is BoundaryKind.TRUNCATED for i in items)
    assert main(["check", str(output), "--fail-on", "may"]) == 1
    out = capsys.readouterr().out
    assert "qmpcontract/truncated" in out and "rec.jsonl:" in out


def test_qemu_hanging_up_without_quit_is_truncated(tmp_path: Path) -> None:
    async def script(sock: Path) -> None:
        await _talk(sock, [b'{"execute": "qmp_capabilities"}'])

    fake = FakeQmp(tmp_path / "qemu.sock", hang_up_after=1)
    _, output = asyncio.run(_with_proxy(tmp_path, script, fake))
    close = _records(output)[-1]
    assert close["reason"] == "truncated"
    assert "without 'quit' or a SHUTDOWN" in str(close["note"])


def test_unreachable_qemu_is_recorded_as_an_error(tmp_path: Path) -> None:
    async def run() -> Path:
        output = tmp_path / "rec.jsonl"
        writer = RecordingWriter(output)
        proxy = RecordingProxy(writer, Endpoint(path=tmp_path / "nobody.sock"))
        server = await Endpoint(path=tmp_path / "p.sock").serve(proxy.handle)
        reader, client = await asyncio.open_unix_connection(tmp_path / "p.sock")
        assert await reader.read() == b""  # the proxy hangs up
        client.close()
        await proxy.wait_idle()
        server.close()
        writer.finish()
        return output

    close = _records(asyncio.run(run()))[-1]
    assert close["reason"] == "error" and "cannot connect to unix:" in str(close["note"])


def test_listening_socket_is_owner_only_and_never_clobbers(tmp_path: Path) -> None:
    async def run() -> None:
        async def nothing(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            w.close()

        path = tmp_path / "p.sock"
        server = await Endpoint(path=path).serve(nothing)
        mode = path.lstat().st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
        with pytest.raises(UsageError, match="in use"):
            await Endpoint(path=path).serve(nothing)
        server.close()
        await server.wait_closed()
        # A stale socket (nobody listening) is replaced.
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(str(tmp_path / "stale.sock"))
        stale.close()
        server = await Endpoint(path=tmp_path / "stale.sock").serve(nothing)
        server.close()
        (tmp_path / "file").write_text("keep me")
        with pytest.raises(UsageError, match="not a socket"):
            await Endpoint(path=tmp_path / "file").serve(nothing)
        assert (tmp_path / "file").read_text() == "keep me"

    asyncio.run(run())


def test_tcp_endpoints(tmp_path: Path) -> None:
    async def run() -> None:
        fake = FakeQmp(tmp_path / "qemu.sock")
        upstream = await asyncio.start_unix_server(fake.handle, fake.path)
        writer = RecordingWriter(tmp_path / "rec.jsonl")
        proxy = RecordingProxy(writer, Endpoint(path=fake.path))
        listen = Endpoint.parse("tcp:127.0.0.1:0")
        server = await listen.serve(proxy.handle)
        bound = listen.bound(server)
        assert bound.port > 0
        reader, client = await asyncio.open_connection(bound.host, bound.port)
        await reader.readuntil(b"\r\n")
        client.write(b'{"execute": "quit"}')
        assert b"SHUTDOWN" in await reader.read()
        client.close()
        await proxy.wait_idle()
        server.close()
        upstream.close()
        writer.finish()

    asyncio.run(run())
    assert _records(tmp_path / "rec.jsonl")[-1]["reason"] == "server-closed"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("/run/qmp.sock", "unix:/run/qmp.sock"),
        ("unix:rel.sock", "unix:rel.sock"),
        ("tcp:localhost:4444", "tcp:localhost:4444"),
        ("tcp:[::1]:4444", "tcp:::1:4444"),
        ("tcp::4444", "tcp:127.0.0.1:4444"),
    ],
)
def test_endpoint_syntax(spec: str, expected: str) -> None:
    assert str(Endpoint.parse(spec)) == expected


@pytest.mark.parametrize("spec", ["tcp:host", "tcp:host:port", "tcp:h:70000", "unix:"])
def test_bad_endpoints_are_usage_errors(spec: str) -> None:
    with pytest.raises(UsageError):
        Endpoint.parse(spec)


@pytest.mark.parametrize(
    "argv",
    [
        ["record", "-o", "x.jsonl"],
        ["record", "-o", "x.jsonl", "--listen", "a.sock"],
        ["record", "-o", "x.jsonl", "--connect", "q.sock", "--", "qemu-system-x86_64"],
        ["record", "-o", "x.jsonl", "--listen", "tcp:h:p", "--connect", "q.sock"],
        ["record", "-o", "x.jsonl", "--", "/nonexistent/qemu-system-x86_64"],
        ["record", "-o", "x.jsonl", "--", "false"],
        ["record", "-o", "/nonexistent/dir/x.jsonl", "--listen", "a", "--connect", "b"],
    ],
)
def test_record_usage_errors(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err


def _recorder(tmp_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    listen = tmp_path / "proxy.sock"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qmpcontract",
            "record",
            "-o",
            str(tmp_path / "rec.jsonl"),
            "--listen",
            str(listen),
            "--connect",
            str(tmp_path / "qemu.sock"),
            *extra,
        ],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not listen.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return proc


def test_stopping_the_recorder_closes_sessions_as_truncated(tmp_path: Path) -> None:
    with (
        fake_qmp_thread(tmp_path / "qemu.sock"),
        _recorder(tmp_path) as proc,
        socket.socket(socket.AF_UNIX) as client,
    ):
        client.connect(str(tmp_path / "proxy.sock"))
        client.settimeout(10)
        client.recv(4096)
        client.sendall(b'{"execute": "qmp_capabilities"}\n')
        client.recv(4096)
        proc.send_signal(15)
        assert proc.wait(20) == 0
    assert not (tmp_path / "proxy.sock").exists()
    records = _records(tmp_path / "rec.jsonl")
    assert records[-1]["type"] == "close" and records[-1]["reason"] == "truncated"
    assert "the recorder was stopped" in str(records[-1]["note"])
    assert sum(r["type"] == "message" for r in records) == 3


def test_once_stops_after_the_first_session(tmp_path: Path) -> None:
    with fake_qmp_thread(tmp_path / "qemu.sock"), _recorder(tmp_path, "--once") as proc:
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(str(tmp_path / "proxy.sock"))
            client.sendall(b'{"execute": "quit"}')
            while client.recv(4096):
                pass
        assert proc.wait(20) == 0
        assert proc.stderr is not None
        assert b"4 message(s) in 1 session(s)" in proc.stderr.read()
    assert _records(tmp_path / "rec.jsonl")[-1]["reason"] == "server-closed"


def test_every_client_input_counts_as_awaiting_an_answer() -> None:
    # QEMU answers an object without 'execute' too (here with an error carrying its id):
    # that answer must not be taken for the answer to the command still outstanding.
    state = _Session(0)
    state.saw("client", Piece(b"", b'{"arguments": {}, "id": 5}'))
    state.saw("client", Piece(b"", b'{"execute": "query-status", "id": 6}'))
    state.saw("client", Piece(b"", b'"just a string"'))
    state.saw("server", Piece(b"", b'{"id": 5, "error": {"class": "GenericError", "desc": "x"}}'))
    state.saw("server", Piece(b"", b'{"error": {"class": "GenericError", "desc": "y"}}'))
    state.first_eof = "server"
    assert state.unanswered == 1
    reason, note = state.verdict()
    assert reason == "truncated" and note is not None and "1 command(s) unanswered" in note


def test_an_input_nested_as_deep_as_qemu_allows_is_followed() -> None:
    # 1024 levels: QEMU 7.2 answers it once; Python's json module stops short of it
    # (this used to kill the session's relay, recorded as a clean 'client-closed').
    state = _Session(0)
    state.saw("client", Piece(b"", b"[" * 1024 + b"]" * 1024))
    assert state.unanswered == 1


def test_a_failure_of_the_recorder_is_in_the_close_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: _Session, direction: str, piece: Piece) -> None:
        if direction == "client":
            raise ValueError("a bug")

    monkeypatch.setattr(_Session, "saw", broken)

    async def script(sock: Path) -> None:
        await _talk(sock, [b'{"execute": "qmp_capabilities"}\n'], read_until_eof=False)

    _, output = asyncio.run(_with_proxy(tmp_path, script))
    close = _records(output)[-1]
    assert close["reason"] == "truncated"
    assert "the recorder failed on the client's bytes: ValueError('a bug')" in str(close["note"])


def test_an_error_input_is_recorded_before_the_answer_to_it(tmp_path: Path) -> None:
    # QEMU answers '-' LF as soon as it reads the LF (the error token takes it); a client
    # that waits for that answer sends nothing more meanwhile.  The input is recorded
    # before the answer (it came after it while an error's message ran on to where QEMU
    # resumes, which here is in the client's next write).
    async def script(sock: Path) -> None:
        reader, writer = await asyncio.open_unix_connection(sock)
        await reader.readuntil(b"\r\n")
        for line in (b"-\n", b'{"execute": "quit"}\n'):
            writer.write(line)
            await writer.drain()
            await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)
        await reader.read()
        writer.close()

    _, output = asyncio.run(_with_proxy(tmp_path, script))
    records = [(r["dir"], r["raw"]) for r in _records(output) if r["type"] == "message"]
    assert records[1:3] == [
        ("client", "-\n"),
        ("server", '{"error": {"class": "GenericError", "desc": "bad"}}'),
    ]
    with output.open("rb") as source:
        (session,) = build_sessions(read_recording(source, "rec.jsonl"))
    assert session.unsolicited == [] and session.exchanges[0].response is not None


def test_an_unreachable_monitor_fails_early(tmp_path: Path) -> None:
    # Before: the recorder listened, the client got EOF, and it exited 0 with
    # "0 message(s) in 1 session(s)"; "cannot connect" was only in the recording.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "qmpcontract",
            "record",
            "-o",
            str(tmp_path / "x.jsonl"),
            "--listen",
            str(tmp_path / "S"),
            "--connect",
            str(tmp_path / "nonexistent.sock"),
            "--once",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"qmpcontract: error: QEMU's monitor: cannot connect to unix:{tmp_path}/nonexistent.sock:"
        " No such file or directory; nothing was recorded\n"
    )
    assert not (tmp_path / "x.jsonl").exists() and not (tmp_path / "S").exists()
