"""Specification as tests: strategies generated from the contracts drive the checker.

- every generated value validates against the schema it was generated from;
- generated conforming sessions give no finding, at many QEMU versions;
- every mutation gives a finding with the rule id it is labelled with, and
  every rule of the shipped contracts has a mutation (transcript rules through
  sessions, change rules through contract versions);
- rendering sessions as a recording and reading them back is the identity;
- ``diff(c, c)`` is empty, for every contract and for parts of it.

These run with the ``ci`` hypothesis profile (few examples); run the long
profile with ``pytest -m property --hypothesis-profile=long``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qmpcontract import strategies as qs
from qmpcontract.check import CheckOptions, check_items
from qmpcontract.contract import load_contracts
from qmpcontract.diff.compare import Differ
from qmpcontract.generate.contract_mutations import CHANGE_KINDS
from qmpcontract.generate.mutations import BUILTIN
from qmpcontract.generate.sessions import Sent
from qmpcontract.importers.self_described import snapshot_to_contract
from qmpcontract.importers.sources import load_introspection
from qmpcontract.model.check_kinds import CHECK_KINDS, Scope
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import Supplement
from qmpcontract.model.findings import Finding
from qmpcontract.model.schema_registry import contract_uri, schema_document
from qmpcontract.model.transcript import TranscriptInfo
from qmpcontract.model.versions import SemVer
from qmpcontract.read.messages import RawMessage
from qmpcontract.read.recording import read_recording
from qmpcontract.review.checklist import checklist

pytestmark = pytest.mark.property
CONTRACTS = load_contracts()
# Versions that select every shipped contract version at least once, and the
# 2012 draft (the only contract with a declared command) pinned.
CONFIGS: list[tuple[str, dict[str, SemVer]]] = [
    ("1.1", {}),
    ("1.2", {}),
    ("2.7", {}),
    ("3.1", {}),
    ("7.2", {}),
    ("10.1", {}),
    ("7.2", {"block-jobs": SemVer.parse("0.1.0")}),
]
STRATEGIES = {(v, tuple(p.items())): qs.for_qemu(v, CONTRACTS, pinned=p) for v, p in CONFIGS}


def _check(
    sessions: Sequence[Sequence[Sent]], qmp: qs.QmpStrategies, pinned: dict[str, SemVer]
) -> list[Finding]:
    text = qmp.recording(sessions)
    items = list(read_recording(io.BytesIO(text.encode()), "generated.jsonl"))
    info = TranscriptInfo("generated.jsonl", "recording")
    return list(check_items(items, info, CONTRACTS, CheckOptions(pinned=pinned)).findings)


def _pointers(contract: Contract) -> list[str]:
    document = schema_document(contract)
    found = [f"/commands/{n}/{part}" for n, e in document["commands"].items() for part in e]  # type: ignore[attr-defined]
    return found + [f"/events/{n}/data" for n in document["events"]]  # type: ignore[attr-defined]


@given(st.data())
def test_generated_values_validate_against_their_schema(data: st.DataObject) -> None:
    config = data.draw(st.sampled_from(sorted(STRATEGIES)))
    qmp = STRATEGIES[config]
    contract = data.draw(st.sampled_from(qmp.applied))
    pointers = _pointers(contract)
    if not pointers:
        return
    pointer = data.draw(st.sampled_from(pointers))
    where = f"{contract_uri(contract)}#{pointer}"
    values = qmp.messages.values("client" if pointer.endswith("/arguments") else "server")
    value = data.draw(values.for_pointer(*where.split("#", 1)))
    assert qmp.messages.is_valid(value, where), (where, value)


@pytest.mark.parametrize(("version", "pinned"), CONFIGS, ids=[f"{v}{p or ''}" for v, p in CONFIGS])
def test_conforming_sessions_give_no_finding(version: str, pinned: dict[str, SemVer]) -> None:
    qmp = STRATEGIES[(version, tuple(pinned.items()))]

    @given(st.lists(qmp.session(), min_size=1, max_size=2))
    def check(sessions: list[list[Sent]]) -> None:
        findings = _check(sessions, qmp, pinned)
        assert not findings, [f"{f.rule_id}: {f.message}" for f in findings]

    check()


def _mutation_cases() -> list[tuple[str, dict[str, SemVer], str]]:
    cases: list[tuple[str, dict[str, SemVer], str]] = []
    for version, pinned in CONFIGS:
        qmp = STRATEGIES[(version, tuple(pinned.items()))]
        cases.extend((version, pinned, rule) for rule in qmp.transcript_rules())
    return cases


MUTATIONS = _mutation_cases()


@pytest.mark.parametrize(
    ("version", "pinned", "rule_id"),
    MUTATIONS,
    ids=[f"{v}{'-pinned' if p else ''}-{r}" for v, p, r in MUTATIONS],
)
def test_each_mutation_triggers_its_rule(
    version: str, pinned: dict[str, SemVer], rule_id: str
) -> None:
    qmp = STRATEGIES[(version, tuple(pinned.items()))]

    @given(qmp.mutation(rule_id))
    def check(mutation: qs.Mutation) -> None:
        found = {f.rule_id for f in _check([mutation.session], qmp, pinned)}
        assert mutation.rule_id in found, (mutation.description, sorted(found))

    check()


def test_every_rule_has_a_mutation() -> None:
    transcript = {
        r.id
        for c in CONTRACTS
        for r in c.rules
        if r.check and CHECK_KINDS[r.check.kind].scope is Scope.TRANSCRIPT
    }
    transcript |= {f"qmpcontract/{b}" for b in BUILTIN}
    covered = {rule for _, _, rule in MUTATIONS}
    assert transcript - covered == set()
    change = {r.id for c in CONTRACTS for r in c.rules if r.check and r.check.kind in CHANGE_KINDS}
    for rule_id in sorted(change):
        STRATEGIES[("7.2", ())].change_mutation(rule_id)  # raises if there is none


@pytest.mark.parametrize(
    "rule_id",
    sorted({r.id for c in CONTRACTS for r in c.rules if r.check and r.check.kind in CHANGE_KINDS}),
)
def test_each_contract_mutation_is_flagged_by_its_rule(rule_id: str) -> None:
    @given(STRATEGIES[("7.2", ())].change_mutation(rule_id))
    def check(mutation: qs.ContractMutation) -> None:
        others = [c for c in CONTRACTS if c is not mutation.old]
        differ = Differ([*others, mutation.old], [*others, mutation.new])
        items = checklist(differ.diff(mutation.old, mutation.new), [mutation.old])
        named = {rule for item in items for rule, _, _ in item.rules}
        assert mutation.rule_id in named, (mutation.element, sorted(named))

    check()


@given(
    st.sampled_from(sorted(STRATEGIES)).flatmap(
        lambda k: st.lists(STRATEGIES[k].session(), max_size=3)
    )
)
def test_recording_round_trip_is_the_identity(sessions: list[list[Sent]]) -> None:
    text = qs.for_qemu("7.2", CONTRACTS).recording(sessions)
    items = list(read_recording(io.BytesIO(text.encode()), "r.jsonl"))
    messages = [i for i in items if isinstance(i, RawMessage)]
    expected = [(n, s) for n, session in enumerate(sessions) for s in session]
    assert len(messages) == len(expected)
    for message, (number, sent) in zip(messages, expected, strict=True):
        assert message.session == number
        assert message.direction is not None and message.direction.value == sent.direction
        assert message.text == sent.text()
        assert message.value == json.loads(sent.text())
        assert message.error is None


@pytest.mark.parametrize("contract", list(CONTRACTS), ids=lambda c: c.ref)
def test_diff_of_a_contract_with_itself_is_empty(contract: Contract) -> None:
    @given(
        st.sets(st.sampled_from([c.name for c in contract.commands] or [""])),
        st.sets(st.sampled_from([e.name for e in contract.events] or [""])),
    )
    def check(drop_commands: set[str], drop_events: set[str]) -> None:
        part = replace(
            contract,
            commands=tuple(c for c in contract.commands if c.name not in drop_commands),
            events=tuple(e for e in contract.events if e.name not in drop_events),
        )
        assert Differ(list(CONTRACTS), list(CONTRACTS)).diff(part, part) == []

    check()


def test_sessions_with_qemus_own_schema_are_clean_and_use_oob(shared_corpus: Path) -> None:
    # With QEMU 7.2's own schema (from libvirt's probe) as an extra contract: 200+
    # commands, out-of-band ones among them, and every message must satisfy both the
    # curated contracts and QEMU's schema.
    replies = shared_corpus / "libvirt-replies" / "caps_7.2.0_x86_64.replies"
    snapshot = load_introspection(replies)
    assert snapshot.version is not None
    extra = snapshot_to_contract(snapshot, snapshot.version, "libvirt's 7.2 probe")
    qmp = qs.for_qemu(snapshot.version, CONTRACTS, extra=[extra])
    assert qmp.sessions.oob and len(qmp.commands()) > 200

    @given(qmp.session(max_steps=8))
    def check(session: list[Sent]) -> None:
        text = qmp.recording([session])
        items = list(read_recording(io.BytesIO(text.encode()), "own.jsonl"))
        options = CheckOptions(extra=lambda sessions, version: Supplement((extra,)))
        result = check_items(items, TranscriptInfo("own.jsonl", "recording"), CONTRACTS, options)
        assert not result.findings, [f"{f.rule_id}: {f.message}" for f in result.findings]

    check()
    overtaking = qmp.sessions.overtaking(1)

    @given(overtaking)
    def oob(steps: list[Sent]) -> None:
        assert "exec-oob" in steps[1].text() and steps[2].message is not None
        assert steps[2].message.get("id") == "oob-1"  # the out-of-band answer comes first

    oob()
