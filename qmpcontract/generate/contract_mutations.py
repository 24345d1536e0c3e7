"""Contract mutations: a next version of a contract that breaks one of its change rules.

The change rules are ``names-kept``, ``compatible-evolution`` and ``deprecation-window``.
Change rules are judged on a pair of versions by the differ, and mapped onto
rules by the reviewer's checklist; :func:`change_mutation` gives a strategy of
``(old, new)`` pairs where *new* removes an element the rule protects, so the
checklist of ``diff(old, new)`` must name the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

from qmpcontract.generate.mutations_elements import params_of
from qmpcontract.model.contract import Contract, ElementStatus, Rule

CHANGE_KINDS = ("names-kept", "compatible-evolution", "deprecation-window")


@dataclass(frozen=True)
class ContractMutation:
    """A next version of *old* that breaks *rule_id* by removing *element*."""

    rule_id: str
    element: str  # "command NAME", "event NAME" or "error NAME"
    old: Contract
    new: Contract


def _without(contract: Contract, kind: str, name: str) -> Contract:
    if kind == "command":
        return replace(contract, commands=tuple(c for c in contract.commands if c.name != name))
    if kind == "event":
        return replace(contract, events=tuple(e for e in contract.events if e.name != name))
    return replace(contract, errors=tuple(e for e in contract.errors if e.name != name))


def _candidates(contract: Contract, rule: Rule) -> list[tuple[str, str]]:
    assert rule.check is not None
    kind = rule.check.kind
    if kind == "names-kept":
        params = params_of(rule)
        return [
            (k, name)
            for k in ("command", "event", "error")
            for name in params.get(f"{k}s", [])
            if isinstance(name, str)
        ]
    # Removing a stable element is incompatible, and breaks the deprecation window
    # (it was never deprecated).
    present = [("command", c.name, c.lifecycle) for c in contract.commands]
    present += [("event", e.name, e.lifecycle) for e in contract.events]
    return [(k, n) for k, n, life in present if life.status is ElementStatus.STABLE]


def change_mutation(contract: Contract, rule: Rule) -> st.SearchStrategy[ContractMutation] | None:
    """Pairs ``(contract, next version)`` that *rule* (a change rule) must flag, or None."""
    if rule.check is None or rule.check.kind not in CHANGE_KINDS:
        return None
    candidates = _candidates(contract, rule)
    if not candidates:
        return None
    return st.sampled_from(candidates).map(
        lambda pick: ContractMutation(
            rule.id, f"{pick[0]} {pick[1]}", contract, _without(contract, *pick)
        )
    )
