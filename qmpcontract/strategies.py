"""Hypothesis strategies for QMP, generated from the contracts: the public API.

Pick the QEMU version (and, if you like, your own contract set and extra
contracts such as an imported ``query-qmp-schema`` snapshot); every strategy
then produces what a conforming client or a conforming QEMU of that version
may send, or, for mutations, a session broken in one labelled way::

    from hypothesis import given
    from qmpcontract import strategies as qs

    qmp = qs.for_qemu("7.2")

    @given(qmp.request("block-stream"))
    def test_my_client_parses(request): ...

    @given(qmp.session())
    def test_my_consumer_accepts_any_conforming_session(session):
        feed(qmp.recording([session]))

    @given(qmp.mutation("qmp-core/id-echo"))
    def test_my_consumer_notices_a_foreign_id(mutation): ...

Messages are plain JSON values (dicts); a session is a list of
:class:`~qmpcontract.generate.sessions.Sent` (direction, message, exact text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hypothesis import strategies as st

from qmpcontract.check.engine import select_contracts
from qmpcontract.contract import load_contracts
from qmpcontract.generate.contract_mutations import ContractMutation, change_mutation
from qmpcontract.generate.messages import Message, MessageStrategies
from qmpcontract.generate.mutations import BUILTIN, Mutation, Mutator
from qmpcontract.generate.render import recording
from qmpcontract.generate.sessions import Sent, SessionStrategies
from qmpcontract.model.check_kinds import CHECK_KINDS, Scope
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.versions import QemuVersion, SemVer

__all__ = [
    "ContractMutation",
    "Mutation",
    "QmpStrategies",
    "Sent",
    "for_qemu",
]


@dataclass
class QmpStrategies:
    """Strategies for one QEMU version and the contracts that apply to it."""

    version: QemuVersion
    contract_set: ContractSet
    applied: tuple[Contract, ...]
    messages: MessageStrategies = field(init=False)
    sessions: SessionStrategies = field(init=False)
    mutator: Mutator = field(init=False)

    def __post_init__(self) -> None:
        self.messages = MessageStrategies(self.applied, self.version, referenced=self.contract_set)
        self.sessions = SessionStrategies(self.messages)
        self.mutator = Mutator(self.sessions)

    def commands(self) -> list[str]:
        """Commands a conforming client may send to this version."""
        return self.messages.usable_commands()

    def events(self) -> list[str]:
        """Events this version may send."""
        return self.messages.usable_events()

    def request(self, command: str) -> st.SearchStrategy[Message]:
        """Conforming requests for *command*."""
        return self.messages.request(command)

    def success(self, command: str) -> st.SearchStrategy[Message]:
        """Conforming success responses to *command* (without id)."""
        return self.messages.success(command)

    def error(self, command: str) -> st.SearchStrategy[Message]:
        """Conforming error responses to *command* (without id)."""
        return self.messages.error(command)

    def event(self, name: str) -> st.SearchStrategy[Message]:
        """Conforming events called *name*."""
        return self.messages.event(name)

    def session(self, max_steps: int = 6) -> st.SearchStrategy[list[Sent]]:
        """Whole conforming sessions (greeting, negotiation, exchanges, events, jobs, OOB)."""
        return self.sessions.sessions(max_steps)

    def transcript_rules(self) -> list[str]:
        """Ids of the rules a mutation can break at this version."""
        ids = [f"qmpcontract/{b}" for b in BUILTIN if self.mutator.builtin(b) is not None]
        for contract in self.applied:
            for rule in contract.rules:
                kind = CHECK_KINDS.get(rule.check.kind) if rule.check else None
                transcript = kind is not None and kind.scope is Scope.TRANSCRIPT
                if transcript and self.mutator.for_rule(contract, rule) is not None:
                    ids.append(rule.id)
        return sorted(set(ids))

    def mutation(self, rule_id: str) -> st.SearchStrategy[Mutation]:
        """Sessions broken in one way that rule *rule_id* must report.

        :raise KeyError: if no applied contract has the rule, or it cannot be
            broken at this version.
        """
        if rule_id.startswith("qmpcontract/"):
            found = self.mutator.builtin(rule_id.removeprefix("qmpcontract/"))
        else:
            found = next(
                (
                    self.mutator.for_rule(c, r)
                    for c in self.applied
                    for r in c.rules
                    if r.id == rule_id
                ),
                None,
            )
        if found is None:
            raise KeyError(f"no mutation for {rule_id} at QEMU {self.version}")
        return found

    def change_mutation(self, rule_id: str) -> st.SearchStrategy[ContractMutation]:
        """Next versions of a contract that break the change rule *rule_id*.

        :raise KeyError: if no contract of the set has such a rule that can be broken.
        """
        for contract in self.contract_set:
            rule = contract.rule(rule_id)
            found = change_mutation(contract, rule) if rule is not None else None
            if found is not None:
                return found
        raise KeyError(f"no contract mutation for {rule_id}")

    def recording(self, sessions: Sequence[Sequence[Sent]], note: str = "generated") -> str:
        """Sessions as a recording (JSON Lines) that ``qmpcontract check`` reads."""
        return recording(sessions, note)


def for_qemu(
    version: str | QemuVersion,
    contracts: ContractSet | None = None,
    extra: Sequence[Contract] = (),
    pinned: Mapping[str, SemVer] | None = None,
) -> QmpStrategies:
    """Strategies for QEMU *version* under *contracts* (default: the shipped ones).

    *extra* contracts (an imported snapshot, say) apply in addition, as
    ``check --schema`` adds them; *pinned* fixes contract versions as
    ``check --contract ID@VERSION`` does.
    """
    parsed = version if isinstance(version, QemuVersion) else QemuVersion.parse(version)
    contract_set = contracts if contracts is not None else load_contracts()
    applied = [*select_contracts(contract_set, parsed, pinned or {}), *extra]
    return QmpStrategies(parsed, contract_set, tuple(applied))
