"""One level policy, held over every rule and every change kind (qmpcontract/model/policy.py).

The table below is the policy applied by hand, kind by kind, with the reason from
QEMU's docs/devel/qapi-code-gen.rst ("Compatibility considerations") or its
deprecation process; the catalogue must agree with it, and every rule (the
shipped contracts, every version; the checker's own; the contracts a transcript
brings) must have the level its category gets.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from qmpcontract.check.registry import BUILTIN_RULES
from qmpcontract.cli import main
from qmpcontract.contract import load_contracts
from qmpcontract.diff.agreed import judged
from qmpcontract.diff.catalogue import AFFECTS, CHANGES
from qmpcontract.diff.compare import Differ
from qmpcontract.model.check_kinds import CHECK_KINDS, Scope
from qmpcontract.model.contract import Category, Level, Obliged
from qmpcontract.model.policy import LEVEL_OF, POLICY, disagreement
from qmpcontract.releases.contract import known_rules
from qmpcontract.review.checklist import checklist

REPO = Path(__file__).resolve().parent.parent
_M, _S, _Y = Level.MUST, Level.SHOULD, Level.MAY

# kind -> (level, why), the policy applied by hand
EXPECTED: dict[str, tuple[Level, str]] = {
    "diff/command-removed": (_M, "removing commands is incompatible (send direction)"),
    "diff/command-added": (_Y, "adding commands is backwards compatible"),
    "diff/event-removed": (_S, "an event that can't be triggered anymore: 'tread carefully'"),
    "diff/event-added": (_Y, "adding events is generally backwards compatible"),
    "diff/command-renamed": (_M, "the old name is removed without notice"),
    "diff/event-renamed": (_M, "the event is still sent, under a name old clients miss"),
    "diff/libvirt-probe-changed": (_M, "libvirt turns a feature on or off: it is its ABI"),
    "diff/member-renamed": (_M, "removing an argument or a member QEMU always sends"),
    "diff/removed-after-deprecation": (_Y, "the deprecation process, kept"),
    "diff/removed-before-window": (_S, "the deprecation process, broken"),
    "diff/deprecated-added": (_Y, "starts the process; clients SHOULD move (deprecated-use)"),
    "diff/argument-removed": (_M, "removing command arguments is incompatible"),
    "diff/argument-added": (_Y, "adding optional arguments is compatible"),
    "diff/mandatory-argument-added": (_M, "adding mandatory arguments is incompatible"),
    "diff/argument-became-mandatory": (_M, "making optional arguments mandatory"),
    "diff/argument-became-optional": (_Y, "making mandatory arguments optional"),
    "diff/input-type-narrowed": (_M, "input accepts less: what clients send is refused"),
    "diff/input-type-widened": (_Y, "opt-in functionality in the send direction"),
    "diff/input-string-became-enum": (_S, "allowed by the introspection note: with care"),
    "diff/member-moved-into-branches": (_M, "the member is gone from the other branches"),
    "diff/input-enum-value-removed": (_M, "removing enumeration values is incompatible"),
    "diff/input-enum-value-added": (_Y, "adding enumeration values is compatible"),
    "diff/input-variant-removed": (_M, "removing union branches is incompatible"),
    "diff/input-variant-added": (_Y, "adding union branches is compatible"),
    "diff/input-closed": (_M, "members clients send are refused"),
    "diff/input-opened": (_Y, "more input accepted"),
    "diff/output-member-removed": (_M, "removing return and event data members"),
    "diff/output-optional-member-removed": (_S, "an optional member that can't be sent"),
    "diff/output-member-became-optional": (_M, "a member clients rely on may be missing"),
    "diff/output-member-added": (_Y, "clients ignore members they don't know"),
    "diff/output-member-became-mandatory": (_Y, "always sending what was optional"),
    "diff/output-type-widened": (_M, "QEMU sends values old clients cannot read"),
    "diff/output-type-narrowed": (_Y, "QEMU sends a subset of what it sent"),
    "diff/output-enum-value-added": (_S, "a value old clients do not know: with care"),
    "diff/output-enum-value-removed": (_S, "values that can't be sent anymore: with care"),
    "diff/output-variant-added": (_S, "a branch old clients do not know: with care"),
    "diff/output-variant-removed": (_S, "a branch that can't be sent anymore: with care"),
    "diff/error-class-removed": (_M, "clients match error classes by name"),
    "diff/error-class-dropped": (_S, "a command no longer fails with a class it listed"),
    "diff/error-class-added": (_Y, "a new class is answered like any error"),
    "diff/unstable-changed": (_Y, "x- and unstable elements carry no promise"),
}


def test_every_change_kind_follows_the_policy() -> None:
    assert set(EXPECTED) == set(CHANGES), "a change kind is missing from the policy table"
    wrong = {k: (CHANGES[k].level, lv, why) for k, (lv, why) in EXPECTED.items()}
    wrong = {k: v for k, v in wrong.items() if v[0] is not v[1]}
    assert wrong == {}
    for kind in CHANGES.values():
        assert LEVEL_OF[kind.category] is kind.level
        assert kind.party is Obliged.PRODUCER  # every schema change is QEMU's to make


def _all_rules() -> list[tuple[str, Level, Category, Obliged]]:
    found = []
    contracts = load_contracts(REPO / "contracts")
    for contract in [*contracts, *known_rules()]:
        found += [(f"{contract.ref} {r.id}", r.level, r.category, r.party) for r in contract.rules]
    found += [(r.id, r.level, r.category, r.party) for r in BUILTIN_RULES]
    return found


def test_every_rule_follows_the_policy() -> None:
    rules = _all_rules()
    assert len(rules) > 150  # every version of every contract, and the checker's own
    disagree = [(name, disagreement(level, cat)) for name, level, cat, _ in rules]
    assert [d for d in disagree if d[1] is not None] == []
    assert {party for *_, party in rules} == set(Obliged)  # all three are used


def test_rules_json_gives_party(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--output", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(row["party"] in {"producer", "consumer", "both"} for row in rows)
    assert all(LEVEL_OF[Category(row["category"])].value == row["level"] for row in rows)
    by_id = {row["id"]: row for row in rows}
    assert by_id["qmp-core/id-echo"]["party"] == "producer"
    assert by_id["qmp-core/request-shape"]["party"] == "consumer"
    assert by_id["block-jobs/deprecated-use"]["party"] == "consumer"


def test_a_change_touches_only_rules_of_its_level_or_a_contract_raises_it() -> None:
    """The same change gets one level from diff, review and the contracts.

    A producer rule a change touches has the change's level; only a contract's
    names-kept may raise it (the names it lists are agreed to stay), none lowers it.
    """
    change_kinds = {k.name for k in CHECK_KINDS.values() if k.scope is Scope.CHANGE}
    for kind_id, touched in AFFECTS.items():
        assert touched <= change_kinds | {"deprecated-use"}, kind_id
    for contract in load_contracts(REPO / "contracts"):
        for rule in contract.rules:
            if rule.check is None:
                continue
            for kind_id, touched in AFFECTS.items():
                if rule.check.kind not in touched:
                    continue
                level = CHANGES[kind_id].level
                if rule.party is Obliged.CONSUMER:
                    continue  # the client's side of it (deprecated-use), not a level of QEMU's
                if rule.check.kind == "names-kept":
                    assert rule.level.rank <= level.rank, (rule.id, kind_id)
                else:
                    assert rule.level is level, (rule.id, kind_id)


def test_the_docs_quote_the_policy() -> None:
    page = (REPO / "docs" / "reference" / "policy.md").read_text(encoding="utf-8")
    for level, text in POLICY:
        assert f"- **{level.value}**: {text}" in page
    for category, level in LEVEL_OF.items():
        assert f"| `{category.value}` | {level.value} |" in page
    fmt = (REPO / "docs" / "reference" / "contract-format.md").read_text(encoding="utf-8")
    assert "(policy.md)" in fmt and "`party`" in fmt


@pytest.mark.parametrize(
    ("event", "level"),
    [("BLOCK_JOB_COMPLETED", Level.MUST), ("BLOCK_JOB_ERROR", Level.SHOULD)],
)
def test_diff_and_review_give_one_level_for_one_change(event: str, level: Level) -> None:
    """An event removed without deprecation: SHOULD by QEMU's rules, MUST where the
    contract's names-kept lists it, and diff (contract sides, lint's bumps) and review agree."""
    contracts = list(load_contracts(REPO / "contracts"))
    old = next(c for c in contracts if c.ref == "block-jobs@2.5.0")
    new = replace(old, events=tuple(e for e in old.events if e.name != event))
    differ = Differ(contracts, [*contracts, new])
    changes = differ.diff(old, new)
    assert [c.level for c in changes] == [Level.SHOULD]  # QEMU's rules alone
    by_diff = judged(old, changes)
    by_review = [item.change for item in checklist(changes, [old])]
    assert [c.level for c in by_diff] == [c.level for c in by_review] == [level]
    if level is Level.MUST:
        assert "MUST by block-jobs/completion-event-name" in by_diff[0].message
