"""What the agreed contracts say about a change: the rules it touches, and its level.

The level policy (:mod:`qmpcontract.model.policy`) gives every change kind its
level; a contract rule a change touches has that level or raises it (a
names-kept rule makes the removal of an event it lists MUST), never lowers it.
``diff`` (contract sides and ``lint``'s version bumps) and ``review`` both judge a
change here, so they give it the same level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qmpcontract.diff.catalogue import AFFECTS
from qmpcontract.diff.compare import Change
from qmpcontract.model.contract import Contract, Obliged, Rule
from qmpcontract.model.frozen_json import thaw


def touched_rules(contract: Contract, change: Change, kind: str, name: str) -> list[Rule]:
    """The rules of *contract* that *change* to element *kind* *name* touches.

    By :data:`~qmpcontract.diff.catalogue.AFFECTS`, for the elements a rule lists.
    """
    touched = AFFECTS.get(change.rule_id, frozenset())
    found = []
    for rule in contract.rules:
        if rule.check is None or rule.check.kind not in touched:
            continue
        params = thaw(rule.check.params)
        listed = params.get(f"{kind}s") if isinstance(params, dict) else None
        bare = name.removeprefix("class ")  # error elements are named "error class X"
        if rule.check.kind == "names-kept" and (change.path or bare not in (listed or [])):
            continue  # names-kept keeps the names it lists, not their members
        if listed is not None and bare not in listed:
            continue  # the rule is about other elements
        found.append(rule)
    return found


def raised(change: Change, rules: Sequence[Rule]) -> Change:
    """*change* at the level of the strictest producer rule it touches, if that is higher."""
    strictest = min(
        (r for r in rules if r.party is not Obliged.CONSUMER),
        key=lambda r: r.level.rank,
        default=None,
    )
    if strictest is None or strictest.level.rank >= change.level.rank:
        return change
    return replace(
        change,
        level=strictest.level,
        message=f"{change.message} [{change.level.value} for QEMU's rules; "
        f"{strictest.level.value} by {strictest.id}]",
    )


def judged(contract: Contract, changes: Sequence[Change]) -> list[Change]:
    """*changes* between two versions of *contract*, each at the level its rules give it."""
    found = []
    for change in changes:
        kind, _, name = change.element.partition(" ")
        found.append(raised(change, touched_rules(contract, change, kind, name)))
    return found
