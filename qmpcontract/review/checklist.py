"""Turn the differ's changes into a reviewer's checklist, mapped onto the contracts.

For every change: which agreed contracts define the element it touches, which of
their rules it affects (names that must be kept, the direction rules, the
deprecation window), and what the patch must also do: a deprecation notice, a
removed-features entry, a new contract version, coordination with libvirt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from qmpcontract.diff.agreed import raised, touched_rules
from qmpcontract.diff.compare import Change
from qmpcontract.libvirt.usage import LibvirtUsage
from qmpcontract.model.contract import Contract, Level, Rule
from qmpcontract.review.libvirt import with_libvirt

_ACTIONS = {
    Level.MUST: "Existing clients break: keep the old form, or deprecate it (docs/about/"
    "deprecated.rst) and remove it no earlier than two releases later; coordinate with libvirt.",
    Level.SHOULD: "Compatibility risk: say in the commit message how old clients keep working.",
}
_SPECIFIC = {
    "diff/deprecated-added": "Add the deprecation to docs/about/deprecated.rst, naming the "
    "replacement, and tell libvirt (devel@lists.libvirt.org).",
    "diff/removed-after-deprecation": "Move the entry from docs/about/deprecated.rst to "
    "docs/about/removed-features.rst; check it was deprecated at least two releases ago.",
    "diff/removed-before-window": "Too early: the deprecation policy keeps it for the release "
    "it was deprecated in and one more.",
    "diff/output-enum-value-added": "Check that libvirt copes with a value it does not know.",
    "diff/output-variant-added": "Check that libvirt copes with a branch it does not know.",
    "diff/input-string-became-enum": "Check that every value clients send today is in the enum.",
    "diff/unstable-changed": "Unstable or x- element: no compatibility promise.",
    "diff/libvirt-probe-changed": "Check with libvirt (devel@lists.libvirt.org) that the "
    "capability it derives from this probe still holds.",
}


_CHECKED_REMOVAL = (
    "Move the entry from docs/about/deprecated.rst to docs/about/removed-features.rst."
)


@dataclass(frozen=True)
class ChecklistItem:
    """One change, what it touches, and what to do about it."""

    change: Change
    contracts: tuple[str, ...]  # id@version of each agreed contract defining the element
    rules: tuple[tuple[str, str, str], ...]  # (rule id, level, statement)
    actions: tuple[str, ...]
    libvirt: tuple[str, ...] = ()  # what each libvirt release does with the element


def _name(change: Change) -> tuple[str, str]:
    kind, _, name = change.element.partition(" ")
    return kind, name


def _defines(contract: Contract, kind: str, name: str) -> bool:
    if kind == "command":
        return contract.command(name) is not None
    if kind == "event":
        return contract.event(name) is not None
    return kind == "error" and contract.error(name.removeprefix("class ")) is not None


def _leaf(change: Change) -> tuple[str, str, str]:
    """The member a change is about, what happened to it, and the element's kind."""
    head, _, member = change.path.rpartition(".")
    what = change.message.rpartition(f"{change.path} ")[2] if change.path else ""
    return (member if head else "", what, change.element.partition(" ")[0])


def grouped(changes: Sequence[Change]) -> list[Change]:
    """Changes to one member reached by many paths, made one change naming where it reaches.

    Such a member is one of a type shared by many commands or union branches.
    One optional member added to ``ChardevCommon`` is one item, "'logtimestamp'
    was added; reaches command chardev-add (23 paths), command chardev-change
    (23 paths)", not 46.
    """
    groups: dict[tuple[str, str, str, str, str | None, str | None], list[Change]] = {}
    for change in changes:
        member, what, _ = _leaf(change)
        key = (change.rule_id, member, what, change.level.value, change.old, change.new)
        groups.setdefault(key, []).append(change)
    merged: list[Change] = []
    for (_, member, what, *_), group in groups.items():
        if len(group) < 3 or not member or not what:
            merged.extend(group)
            continue
        counts: dict[str, int] = {}
        for change in group:
            counts[change.element] = counts.get(change.element, 0) + 1
        reach = ", ".join(
            f"{element} ({n} path{'s' if n > 1 else ''})" for element, n in counts.items()
        )
        first = group[0]
        merged.append(
            replace(
                first,
                element=", ".join(counts),
                message=f"member '{member}' {what}; reaches {reach}, e.g. {first.path}",
            )
        )
    return merged


def checklist(
    changes: Sequence[Change],
    contracts: Sequence[Contract],
    usages: Sequence[LibvirtUsage] = (),
) -> list[ChecklistItem]:
    """A checklist item for every change, most severe first.

    Changes to one member reached by many paths are one item (:func:`grouped`);
    each says what the libvirt releases of *usages* do with its element, and
    is MUST where libvirt loses something (:mod:`qmpcontract.review.libvirt`).
    """
    items = []
    judged = with_libvirt(grouped(changes), usages)
    for change, used in sorted(judged, key=lambda p: (p[0].level.rank, p[0].element, p[0].path)):
        touched: list[Contract] = []
        rules: list[Rule] = []
        for element in change.element.split(", "):  # a grouped change reaches several
            kind, name = _name(replace(change, element=element))
            for contract in contracts:
                if _defines(contract, kind, name):
                    touched += [contract] if contract not in touched else []
                    rules += [
                        r for r in touched_rules(contract, change, kind, name) if r not in rules
                    ]
        change = raised(change, rules)
        actions = []
        if change.rule_id == "diff/removed-after-deprecation" and change.old:
            actions.append(_CHECKED_REMOVAL)  # the history showed the window held
        elif change.rule_id in _SPECIFIC:
            actions.append(_SPECIFIC[change.rule_id])
        elif change.level in _ACTIONS:
            actions.append(_ACTIONS[change.level])
        for contract in touched:
            bump = "major" if change.level is Level.MUST else "minor"
            actions.append(
                f"The agreed contract {contract.ref} covers {change.element}: publish a new "
                f"{bump} version of it with this change ('qmpcontract lint' checks the bump)."
            )
        if used and change.rule_id != "diff/libvirt-probe-changed":
            actions.append("Coordinate with libvirt (devel@lists.libvirt.org): it uses this.")
        items.append(
            ChecklistItem(
                change,
                tuple(c.ref for c in touched),
                tuple((r.id, r.level.value, r.statement) for r in rules),
                tuple(actions),
                used,
            )
        )
    return items
