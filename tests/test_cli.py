"""The command line: exit codes, output formats, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.model.check_kinds import CHECK_KINDS

from .conftest import CONTRACTS, TEST_CORPUS

BROKEN = TEST_CORPUS / "contracts" / "rule-id--duplicate"


def test_lint_shipped_contracts_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("contract files checked, no problems\n")


def test_lint_single_file_uses_its_set(capsys: pytest.CaptureFixture[str]) -> None:
    # block-jobs requires qmp-core and jobs: linting one file still sees them.
    assert main(["lint", str(CONTRACTS / "block-jobs" / "2.3.0.json")]) == 0
    assert "1 contract file checked, no problems" in capsys.readouterr().out


def test_lint_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--output", "json", str(BROKEN)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] == {"files": 1, "problems": 1, "contracts": 0}
    (problem,) = report["problems"]
    assert problem["code"] == "rule-id"
    assert problem["location"]["file"].endswith("demo/1.0.0.json")
    assert problem["location"]["line"] == 158
    assert problem["location"]["pointer"] == "/rules/1/id"
    assert problem["related"][0]["note"] == "first used here"


def test_lint_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.txt"
    assert main(["lint", "--output-file", str(target), str(BROKEN)]) == 1
    assert capsys.readouterr().out == ""
    assert "[rule-id]" in target.read_text()


def test_missing_path_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err == f"qmpcontract: error: {tmp_path / 'nope'}: no such file or directory\n"


def test_empty_directory_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path)]) == 2
    assert "no contract files found" in capsys.readouterr().err


def test_unwritable_output_file_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-dir" / "out.txt"
    assert main(["lint", "--output-file", str(target)]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_usage_errors_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["lint", "--output", "yaml"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


def test_kinds_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kinds", "--output", "json"]) == 0
    kinds = json.loads(capsys.readouterr().out)
    assert [k["name"] for k in kinds] == list(CHECK_KINDS)
    assert main(["kinds"]) == 0
    assert "job-terminal-event" in capsys.readouterr().out


def test_console_script_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "qmpcontract", "lint", str(BROKEN)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "[rule-id]" in done.stdout


def test_rules_lists_builtin_and_contract_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--output", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = [r["id"] for r in rows]
    assert ids[0] == "qmpcontract/invalid-message"
    assert "block-jobs/completion-event-name" in ids
    assert len(ids) == len(set(ids))
    review_only = [r for r in rows if r["check"] is None]
    assert review_only, "rules without a machine check are listed too"
    assert main(["rules"]) == 0
    assert "review only" in capsys.readouterr().out
