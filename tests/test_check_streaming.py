"""Checking in flat memory and on several cores: sessions streamed, read-ahead, ``-j``."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qmpcontract.check import check_items, engine
from qmpcontract.check.engine import CheckOptions
from qmpcontract.cli import main
from qmpcontract.contract import load_contracts
from qmpcontract.importers.self_described import embedded_contracts
from qmpcontract.location import Location
from qmpcontract.model.contract_set import Supplement
from qmpcontract.model.session_builder import SessionBuilder, iter_sessions
from qmpcontract.model.transcript import TranscriptInfo
from qmpcontract.model.versions import QemuVersion
from qmpcontract.read.formats import open_transcript
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
    decode,
)

from .conftest import REPO, SHARED_CORPUS

EXAMPLE = REPO / "examples" / "qemu-7.2-block-jobs.jsonl"
GOLDEN = REPO / "tests" / "corpus" / "transcripts" / "golden"
PROBE = SHARED_CORPUS / "libvirt-replies" / "caps_7.2.0_x86_64.replies"


def _message(index: int, session: int, text: str, direction: Direction) -> RawMessage:
    value, error = decode(text)
    return RawMessage(index, session, direction, text, Location("t", index + 1), None, value, error)


def _boundary(kind: BoundaryKind, session: int) -> SessionBoundary:
    return SessionBoundary(kind, session, Location("t", 1))


def test_a_closed_session_is_handed_over_once_it_settled() -> None:
    builder = SessionBuilder(settle=2)
    assert builder.feed(_boundary(BoundaryKind.OPEN, 0)) == []
    request = '{"execute": "query-status", "id": 1}'
    assert builder.feed(_message(0, 0, request, Direction.CLIENT)) == []
    assert builder.feed(_message(1, 0, '{"return": {}, "id": 1}', Direction.SERVER)) == []
    assert builder.feed(_boundary(BoundaryKind.CLOSE, 0)) == []
    assert builder.feed(_boundary(BoundaryKind.OPEN, 1)) == []
    done = builder.feed(_message(2, 1, request, Direction.CLIENT))
    assert [s.number for s in done] == [0]
    assert done[0].closed and len(done[0].exchanges) == 1
    assert done[0].exchanges[0].response is not None
    assert [s.number for s in builder.finish()] == [1]


def test_a_late_item_keeps_its_session_open() -> None:
    builder = SessionBuilder(settle=2)
    builder.feed(_boundary(BoundaryKind.CLOSE, 0))
    builder.feed(_message(0, 0, '{"return": {}}', Direction.SERVER))  # after the close
    assert builder.feed(_boundary(BoundaryKind.OPEN, 1)) == []
    assert builder.feed(_boundary(BoundaryKind.OPEN, 2)) == []
    assert [s.number for s in builder.finish()] == [0, 1, 2]


def _replay(copies: int) -> Iterator[TranscriptItem]:
    """The example recording's items *copies* times over, one session per copy."""
    items = list(open_transcript(EXAMPLE).items())
    index = 0
    for copy in range(copies):
        for item in items:
            if isinstance(item, RawMessage):
                yield RawMessage(
                    index, copy, item.direction, item.text, item.location, item.timestamp,
                    item.value, item.error, item.truncated,
                )  # fmt: skip
                index += 1
            else:
                yield SessionBoundary(item.kind, copy, item.location, item.timestamp, item.note)


def test_sessions_are_checked_before_the_input_ends() -> None:
    read = 0

    def counted() -> Iterator[TranscriptItem]:
        nonlocal read
        for item in _replay(30):
            read += 1
            yield item

    per_copy = sum(1 for _ in _replay(1))
    first = next(iter_sessions(counted()))
    assert first.number == 0
    assert read < 20 * per_copy  # handed over long before the 30 copies were read


def test_many_sessions_check_like_one() -> None:
    contracts = load_contracts()
    info = TranscriptInfo("replay", "recording")
    one = check_items(_replay(1), info, contracts)
    many = check_items(_replay(40), info, contracts)
    assert many.summary.messages == 40 * one.summary.messages
    assert many.summary.sessions == 40
    assert many.summary.exchanges == 40 * one.summary.exchanges
    assert many.qemu_version == one.qemu_version
    assert len(many.findings) == 40 * len(one.findings)


@pytest.mark.skipif(not PROBE.exists(), reason="no shared corpus")
def test_the_transcripts_schema_is_found_by_reading_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contracts = load_contracts()
    info = TranscriptInfo(str(PROBE), "replies", False, False, True)
    options = CheckOptions(extra=embedded_contracts)
    found = check_items(open_transcript(PROBE).items(), info, contracts, options)
    assert any(ref.startswith("qemu-introspection@") for ref in found.contracts)
    monkeypatch.setattr(engine, "LOOKAHEAD", 3)  # the schema reply comes later than that
    late = check_items(open_transcript(PROBE).items(), info, contracts, options)
    assert not any(ref.startswith("qemu-introspection@") for ref in late.contracts)
    assert late.summary == found.summary  # every message is still checked and counted


def _transcripts(tmp_path: Path) -> Path:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    sources = [*sorted(GOLDEN.rglob("*.jsonl"))[:12], EXAMPLE]
    for number, source in enumerate(sources):
        (folder / f"{number:02d}-{source.name}").write_bytes(source.read_bytes())
    if PROBE.exists():
        (folder / PROBE.name).write_bytes(PROBE.read_bytes())
    return folder


def test_jobs_give_the_same_report(tmp_path: Path) -> None:
    folder = _transcripts(tmp_path)
    reports = {}
    for jobs in ("1", "2", "0"):
        out = tmp_path / f"report-{jobs}.json"
        code = main(["check", str(folder), "-j", jobs, "--output", "json", "--output-file",
                     str(out), "--fail-on", "may"])  # fmt: skip
        assert code == 1  # the golden transcripts break rules
        reports[jobs] = json.loads(out.read_text())
    assert reports["1"] == reports["2"] == reports["0"]
    names = [t["file"] for t in reports["1"]["transcripts"]]
    assert names == sorted(names)  # the order of the input, not of completion


def test_a_bad_transcript_in_a_worker_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a transcript at all\n")
    code = main(["check", str(EXAMPLE), str(garbage), "-j", "2"])
    assert code == 2
    assert f"{garbage}" in capsys.readouterr().err


def test_negative_jobs_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE), "-j", "-1"]) == 2
    assert "--jobs -1" in capsys.readouterr().err


def test_standard_input_is_checked_in_this_process_whatever_the_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.json"
    stdin = io.TextIOWrapper(io.BytesIO(EXAMPLE.read_bytes()))
    monkeypatch.setattr(sys, "stdin", stdin)
    code = main(["check", "-", str(EXAMPLE), "-j", "2", "--output", "json",
                 "--output-file", str(out)])  # fmt: skip
    assert code == 0
    report = json.loads(out.read_text())
    assert [t["file"] for t in report["transcripts"]] == ["-", str(EXAMPLE)]
    assert report["summary"]["messages"] == 2 * 61


def test_reading_ahead_is_bounded_whatever_the_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "LOOKAHEAD", 10)
    garbage = (_message(n, 0, "not json", Direction.CLIENT) for n in range(1000))
    builder = SessionBuilder()
    done, version, extra = engine._lookahead(
        garbage, CheckOptions(extra=embedded_contracts), builder
    )
    assert done == [] and version is None and extra == Supplement()
    (session,) = builder.open_sessions()
    assert len(session.messages) == 10  # read ahead: ten items, no more
    assert next(garbage).index == 10  # the rest is left to be streamed


def test_nothing_is_read_ahead_when_nothing_is_wanted() -> None:
    replay = list(_replay(1))
    items = iter(replay)
    options = CheckOptions(qemu_version=QemuVersion(7, 2, 0))
    builder = SessionBuilder()
    done, version, _ = engine._lookahead(items, options, builder)
    assert done == [] and builder.open_sessions() == [] and version == QemuVersion(7, 2, 0)
    assert next(items) is replay[0]  # not one item was taken
