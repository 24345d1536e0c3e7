"""Migration and hot-plug on a real QEMU 7.2, recorded by ``qmpcontract record``.

The sessions of ``tests/operation_scenarios.py`` are recorded afresh and must
check clean against the shipped contracts; what the contracts say about real
traffic is held to what QEMU really sends: the ``MIGRATION`` status sequence of
each migration (``setup`` before ``migrate`` returns), ``DEVICE_DELETED`` after
``device_del``'s return for a USB device and never for a PCI device without a
guest, and the same shape as the committed fixtures.  A recording with the
``completed`` status taken out is found, at the ``query-migrate`` reply that
shows the migration ended.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qmpcontract.cli import main

from ..operation_scenarios import DESTINATION, HOTPLUG, SOURCE, record_all
from ..qemu_harness import have_qemu

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not have_qemu(), reason="needs qemu-system-x86_64, qemu-img and socat"),
]


def _messages(path: Path) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [json.loads(r["raw"]) for r in records if r.get("type") == "message"]


def _statuses(messages: list[dict[str, Any]]) -> list[list[str]]:
    """MIGRATION statuses, one list per run (a run starts at 'setup')."""
    runs: list[list[str]] = []
    for m in messages:
        if m.get("event") == "MIGRATION":
            status = m["data"]["status"]
            if status == "setup":
                runs.append([])
            runs[-1].append(status)
    return runs


def _shape(messages: list[dict[str, Any]]) -> list[tuple[object, ...]]:
    """What a recording says, without timings (MIGRATION_PASS and query-yank counts vary)."""
    shape: list[tuple[object, ...]] = []
    for m in messages:
        if m.get("execute") == "query-yank":
            continue  # operation_scenarios.settle: polls until a migration is cleaned up
        if "event" in m and m["event"] != "MIGRATION_PASS":
            shape.append(("event", m["event"], json.dumps(m.get("data"), sort_keys=True)))
        elif "execute" in m:
            shape.append(("request", m["execute"], m.get("id")))
        elif "error" in m:
            shape.append(("error", m.get("id"), m["error"]["class"]))
    return shape


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    workdir = tmp_path_factory.mktemp("operations")
    paths = {n: workdir / f"{n}.jsonl" for n in ("source", "destination", "hotplug")}
    record_all(workdir, paths["source"], paths["destination"], paths["hotplug"])
    return paths


def test_recordings_check_clean(
    recorded: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    for path in recorded.values():
        assert main(["check", str(path), "--fail-on", "may"]) == 0, capsys.readouterr().out


def test_migration_statuses_as_qemu_sends_them(recorded: dict[str, Path]) -> None:
    source = _messages(recorded["source"])
    assert _statuses(source) == [
        ["setup", "active", "cancelling", "cancelled"],
        ["setup", "active", "failed"],
        ["setup", "active", "completed"],
        ["setup", "completed"],  # snapshot-save runs the migration code too
    ]
    assert _statuses(_messages(recorded["destination"])) == [["setup", "active", "completed"]]
    # 'setup' comes before migrate's return, like a job's first events
    for ident in ("migrate-cancelled", "migrate-failed", "migrate-completed"):
        request = next(i for i, m in enumerate(source) if m.get("id") == ident and "execute" in m)
        assert source[request + 1] == {**source[request + 1], "event": "MIGRATION"}
        assert source[request + 1]["data"] == {"status": "setup"}
    # cancelled after migrate_cancel's return, not before
    cancel = next(i for i, m in enumerate(source) if m.get("id") == "cancel" and "return" in m)
    cancelled = next(i for i, m in enumerate(source) if m.get("data") == {"status": "cancelled"})
    assert cancel < cancelled


def test_device_deleted_only_when_the_device_is_gone(recorded: dict[str, Path]) -> None:
    messages = _messages(recorded["hotplug"])
    deleted = [i for i, m in enumerate(messages) if m.get("event") == "DEVICE_DELETED"]
    assert [messages[i]["data"]["device"] for i in deleted] == ["kbd0", "kbd0"]
    for ident, event in zip(("del-kbd", "del-kbd-again"), deleted, strict=True):
        returned = next(i for i, m in enumerate(messages) if m.get("id") == ident and "return" in m)
        assert returned < event  # device_del returns before the device is gone
    refused = next(m for m in messages if m.get("id") == "del-rng-again" and "error" in m)
    assert "already in the process of unplug" in refused["error"]["desc"]


def test_fixtures_have_the_shape_of_a_fresh_recording(recorded: dict[str, Path]) -> None:
    for name, fixture in (("source", SOURCE), ("destination", DESTINATION), ("hotplug", HOTPLUG)):
        assert _shape(_messages(recorded[name])) == _shape(_messages(fixture)), name


def test_a_migration_without_its_terminal_status_is_found(
    recorded: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = recorded["source"].read_text(encoding="utf-8").splitlines()

    def completed(line: str) -> bool:
        raw = json.loads(line).get("raw")
        message = json.loads(raw) if raw else {}
        return message.get("event") == "MIGRATION" and message["data"]["status"] == "completed"

    first = next(i for i, line in enumerate(lines) if completed(line))  # the migration's
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines[:first] + lines[first + 1 :]) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(broken), "--output", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    found = [f for f in findings if f["rule_id"] == "migration/one-terminal-status"]
    assert len(found) == 1
    messages = _messages(broken)
    at = found[0]["location"]["message_index"]
    assert messages[at].get("id") == "after-completed" and "return" in messages[at]
