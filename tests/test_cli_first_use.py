"""What a first-time user trips on (issue 20), each through the real command line.

Every test here failed before the fix it covers: the exit code, the first line
a user reads, or what the command writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qmpcontract.cli import main


def _tiny_qapi(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    root = directory / "qapi-schema.json"
    root.write_text("{ 'command': 'query-foo' }\n", encoding="utf-8")
    return root


def test_import_qapi_of_a_missing_file_says_so_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nonexistent" / "qapi-schema.json"
    assert main(["import", "qapi", str(missing)]) == 2
    assert capsys.readouterr().err == f"qmpcontract: error: {missing}: no such file or directory\n"


def test_import_qapi_of_unknown_version_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tiny_qapi(tmp_path / "tree")
    assert main(["import", "qapi", str(root)]) == 2
    err = capsys.readouterr().err
    assert "the QEMU version of these QAPI sources is unknown" in err
    assert "give it with --qemu-version" in err
    assert main(["import", "qapi", str(root), "--qemu-version", "7.2.0"]) == 0
