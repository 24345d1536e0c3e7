"""API history across many releases: when each element was added, deprecated, changed, removed.

Snapshots are ordered by QEMU version and diffed pairwise; every change lands
on the timeline of its element (a command or event, or a member path inside
one).  Elements added and removed again inside the range show both steps.
Where the snapshots skip releases (2.5, then 2.12), a step says so: "added
between 2.5 and 2.12", never "added in 2.12".
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from qmpcontract.diff.compare import Change, Differ
from qmpcontract.model.contract import Contract, Level
from qmpcontract.model.versions import QemuVersion, releases_between

_STEP = {
    "diff/command-added": "added",
    "diff/event-added": "added",
    "diff/argument-added": "added",
    "diff/mandatory-argument-added": "added",
    "diff/output-member-added": "added",
    "diff/input-enum-value-added": "added",
    "diff/output-enum-value-added": "added",
    "diff/input-variant-added": "added",
    "diff/output-variant-added": "added",
    "diff/command-removed": "removed",
    "diff/event-removed": "removed",
    "diff/removed-after-deprecation": "removed",
    "diff/removed-before-window": "removed",
    "diff/argument-removed": "removed",
    "diff/output-member-removed": "removed",
    "diff/output-optional-member-removed": "removed",
    "diff/input-enum-value-removed": "removed",
    "diff/output-enum-value-removed": "removed",
    "diff/input-variant-removed": "removed",
    "diff/output-variant-removed": "removed",
    "diff/member-moved-into-branches": "changed",
    "diff/deprecated-added": "deprecated",
    "diff/command-renamed": "renamed",
    "diff/event-renamed": "renamed",
    "diff/member-renamed": "renamed",
}


def step_kind(rule_id: str) -> str:
    """What a change of *rule_id* is on a timeline: added, removed, deprecated, ..."""
    return _STEP.get(rule_id, "changed")


@dataclass(frozen=True)
class Origin:
    """The commit that made a step, from QEMU's git history, and the first release with it."""

    commit: str  # QEMU's commit id (a history bundle's Original-commit), else the repo's own
    title: str
    release: QemuVersion | None


@dataclass(frozen=True)
class Step:
    """One event in an element's life."""

    version: QemuVersion
    what: str  # "added", "removed", "deprecated", "renamed", "changed"
    level: Level
    rule_id: str
    message: str
    after: QemuVersion | None = None  # the snapshot before, where releases between are missing
    origin: Origin | None = None  # the commit, where a git history was searched

    @property
    def when(self) -> str:
        """``in 7.1``, or ``between 2.5 and 2.12`` where the data has releases missing.

        With its origin: ``in 9.2 by 228529d1fe "migration: Deprecate ..."``.
        """
        if self.origin is not None and self.origin.release is not None:
            title = f' "{self.origin.title}"' if self.origin.title else ""
            return f"in {self.origin.release} by {self.origin.commit[:10]}{title}"
        if self.after is None:
            return f"in {self.version}"
        return f"between {self.after} and {self.version}"


@dataclass
class Timeline:
    """The life of one element (or member) across the range."""

    element: str
    path: str
    steps: list[Step] = field(default_factory=list)

    @property
    def key(self) -> str:
        """``element`` plus the path inside it, if any."""
        return f"{self.element} {self.path}".strip()


def history(snapshots: Sequence[tuple[QemuVersion, Contract]]) -> list[Timeline]:
    """The timelines of every element that changed across *snapshots* (ordered by version)."""
    ordered = sorted(snapshots, key=lambda pair: pair[0])
    timelines: dict[tuple[str, str], Timeline] = {}
    for (before, old), (version, new) in itertools.pairwise(ordered):
        changes: list[Change] = Differ([old], [new]).diff(old, new)
        gap = releases_between(before, version)
        after = None if gap is not None and gap <= 1 else before  # releases missing between
        for change in changes:
            what = step_kind(change.rule_id)
            if change.rule_id == "diff/unstable-changed":
                what = "changed (unstable)"
            key = (change.element, change.path)
            timeline = timelines.setdefault(key, Timeline(change.element, change.path))
            timeline.steps.append(
                Step(version, what, change.level, change.rule_id, change.message, after)
            )
    return sorted(timelines.values(), key=lambda t: (t.element, t.path))


def render_history_text(
    timelines: Sequence[Timeline], first: QemuVersion, last: QemuVersion, members: bool
) -> str:
    """One line per element: its steps in order."""
    lines = [f"History of {first} .. {last}: {len(timelines)} element(s) changed"]
    for timeline in timelines:
        if timeline.path and not members:
            continue
        steps = "; ".join(
            f"{s.what} {s.when}" + (f" ({s.level.value})" if s.level is not Level.MAY else "")
            for s in timeline.steps
        )
        lines.append(f"{timeline.key}: {steps}")
    return "\n".join(lines) + "\n"
