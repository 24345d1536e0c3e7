"""The golden corpus of broken transcripts: one defect per file, named after its rule.

``tests/corpus/transcripts/golden/<contract>/<rule>--<case>.jsonl`` is our real
QEMU 7.2 recording (``examples/qemu-7.2-block-jobs.jsonl``) broken in one way by
``tests/make_golden_transcripts.py``; ``.args`` holds extra arguments.  A
``<rule>--clean-<case>`` is the opposite: a transcript close to the rule's defect
that must check clean (QEMU 1.1's own class ``Unsupported`` from ``block_resize``
is not a respelling of ``NotSupported``).  The
``.expected.txt`` and ``.expected.json`` files are the exact report; rewrite
them with ``pytest --update`` (or ``QMPCONTRACT_REGENERATE=1``) and review the
diff in the same commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qmpcontract.check.registry import BUILTIN_RULES, RULE_CRASHED
from qmpcontract.cli import main
from qmpcontract.contract import load_contracts
from qmpcontract.model.check_kinds import CHECK_KINDS, Scope
from qmpcontract.releases.contract import known_rules

from .conftest import REPO, TEST_CORPUS

GOLDEN = TEST_CORPUS / "transcripts" / "golden"
CASES = sorted(GOLDEN.rglob("*.jsonl"))
IDS = [str(c.relative_to(GOLDEN).with_suffix("")) for c in CASES]


def _rule_of(case: Path) -> str:
    return f"{case.parent.name}/{case.name.split('--', 1)[0]}"


def _is_clean(case: Path) -> bool:
    """A ``<rule>--clean-<case>`` case is a transcript the rule must not flag (nor any other)."""
    return case.name.split("--", 1)[1].startswith("clean-")


def _args(case: Path) -> list[str]:
    extra = case.with_suffix(".args")
    return extra.read_text().split() if extra.exists() else []


def _run(case: Path, output: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    relative = str(case.relative_to(REPO))
    code = main(["check", relative, *_args(case), "--output", output])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_transcript(
    case: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    update_golden: bool,
) -> None:
    monkeypatch.chdir(REPO)
    code, text = _run(case, "text", capsys)
    _, raw = _run(case, "json", capsys)
    findings = json.loads(raw)["findings"]
    expected_txt = case.with_suffix(".expected.txt")
    expected_json = case.with_suffix(".expected.json")
    if update_golden:
        expected_txt.write_text(text, encoding="utf-8")
        expected_json.write_text(json.dumps(findings, indent=2) + "\n", encoding="utf-8")
    assert text == expected_txt.read_text(encoding="utf-8")
    assert findings == json.loads(expected_json.read_text(encoding="utf-8"))

    rule = _rule_of(case)
    if _is_clean(case):
        assert findings == [], f"{case.name} is a clean case of {rule}"
    hits = [f for f in findings if f["rule_id"] == rule]
    assert hits or _is_clean(case), f"{case.name} must trigger {rule}"
    for finding in findings:
        assert finding["location"]["file"] == str(case.relative_to(REPO))
        assert finding["location"]["line"] is not None
    assert code == (1 if any(f["level"] == "MUST" for f in findings) else 0)


def test_the_base_recording_is_clean(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["check", "examples/qemu-7.2-block-jobs.jsonl", "--fail-on", "may"]) == 0
    assert "0 findings" in capsys.readouterr().out


def test_every_rule_has_a_golden_case() -> None:
    # The rules of the contracts a transcript brings: its release's data (qemu-release and
    # qemu-error-classes) have cases; its own schema (qemu-introspection, or qemu-qapi from
    # 'import qapi' given with --schema) states the same rules as the release data, tested
    # in test_import_introspection.
    brought = [c for c in known_rules() if c.id not in ("qemu-introspection", "qemu-qapi")]
    contracts = [*load_contracts(), *brought]
    rules = {
        rule.id
        for contract in contracts
        for rule in contract.rules
        if rule.check and CHECK_KINDS[rule.check.kind].scope is Scope.TRANSCRIPT
    }
    rules |= {r.id for r in BUILTIN_RULES} - {RULE_CRASHED.id}  # tested in test_check_engine
    covered = {_rule_of(case) for case in CASES if not _is_clean(case)}
    assert rules - covered == set()
    assert covered - rules == set(), "a golden case names a rule that does not exist"
