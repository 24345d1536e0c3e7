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
    return data if isinstance(data, Mapping) else {}


def _started(ctx: RuleContext, session: Session) -> list[tuple[Exchange, Command, str]]:
    commands = ctx.commands()
    started = []
    for exchange in session.exchanges:
        command = commands.get(exchange.command or "")
        response = exchange.response
        if command is None or command.job is None or response is None:
            continue
        if response.kind is not Kind.SUCCESS:
            continue
        job = _job_id(exchange.request.body.get("arguments", {}), command.job)
        if job is not None:
            started.append((exchange, command, job))
    return started


def _end_evidence(session: Session, job: str, start: int, stop: int) -> Message | None:
    """The first message proving the job ended, between *start* and *stop*."""
    for message in session.messages[: stop if stop >= 0 else None]:
        if message.index <= start:
            continue
        if message.kind is Kind.EVENT and message.name == "JOB_STATUS_CHANGE":
            data = _data(message)
            if data.get("id") == job and data.get("status") in ENDED_STATUSES:
                return message
    for exchange in session.exchanges:
        response = exchange.response
        if exchange.command != "query-block-jobs" or response is None:
            continue
        if exchange.request.index <= start or (stop >= 0 and response.index >= stop):
            continue
        listed = response.body.get("return")
        if response.kind is not Kind.SUCCESS or not isinstance(listed, list):
            continue
        if not any(isinstance(j, Mapping) and j.get("device") == job for j in listed):
            return response
    return None


@implements("job-terminal-event")
def job_terminal_event(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """Every successful job start is followed by exactly one terminal event for the job."""
    started = _started(ctx, session)
    for position, (exchange, command, job) in enumerate(started):
        assert command.job is not None
        request = exchange.request
        later = [e.request.index for e, _, j in started[position + 1 :] if j == job]
        stop = later[0] if later else -1
        names = {end.event: end.id_member for end in command.job.terminal_events}
        ends = [
            m
            for m in session.of_kind(Kind.EVENT)
            if m.index > request.index
            and (stop < 0 or m.index < stop)
            and m.name in names
            and _data(m).get(names[m.name]) == job
        ]
        wanted = " or ".join(names)
        if len(ends) > 1:
            yield ctx.finding(
                f"job '{job}' ended twice: a second {ends[1].name}",
                ends[1],
                related=[(request, f"'{command.name}' started it"), (ends[0], "first end")],
            )
        if ends:
            continue
        evidence = _end_evidence(session, job, request.index, stop)
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
    state: dict[str, tuple[str, Message]] = {}
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
        state[job] = (status, message)
