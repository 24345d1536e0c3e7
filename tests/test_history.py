"""History across the real x86_64 probes: add, deprecate, remove, with versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qmpcontract.cli import main


def test_history_of_real_releases(shared_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted((shared_corpus / "libvirt-replies").glob("*x86_64*.replies"))
    assert main(["history", *map(str, files), "--output", "json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["releases"][0] == "2.5" and document["releases"][-1] == "10.0"
    assert "skipped" in captured.err  # the probes before 2.5 carry no schema
    timeline = {(e["element"], e["path"]): e["steps"] for e in document["elements"]}

    def steps(element: str, path: str = "") -> list[tuple[str, str]]:
        return [(s["what"], s["version"]) for s in timeline[(element, path)]]

    assert steps("command cpu-add") == [("deprecated", "5.0"), ("removed", "5.2")]
    assert steps("command block-job-change") == [("added", "8.2")]
    # Added and removed again inside the range:
    assert steps("event COMMAND_DROPPED") == [("added", "2.11.90"), ("removed", "4.0")]
    assert ("removed", "9.1") in steps("command migrate", "arguments.blk")
