"""The loader collects every problem, builds only clean sets, and reads only the set."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.contract import ContractLoadError, ProblemCode, lint_paths, load_contracts

from .conftest import TEST_CORPUS

VALID = TEST_CORPUS / "contracts" / "valid"


def _copy_valid(tmp_path: Path) -> Path:
    root = tmp_path / "set"
    shutil.copytree(VALID, root, ignore=shutil.ignore_patterns("expected.txt"))
    return root


def _edit(path: Path, **changes: object) -> None:
    doc = json.loads(path.read_text())
    doc.update(changes)
    path.write_text(json.dumps(doc, indent=2))


def test_all_problems_of_a_file_are_reported(tmp_path: Path) -> None:
    root = _copy_valid(tmp_path)
    demo = root / "demo" / "1.0.0.json"
    doc = json.loads(demo.read_text())
    doc["title"] = 42  # meta-schema
    doc["rules"][1]["id"] = "demo/done-event"  # duplicate rule id
    doc["rules"][0]["check"]["kind"] = "no-such-kind"  # unknown check kind
    doc["commands"]["demo-start"]["errors"] = ["NoSuchError"]  # unknown error class
    demo.write_text(json.dumps(doc, indent=2))
    result = lint_paths([root])
    codes = sorted(str(p.code) for p in result.problems)
    assert codes == ["check-kind", "element-ref", "meta-schema", "rule-id"]
    lines = [p.location.line or 0 for p in result.problems]
    assert lines == sorted(lines), "problems come in file order"


def test_problems_of_several_files_are_all_reported(tmp_path: Path) -> None:
    root = _copy_valid(tmp_path)
    _edit(root / "demo" / "1.0.0.json", status="final")
    _edit(root / "other" / "1.0.0.json", version="9.9.9")
    result = lint_paths([root])
    assert {(Path(p.location.file).parent.name, p.code) for p in result.problems} == {
        ("demo", ProblemCode.META_SCHEMA),
        ("other", ProblemCode.FILE_NAME),
    }


def test_load_raises_once_with_every_problem(tmp_path: Path) -> None:
    root = _copy_valid(tmp_path)
    _edit(root / "demo" / "1.0.0.json", status="final", title="")
    with pytest.raises(ContractLoadError) as info:
        load_contracts(root)
    assert len(info.value.problems) == 2
    assert all(p.location.line for p in info.value.problems)
    assert "demo/1.0.0.json" in str(info.value)


def test_load_builds_a_clean_set(tmp_path: Path) -> None:
    contracts = load_contracts(_copy_valid(tmp_path))
    assert contracts.ids() == ("demo", "other")
    other = contracts.latest("other")
    assert other is not None
    (requirement,) = other.requires
    assert contracts.resolve(requirement) == contracts.latest("demo")


def test_linting_one_file_reports_only_that_file(tmp_path: Path) -> None:
    root = _copy_valid(tmp_path)
    _edit(root / "demo" / "1.0.0.json", status="final")
    result = lint_paths([root / "other" / "1.0.0.json"])
    assert result.files == (str(root / "other" / "1.0.0.json"),)
    assert result.problems == ()
    assert result.sets == (), "the set is not built while a file of it is broken"


def test_alias_colliding_with_a_required_contract(tmp_path: Path) -> None:
    root = _copy_valid(tmp_path)
    other = root / "other" / "1.0.0.json"
    _edit(
        other,
        errors={
            "Failure": {
                "summary": "x",
                "since": "2.0",
                "status": "stable",
                "aliases": [{"name": "DemoError", "origin": "legacy"}],
            }
        },
    )
    result = lint_paths([other])
    (problem,) = result.problems
    assert problem.code is ProblemCode.ERROR_ALIAS
    assert "alias 'DemoError' collides with the error class 'DemoError'" in problem.message


def test_files_outside_the_set_are_never_read(tmp_path: Path) -> None:
    root = _copy_valid(tmp_path)
    secret = tmp_path / "secret.json"
    secret.write_text('{"x": {}}')
    doc = json.loads((root / "demo" / "1.0.0.json").read_text())
    doc["types"]["Leak"] = {"$ref": "../../secret.json#/x"}
    (root / "demo" / "1.0.0.json").write_text(json.dumps(doc))
    (problem,) = lint_paths([root]).problems
    assert problem.code is ProblemCode.SCHEMA_REF
    assert "outside the contract set" in problem.message


def test_an_oversized_contract_file_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The located parser needs about 25 times a file's size in memory: a 93 MB
    # contract took 2.3 GB and 42 s before this limit.
    big = tmp_path / "huge" / "1.0.0.json"
    big.parent.mkdir()
    big.write_bytes(b'{"contract": "huge", "pad": "' + b"x" * (17 << 20) + b'"}')
    assert main(["lint", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "huge/1.0.0.json: error [file-read] file larger than the 16 MiB" in out
