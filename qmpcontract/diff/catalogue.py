"""The change catalogue: every kind of change the differ reports, with a stable id and level.

Levels follow the one level policy (:mod:`qmpcontract.model.policy`), which
follows QEMU's compatibility rules (docs/devel/qapi-code-gen.rst,
"Compatibility considerations"): MUST for what breaks existing clients without
notice, SHOULD for the deprecation process and the changes QEMU asks to make
with care ("removing unreachable stuff ... tread carefully"), MAY for a
compatible change.  Every change is QEMU's (the producer's) to make.  Input is
what clients send (command arguments), output what QEMU sends (returns, events).
:data:`AFFECTS` says which contract rules (by check kind) each change touches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from qmpcontract.model.contract import Category, Level, Obliged


@dataclass(frozen=True)
class ChangeKind:
    """One kind of change: its level, and the category that gives that level."""

    id: str
    level: Level
    summary: str
    party: Obliged = Obliged.PRODUCER

    @property
    def category(self) -> Category:
        """The policy's category of the level: abi (MUST), compat (SHOULD), advice (MAY)."""
        return {Level.MUST: Category.ABI, Level.SHOULD: Category.COMPAT}.get(
            self.level, Category.ADVICE
        )


_M, _S, _Y = Level.MUST, Level.SHOULD, Level.MAY
_KINDS = (
    ChangeKind("diff/command-removed", _M, "A command was removed without deprecation."),
    ChangeKind("diff/command-added", _Y, "A command was added."),
    ChangeKind(
        "diff/event-removed",
        _S,
        "An event was removed without deprecation: QEMU's rules allow it only once the event "
        "can no longer be triggered (clients still waiting for it would hang).",
    ),
    ChangeKind("diff/event-added", _Y, "An event was added."),
    ChangeKind(
        "diff/command-renamed",
        _M,
        "A command was renamed (removed, and added under a new name): clients of the old "
        "name break.",
    ),
    ChangeKind("diff/event-renamed", _M, "An event was renamed: clients of the old name break."),
    ChangeKind(
        "diff/libvirt-probe-changed",
        _M,
        "A capability probe of a libvirt release (on query-qmp-schema) answers otherwise: "
        "that libvirt turns a feature on or off (review only).",
    ),
    ChangeKind(
        "diff/member-renamed",
        _M,
        "An argument or member was renamed (one removed, one of the same type added).",
    ),
    ChangeKind(
        "diff/removed-after-deprecation",
        _Y,
        "A deprecated element was removed after its deprecation window, as the process "
        "allows (clients had notice; old ones break).",
    ),
    ChangeKind(
        "diff/removed-before-window",
        _S,
        "An element was removed less than two releases after its deprecation (the "
        "deprecation process broken).",
    ),
    ChangeKind(
        "diff/deprecated-added",
        _Y,
        "An element was marked deprecated (the process starts; clients should move off it).",
    ),
    ChangeKind("diff/argument-removed", _M, "A command argument was removed."),
    ChangeKind("diff/argument-added", _Y, "An optional command argument was added."),
    ChangeKind("diff/mandatory-argument-added", _M, "A mandatory command argument was added."),
    ChangeKind("diff/argument-became-mandatory", _M, "An optional argument became mandatory."),
    ChangeKind("diff/argument-became-optional", _Y, "A mandatory argument became optional."),
    ChangeKind("diff/input-type-narrowed", _M, "An input now accepts less than before."),
    ChangeKind("diff/input-type-widened", _Y, "An input now accepts more than before."),
    ChangeKind(
        "diff/input-string-became-enum",
        _S,
        "A string input is now an enum: values outside it, refused at run time before, "
        "are now refused by the schema (QEMU's introspection-stability note).",
    ),
    ChangeKind(
        "diff/member-moved-into-branches",
        _M,
        "A member moved from an object into some of its union branches only.",
    ),
    ChangeKind("diff/input-enum-value-removed", _M, "An enum value clients send was removed."),
    ChangeKind("diff/input-enum-value-added", _Y, "An enum value clients may send was added."),
    ChangeKind("diff/input-variant-removed", _M, "A union branch clients send was removed."),
    ChangeKind("diff/input-variant-added", _Y, "A union branch clients may send was added."),
    ChangeKind("diff/input-closed", _M, "An input object now refuses members it accepted."),
    ChangeKind("diff/input-opened", _Y, "An input object now accepts any member."),
    ChangeKind("diff/output-member-removed", _M, "A member QEMU always sent was removed."),
    ChangeKind(
        "diff/output-optional-member-removed", _S, "An optional member QEMU sent was removed."
    ),
    ChangeKind(
        "diff/output-member-became-optional", _M, "A member QEMU always sent may now be missing."
    ),
    ChangeKind("diff/output-member-added", _Y, "QEMU sends a new member (clients ignore it)."),
    ChangeKind("diff/output-member-became-mandatory", _Y, "An optional member is now always sent."),
    ChangeKind(
        "diff/output-type-widened", _M, "QEMU may now send values old clients do not expect."
    ),
    ChangeKind(
        "diff/output-type-narrowed", _Y, "QEMU sends a subset of what it sent (e.g. str -> enum)."
    ),
    ChangeKind(
        "diff/output-enum-value-added",
        _S,
        "QEMU may send a new enum value old clients do not know.",
    ),
    ChangeKind(
        "diff/output-enum-value-removed",
        _S,
        "QEMU no longer sends an enum value (harmless on the wire; introspecting "
        "clients may be confused: 'tread carefully').",
    ),
    ChangeKind("diff/output-variant-added", _S, "QEMU may send a new union branch."),
    ChangeKind("diff/output-variant-removed", _S, "QEMU no longer sends a union branch."),
    ChangeKind(
        "diff/error-class-removed", _M, "An error class (and every spelling of it) is gone."
    ),
    ChangeKind("diff/error-class-dropped", _S, "A command no longer lists an error class."),
    ChangeKind("diff/error-class-added", _Y, "A command lists a new error class."),
    ChangeKind(
        "diff/unstable-changed",
        _Y,
        "An unstable or x- element changed (reported apart; see --include-unstable).",
    ),
)

CHANGES: Mapping[str, ChangeKind] = MappingProxyType({k.id: k for k in _KINDS})
"""Every change kind, by rule id."""

REMOVALS: frozenset[str] = frozenset(
    {
        "diff/command-removed",
        "diff/event-removed",
        "diff/command-renamed",
        "diff/event-renamed",
        "diff/member-renamed",
        "diff/removed-after-deprecation",
        "diff/removed-before-window",
        "diff/argument-removed",
        "diff/output-member-removed",
        "diff/output-optional-member-removed",
        "diff/input-enum-value-removed",
        "diff/output-enum-value-removed",
        "diff/input-variant-removed",
        "diff/output-variant-removed",
        "diff/member-moved-into-branches",
    }
)
"""The change kinds that take something away."""

_NAME_GONE = frozenset(
    {
        "diff/command-removed",
        "diff/event-removed",
        "diff/command-renamed",
        "diff/event-renamed",
        "diff/error-class-removed",
    }
)
AFFECTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        kind.id: frozenset(
            (["names-kept"] if kind.id in _NAME_GONE else [])
            + (["compatible-evolution"] if kind.level is Level.MUST else [])
            + (["deprecation-window"] if kind.id == "diff/removed-before-window" else [])
            + (["deprecated-use"] if kind.id == "diff/deprecated-added" else [])
        )
        for kind in _KINDS
        if kind.id not in ("diff/libvirt-probe-changed", "diff/unstable-changed")
    }
)
"""The check kinds of the contract rules each change kind touches (for the elements a
rule lists, where it lists them).  A producer rule touched has the change's level, or
raises it: a names-kept rule makes the removal of an event it names MUST."""
