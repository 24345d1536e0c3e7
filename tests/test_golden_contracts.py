"""The golden corpus of broken contracts: one defect per case, named after it.

Each directory under ``tests/corpus/contracts/`` is a small contract set.  Its
name is ``<problem-code>--<case>`` (or ``valid``), and ``expected.txt`` holds
the exact text ``qmpcontract lint`` prints for it.  Regenerate with
``pytest --update`` or ``QMPCONTRACT_REGENERATE=1`` and review the diff in the
same commit as the code change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.cli.semver import semver_problems
from qmpcontract.contract import ProblemCode, lint_paths
from qmpcontract.report.problems import render_text

from .conftest import TEST_CORPUS

CASES = sorted(p for p in (TEST_CORPUS / "contracts").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_case(case: Path, monkeypatch: pytest.MonkeyPatch, update_golden: bool) -> None:
    monkeypatch.chdir(case)
    result = lint_paths([Path(".")], semver_problems)
    text = render_text(result)
    expected_file = case / "expected.txt"
    if update_golden:
        expected_file.write_text(text, encoding="utf-8")
    assert text == expected_file.read_text(encoding="utf-8")

    if case.name == "valid":
        assert result.problems == ()
        assert len(result.sets) == 1
        return
    code = case.name.split("--", 1)[0]
    assert result.problems, "a broken contract must give at least one problem"
    # One defect per case: every problem it causes carries the case's code.
    assert {str(p.code) for p in result.problems} == {code}
    for problem in result.problems:
        assert problem.location.file.endswith(".json")
        assert problem.location.line is not None, f"{problem} has no line"
    assert result.sets == (), "a set with problems must not load"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_case_exit_code(
    case: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(case)
    assert main(["lint", "."]) == (0 if case.name == "valid" else 1)
    out = capsys.readouterr().out
    assert out == (case / "expected.txt").read_text(encoding="utf-8")


def test_every_problem_code_has_a_golden_case() -> None:
    covered = {c.name.split("--", 1)[0] for c in CASES}
    assert {str(code) for code in ProblemCode} <= covered
