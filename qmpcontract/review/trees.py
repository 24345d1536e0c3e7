"""Materialise the two sides of a review: old and new ``qapi/`` (and ``contracts/``) trees.

From a git range ``A..B`` in a checkout: the files under ``qapi/`` (and
``contracts/``), the root ``qapi-schema.json`` of QEMU before 2017, and
``VERSION`` at A and at B, written into two temporary
directories with ``git show``.  From a patch or mbox file plus the tree it
applies to: the tree's files copied twice, the patch's hunks of those files (a real
QAPI patch also changes C files and documentation) applied to the second copy
with ``git apply`` (which skips mail headers and handles renames and binary
hunks by refusing them with a message).  Git is run without a shell; every
failure is a located input error.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qmpcontract.errors import InputError
from qmpcontract.location import Location

WATCHED = ("qapi", "contracts", "qapi-schema.json")  # the last: QEMU's root until 2017


@dataclass(frozen=True)
class ReviewTrees:
    """The old and new trees, and which watched files the change touches."""

    old: Path
    new: Path
    changed: tuple[str, ...]  # paths relative to the tree root
    label_old: str
    label_new: str


def git(args: list[str], cwd: Path, what: str) -> str:
    """The output of ``git ARGS`` run in *cwd*.

    :raise InputError: naming *what* failed, if git cannot be run or fails.
    """
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
        )
    except subprocess.TimeoutExpired as exc:
        raise InputError(f"{what}: git did not finish in 120 s", Location(str(cwd))) from exc
    except OSError as exc:
        raise InputError(f"cannot run git: {exc.strerror or exc}", Location(str(cwd))) from exc
    if done.returncode != 0:
        raise InputError(
            f"{what}: {done.stderr.strip() or done.stdout.strip()}", Location(str(cwd))
        )
    return done.stdout


def export_tree(repo: Path, revision: str, target: Path) -> None:
    """Write the schema files (and ``VERSION``) of *revision* in *repo* under *target*."""
    listed = git(
        ["ls-tree", "-r", "--name-only", revision, "--", *WATCHED, "VERSION"],
        repo,
        f"cannot list files at {revision}",
    )
    for name in listed.splitlines():
        content = subprocess.run(
            ["git", "show", f"{revision}:{name}"], cwd=repo, capture_output=True, check=False
        )
        if content.returncode != 0:
            raise InputError(f"cannot read {name} at {revision}", Location(str(repo)))
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.stdout)


def split_range(repo: Path, spec: str) -> tuple[str, str]:
    """The two revisions a range stands for, as ``git diff`` takes it.

    ``A..B`` is A and B; ``A...B`` is the merge base of A and B, and B (the
    changes on B's side since it forked from A); an end left out is ``HEAD``.
    A single revision ``C`` is ``C^..C``: the change of that commit, as
    ``git show C`` gives it (of a merge: what it brought to its first parent).

    :raise InputError: if *spec* names no commit, A and B have no merge base,
        or a single commit has no parent.
    """
    if any(part.startswith("-") for part in re.split(r"\.\.\.?", spec)):
        raise InputError(
            f"not a revision or range (expected C, A..B or A...B): {spec!r}", Location(str(repo))
        )
    if ".." not in spec:
        if not _is_commit(repo, spec):
            raise InputError(f"{spec}: no such commit", Location(str(repo)))
        if not _is_commit(repo, f"{spec}^1"):
            raise InputError(
                f"{spec}: a root commit has no parent to compare with; give a range A..B",
                Location(str(repo)),
            )
        return f"{spec}^1", spec
    symmetric = "..." in spec
    base, head = spec.split("..." if symmetric else "..", 1)
    base, head = base or "HEAD", head or "HEAD"
    if symmetric:
        base = git(
            ["merge-base", base, head], repo, f"{spec}: no merge base of {base} and {head}"
        ).strip()
    return base, head


def _is_commit(repo: Path, revision: str) -> bool:
    """Whether *revision* names a commit in *repo*."""
    try:
        git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], repo, revision)
    except InputError:
        return False
    return True


def from_git_range(repo: Path, spec: str, workdir: Path | None = None) -> ReviewTrees:
    """The trees at both ends of ``A..B`` (or ``A...B``) in the checkout *repo*.

    :raise InputError: if *repo* is no git checkout or a revision does not exist.
    """
    if not repo.is_dir():
        raise InputError("no such directory (--repo takes a git checkout)", Location(str(repo)))
    base, head = split_range(repo, spec)
    root = Path(workdir or tempfile.mkdtemp(prefix="qmpcontract-review-"))
    old, new = root / "old", root / "new"
    export_tree(repo, base, old)
    export_tree(repo, head, new)
    changed = git(
        ["diff", "--name-only", base, head, "--", *WATCHED], repo, f"cannot diff {spec}"
    ).split()
    label = f"merge base {base[:12]}" if "..." in spec else base
    return ReviewTrees(old, new, tuple(changed), label, head)


def from_patch(patch: Path, tree: Path, workdir: Path | None = None) -> ReviewTrees:
    """The tree *tree* before and after applying *patch* (a patch or an mbox).

    :raise InputError: if the patch does not apply (the message says which hunk).
    """
    if not patch.is_file():
        raise InputError("no such patch file", Location(str(patch)))
    root = Path(workdir or tempfile.mkdtemp(prefix="qmpcontract-review-"))
    old, new = root / "old", root / "new"
    for target in (old, new):
        target.mkdir(parents=True)
        for name in (*WATCHED, "VERSION"):
            source = tree / name
            if source.is_dir():
                shutil.copytree(source, target / name)
            elif source.is_file():
                shutil.copy2(source, target / name)
    git(["init", "-q"], new, "cannot prepare the tree")
    # Every path the patch names must stay in the tree, whichever hunks are applied.
    every = git(["apply", "--numstat", str(patch.resolve())], new, f"cannot read {patch}")
    for line in every.splitlines():
        name = line.split("\t")[-1]
        if name.startswith("/") or ".." in Path(name).parts:
            raise InputError(
                f"the patch names a path outside the tree: {name}", Location(str(patch))
            )
    # Only the schema's hunks: a real QAPI patch also touches C files and docs.
    only = [f"--include={pattern}" for name in WATCHED for pattern in (name, f"{name}/*")]
    stat = git(["apply", "--numstat", *only, str(patch.resolve())], new, f"cannot read {patch}")
    changed = [line.split("\t")[-1] for line in stat.splitlines() if "\t" in line]
    git(
        ["apply", "--whitespace=nowarn", *only, str(patch.resolve())],
        new,
        f"{patch} does not apply to {tree}",
    )
    shutil.rmtree(new / ".git", ignore_errors=True)
    watched = [c for c in changed if c.split("/", 1)[0] in WATCHED]
    return ReviewTrees(old, new, tuple(watched), tree.name, f"{tree.name} + {patch.name}")


_MBOX_FROM = re.compile(rb"^From \S+ .*\n", re.M)  # git format-patch and b4 am write these
_SUBJECT = re.compile(rb"^Subject: (.*(?:\n[ \t].*)*)", re.M)


def split_series(patch: Path, workdir: Path) -> list[tuple[str, Path]]:
    """The patches of an mbox in order, each written to a file of its own, with its subject.

    A file holding one patch (or none that looks like mail) is returned as it is.
    """
    try:
        data = patch.read_bytes()
    except OSError:  # from_patch says what is wrong with it
        return [(patch.name, patch)]
    starts = [m.start() for m in _MBOX_FROM.finditer(data)]
    if len(starts) < 2:
        return [(_subject(data) or patch.name, patch)]
    parts = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]
    parts = [p for p in parts if b"\ndiff --git " in p or b"\n--- " in p]
    if len(parts) < 2:
        return [(_subject(data) or patch.name, patch)]
    workdir.mkdir(parents=True, exist_ok=True)
    found = []
    for number, part in enumerate(parts, start=1):
        path = workdir / f"{number:04d}.patch"
        path.write_bytes(part)
        found.append((_subject(part) or f"patch {number}", path))
    return found


def _subject(mail: bytes) -> str:
    found = _SUBJECT.search(mail)
    if found is None:
        return ""
    return " ".join(found.group(1).decode("utf-8", "replace").split())
