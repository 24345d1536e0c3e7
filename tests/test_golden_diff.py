"""The golden cases of the differ: a small pair of sides per change kind, with the exact report.

Each directory under ``tests/corpus/diff/`` is named ``<kind>--<case>`` after the change
kind ``diff/<kind>`` it shows, and holds two sides, ``old/`` and ``new/``:

- QAPI sources (``qapi-schema.json`` with a ``VERSION`` file), as a QEMU patch changes
  them; ``expected.txt`` is exactly what ``qmpcontract diff old/qapi-schema.json
  new/qapi-schema.json --fail-on may`` prints, run in the case directory;
- or contract sets (``old/demo/1.0.0.json``): what only a contract can say (error
  classes a command lists, a deprecation's release, an open input);
  ``expected.txt`` is ``qmpcontract diff old new --fail-on may``.

A kind only ``review`` reports (what libvirt loses) is a review of a git repository
whose two commits are the two QAPI trees (``qapi/`` and ``VERSION``):
``expected.txt`` is ``qmpcontract review --repo REPO HEAD~1..HEAD``.

Regenerate with ``pytest --update`` or ``QMPCONTRACT_REGENERATE=1`` (after a change
of levels in ``diff/catalogue.py``, say) and review the diff in the same commit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.diff.catalogue import CHANGES

from .conftest import TEST_CORPUS, git

CASES = sorted(p for p in (TEST_CORPUS / "diff").iterdir() if p.is_dir())
REVIEW_ONLY = {"diff/libvirt-probe-changed"}


def _kind(case: Path) -> str:
    return "diff/" + case.name.split("--", 1)[0]


def _review(case: Path, tmp_path: Path) -> list[str]:
    """``review`` arguments for a repository of the case's two trees, one commit each."""
    repo = tmp_path / "qemu"
    (repo / "qapi").mkdir(parents=True)
    git(repo, "init", "-q")
    for side in ("old", "new"):
        shutil.copy(case / side / "qapi-schema.json", repo / "qapi" / "qapi-schema.json")
        shutil.copy(case / side / "VERSION", repo / "VERSION")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", side)
    return ["review", "--repo", str(repo), "HEAD~1..HEAD"]


def _arguments(case: Path, tmp_path: Path) -> list[str]:
    if _kind(case) in REVIEW_ONLY:
        return _review(case, tmp_path)
    if (case / "old" / "qapi-schema.json").is_file():
        return ["diff", "old/qapi-schema.json", "new/qapi-schema.json", "--fail-on", "may"]
    return ["diff", "old", "new", "--fail-on", "may"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_diff_case(
    case: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    update_golden: bool,
) -> None:
    monkeypatch.chdir(case)
    code = main(_arguments(case, tmp_path))
    captured = capsys.readouterr()
    assert captured.err == ""
    expected = case / "expected.txt"
    if update_golden:
        expected.write_text(captured.out, encoding="utf-8")
    assert captured.out == expected.read_text(encoding="utf-8")
    kind = _kind(case)
    assert kind in CHANGES, f"{case.name}: no change kind {kind}"
    assert f"[{kind}]" in captured.out or f"`{kind}`" in captured.out, "the case shows its kind"
    assert code == (0 if kind in REVIEW_ONLY else 1), "diff --fail-on may fails on any change"


def test_every_change_kind_has_a_golden_case() -> None:
    covered = {_kind(case) for case in CASES}
    missing = sorted(set(CHANGES) - covered)
    assert not missing, f"change kinds without a golden case in tests/corpus/diff: {missing}"
