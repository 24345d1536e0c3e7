"""Report renderers: the JSON report follows its documented schema; JUnit and SARIF parse."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from qmpcontract.cli import main

from .conftest import REPO

GOLDEN = REPO / "tests" / "corpus" / "transcripts" / "golden"
CASES = [
    GOLDEN / "qmp-core" / "one-response--second-response.jsonl",
    GOLDEN / "block-jobs" / "error-spelling--unsupported.jsonl",
    GOLDEN / "qmpcontract" / "unfinished-job--recording-ends-while-running.jsonl",
    REPO / "examples" / "qemu-7.2-block-jobs.jsonl",
]
SCHEMA = json.loads((REPO / "docs" / "reference" / "check-report.schema.json").read_text())


def _run(capsys: pytest.CaptureFixture[str], output: str) -> tuple[int, str]:
    code = main(["check", *map(str, CASES), "--output", output])
    return code, capsys.readouterr().out


def test_json_report_follows_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _run(capsys, "json")
    report = json.loads(text)
    Draft202012Validator.check_schema(SCHEMA)
    errors = [e.message for e in Draft202012Validator(SCHEMA).iter_errors(report)]
    assert errors == []
    assert code == 1
    assert report["failed"] is True
    assert report["summary"]["transcripts"] == 4
    assert report["summary"]["messages"] == sum(
        t["summary"]["messages"] for t in report["transcripts"]
    )
    # error-spelling--unsupported: QEMU 7.2 has no class 'Unsupported' (qemu-error-classes)
    assert report["summary"]["by_level"] == {"MUST": 2, "SHOULD": 2, "MAY": 1}


def test_junit_has_a_test_per_rule(capsys: pytest.CaptureFixture[str]) -> None:
    _, text = _run(capsys, "junit")
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 4
    first = suites[0]
    names = {case.get("name") for case in first.findall("testcase")}
    assert "qmp-core/one-response" in names
    failed = [c for c in first.findall("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["qmp-core/one-response"]
    assert first.get("failures") == "1"
    assert int(root.get("tests", "0")) == sum(int(s.get("tests", "0")) for s in suites)


def test_sarif_results(capsys: pytest.CaptureFixture[str]) -> None:
    _, text = _run(capsys, "sarif")
    log = json.loads(text)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert {r["level"] for r in results} == {"error", "warning", "note"}
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
    spelled = next(r for r in results if r["ruleId"] == "block-jobs/error-spelling")
    assert spelled["properties"]["jsonPointer"] == "/error/class"
    assert spelled["properties"]["expected"] == "NotSupported"


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.sarif"
    main(["check", str(CASES[0]), "--output", "sarif", "--output-file", str(target)])
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"
