"""The checker: transcript items in, findings and counts out.

For one transcript the engine groups messages into sessions and exchanges,
finds the QEMU version (``--qemu-version``, else the greeting, else a
``query-version`` reply), picks for each contract the newest version whose
producer range holds that QEMU version, and runs every selected rule of those
contracts on every session.  A rule that raises becomes a finding of its own;
the checker's own rules account for messages that are not JSON, that have no
QMP shape, and sessions the recording cut short.  Nothing stops at the first
finding.
"""

from __future__ import annotations

import fnmatch
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import (
    BUILTIN_RULES,
    INVALID_MESSAGE,
    RULE_CRASHED,
    TRUNCATED,
    UNKNOWN_MESSAGE,
    BuiltinRule,
    load_implementations,
)
from qmpcontract.check.validators import Validators
from qmpcontract.location import Location
from qmpcontract.model.check_kinds import CHECK_KINDS, Scope
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.findings import Finding
from qmpcontract.model.transcript import (
    Kind,
    Session,
    TranscriptInfo,
    build_sessions,
    qemu_version_of,
)
from qmpcontract.model.versions import QemuVersion, SemVer
from qmpcontract.read.messages import RawMessage, TranscriptItem

ExtraContracts = Callable[[Sequence[Session], QemuVersion | None], Sequence[Contract]]


@dataclass(frozen=True)
class CheckOptions:
    """How to check: the QEMU version, which rules, which contract versions.

    *extra* supplies contracts that come with the transcript itself, such as
    the schema of a ``query-qmp-schema`` reply found in it (the importers
    provide it; the checker does not read schemas itself).
    """

    qemu_version: QemuVersion | None = None
    select: tuple[str, ...] = ()  # rule id patterns (fnmatch; 'qmp-core/' selects a prefix)
    ignore: tuple[str, ...] = ()
    pinned: Mapping[str, SemVer] = field(default_factory=dict)  # contract id -> version
    extra: ExtraContracts | None = None


@dataclass(frozen=True)
class Summary:
    """Counts that account for every message read."""

    messages: int
    by_kind: Mapping[str, int]
    by_direction: Mapping[str, int]
    sessions: int
    truncated_sessions: int
    exchanges: int
    unanswered: int


@dataclass(frozen=True)
class CheckResult:
    """The findings and counts of one transcript."""

    info: TranscriptInfo
    findings: tuple[Finding, ...]
    summary: Summary
    qemu_version: QemuVersion | None
    contracts: tuple[str, ...]  # id@version of every contract applied
    rules: tuple[str, ...] = ()  # ids of every rule that ran


def _matches(rule_id: str, pattern: str) -> bool:
    if pattern.endswith("/"):
        return rule_id.startswith(pattern)
    return fnmatch.fnmatchcase(rule_id, pattern)


def rule_selected(rule_id: str, options: CheckOptions) -> bool:
    """True if *rule_id* passes ``--select`` (if any) and no ``--ignore``."""
    if options.select and not any(_matches(rule_id, p) for p in options.select):
        return False
    return not any(_matches(rule_id, p) for p in options.ignore)


def select_contracts(
    contracts: ContractSet, version: QemuVersion | None, pinned: Mapping[str, SemVer]
) -> list[Contract]:
    """For each contract id, the version that applies to a producer *version*."""
    chosen: list[Contract] = []
    for contract_id in contracts.ids():
        versions = contracts.versions(contract_id)
        if contract_id in pinned:
            chosen.extend(c for c in versions if c.version == pinned[contract_id])
            continue
        if version is not None:
            fitting = [
                c for c in versions if c.producer.versions is None or version in c.producer.versions
            ]
            if fitting:
                chosen.append(fitting[-1])
            continue
        chosen.append(versions[-1])
    return chosen


def _shorten(text: str, limit: int = 300) -> str:
    """An exception's text cut to *limit* characters (some quote whole schemas)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _builtin(rule: BuiltinRule, message: str, location: Location) -> Finding:
    return Finding(rule.id, rule.level, message, location)


def _builtin_findings(session: Session, options: CheckOptions) -> list[Finding]:
    found: list[Finding] = []
    for message in session.messages:
        raw = message.raw
        if raw.truncated:
            rule = TRUNCATED
            text = f"the recording ends inside this message ({raw.error})"
        elif message.kind is Kind.INVALID:
            rule = INVALID_MESSAGE
            text = f"message is not a QMP message: {raw.error}"
        elif message.kind is Kind.UNKNOWN:
            rule = UNKNOWN_MESSAGE
            keys = ", ".join(sorted(message.body)) or "no members"
            text = f"JSON object with no QMP shape (members: {keys})"
        else:
            continue
        if rule_selected(rule.id, options):
            found.append(_builtin(rule, text, raw.location))
    for boundary in session.boundaries:
        if boundary.kind.value == "truncated" and rule_selected(TRUNCATED.id, options):
            note = f": {boundary.note}" if boundary.note else ""
            found.append(
                _builtin(
                    TRUNCATED, f"session {session.number} was cut short{note}", boundary.location
                )
            )
    return found


def check_items(
    items: Iterable[TranscriptItem],
    info: TranscriptInfo,
    contracts: ContractSet,
    options: CheckOptions | None = None,
) -> CheckResult:
    """Check one transcript against a contract set."""
    options = options or CheckOptions()
    implementations = load_implementations()
    sessions = build_sessions(items, pair_by_position=info.pair_by_position)
    version = options.qemu_version or qemu_version_of(sessions)
    applied = select_contracts(contracts, version, options.pinned)
    extra = list(options.extra(sessions, version)) if options.extra is not None else []
    applied.extend(extra)
    validators = Validators([*contracts, *extra], version)
    findings: list[Finding] = []
    ran: set[str] = {r.id for r in BUILTIN_RULES if rule_selected(r.id, options)}
    for session in sessions:
        findings.extend(_builtin_findings(session, options))
        for contract in applied:
            for rule in contract.rules:
                check = rule.check
                if check is None or CHECK_KINDS[check.kind].scope is not Scope.TRANSCRIPT:
                    continue
                implementation = implementations.get(check.kind)
                if implementation is None or not rule_selected(rule.id, options):
                    continue
                ctx = RuleContext(contract, rule, applied, version, validators, info)
                ran.add(rule.id)
                try:
                    findings.extend(
                        f for f in implementation(ctx, session) if rule_selected(f.rule_id, options)
                    )
                except Exception as exc:  # a crashing rule is a finding, not a crashed run
                    where = traceback.extract_tb(exc.__traceback__)[-1]
                    findings.append(
                        _builtin(
                            RULE_CRASHED,
                            f"rule '{rule.id}' ({check.kind}) failed: {type(exc).__name__}: "
                            f"{_shorten(str(exc))} "
                            f"at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}",
                            Location(info.name),
                        )
                    )
    unique = {f.dedup_key(): f for f in findings}
    ordered = tuple(sorted(unique.values(), key=Finding.sort_key))
    refs = tuple(c.ref for c in applied)
    return CheckResult(info, ordered, _summary(sessions), version, refs, tuple(sorted(ran)))


def _summary(sessions: Sequence[Session]) -> Summary:
    kinds: Counter[str] = Counter()
    directions: Counter[str] = Counter()
    exchanges = unanswered = 0
    for session in sessions:
        for message in session.messages:
            kinds[message.kind.value] += 1
            raw: RawMessage = message.raw
            directions[raw.direction.value if raw.direction else "unknown"] += 1
        exchanges += len(session.exchanges)
        unanswered += sum(1 for e in session.exchanges if e.response is None)
    return Summary(
        messages=sum(kinds.values()),
        by_kind=dict(sorted(kinds.items())),
        by_direction=dict(sorted(directions.items())),
        sessions=len(sessions),
        truncated_sessions=sum(1 for s in sessions if s.truncated),
        exchanges=exchanges,
        unanswered=unanswered,
    )
