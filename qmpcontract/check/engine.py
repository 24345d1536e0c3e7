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
import itertools
import operator
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from qmpcontract.check import intent
from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import (
    ACCEPTED_INVALID,
    BUILTIN_RULES,
    INVALID_MESSAGE,
    RULE_CRASHED,
    TRUNCATED,
    UNKNOWN_MESSAGE,
    BuiltinRule,
    Implementation,
    load_implementations,
)
from qmpcontract.check.validators import Validators
from qmpcontract.location import Location
from qmpcontract.model.check_kinds import CHECK_KINDS, Scope
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import ContractSet, Supplement
from qmpcontract.model.findings import Finding
from qmpcontract.model.session_builder import SessionBuilder
from qmpcontract.model.transcript import (
    Kind,
    Message,
    Session,
    TranscriptInfo,
    qemu_version_of,
    version_shown,
)
from qmpcontract.model.versions import QemuVersion, SemVer
from qmpcontract.read.messages import Direction, SessionBoundary, TranscriptItem
from qmpcontract.text import shorten

ExtraContracts = Callable[[Sequence[Session], QemuVersion | None], Supplement]


@dataclass(frozen=True)
class CheckOptions:
    """How to check: the QEMU version, which rules, which contract versions.

    *extra* supplies contracts that come with the transcript itself, such as
    the schema of a ``query-qmp-schema`` reply found in it or the data of its
    QEMU release, with notes on where they come from (the importers and the
    release data provide them; the checker does not read schemas itself).
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
    expected_refusals: int = 0  # requests marked as meant to be refused, that QEMU refused


@dataclass(frozen=True)
class CheckResult:
    """The findings and counts of one transcript."""

    info: TranscriptInfo
    findings: tuple[Finding, ...]
    summary: Summary
    qemu_version: QemuVersion | None
    contracts: tuple[str, ...]  # id@version of every contract applied
    rules: tuple[str, ...] = ()  # ids of every rule that ran
    notes: tuple[str, ...] = ()  # where the transcript's own contracts come from


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


def _builtin(rule: BuiltinRule, message: str, location: Location) -> Finding:
    return Finding(rule.id, rule.level, message, location, party=rule.party)


def _builtin_findings(session: Session, options: CheckOptions) -> list[Finding]:
    found: list[Finding] = []
    odd = session.of_kind(Kind.INVALID) or session.of_kind(Kind.UNKNOWN)
    if not odd and not any(map(_TRUNCATED, session.messages)):
        messages: list[Message] = []  # nothing for these rules to say (checked in C)
    else:
        messages = session.messages
    for message in messages:
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


LOOKAHEAD = 10_000  # items read ahead, at most, for the QEMU version and the transcript's schema
PART_SIZE = 20_000  # messages: a longer connection is checked in parts of about this size


def _looks_like_schema(value: object) -> bool:
    reply = value.get("return") if isinstance(value, dict) else None
    return (
        isinstance(reply, list)
        and bool(reply)
        and isinstance(reply[0], dict)
        and ("meta-type" in reply[0])
    )


def _lookahead(
    items: Iterator[TranscriptItem], options: CheckOptions, builder: SessionBuilder
) -> tuple[list[Session], QemuVersion | None, Supplement]:
    """Read ahead until the QEMU version (and the transcript's own schema) are known.

    Items read are fed to *builder*; the sessions it hands over meanwhile are
    returned, to be checked like the rest.  Reading stops at the first greeting
    or ``query-version`` reply when the version is all that is needed, after a
    ``query-qmp-schema`` reply when the transcript's schema is wanted too, and
    after :data:`LOOKAHEAD` items in any case.
    """
    done: list[Session] = []
    want_version = options.qemu_version is None
    want_schema = options.extra is not None
    if not (want_version or want_schema):
        return done, options.qemu_version, Supplement()
    for count, item in enumerate(items, start=1):
        done.extend(builder.feed(item))  # every item counts: garbage cannot make this grow
        if count >= LOOKAHEAD:
            break
        value = None if isinstance(item, SessionBoundary) else item.value
        if value is None:
            continue
        if want_version and version_shown(value):
            want_version = False
        if want_schema and _looks_like_schema(value):
            want_schema = False
        if not (want_version or want_schema):
            break
    sessions = sorted([*done, *builder.open_sessions()], key=lambda s: s.number)
    version = options.qemu_version or qemu_version_of(sessions)
    extra = options.extra(sessions, version) if options.extra is not None else Supplement()
    return done, version, extra


def check_items(
    items: Iterable[TranscriptItem],
    info: TranscriptInfo,
    contracts: ContractSet,
    options: CheckOptions | None = None,
) -> CheckResult:
    """Check one transcript against a contract set, one session at a time.

    Only the sessions still open are held in memory; the QEMU version and the
    transcript's own schema are found by reading ahead (see :func:`_lookahead`).
    """
    options = options or CheckOptions()
    implementations = load_implementations()
    stream = iter(items)
    builder = SessionBuilder(pair_by_position=info.pair_by_position, part_size=PART_SIZE)
    done, version, supplement = _lookahead(stream, options, builder)
    extra = supplement.contracts
    applied = select_contracts(contracts, version, options.pinned)
    applied.extend(extra)
    validators = Validators([*contracts, *extra], version, applied)
    runs: list[tuple[RuleContext, Implementation, frozenset[str] | None]] = []
    shared: dict[object, object] = {}
    ran: set[str] = {r.id for r in BUILTIN_RULES if rule_selected(r.id, options)}
    for contract in applied:
        for rule in contract.rules:
            check = rule.check
            if check is None or CHECK_KINDS[check.kind].scope is not Scope.TRANSCRIPT:
                continue
            implementation = implementations.get(check.kind)
            if implementation is None or not rule_selected(rule.id, options):
                continue
            ctx = RuleContext(contract, rule, applied, version, validators, info, shared)
            runs.append((ctx, implementation, _elements(ctx)))
            ran.add(rule.id)
    findings: list[Finding] = []
    counts = _Counts()
    marks = info.format == "recording"  # only recordings mark requests meant to be refused
    for session in itertools.chain(done, builder.run(stream)):
        counts.add(session)
        first = len(findings)
        findings.extend(_builtin_findings(session, options))
        names = session.names
        whole = session.whole  # a part of a connection runs every rule: rules carry state
        for ctx, implementation, elements in runs:
            if elements is None or not whole or not elements.isdisjoint(names):
                findings.extend(_run(ctx, implementation, session, options))
        if marks and any(map(intent.marked, session.exchanges)):
            accepted = rule_selected(ACCEPTED_INVALID.id, options)
            expected = intent.expected_refusals(session, findings[first:], accepted)
            findings[first:] = expected.findings
            counts.refused += expected.refused
    unique = {f.dedup_key(): f for f in findings}
    kinds = {ctx.rule.id: ctx.rule.check.kind for ctx, _, _ in runs if ctx.rule.check}
    supplied = {r.id for c in extra for r in c.rules}
    merged = _merge_same_defect(list(unique.values()), kinds, supplied)
    ordered = tuple(sorted(merged, key=Finding.sort_key))
    refs = tuple(c.ref for c in applied)
    return CheckResult(
        info, ordered, counts.summary(), version, refs, tuple(sorted(ran)), supplement.notes
    )


def _merge_same_defect(
    findings: list[Finding], kinds: Mapping[str, str], supplied: set[str]
) -> list[Finding]:
    """One finding per defect: what an agreed contract and QEMU's own schema both report.

    The same check kind at the same place (message and JSON pointer), reported
    by an agreed contract's rule and by a rule of a contract the transcript
    brought (its schema, its release's data), is one defect: the agreed rule's
    finding stays and names the others.
    """
    groups: dict[tuple[str, int | None, int | None, str, str | None], list[Finding]] = {}
    for finding in findings:
        loc, kind = finding.location, kinds.get(finding.rule_id)
        key = (loc.file, loc.line, loc.message_index, loc.pointer, kind)
        groups.setdefault(key, []).append(finding)
    merged: list[Finding] = []
    for (*_, kind), group in groups.items():
        agreed = [f for f in group if f.rule_id not in supplied]
        if kind is None or not agreed or len(agreed) == len(group):
            merged.extend(group)
            continue
        also = ", ".join(sorted(f.rule_id for f in group if f.rule_id in supplied))
        merged.extend(replace(f, message=f"{f.message} (also {also})") for f in agreed)
    return merged


def _elements(ctx: RuleContext) -> frozenset[str] | None:
    """The names a session must use for the rule to have anything to judge, or None."""
    kind = ctx.rule.check.kind if ctx.rule.check is not None else ""
    if kind == "job-state-machine":
        return frozenset({str(ctx.params["event"])})
    if kind == "job-terminal-event":  # nothing to judge where no job starts
        return frozenset(name for name, c in ctx.commands().items() if c.job is not None)
    if kind == "job-verbs":
        return frozenset({str(ctx.params["event"]), *(v["command"] for v in ctx.params["verbs"])})
    if kind in CHECK_KINDS and CHECK_KINDS[kind].element_scoped:
        names = {*ctx.commands(), *ctx.events(), *(e.name for e in ctx.contract.events)}
        return frozenset(names)
    return None


def _run(
    ctx: RuleContext, implementation: Implementation, session: Session, options: CheckOptions
) -> list[Finding]:
    """The findings of one rule on one session; a rule that raises is a finding itself."""
    try:
        return [f for f in implementation(ctx, session) if rule_selected(f.rule_id, options)]
    except Exception as exc:  # a crashing rule is a finding, not a crashed run
        where = traceback.extract_tb(exc.__traceback__)[-1]
        check = ctx.rule.check
        kind = check.kind if check is not None else "?"
        return [
            _builtin(
                RULE_CRASHED,
                f"rule '{ctx.rule.id}' ({kind}) failed: {type(exc).__name__}: "
                f"{shorten(str(exc))} "
                f"at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}",
                Location(ctx.info.name),
            )
        ]


_KIND = operator.attrgetter("kind")
_TRUNCATED = operator.attrgetter("raw.truncated")
_DIRECTION = operator.attrgetter("raw.direction")


class _Counts:
    """The summary's counts, added up session by session."""

    def __init__(self) -> None:
        self.kinds: Counter[Kind] = Counter()
        self.directions: Counter[Direction | None] = Counter()
        self.sessions = self.truncated = self.exchanges = self.unanswered = 0
        self.refused = 0

    def add(self, session: Session) -> None:
        self.kinds.update(map(_KIND, session.messages))
        self.directions.update(map(_DIRECTION, session.messages))
        self.sessions += session.part == 0
        self.truncated += session.truncated
        self.exchanges += len(session.exchanges)
        self.unanswered += sum(1 for e in session.exchanges if e.response is None)

    def summary(self) -> Summary:
        directions: Counter[str] = Counter()
        for direction, count in self.directions.items():
            directions[direction.value if direction else "unknown"] += count
        return Summary(
            messages=sum(self.kinds.values()),
            by_kind=dict(sorted((k.value, n) for k, n in self.kinds.items())),
            by_direction=dict(sorted(directions.items())),
            sessions=self.sessions,
            truncated_sessions=self.truncated,
            exchanges=self.exchanges,
            unanswered=self.unanswered,
            expected_refusals=self.refused,
        )
