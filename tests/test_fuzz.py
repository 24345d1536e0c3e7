"""``qmpcontract fuzz`` against a scripted QMP peer that breaks the contracts on purpose.

The peer answers every request with ``{"return": {}}``: wrong for commands that
return lists, and a success for requests it should have refused.  The fuzzer
must report each such failure with its seed, example and exact request, stop
on a hang or a hang-up, never send a forbidden command, and send the same
requests for the same seed.  The run against a real QEMU is in ``tests/e2e``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.fuzz.targets import forbidden, targets

from .fake_qmp import fake_qmp_thread


def _fuzz(tmp_path: Path, *args: str) -> list[str]:
    return [
        "fuzz",
        "--connect",
        str(tmp_path / "qemu.sock"),
        "-o",
        str(tmp_path / "fuzz.jsonl"),
        "--no-schema",
        *args,
    ]


def _client_stream(path: Path) -> list[str]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [r["raw"] for r in records if r.get("dir") == "client"]


def test_failures_are_reported_with_seed_example_and_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_qmp_thread(tmp_path / "qemu.sock"):
        code = main(_fuzz(tmp_path, "--max-examples", "60", "--seed", "7"))
    out = capsys.readouterr().out
    assert code == 1
    summary = out.strip().splitlines()[-1]
    match = re.match(
        r"qmpcontract fuzz: (\d+) requests sent \((\d+) conforming, (\d+) non-", summary
    )
    assert match and int(match[1]) == 60 and int(match[3]) > 0, summary
    assert "QEMU 7.2" in summary and "seed 7" in summary and "failure(s)" in summary
    # query-block-jobs returns a list; the peer's {} breaks its contract.
    assert re.search(
        r"FAIL finding at example \d+ of seed 7 \('query-block-jobs', conforming\): "
        r"MUST \[block-jobs/returns\]",
        out,
    )
    assert re.search(
        r"FAIL accepted-invalid at example \d+ of seed 7 \('[a-z-]+', non-conforming: ", out
    )
    assert '  request:  {"execute": "query-' in out and '  received: {"return": {}' in out
    assert len(_client_stream(tmp_path / "fuzz.jsonl")) == 61  # negotiation + 60


def test_the_same_seed_sends_the_same_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    streams = []
    for run in ("a", "b"):
        where = tmp_path / run
        where.mkdir()
        with fake_qmp_thread(where / "qemu.sock"):
            main(_fuzz(where, "--max-examples", "40", "--seed", "3"))
        streams.append(_client_stream(where / "fuzz.jsonl"))
    assert streams[0] == streams[1]
    other = tmp_path / "c"
    other.mkdir()
    with fake_qmp_thread(other / "qemu.sock"):
        main(_fuzz(other, "--max-examples", "40", "--seed", "4"))
    assert _client_stream(other / "fuzz.jsonl") != streams[0]
    capsys.readouterr()


def test_a_hang_stops_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    silent = frozenset({"query-version"})
    with fake_qmp_thread(tmp_path / "qemu.sock", silent=silent):
        code = main(_fuzz(tmp_path, "--max-examples", "200", "--timeout", "0.5"))
    out = capsys.readouterr().out
    assert code == 1
    assert re.search(r"FAIL timeout at example \d+ of seed 0 \('query-version', ", out)
    assert "no response in 0.5 s" in out
    sent = int(re.search(r"(\d+) requests sent", out)[1])  # type: ignore[index]
    assert sent < 200, "the run stops at the hang"


def test_a_hang_up_stops_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with fake_qmp_thread(tmp_path / "qemu.sock", hang_up_after=6):
        code = main(_fuzz(tmp_path, "--max-examples", "100"))
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL lost at example 5 of seed 0" in out
    assert "6 requests sent" in out


def test_forbidden_commands_are_never_targets() -> None:
    usable = [
        "quit",
        "system_reset",
        "migrate",
        "query-migrate",
        "device_del",
        "blockdev-del",
        "query-status",
        "qom-get",
        "screendump",
        "human-monitor-command",
        "stop",
        "cont",
        "block-stream",
        "snapshot-save",
    ]
    assert targets(usable, [], allow=["quit", "block-stream", "stop"]) == [
        "block-stream",
        "qom-get",
        "query-migrate",
        "query-status",
    ]
    assert forbidden("migrate-set-parameters") and not forbidden("query-migrate")


@pytest.mark.parametrize(
    "args",
    [
        ["fuzz"],
        ["fuzz", "--connect", "x.sock", "--", "qemu-system-x86_64"],
        ["fuzz", "--connect", "x.sock", "--max-examples", "0"],
        ["fuzz", "--connect", "x.sock", "--non-conforming", "2"],
        ["fuzz", "--connect", "/nonexistent/qmp.sock", "--max-examples", "1"],
        ["fuzz", "--", "/nonexistent/qemu"],
    ],
)
def test_usage_errors(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err
