"""End to end with a real QEMU 7.2 behind a real ``socat -v`` proxy.

The reference scenario (a stream job to completion, a cancelled job, errors)
runs against a fresh QEMU through socat; socat's log and our client-side
recording are two independent transcripts of the same traffic.  Both must
check clean, and they must hold the same messages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qmpcontract.check import check_items
from qmpcontract.contract import load_contracts
from qmpcontract.model.transcript import TranscriptInfo
from qmpcontract.read.formats import open_transcript
from qmpcontract.read.messages import Direction, RawMessage

from ..qemu_harness import Client, have_qemu, make_images, qemu, record_block_jobs, start_recording

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not have_qemu(), reason="needs qemu-system-x86_64, qemu-img and socat"),
]


def _check(path: Path) -> tuple[list[RawMessage], list[tuple[str, str, str]]]:
    transcript = open_transcript(path)
    items = list(transcript.items())
    fmt = transcript.format
    info = TranscriptInfo(str(path), fmt.name, fmt.has_greeting, fmt.has_events, False)
    result = check_items(iter(items), info, load_contracts())
    messages = [i for i in items if isinstance(i, RawMessage)]
    assert result.summary.messages == len(messages)
    return messages, [(f.level.value, f.rule_id, f.message) for f in result.findings]


def test_block_jobs_through_socat(tmp_path: Path) -> None:
    recording = tmp_path / "client.jsonl"
    log = record_block_jobs(tmp_path, recording, via_socat=True)
    assert log is not None and log.stat().st_size > 0

    ours, our_findings = _check(recording)
    socats, socat_findings = _check(log)
    assert our_findings == []
    assert socat_findings == []
    assert log.read_bytes().startswith((b"> ", b"< "))

    # Same traffic, seen from two places: the same messages, in the same order per direction.
    for direction in Direction:
        mine = [json.loads(m.text) for m in ours if m.direction is direction]
        theirs = [json.loads(m.text) for m in socats if m.direction is direction]
        assert mine == theirs, direction
    events = [m.value for m in socats if isinstance(m.value, dict) and "event" in m.value]
    names = [e["event"] for e in events]
    assert "BLOCK_JOB_COMPLETED" in names and "BLOCK_JOB_CANCELLED" in names
    errors = [
        m.value["error"]["class"]
        for m in socats
        if isinstance(m.value, dict) and "error" in m.value
    ]
    assert errors == ["GenericError", "DeviceNotActive", "GenericError", "CommandNotFound"]


def test_qemu_turns_a_huge_integer_id_into_a_float(tmp_path: Path) -> None:
    """Measured: QEMU 7.2 does not echo an id beyond 64 bits verbatim.

    QEMU parses 12345678901234567890123 as a double and answers with
    1.2345678901234568e+22, so the id-echo rule reports it: the one place
    where real QEMU breaks "the same id field will be attached".
    """
    make_images(tmp_path)
    recording = tmp_path / "bigint.jsonl"
    start_recording(recording, "an id beyond 64 bits")
    with qemu(tmp_path) as sock:
        client = Client(sock, recording)
        client.execute("qmp_capabilities")
        reply = client.execute("query-version", id=12345678901234567890123)
        client.execute("quit")
        client.close()
    assert reply["id"] == 1.2345678901234568e22
    _, findings = _check(recording)
    assert findings == [
        (
            "MUST",
            "qmp-core/id-echo",
            "the response to 'query-version' carries id 1.2345678901234568e+22, "
            "the request id 12345678901234567890123",
        )
    ]
