"""``qmpcontract diff`` as users run it: sides, formats, exit codes, unstable items, baselines."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from qmpcontract.cli import main

from .conftest import CONTRACTS

OLD = str(CONTRACTS / "block-jobs" / "1.0.0.json")
NEW = str(CONTRACTS / "block-jobs" / "2.0.0.json")


def test_contract_files_must_break(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", OLD, NEW]) == 1
    out = capsys.readouterr().out
    assert out.startswith("block-jobs@1.0.0 -> block-jobs@2.0.0:")
    assert "MUST [diff/error-class-removed] error class 'NotSupported' is gone" in out
    assert main(["diff", NEW, str(CONTRACTS / "block-jobs" / "2.1.0.json")]) == 0
    assert "0 MUST, 0 SHOULD" in capsys.readouterr().out


def test_json_markdown_junit_sarif(capsys: pytest.CaptureFixture[str]) -> None:
    main(["diff", OLD, NEW, "--output", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] is True
    finding = next(f for f in report["findings"] if f["rule_id"] == "diff/error-class-dropped")
    assert set(finding) >= {
        "rule_id",
        "level",
        "message",
        "location",
        "element",
        "path",
        "old",
        "new",
    }
    assert finding["old"] in {"DeviceInUse", "InvalidParameter", "NotSupported", "BaseNotFound"}
    main(["diff", OLD, NEW, "--output", "markdown"])
    markdown = capsys.readouterr().out
    assert "- [ ] **MUST** `diff/error-class-removed`" in markdown
    main(["diff", OLD, NEW, "--output", "junit"])
    suites = ET.fromstring(capsys.readouterr().out).findall("testsuite")
    assert suites[0].get("failures") == "1"
    main(["diff", OLD, NEW, "--output", "sarif"])
    assert json.loads(capsys.readouterr().out)["runs"][0]["results"]


def test_fail_on_and_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", OLD, NEW, "--fail-on", "may"]) == 1
    baseline = tmp_path / "accepted.json"
    baseline.write_text(
        json.dumps(
            {
                "accepted": [
                    {
                        "rule_id": "diff/error-class-*",
                        "reason": "QEMU 1.2 collapsed error classes",
                        "expires": "2099-01-01",
                    }
                ]
            }
        )
    )
    assert main(["diff", OLD, NEW, "--baseline", str(baseline)]) == 0
    assert "baselined" in capsys.readouterr().out


def test_unstable_items_are_reported_apart(
    shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = str(shared_corpus / "libvirt-replies" / "caps_3.1.0.x86_64.replies")
    new = str(shared_corpus / "libvirt-replies" / "caps_4.0.0.x86_64.replies")
    main(["diff", old, new])
    out = capsys.readouterr().out
    assert (
        "MAY [diff/unstable-changed] (unstable) command transaction: branch "
        "'x-block-dirty-bitmap-merge' of arguments.actions[] was removed"
    ) in out
    main(["diff", old, new, "--include-unstable"])
    out = capsys.readouterr().out
    assert (
        "MUST [diff/input-variant-removed] command transaction: branch "
        "'x-block-dirty-bitmap-merge' of arguments.actions[] was removed"
    ) in out


def test_bad_sides_are_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(tmp_path / "nope"), NEW]) == 2
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    assert main(["diff", str(empty), NEW]) == 2
    assert "qmpcontract: error:" in capsys.readouterr().err


def test_a_broken_contract_side_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "block-jobs" / "9.0.0.json"
    broken.parent.mkdir()
    document = json.loads(Path(OLD).read_text(encoding="utf-8"))
    document["version"] = "9.0.0"
    del document["title"]
    broken.write_text(json.dumps(document, indent=2), encoding="utf-8")
    assert main(["diff", OLD, str(broken)]) == 2
    err = capsys.readouterr().err
    assert "the contracts have problems" in err
    assert "9.0.0.json:1:1: [meta-schema] the contract: missing member 'title'" in err
    assert "Traceback" not in err
