"""Job verbs by status: QEMU accepts a verb only in the statuses that allow it.

A job's status is tracked from the events that report it (``JOB_STATUS_CHANGE``).
A verb QEMU accepted (a success response to ``job-dismiss``, say) while the job
was in a status that does not allow it is a finding at that response.  Events
and requests cross on the wire, so the verb is judged against every status the
job reported from the last one before the request up to the response: QEMU
may have handled the request just after a change it had not yet reported.  A
job whose status is not known yet is not judged.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import implements
from qmpcontract.model.caches import remember
from qmpcontract.model.findings import Finding
from qmpcontract.model.transcript import Kind, Session


def _statuses(ctx: RuleContext, session: Session) -> dict[str, tuple[list[int], list[str]]]:
    """Per job id: the indices and statuses its events report in this part, in order.

    Worked out once per session for every rule that tracks the same event.
    """
    params = ctx.params
    event, id_member, status_member = params["event"], params["id_member"], params["status_member"]

    key = ("job-statuses", event, id_member, status_member)
    return remember(session.memo, key, _events_of, session, event, id_member, status_member)


def _events_of(
    session: Session, event: str, id_member: str, status_member: str
) -> dict[str, tuple[list[int], list[str]]]:
    found: dict[str, tuple[list[int], list[str]]] = {}
    for message in session.of_kind(Kind.EVENT):
        data = message.body.get("data")
        if message.name != event or not isinstance(data, dict):
            continue
        job, status = data.get(id_member), data.get(status_member)
        if isinstance(job, str) and isinstance(status, str):
            indices, values = found.setdefault(job, ([], []))
            indices.append(message.index)
            values.append(status)
    return found


def _window(
    reported: tuple[list[int], list[str]] | None, before: str | None, start: int, end: int
) -> list[str]:
    """The statuses of a job from the last one before *start* up to *end*."""
    if reported is None:
        return [before] if before is not None else []
    indices, values = reported
    first = bisect.bisect_left(indices, start)
    last = bisect.bisect_right(indices, end)
    previous = values[first - 1] if first > 0 else before
    return ([previous] if previous is not None else []) + values[first:last]


def _verbs(params: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    return {v["command"]: v for v in params["verbs"]}


@dataclass
class _Carried:
    """What ``job-verbs`` carries: each job's last status QEMU reported, by id."""

    status: dict[str, str] = field(default_factory=dict)


@implements("job-verbs")
def job_verbs(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """A verb QEMU accepted while the job's status did not allow it."""
    verbs = remember(ctx.shared, ("job-verbs", ctx.rule.id), _verbs, ctx.params)
    if session.whole and verbs.keys().isdisjoint(session.names):
        return  # no verb, and no later part to carry the statuses to
    carried = ctx.carry(session, _Carried).status
    reported = _statuses(ctx, session)
    for exchange in session.exchanges:
        verb = verbs.get(exchange.command or "")
        response = exchange.response
        if verb is None or response is None or response.kind is not Kind.SUCCESS:
            continue
        arguments = exchange.request.body.get("arguments")
        job = arguments.get(verb["id_argument"]) if isinstance(arguments, dict) else None
        if not isinstance(job, str):
            continue
        window = _window(
            reported.get(job), carried.get(job), exchange.request.index, response.index
        )
        allowed = verb["statuses"]
        if not window or any(status in allowed for status in window):
            continue
        yield ctx.finding(
            f"QEMU accepted '{exchange.command}' for job '{job}' in status "
            + " or ".join(f"'{s}'" for s in dict.fromkeys(window))
            + f"; it is allowed only in {' or '.join(repr(s) for s in allowed)}",
            response,
            expected=", ".join(allowed),
            actual=window[-1],
            related=[(exchange.request, "the request")],
        )
    for job, (_, values) in reported.items():
        carried[job] = values[-1]
