"""A long connection is checked in parts: the verdict is the one of the whole connection.

The checker cuts a connection into parts (``engine.PART_SIZE`` messages, cut
where nothing is outstanding) so that memory stays flat however long it is.
Rules carry what they must remember from part to part.  These tests check
every transcript we have (our golden cases, which break every rule, our
recordings and the shared corpus) in parts as small as one message, and
demand the same findings and the same counts as in one piece.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qmpcontract import strategies as qs
from qmpcontract.check import check_items, engine
from qmpcontract.check.engine import CheckOptions, CheckResult
from qmpcontract.contract import load_contracts
from qmpcontract.importers.self_described import embedded_contracts
from qmpcontract.location import Location
from qmpcontract.model import session_builder
from qmpcontract.model.contract_set import ContractSet
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
from qmpcontract.read.recording import read_recording

from .conftest import REPO, SHARED_CORPUS

GOLDEN = REPO / "tests" / "corpus" / "transcripts" / "golden"


def _transcripts() -> list[Path]:
    found = sorted(GOLDEN.rglob("*.jsonl")) + sorted((REPO / "examples").glob("*.jsonl"))
    if SHARED_CORPUS.is_dir():
        found += sorted((SHARED_CORPUS / "samples").iterdir())
        found += sorted((SHARED_CORPUS / "libvirt-replies").glob("*x86_64.replies"))[-6:]
    return found


def _options(path: Path) -> CheckOptions:
    args = path.with_suffix(".args")
    version = None
    if args.exists():
        words = args.read_text().split()
        if "--qemu-version" in words:
            text = words[words.index("--qemu-version") + 1]
            version = QemuVersion.parse(text)
    return CheckOptions(qemu_version=version, extra=embedded_contracts)


def _check(path: Path, contracts: ContractSet) -> CheckResult:
    transcript = open_transcript(path)
    fmt = transcript.format
    info = TranscriptInfo(
        transcript.name, fmt.name, fmt.has_greeting, fmt.has_events, fmt.pair_by_position
    )
    return check_items(transcript.items(), info, contracts, _options(path))


@pytest.fixture(scope="module")
def contracts() -> ContractSet:
    return load_contracts()


@pytest.mark.parametrize("path", _transcripts(), ids=lambda p: p.name)
def test_parts_give_the_verdict_of_the_whole(
    path: Path, contracts: ContractSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PART_SIZE", None)
    whole = _check(path, contracts)
    monkeypatch.setattr(session_builder, "FORCE_FACTOR", 1 << 40)  # cut only where it is clean
    for size in (1, 2, 7):
        monkeypatch.setattr(engine, "PART_SIZE", size)
        parted = _check(path, contracts)
        assert parted.summary == whole.summary, size
        assert parted.findings == whole.findings, size
        assert parted.contracts == whole.contracts


def test_a_long_connection_is_cut_where_nothing_is_outstanding() -> None:
    path = REPO / "examples" / "qemu-7.2-block-jobs.jsonl"
    items = list(open_transcript(path).items())
    whole = list(iter_sessions(items))
    parts = list(iter_sessions(items, part_size=5))
    assert len(whole) == 1 and len(parts) > 5
    assert [p.part for p in parts] == list(range(len(parts)))
    assert [p.last for p in parts] == [False] * (len(parts) - 1) + [True]
    assert all(p.state is parts[0].state for p in parts)
    assert sum(len(p.messages) for p in parts) == len(whole[0].messages)
    assert sum(len(p.exchanges) for p in parts) == len(whole[0].exchanges)
    for part in parts[:-1]:  # every exchange of a part is answered within it
        assert all(e.response is not None for e in part.exchanges)
        assert len(part.messages) >= 5


def _raw(index: int, text: str, direction: Direction, session: int = 0) -> RawMessage:
    value, error = decode(text)
    return RawMessage(index, session, direction, text, Location("t", index + 1), None, value, error)


def _flood(requests: int) -> Iterator[TranscriptItem]:
    """A greeting, a request never answered, then many answered ones."""
    yield _raw(0, '{"QMP": {"version": {}, "capabilities": []}}', Direction.SERVER)
    yield _raw(1, '{"execute": "qmp_capabilities", "id": "lost"}', Direction.CLIENT)
    for n in range(requests):
        yield _raw(2 + 2 * n, f'{{"execute": "query-status", "id": {n}}}', Direction.CLIENT)
        yield _raw(3 + 2 * n, f'{{"return": {{}}, "id": {n}}}', Direction.SERVER)


def test_a_request_outstanding_for_long_does_not_hold_the_connection_whole() -> None:
    builder = SessionBuilder(part_size=10)
    held = 0
    parts = 0
    for item in _flood(500):
        parts += len(builder.feed(item))
        held = max(held, *(len(s.messages) for s in builder.open_sessions()))
    assert held <= session_builder.FORCE_FACTOR * 10
    assert parts > 20
    (last,) = builder.finish()
    lost = [e for e in last.exchanges if e.response is None]
    assert [e.request.name for e in lost] == ["qmp_capabilities"]  # carried to the end


def test_a_forced_cut_keeps_every_message_and_the_lost_request_counted(
    contracts: ContractSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = TranscriptInfo("flood", "recording")
    monkeypatch.setattr(engine, "PART_SIZE", None)
    whole = check_items(_flood(300), info, contracts)
    monkeypatch.setattr(engine, "PART_SIZE", 10)
    parted = check_items(_flood(300), info, contracts)
    assert parted.summary == whole.summary
    assert parted.summary.unanswered == 1
    assert parted.findings == whole.findings


def test_a_second_response_after_a_cut_is_still_a_second_response(
    contracts: ContractSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [
        ('{"QMP": {"version": {}, "capabilities": []}}', Direction.SERVER),
        ('{"execute": "qmp_capabilities", "id": 1}', Direction.CLIENT),
        ('{"return": {}, "id": 1}', Direction.SERVER),
        ('{"execute": "query-status", "id": 2}', Direction.CLIENT),
        ('{"return": {"status": "running", "running": true}, "id": 2}', Direction.SERVER),
        ('{"return": {"status": "running", "running": true}, "id": 2}', Direction.SERVER),
    ]
    items = [_raw(n, text, direction) for n, (text, direction) in enumerate(texts)]
    info = TranscriptInfo("again", "recording")
    monkeypatch.setattr(engine, "PART_SIZE", None)
    whole = check_items(items, info, contracts)
    monkeypatch.setattr(engine, "PART_SIZE", 1)
    parted = check_items(items, info, contracts)
    assert "qmp-core/one-response" in {f.rule_id for f in whole.findings}
    assert parted.findings == whole.findings


@pytest.mark.property
@pytest.mark.parametrize("version", ["2.7", "7.2", "10.1"])
def test_generated_sessions_and_their_mutations_check_alike_in_parts(
    version: str, contracts: ContractSet
) -> None:
    qmp = qs.for_qemu(version, contracts)
    rules = qmp.transcript_rules()

    @given(st.data(), st.integers(1, 6))
    def check(data: st.DataObject, size: int) -> None:
        rule = data.draw(st.sampled_from([None, *rules]))
        if rule is None:
            session = data.draw(qmp.session())
        else:
            session = data.draw(qmp.mutation(rule)).session
        text = qmp.recording([session, session])
        items = list(read_recording(io.BytesIO(text.encode()), "generated.jsonl"))
        info = TranscriptInfo("generated.jsonl", "recording")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine, "PART_SIZE", None)
            whole = check_items(items, info, contracts)
            patch.setattr(session_builder, "FORCE_FACTOR", 1 << 40)
            patch.setattr(engine, "PART_SIZE", size)
            parted = check_items(items, info, contracts)
        assert parted.summary == whole.summary
        assert parted.findings == whole.findings, rule

    check()


def _session(number: int, start: int, texts: list[tuple[str, Direction]]) -> list[RawMessage]:
    return [_raw(start + n, text, direction, number) for n, (text, direction) in enumerate(texts)]


def test_a_jobs_window_ends_at_its_next_start_in_any_session(contracts: ContractSet) -> None:
    """The evidence that a job ended is looked for before the job's next start only.

    Positions in a session and indexes in the transcript differ from the second
    session on; the window is by index (it once cut a session's list at an index).
    """
    opening = [
        ('{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}, "package": ""}, '
         '"capabilities": []}}', Direction.SERVER),
        ('{"execute": "qmp_capabilities", "id": "caps"}', Direction.CLIENT),
        ('{"return": {}, "id": "caps"}', Direction.SERVER),
    ]  # fmt: skip
    padding = [
        (text, direction)
        for n in range(10)
        for text, direction in (
            (f'{{"execute": "query-status", "id": {n}}}', Direction.CLIENT),
            (
                f'{{"return": {{"status": "running", "running": true}}, "id": {n}}}',
                Direction.SERVER,
            ),
        )
    ]
    start = (
        '{"execute": "block-stream", "arguments": {"device": "d0", "job-id": "j1"}, "id": "s%d"}'
    )
    jobs = [
        (start % 1, Direction.CLIENT),
        ('{"return": {}, "id": "s1"}', Direction.SERVER),
        (start % 2, Direction.CLIENT),
        ('{"return": {}, "id": "s2"}', Direction.SERVER),
        ('{"event": "JOB_STATUS_CHANGE", "data": {"id": "j1", "status": "concluded"}, '
         '"timestamp": {"seconds": 1, "microseconds": 0}}', Direction.SERVER),
    ]  # fmt: skip
    first = _session(0, 0, opening + padding)
    second = _session(1, len(first), opening + jobs)
    info = TranscriptInfo("jobs", "recording")
    result = check_items([*first, *second], info, contracts)
    about = ("qmpcontract/unfinished-job", "block-jobs/terminal-event")
    verdicts = {(f.rule_id, f.location.line) for f in result.findings if f.rule_id in about}
    first_start, concluded = len(first) + 4, len(first) + 8
    assert verdicts == {
        ("qmpcontract/unfinished-job", first_start),  # nothing before the next start
        ("block-jobs/terminal-event", concluded),
    }


def test_a_connection_that_ended_is_not_cut_after_its_end() -> None:
    builder = SessionBuilder(part_size=2)
    items: list[TranscriptItem] = list(_flood(3))[:4]
    for item in items:
        builder.feed(item)
    end = SessionBoundary(BoundaryKind.TRUNCATED, 0, Location("t", 9))
    assert builder.feed(end) == []
    late = [_raw(10 + n, '{"return": {}, "id": 99}', Direction.SERVER) for n in range(5)]
    assert all(builder.feed(item) == [] for item in late)  # read after the end: same part
    (last,) = builder.finish()
    assert last.truncated and len(last.messages) >= 5
