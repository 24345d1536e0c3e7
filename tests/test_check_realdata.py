"""The checker on real data: the shared corpus' samples and all 38 libvirt probes.

Real QEMU conforms, so these give no MUST finding from QEMU's side; what they
do give is asserted and explained here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qmpcontract.cli import main

from .conftest import REPO


def _report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["check", "--output", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_shipped_example_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _report(capsys, str(REPO / "examples"), "--fail-on", "may")
    assert code == 0
    assert report["findings"] == []
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert summary["messages"] == 61


def test_block_stream_sample(shared_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = shared_corpus / "samples" / "qemu-7.2-block-stream.socat.log"
    code, report = _report(capsys, str(log), "--fail-on", "may")
    assert (code, report["findings"]) == (0, [])
    transcripts = report["transcripts"]
    assert isinstance(transcripts, list)
    assert transcripts[0]["summary"]["by_kind"] == {
        "event": 8,
        "greeting": 1,
        "request": 16,
        "success": 16,
    }
    assert transcripts[0]["qemu_version"] == "7.2.22"


def test_before_capabilities_sample(
    shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The client of this recording sends two bad ``enable`` arguments on purpose.

    QEMU refuses both with GenericError and stays in negotiation mode, so QEMU
    kept every rule (commands before negotiation get CommandNotFound, and so
    does the second qmp_capabilities).  The two findings are the client's: its
    arguments break qmp_capabilities' agreed argument schema.
    """
    log = shared_corpus / "samples" / "qemu-7.2-before-capabilities.socat.log"
    code, report = _report(capsys, str(log))
    findings = report["findings"]
    assert isinstance(findings, list)
    assert [(f["rule_id"], f["location"]["line"], f["location"]["pointer"]) for f in findings] == [
        ("qmp-core/arguments", 8, "/arguments/enable/0"),
        ("qmp-core/arguments", 12, "/arguments/enable"),
    ]
    assert code == 1


def test_libvirt_probe_log(shared_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = shared_corpus / "samples" / "libvirt-9.0.0-probe-debug.log"
    code, report = _report(capsys, str(log), "--fail-on", "may")
    assert (code, report["findings"]) == (0, [])
    transcripts = report["transcripts"]
    assert isinstance(transcripts, list)
    assert transcripts[0]["format"] == "libvirt-log"
    assert transcripts[0]["summary"]["messages"] == 105


def test_all_libvirt_replies(shared_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = shared_corpus / "libvirt-replies"
    files = sorted(directory.glob("*.replies"))
    code, report = _report(capsys, *map(str, files), "--fail-on", "may")
    assert (code, report["findings"]) == (0, [])
    transcripts = report["transcripts"]
    assert isinstance(transcripts, list)
    assert len(transcripts) == 38
    decoder = json.JSONDecoder()
    for path, entry in zip(files, transcripts, strict=True):
        text = path.read_text(encoding="utf-8")
        count, index = 0, 0
        while True:
            while index < len(text) and text[index].isspace():
                index += 1
            if index == len(text):
                break
            _, index = decoder.raw_decode(text, index)
            count += 1
        summary = entry["summary"]
        assert summary["messages"] == count, path.name  # every message accounted for
        assert summary["unanswered"] == 0, path.name
        assert entry["qemu_version"] is not None, path.name
    # From QEMU 2.5 on, each file also checks against its own query-qmp-schema reply.
    self_described = [
        t for t in transcripts if any(c.startswith("qemu-introspection@") for c in t["contracts"])
    ]
    assert len(self_described) == 33
