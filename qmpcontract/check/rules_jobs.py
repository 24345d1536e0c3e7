"""Asynchronous job rules: terminal events (the job state machine is in ``rules_status``).

A command that starts a job succeeds at once; the job's end is reported later
by an event, and real QEMU often sends a job's events before the command's own
return.  So a terminal event is looked for anywhere after the request, never
"after the return".  Each start is judged when the same job is started again
or the connection ends:

- exactly one terminal event, of the job's own (``BLOCK_JOB_COMPLETED`` or
  ``BLOCK_JOB_CANCELLED`` for a block job, ``JOB_STATUS_CHANGE`` to
  ``concluded`` for a generic one);
- none, while the transcript proves the job ended (its status reached
  ``concluded`` or ``null``, a later ``query-block-jobs`` no longer lists it),
  is a finding where the event was due: at an undeclared event carrying the
  job's id (a renamed terminal event), else at that proof.  No proof: the job
  was still running when the recording stopped, reported for information;
- what ended it decides which: a job cancelled after it was ready (the mirror
  rule) ends with the event its declaration names; a job that was aborting
  ends with one of its declared endings (a cancellation, or a completion that
  carries its error).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import UNFINISHED_JOB, implements
from qmpcontract.location import split_pointer
from qmpcontract.model.caches import remember
from qmpcontract.model.contract import Command, Contract, JobEnd, JobSpec
from qmpcontract.model.findings import Finding
from qmpcontract.model.transcript import Exchange, Kind, Message, Session

ENDED_STATUSES = ("concluded", "null")
_FIRST = operator.itemgetter(0)
STATUS_EVENT = "JOB_STATUS_CHANGE"


def _job_id(arguments: object, spec: JobSpec) -> str | None:
    for pointer in spec.id_from:
        node = arguments
        for token in split_pointer(pointer):
            node = node.get(token) if isinstance(node, Mapping) else None
        if isinstance(node, str):
            return node
    return None


def _data(message: Message) -> Mapping[str, object]:
    data = message.body.get("data")
    return data if isinstance(data, dict) else {}


@dataclass
class _Job:
    """A job started by a command, while its end is looked for."""

    request: Message
    command: Command
    spec: JobSpec
    job: str
    seen: list[Message] = field(default_factory=list)  # its first two terminal events
    status_end: Message | None = None  # the first JOB_STATUS_CHANGE to an ended status
    listed_without: list[Message] = field(default_factory=list)  # query-block-jobs replies
    renamed: Message | None = None  # an undeclared event carrying the job's id
    ready: Message | None = None  # the event that said it was ready
    cancelled: Message | None = None  # a cancel accepted after it was ready
    aborting: Message | None = None  # the event that said it was aborting
    ends: set[str] = field(init=False)  # what the declaration says, looked up once
    id_members: tuple[str, ...] = field(init=False)
    ready_event: JobEnd | None = field(init=False)
    signal: JobEnd | None = field(init=False)

    def __post_init__(self) -> None:
        spec = self.spec
        self.ends = {end.event for end in spec.terminal_events}
        self.id_members = tuple({end.id_member for end in spec.terminal_events})
        self.ready_event = spec.cancel_after_ready.ready if spec.cancel_after_ready else None
        self.signal = spec.aborting.signal if spec.aborting else None

    def describe(self) -> str:
        kind = f"{self.spec.type} job" if self.spec.type else "job"
        return f"{kind} '{self.job}' started by '{self.command.name}'"


def _start(commands: Mapping[str, Command], exchange: Exchange) -> tuple[Command, str] | None:
    """The command and job id of a successful job start, else None."""
    command = commands.get(exchange.command or "")
    response = exchange.response
    if command is None or command.job is None or response is None:
        return None
    if response.kind is not Kind.SUCCESS:
        return None
    job = _job_id(exchange.request.body.get("arguments", {}), command.job)
    return None if job is None else (command, job)


def _lists(response: Message | None) -> list[object] | None:
    """The jobs a successful query-block-jobs reply lists, else None."""
    if response is None or response.kind is not Kind.SUCCESS:
        return None
    listed = response.body.get("return")
    return listed if isinstance(listed, list) else None


def _walk(ctx: RuleContext, session: Session, running: bool) -> list[tuple[int, object]]:
    """Job starts, other exchanges and events of a part, in message order.

    Without a job *running* or started, nothing of the part matters.
    """
    commands = ctx.commands()
    watched = _watched(ctx)
    points: list[tuple[int, object]] = []
    started = False
    for exchange in session.exchanges:
        start = _start(commands, exchange)
        if start is not None:
            points.append((exchange.request.index, (exchange.request, *start)))
            started = True
        elif exchange.response is not None and exchange.command in watched:
            points.append((exchange.request.index, exchange))
    if not (started or running):
        return []
    points.extend((m.index, m) for m in session.of_kind(Kind.EVENT))
    points.sort(key=_FIRST)
    return points


def _watched(ctx: RuleContext) -> frozenset[str | None]:
    """The commands whose exchanges say something of a running job (a listing, a cancel)."""
    key = ("job-watched-commands", ctx.contract.ref, ctx.rule.id)
    return remember(ctx.shared, key, _watched_commands, ctx)


def _watched_commands(ctx: RuleContext) -> frozenset[str | None]:
    cancels = {
        c.job.cancel_after_ready.command
        for c in ctx.commands().values()
        if c.job is not None and c.job.cancel_after_ready is not None
    }
    return frozenset({"query-block-jobs", *cancels})


def _known_events(ctx: RuleContext) -> frozenset[str]:
    return remember(ctx.shared, ("job-known-events",), _event_names, ctx.contracts)


def _event_names(contracts: Sequence[Contract]) -> frozenset[str]:
    return frozenset(e.name for c in contracts for e in c.events)


@dataclass
class _Running:
    """What ``job-terminal-event`` carries: the jobs started and not judged yet, by id."""

    jobs: dict[str, _Job] = field(default_factory=dict)


@implements("job-terminal-event")
def job_terminal_event(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """Every successful job start is followed by exactly one terminal event for the job.

    A start is judged when the same job is started again, or at the end of the
    connection; until then it is carried from one part of the connection to the next.
    """
    running = ctx.carry(session, _Running).jobs
    known = _known_events(ctx)
    for index, point in _walk(ctx, session, bool(running)):
        if isinstance(point, tuple):
            request, command, job = point
            assert command.job is not None
            if job in running:
                yield from _judge(ctx, running[job], index)
            running[job] = _Job(request, command, command.job, job)
        elif isinstance(point, Exchange):
            _exchange(running, point, index)
        else:
            assert isinstance(point, Message)
            _event(running, point, known)
    if session.last:
        for record in running.values():
            yield from _judge(ctx, record, -1)
        running.clear()


def _exchange(running: Mapping[str, _Job], exchange: Exchange, index: int) -> None:
    """A query-block-jobs reply not listing a job; a cancel accepted after a job was ready."""
    listed = _lists(exchange.response) if exchange.command == "query-block-jobs" else None
    if listed is not None:
        for record in running.values():
            if any(isinstance(j, Mapping) and j.get("device") == record.job for j in listed):
                continue
            if not any(r.index < index for r in record.listed_without):
                assert exchange.response is not None  # an earlier reply always qualifies
                record.listed_without.append(exchange.response)
        return
    response = exchange.response
    if response is None or response.kind is not Kind.SUCCESS:
        return
    arguments = exchange.request.body.get("arguments")
    arguments = arguments if isinstance(arguments, Mapping) else {}
    for record in running.values():
        rule = record.spec.cancel_after_ready
        if rule is None or record.ready is None or record.cancelled is not None:
            continue
        if exchange.command != rule.command or arguments.get(rule.id_argument) != record.job:
            continue
        if rule.unless is None or arguments.get(rule.unless) is not True:
            record.cancelled = exchange.request


def _event(running: Mapping[str, _Job], message: Message, known: frozenset[str]) -> None:
    data, name = _data(message), message.name
    for record in running.values():
        ident = record.job
        if name in record.ends and any(
            e.about(name, data, ident) for e in record.spec.terminal_events
        ):
            if len(record.seen) < 2:
                record.seen.append(message)
            continue
        ready, signal = record.ready_event, record.signal
        if ready is not None and record.ready is None and ready.about(name, data, ident):
            record.ready = message
        elif signal is not None and record.aborting is None and signal.about(name, data, ident):
            record.aborting = message
        elif (
            name not in known
            and record.renamed is None
            and not record.seen
            and any(data.get(m) == ident for m in record.id_members)
        ):
            record.renamed = message
    job = data.get("id")
    if name != STATUS_EVENT or data.get("status") not in ENDED_STATUSES:
        return
    ended = running.get(job) if isinstance(job, str) else None
    if ended is not None and ended.status_end is None:
        ended.status_end = message


def _judge(ctx: RuleContext, record: _Job, stop: int) -> Iterator[Finding]:
    """The findings of one job start, whose window ends at message *stop* (-1: never)."""
    request, command, seen = record.request, record.command, record.seen
    started = [(request, f"'{command.name}' started it")]
    wanted = " or ".join(str(end) for end in record.spec.terminal_events)
    if len(seen) > 1:
        yield ctx.finding(
            f"job '{record.job}' ended twice: a second {seen[1].name}",
            seen[1],
            related=[*started, (seen[0], "first end")],
        )
    if seen:
        yield from _ending(ctx, record, seen[0])
        return
    replies = (r for r in record.listed_without if stop < 0 or r.index < stop)
    evidence = record.renamed or record.status_end or next(replies, None)
    if evidence is None:
        yield ctx.finding(
            f"{record.describe()} had not ended when the recording stopped",
            request,
            rule_id=UNFINISHED_JOB.id,
            level=UNFINISHED_JOB.level,
        )
        return
    due = (
        f": {evidence.name} carries its id, a renamed terminal event?"
        if evidence is record.renamed
        else ""
    )
    yield ctx.finding(
        f"{record.describe()} ended without {wanted}{due}",
        evidence,
        related=started,
        expected=wanted,
        actual=evidence.name if evidence is record.renamed else None,
    )


def _ending(ctx: RuleContext, record: _Job, end: Message) -> Iterator[Finding]:
    """The terminal event *end* is the one what ended the job calls for."""
    spec, started = record.spec, [(record.request, f"'{record.command.name}' started it")]
    rule = spec.cancel_after_ready
    cancelled = record.cancelled
    if rule is not None and cancelled is not None and cancelled.index < end.index:
        if end.name != rule.ends_with:
            assert record.ready is not None
            yield ctx.finding(
                f"{record.describe()} was cancelled with '{rule.command}' after "
                f"{record.ready.name}, so it ends with {rule.ends_with} (its target holds a "
                f"point-in-time copy), not {end.name}",
                end,
                related=[*started, (record.ready, "ready"), (cancelled, "the cancel")],
                expected=rule.ends_with,
                actual=end.name,
            )
        return
    aborting = spec.aborting
    if aborting is None or record.aborting is None or record.aborting.index > end.index:
        return
    data = _data(end)
    endings = aborting.ends_with
    if any(e.event == end.name and (e.carrying is None or e.carrying in data) for e in endings):
        return
    allowed = " or ".join(str(e) for e in endings)
    yield ctx.finding(
        f"{record.describe()} was aborting, so it ends with {allowed}, not {end.name}"
        + (" without it" if any(e.event == end.name for e in endings) else ""),
        end,
        related=[*started, (record.aborting, "aborting")],
        expected=allowed,
        actual=end.name,
    )
