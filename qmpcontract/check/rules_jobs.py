"""Asynchronous job rules: terminal events and the job state machine.

A command that starts a job succeeds at once; the job's end is reported later
by an event, and real QEMU often sends a job's events before the command's own
return.  So a terminal event is looked for anywhere after the request, never
"after the return".  A job with no terminal event is a violation only when the
transcript proves the job ended (its status reached 'concluded' or 'null', or
a later query-block-jobs no longer lists it); otherwise it was still running
when the recording stopped, which is reported for information.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import UNFINISHED_JOB, implements
from qmpcontract.location import split_pointer
from qmpcontract.model.contract import Command, JobSpec
from qmpcontract.model.findings import Finding
from qmpcontract.model.transcript import Exchange, Kind, Message, Session

ENDED_STATUSES = ("concluded", "null")


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
    job: str
    ends: dict[str, str]  # terminal event -> the data member naming the job
    seen: list[Message] = field(default_factory=list)  # its first two terminal events
    status_end: Message | None = None  # the first JOB_STATUS_CHANGE to an ended status
    listed_without: list[Message] = field(default_factory=list)  # query-block-jobs replies


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
    """Job starts, events and query-block-jobs exchanges of a part, in message order.

    Without a job *running* or started, nothing of the part matters.
    """
    commands = ctx.commands()
    points: list[tuple[int, object]] = []
    started = False
    for exchange in session.exchanges:
        start = _start(commands, exchange)
        if start is not None:
            points.append((exchange.request.index, (exchange.request, *start)))
            started = True
        elif exchange.command == "query-block-jobs" and _lists(exchange.response) is not None:
            points.append((exchange.request.index, exchange))
    if not (started or running):
        return []
    points.extend((m.index, m) for m in session.messages if m.kind is Kind.EVENT)
    points.sort(key=lambda point: point[0])
    return points


@implements("job-terminal-event")
def job_terminal_event(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """Every successful job start is followed by exactly one terminal event for the job.

    A start is judged when the same job is started again, or at the end of the
    connection; until then it is carried from one part of the connection to the next.
    """
    running: dict[str, _Job] = ctx.carry(session).setdefault("running", {})
    for index, point in _walk(ctx, session, bool(running)):
        if isinstance(point, tuple):
            request, command, job = point
            assert command.job is not None
            if job in running:
                yield from _judge(ctx, running[job], index)
            names = {end.event: end.id_member for end in command.job.terminal_events}
            running[job] = _Job(request, command, job, names)
        elif isinstance(point, Exchange):
            listed = _lists(point.response) or []
            for record in running.values():
                if any(isinstance(j, Mapping) and j.get("device") == record.job for j in listed):
                    continue
                if not any(r.index < index for r in record.listed_without):
                    assert point.response is not None  # an earlier reply always qualifies
                    record.listed_without.append(point.response)
        else:
            assert isinstance(point, Message)
            _event(running, point)
    if session.last:
        for record in running.values():
            yield from _judge(ctx, record, -1)
        running.clear()


def _event(running: Mapping[str, _Job], message: Message) -> None:
    data = _data(message)
    for record in running.values():
        member = record.ends.get(message.name or "")
        if member is not None and len(record.seen) < 2 and data.get(member) == record.job:
            record.seen.append(message)
    job = data.get("id")
    if message.name != "JOB_STATUS_CHANGE" or data.get("status") not in ENDED_STATUSES:
        return
    ended = running.get(job) if isinstance(job, str) else None
    if ended is not None and ended.status_end is None:
        ended.status_end = message


def _judge(ctx: RuleContext, record: _Job, stop: int) -> Iterator[Finding]:
    """The findings of one job start, whose window ends at message *stop* (-1: never)."""
    request, command, job, seen = record.request, record.command, record.job, record.seen
    wanted = " or ".join(record.ends)
    if len(seen) > 1:
        yield ctx.finding(
            f"job '{job}' ended twice: a second {seen[1].name}",
            seen[1],
            related=[(request, f"'{command.name}' started it"), (seen[0], "first end")],
        )
    if seen:
        return
    replies = (r for r in record.listed_without if stop < 0 or r.index < stop)
    evidence = record.status_end or next(replies, None)
    if evidence is not None:
        yield ctx.finding(
            f"job '{job}' started by '{command.name}' ended without {wanted}",
            evidence,
            related=[(request, f"'{command.name}' started it")],
            expected=wanted,
        )
    else:
        yield ctx.finding(
            f"job '{job}' started by '{command.name}' had not ended when the recording stopped",
            request,
            rule_id=UNFINISHED_JOB.id,
            level=UNFINISHED_JOB.level,
        )


@implements("job-state-machine")
def job_state_machine(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """The status a job reports walks only the transitions of the job state machine."""
    params = ctx.params
    event, id_member, status_member = params["event"], params["id_member"], params["status_member"]
    initial, final = set(params["initial"]), set(params["final"])
    transitions: Mapping[str, list[str]] = params["transitions"]
    state: dict[str, tuple[str, Message]] = ctx.carry(session).setdefault("state", {})
    for message in session.of_kind(Kind.EVENT):
        if message.name != event:
            continue
        data = _data(message)
        job, status = data.get(id_member), data.get(status_member)
        if not isinstance(job, str) or not isinstance(status, str):
            continue  # the event's data schema reports it
        previous = state.get(job)
        if previous is None or previous[0] in final:
            if status not in initial:
                yield ctx.finding(
                    f"job '{job}' first reports status '{status}'; a job starts in "
                    + " or ".join(f"'{s}'" for s in sorted(initial)),
                    message,
                    pointer=f"/data/{status_member}",
                    expected=", ".join(sorted(initial)),
                    actual=status,
                )
        elif status not in transitions.get(previous[0], []):
            allowed = ", ".join(transitions.get(previous[0], [])) or "nothing"
            yield ctx.finding(
                f"job '{job}' went from '{previous[0]}' to '{status}', which the job state "
                f"machine does not allow (from '{previous[0]}': {allowed})",
                message,
                pointer=f"/data/{status_member}",
                expected=allowed,
                actual=status,
                related=[(previous[1], f"status '{previous[0]}'")],
            )
        if status in final:
            state.pop(job, None)  # a job that ended starts afresh
        else:
            state[job] = (status, message)
