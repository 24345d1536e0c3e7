"""API history across many releases: when each element was added, deprecated, changed, removed.

Snapshots are ordered by QEMU version and diffed pairwise; every change lands
on the timeline of its element (a command or event, or a member path inside
one).  Elements added and removed again inside the range show both steps.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from qmpcontract.diff.compare import Change, Differ
from qmpcontract.model.contract import Contract, Level
from qmpcontract.model.versions import QemuVersion

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
}


@dataclass(frozen=True)
class Step:
    """One event in an element's life."""

    version: QemuVersion
    what: str  # "added", "removed", "deprecated", "changed"
    level: Level
    rule_id: str
    message: str


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
    for (_, old), (version, new) in itertools.pairwise(ordered):
        changes: list[Change] = Differ([old], [new]).diff(old, new)
        for change in changes:
            what = _STEP.get(change.rule_id, "changed")
            if change.rule_id == "diff/unstable-changed":
                what = "changed (unstable)"
            key = (change.element, change.path)
            timeline = timelines.setdefault(key, Timeline(change.element, change.path))
            timeline.steps.append(Step(version, what, change.level, change.rule_id, change.message))
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
            f"{s.what} in {s.version}" + (f" ({s.level.value})" if s.level is not Level.MAY else "")
            for s in timeline.steps
        )
        lines.append(f"{timeline.key}: {steps}")
    return "\n".join(lines) + "\n"
