"""The checker on real data: the shared corpus' samples and all 38 libvirt probes.

Real QEMU conforms, so these give no MUST finding from QEMU's side; what they
do give is asserted and explained here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
    # the block jobs recording, the every-job one, the migration source and destination,
    # and the hot-plug one
    assert summary["messages"] == 61 + 171 + 64 + 17 + 35


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
    # QEMU 7.2's own schema (its release data) says the same: one finding names both
    assert all(f["message"].endswith("(also qemu-release/arguments)") for f in findings)
    assert code == 1


def test_libvirt_probe_log(shared_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = shared_corpus / "samples" / "libvirt-9.0.0-probe-debug.log"
    code, report = _report(capsys, str(log), "--fail-on", "may")
    assert (code, report["findings"]) == (0, [])
    transcripts = report["transcripts"]
    assert isinstance(transcripts, list)
    assert transcripts[0]["format"] == "libvirt-log"
    assert transcripts[0]["summary"]["messages"] == 105


# libvirt's test data carry a member QEMU added only in 5.0 ("qapi/qmp: add
# ObjectPropertyInfo.default-value", 1bb3d7d92c9e39ec2d45a830d8654e6ec11a60d3) in the
# device-list-properties replies of its probes of older releases: libvirt edited them in.
# The QEMU build's own schema does not declare it, and check says so (SHOULD: clients
# ignore unknown members, so nothing breaks).  Nothing else is found.
RETROFITTED = {
    **{f"caps_{v}.x86_64.replies": 1 for v in (
        "2.5.0", "2.6.0", "2.7.0", "2.8.0", "2.9.0", "2.10.0", "2.11.0", "2.12.0",
        "3.0.0", "3.1.0", "4.0.0", "4.1.0",
    )},
    "caps_4.2.0.x86_64.replies": 2,
}  # fmt: skip


def _retrofitted_only(findings: list[dict[str, Any]], rule: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for finding in findings:
        assert finding["rule_id"] == rule, finding
        assert finding["level"] == "SHOULD"
        assert finding["location"]["pointer"].endswith("/default-value"), finding
        assert finding["message"].startswith("the return value of 'device-list-properties'")
        name = Path(finding["location"]["file"]).name
        found[name] = found.get(name, 0) + 1
    return found


def test_all_libvirt_replies(shared_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = shared_corpus / "libvirt-replies"
    files = sorted(directory.glob("*.replies"))
    code, report = _report(capsys, *map(str, files), "--fail-on", "must")
    assert code == 0
    findings = report["findings"]
    assert isinstance(findings, list)
    assert _retrofitted_only(findings, "qemu-introspection/undeclared-members") == RETROFITTED
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


def test_all_libvirt_replies_against_their_release_data(
    shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a file's own schema, the shipped data of its release checks it.

    For 4.2, 6.2, 7.2, 8.2 and 9.2 that is the release's QAPI sources, so this
    holds our QAPI front end against what real builds (of every architecture) sent.
    """
    files = sorted((shared_corpus / "libvirt-replies").glob("*.replies"))
    code, report = _report(capsys, *map(str, files), "--no-embedded-schema", "--fail-on", "must")
    assert code == 0
    findings = report["findings"]
    assert isinstance(findings, list)
    assert _retrofitted_only(findings, "qemu-release/undeclared-members") == RETROFITTED
    transcripts = report["transcripts"]
    assert isinstance(transcripts, list)
    for entry in transcripts:
        assert any(c.startswith("qemu-release@") for c in entry["contracts"]), entry["file"]
        assert any(c.startswith("qemu-error-classes@") for c in entry["contracts"]), entry["file"]
        assert entry["notes"][0].startswith("release data of QEMU"), entry["file"]
    qapi = [t for t in transcripts if "QAPI sources" in t["notes"][0]]
    assert len(qapi) == 7  # 4.2, 6.2, 7.2, 8.2 (x86_64, aarch64), 9.2, 9.2.50 (s390x)
