"""The rule registry: implementations of check kinds, and the checker's own rules.

Contract rules say *what* is agreed and name a check kind; this registry maps
each transcript-scope kind of :data:`qmpcontract.model.check_kinds.CHECK_KINDS`
to one implementation, a function with one signature::

    @implements("id-echo")
    def id_echo(ctx: RuleContext, session: Session) -> Iterator[Finding]: ...

:data:`BUILTIN_RULES` are the rules of the checker itself (a message that is
not JSON, a recording cut short, a rule that crashed, a job still running at
the end).  Together with the contracts' rules they are the ids that
``--select``/``--ignore``, the docs and the checklist know.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qmpcontract.model.check_kinds import CHECK_KINDS, Scope
from qmpcontract.model.contract import Category, Contract, Level, Obliged
from qmpcontract.model.findings import Finding
from qmpcontract.model.transcript import Session

if TYPE_CHECKING:
    from qmpcontract.check.context import RuleContext

Implementation = Callable[["RuleContext", Session], Iterator[Finding]]

IMPLEMENTATIONS: dict[str, Implementation] = {}


def implements(kind: str) -> Callable[[Implementation], Implementation]:
    """Register the implementation of a transcript-scope check kind.

    :raise ValueError: for an unknown or non-transcript kind, a second
        implementation of a kind, or a function of the wrong signature.
    """

    def register(function: Implementation) -> Implementation:
        spec = CHECK_KINDS.get(kind)
        if spec is None or spec.scope is not Scope.TRANSCRIPT:
            raise ValueError(f"{kind!r} is not a transcript check kind")
        if kind in IMPLEMENTATIONS:
            raise ValueError(f"check kind {kind!r} is implemented twice")
        if list(inspect.signature(function).parameters) != ["ctx", "session"]:
            raise ValueError(f"{function.__name__} must take (ctx, session)")
        IMPLEMENTATIONS[kind] = function
        return function

    return register


@dataclass(frozen=True)
class BuiltinRule:
    """A rule of the checker itself (not from a contract), under the same level policy."""

    id: str
    level: Level
    statement: str
    category: Category
    party: Obliged


INVALID_MESSAGE = BuiltinRule(
    "qmpcontract/invalid-message",
    Level.MUST,
    "Every message, from either side, is one JSON object (QMP: 'All interactions "
    "transmitted by the Server are json-objects'; a client's input that is not one is "
    "answered with an error, which qmp-core/one-response checks).",
    Category.PROTOCOL,
    Obliged.BOTH,
)
UNKNOWN_MESSAGE = BuiltinRule(
    "qmpcontract/unknown-message",
    Level.MUST,
    "Every message is a greeting, a request, a success or error response, or an event.",
    Category.PROTOCOL,
    Obliged.BOTH,
)
TRUNCATED = BuiltinRule(
    "qmpcontract/truncated",
    Level.MAY,
    "The recording ends inside a session or a message: what follows was not recorded "
    "(a note on the recording, binding neither side).",
    Category.ADVICE,
    Obliged.BOTH,
)
UNFINISHED_JOB = BuiltinRule(
    "qmpcontract/unfinished-job",
    Level.MAY,
    "A job was still running when the recording ended (not a violation).",
    Category.ADVICE,
    Obliged.PRODUCER,
)
RULE_CRASHED = BuiltinRule(
    "qmpcontract/rule-crashed",
    Level.MUST,
    "A rule's implementation failed on this transcript; its verdict is unknown, so the "
    "check fails as a broken MUST would, for whichever side the rule obliges.",
    Category.ABI,
    Obliged.BOTH,
)
ACCEPTED_INVALID = BuiltinRule(
    "qmpcontract/accepted-invalid",
    Level.MUST,
    "QEMU refuses a request its client marked as meant to be refused (a recording's "
    "'expect_error', written by 'qmpcontract fuzz' for its non-conforming requests): QEMU "
    "answers input its schema does not accept with an error.",
    Category.PROTOCOL,
    Obliged.PRODUCER,
)
BUILTIN_RULES: tuple[BuiltinRule, ...] = (
    INVALID_MESSAGE,
    UNKNOWN_MESSAGE,
    TRUNCATED,
    UNFINISHED_JOB,
    RULE_CRASHED,
    ACCEPTED_INVALID,
)


@dataclass(frozen=True)
class RuleInfo:
    """What reports say about a rule: its level, statement and origin."""

    id: str
    level: Level
    statement: str
    origin: str  # "qmpcontract" or the contract's id@version
    party: Obliged = Obliged.PRODUCER


def rule_catalogue(contracts: Iterable[Contract]) -> dict[str, RuleInfo]:
    """Every rule a check can report: the built-in ones and those of *contracts*."""
    found = {
        r.id: RuleInfo(r.id, r.level, r.statement, "qmpcontract", r.party) for r in BUILTIN_RULES
    }
    for contract in contracts:
        for rule in contract.rules:
            found[rule.id] = RuleInfo(rule.id, rule.level, rule.statement, contract.ref, rule.party)
    return found


def load_implementations() -> dict[str, Implementation]:
    """Import the rule modules (which register themselves) and return the registry."""
    for module in RULE_MODULES:
        importlib.import_module(module)
    return IMPLEMENTATIONS


RULE_MODULES = (
    "qmpcontract.check.rules_protocol",
    "qmpcontract.check.rules_elements",
    "qmpcontract.check.rules_jobs",
    "qmpcontract.check.rules_status",
    "qmpcontract.check.rules_job_verbs",
    "qmpcontract.check.rules_release",
)
