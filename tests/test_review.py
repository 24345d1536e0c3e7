"""``qmpcontract review`` on a real patch: QEMU's qapi/ from v7.2.0 to v8.2.0.

The test builds a git repository with the two releases' ``qapi/`` as two
commits, then reviews the range, and the same change as a patch file applied
to the v7.2.0 tree.  Every command and member the patch removes must be in the
checklist.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.cli.diff import compare
from qmpcontract.contract import load_contracts
from qmpcontract.diff.catalogue import REMOVALS
from qmpcontract.diff.compare import Differ
from qmpcontract.importers.sides import load_side
from qmpcontract.review.checklist import checklist

from .conftest import git


@pytest.fixture
def qemu_repo(shared_corpus: Path, tmp_path: Path) -> Path:
    repo = tmp_path / "qemu"
    (repo / "qapi").mkdir(parents=True)
    git(repo, "init", "-q")
    for tag in ("v7.2.0", "v8.2.0"):
        shutil.rmtree(repo / "qapi")
        shutil.copytree(shared_corpus / "qapi" / tag, repo / "qapi")
        (repo / "VERSION").write_text(tag.removeprefix("v") + "\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", tag)
        git(repo, "tag", tag)
    return repo


def _expected_removals(shared_corpus: Path) -> list[str]:
    old = load_side(shared_corpus / "qapi" / "v7.2.0" / "qapi-schema.json")
    new = load_side(shared_corpus / "qapi" / "v8.2.0" / "qapi-schema.json")
    (pair,) = compare(old, new, include_unstable=False)
    return [c.message for c in pair.changes if c.rule_id in REMOVALS]


def test_review_a_git_range(
    qemu_repo: Path, shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", "--repo", str(qemu_repo), "v7.2.0..v8.2.0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## QMP review: v7.2.0 -> v8.2.0")
    removals = _expected_removals(shared_corpus)
    assert removals, "8.2 removed things"
    for message in removals:
        assert message in out, message
    # 8.2 removed only deprecated things, after their window: MAY under the policy, but
    # each still asks for its removed-features entry, so it stays unticked
    assert "- [ ] **MAY** `diff/removed-after-deprecation`" in out


def test_review_a_patch_file(
    qemu_repo: Path, shared_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patch = tmp_path / "0001-qapi-8.2.patch"
    patch.write_text(git(qemu_repo, "format-patch", "--stdout", "v7.2.0..v8.2.0"))
    tree = tmp_path / "tree"
    (tree / "qapi").parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(shared_corpus / "qapi" / "v7.2.0", tree / "qapi")
    (tree / "VERSION").write_text("7.2.0\n")
    assert main(["review", str(patch), "--tree", str(tree), "--format", "email"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("QMP review of")
    assert all(len(line) <= 72 for line in out.splitlines() if " " in line.strip())
    for message in _expected_removals(shared_corpus):
        assert message.split(": ")[-1][:40] in out.replace("\n      ", " ")


def test_review_maps_changes_onto_contracts(
    qemu_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """8.2 added block-job-change, which the block-jobs contract covers."""
    main(["review", "--repo", str(qemu_repo), "v7.2.0..v8.2.0"])
    out = capsys.readouterr().out
    line = next(li for li in out.splitlines() if "command 'block-job-change' was added" in li)
    assert "MAY" in line
    following = out.split(line, 1)[1].splitlines()[1]
    assert "The agreed contract block-jobs@2.5.0 covers command block-job-change" in following


def test_a_patch_that_does_not_apply(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "tree"
    (tree / "qapi").mkdir(parents=True)
    (tree / "qapi" / "qapi-schema.json").write_text("{ 'command': 'x' }\n")
    patch = tmp_path / "bad.patch"
    patch.write_text(
        "--- a/qapi/qapi-schema.json\n+++ b/qapi/qapi-schema.json\n@@ -1 +1 @@\n"
        "-{ 'command': 'y' }\n+{ 'command': 'z' }\n"
    )
    assert main(["review", str(patch), "--tree", str(tree)]) == 2
    assert "does not apply" in capsys.readouterr().err


def test_removing_a_kept_error_class_names_the_rule() -> None:
    # Error elements are named "error class X"; names-kept lists bare class names.
    core = load_contracts().latest("qmp-core")
    assert core is not None
    without = replace(core, errors=tuple(e for e in core.errors if e.name != "DeviceNotActive"))
    items = checklist(Differ([core], [without]).diff(core, without), [core])
    rules = {rule for item in items for rule, _, _ in item.rules}
    assert "qmp-core/error-classes-kept" in rules
