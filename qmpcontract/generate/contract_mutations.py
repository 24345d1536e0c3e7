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
from qmpcontract.model.contract import Contract, Deprecation, ElementStatus, Lifecycle, Rule
from qmpcontract.model.versions import QemuVersion

CHANGE_KINDS = ("names-kept", "compatible-evolution", "deprecation-window")


@dataclass(frozen=True)
class ContractMutation:
    """A next version of *old* that breaks *rule_id* by removing *element*.

    For a deprecation-window rule, *old* is the contract with *element* deprecated in
    the release *new* describes first: its removal comes before the window ends.
    """

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
    """The elements whose removal breaks *rule*: stable ones, never deprecated.

    A removal without deprecation is what names-kept (for the names it lists) and
    compatible-evolution (MUST: a command; an event's removal is SHOULD under the level
    policy) protect against; for deprecation-window the element is first deprecated
    (:func:`_deprecated_now`), so that its removal comes before its window ends.
    """
    assert rule.check is not None
    kind = rule.check.kind
    params = params_of(rule)
    present = [("command", c.name, c.lifecycle) for c in contract.commands]
    present += [("event", e.name, e.lifecycle) for e in contract.events]
    present += [("error", e.name, e.lifecycle) for e in contract.errors]
    stable = [(k, n) for k, n, life in present if life.status is ElementStatus.STABLE]
    if kind == "names-kept":
        listed = {(k, n) for k in ("command", "event", "error") for n in params.get(f"{k}s", [])}
        return [pick for pick in stable if pick in listed]
    if kind == "compatible-evolution":
        commands = params.get("commands")
        return [(k, n) for k, n in stable if k == "command" and (commands is None or n in commands)]
    return [(k, n) for k, n in stable if k in ("command", "event")]


def _deprecated_now(contract: Contract, kind: str, name: str) -> Contract:
    """*contract* with *name* deprecated in the first producer release it describes."""
    since = contract.producer.versions.since if contract.producer.versions else None
    life = Lifecycle(ElementStatus.DEPRECATED, since, Deprecation(since or QemuVersion(1, 0)))
    if kind == "command":
        commands = tuple(
            replace(c, lifecycle=life) if c.name == name else c for c in contract.commands
        )
        return replace(contract, commands=commands)
    events = tuple(replace(e, lifecycle=life) if e.name == name else e for e in contract.events)
    return replace(contract, events=events)


def _mutation(contract: Contract, rule: Rule, kind: str, name: str) -> ContractMutation:
    old = contract
    if rule.check is not None and rule.check.kind == "deprecation-window":
        old = _deprecated_now(contract, kind, name)
    return ContractMutation(rule.id, f"{kind} {name}", old, _without(contract, kind, name))


def change_mutation(contract: Contract, rule: Rule) -> st.SearchStrategy[ContractMutation] | None:
    """Pairs ``(contract, next version)`` that *rule* (a change rule) must flag, or None."""
    if rule.check is None or rule.check.kind not in CHANGE_KINDS:
        return None
    candidates = _candidates(contract, rule)
    if not candidates:
        return None
    return st.sampled_from(candidates).map(lambda pick: _mutation(contract, rule, *pick))
