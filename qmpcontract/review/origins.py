"""Which commit made a change: a step of an element's history traced in QEMU's git history.

``history`` diffs snapshots of releases, so it knows a step happened between two
of them.  In a git checkout of QEMU (or of the schema history bundle) the commit
is found: among the commits of those releases' cycles whose patch touches a line
naming what changed (``git log -G``), the first whose own change (``X~1``
against ``X``, which for the bundle is exactly that QEMU commit's) holds the
step.  Its release is the first that holds it, from its ``VERSION``
(``9.1.50`` is development toward 9.2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from qmpcontract.diff.compare import Change, Differ
from qmpcontract.diff.history import Origin, Step, Timeline, step_kind
from qmpcontract.model.contract import Contract
from qmpcontract.model.versions import QemuVersion
from qmpcontract.review.deprecations import SCHEMA_PATHS, first_release
from qmpcontract.review.trees import export_tree, git

Loader = Callable[[Path], Contract | None]
"""Reads the schema of an exported tree (None if it has none)."""

CANDIDATES = 12  # commits tried per step, oldest first
_SNAPSHOT = "Schema as of "  # the bundle's commits that lay a parent's files down


class GitHistory:
    """QEMU's schema history in a git checkout: releases of commits, and trees at them."""

    def __init__(self, repo: Path, load: Loader, workdir: Path) -> None:
        self.repo = repo
        self._load = load
        self._workdir = workdir  # where trees are written, one directory per commit
        self._trees: dict[str, Contract | None] = {}
        self.order, self.release = self._releases()

    def _git(self, *args: str) -> str:
        return git(list(args), self.repo, "git history")

    def _releases(self) -> tuple[list[str], dict[str, QemuVersion | None]]:
        """Every commit, oldest first, with the first release that holds it."""
        order = self._git("rev-list", "--reverse", "--topo-order", "HEAD").split()
        log = self._git("log", "--format=%x00%H", "-p", "--unified=0", "--", "VERSION")
        set_at: dict[str, str] = {}
        for chunk in log.split("\x00")[1:]:
            commit, _, patch = chunk.partition("\n")
            added = [line[1:].strip() for line in patch.splitlines() if line[:1] == "+"]
            added = [a for a in added if a and not a.startswith("++")]
            if added:
                set_at[commit.strip()] = added[-1]
        release: dict[str, QemuVersion | None] = {}
        current: QemuVersion | None = None
        for commit in order:
            if commit in set_at:
                try:
                    current = first_release(QemuVersion.parse(set_at[commit]))
                except ValueError:
                    current = None
            release[commit] = current
        return order, release

    def between(self, after: QemuVersion | None, version: QemuVersion) -> list[str]:
        """The commits of the release cycles after *after* up to *version*, oldest first."""
        return [
            c
            for c in self.order
            if (r := self.release[c]) is not None and r <= version and (after is None or r > after)
        ]

    def tree(self, commit: str) -> Contract | None:
        """The schema at *commit* as a snapshot contract (read once)."""
        if commit not in self._trees:
            target = self._workdir / commit
            export_tree(self.repo, commit, target)
            self._trees[commit] = self._load(target)
        return self._trees[commit]

    def changes_of(self, commit: str) -> list[Change]:
        """What *commit* itself changed (``X~1`` against ``X``)."""
        index = self.order.index(commit)
        if index == 0:
            return []
        old, new = self.tree(self.order[index - 1]), self.tree(commit)
        if old is None or new is None:
            return []
        return Differ([old], [new]).diff(old, new)

    def candidates(
        self, commits: list[str], token: str, near: str | None = None
    ) -> Iterator[tuple[str, str, str]]:
        """(commit, QEMU commit id, title) of *commits* whose patch has a line naming *token*.

        With *near*, only those whose patch (with some context) also names *near*: the
        ``deprecated`` line of a feature is not the line that names its element.
        """
        first, last = commits[0], commits[-1]
        start = self.order.index(first)
        span = f"{self.order[start - 1]}..{last}" if start > 0 else last
        log = self._git(
            "log",
            "--reverse",
            "-G" + token.replace(".", "\\.") + "'",  # a basic regular expression
            "--format=%x01%H%x00%(trailers:key=Original-commit,valueonly,separator=)%x00%s",
            *(["-p", "--unified=8"] if near else []),
            span,
            "--",
            *SCHEMA_PATHS,
        )
        for record in log.split("\x01")[1:]:
            head, _, patch = record.partition("\n")
            commit, original, title = head.split("\x00")
            if title.startswith(_SNAPSHOT) or (near and f"{near}'" not in patch):
                continue
            yield commit, original.strip() or commit, title

    def origin(self, timeline: Timeline, step: Step, before: QemuVersion | None) -> Origin | None:
        """The commit that made *step* of *timeline* (after the snapshot *before*), if found.

        First the commits whose patch names what changed (or, for a deprecation, adds a
        ``deprecated`` line), each judged by its own change; else a bisection of the
        release cycles on "the step is there, against the tree of *before*".
        """
        commits = self.between(before, step.version)
        if not commits:
            return None
        name = _token(timeline)
        searches = [(name, None)] + ([("deprecated", name)] if step.what == "deprecated" else [])
        for token, near in searches:
            for n, (commit, original, title) in enumerate(self.candidates(commits, token, near)):
                if n >= CANDIDATES:
                    break
                if any(_made(change, timeline, step) for change in self.changes_of(commit)):
                    return Origin(original, title, self.release[commit])
        return self._bisect(commits, timeline, step)

    def _bisect(self, commits: list[str], timeline: Timeline, step: Step) -> Origin | None:
        start = self.order.index(commits[0])
        base = self.tree(self.order[start - 1]) if start > 0 else None
        if base is None:
            return None

        def present(commit: str) -> bool:
            tree = self.tree(commit)
            if base is None or tree is None:
                return False
            return any(_made(c, timeline, step) for c in Differ([base], [tree]).diff(base, tree))

        if not present(commits[-1]):
            return None
        low, high = 0, len(commits) - 1
        while low < high:
            middle = (low + high) // 2
            if present(commits[middle]):
                high = middle
            else:
                low = middle + 1
        found = commits[low]
        trailer = "%(trailers:key=Original-commit,valueonly,separator=)"
        original, _, title = (
            self._git("log", "-1", f"--format={trailer}%x00%s", found).strip().partition("\x00")
        )
        if title.startswith(_SNAPSHOT):
            return None  # the state of a parent laid down: no one commit made it
        return Origin(original.strip() or found, title, self.release[found])


def _made(change: Change, timeline: Timeline, step: Step) -> bool:
    """True if *change* is *step* of *timeline*."""
    return (
        change.element == timeline.element
        and change.path == timeline.path
        and step_kind(change.rule_id) == step.what.split(" ")[0]
    )


def _token(timeline: Timeline) -> str:
    """The name a patch making a step of *timeline* must touch: member, value or element.

    >>> _token(Timeline("command query-demo", "return[].status=paused"))
    'paused'
    >>> _token(Timeline("command demo-add", "arguments(driver=nbd)"))
    'nbd'
    >>> _token(Timeline("event DEMO_DONE", ""))
    'DEMO_DONE'
    """
    if not timeline.path:
        return timeline.element.partition(" ")[2]
    names = re.findall(r"[A-Za-z0-9_.+-]+", timeline.path.rsplit(".", 1)[-1].split("=")[-1])
    return names[-1] if names else timeline.element.partition(" ")[2]
