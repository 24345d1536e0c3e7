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
from typing import Any

from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import implements
from qmpcontract.model.findings import Finding
from qmpcontract.model.transcript import Kind, Session


def _statuses(ctx: RuleContext, session: Session) -> dict[str, tuple[list[int], list[str]]]:
    """Per job id: the indices and statuses its events report in this part, in order.

    Worked out once per session for every rule that tracks the same event.
    """
    params = ctx.params
    event, id_member, status_member = params["event"], params["id_member"], params["status_member"]
    key = ("job-statuses", event, id_member, status_member)
    known = session.memo.get(key)
    if known is not None:
        return known  # type: ignore[no-any-return]
    found: dict[str, tuple[list[int], list[str]]] = {}
    session.memo[key] = found
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


@implements("job-verbs")
def job_verbs(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """A verb QEMU accepted while the job's status did not allow it."""
    key = ("job-verbs", ctx.rule.id)
    verbs: Mapping[str, Mapping[str, Any]] | None = ctx.shared.get(key)
    if verbs is None:
        verbs = ctx.shared[key] = {v["command"]: v for v in ctx.params["verbs"]}
    if session.whole and verbs.keys().isdisjoint(session.names):
        return  # no verb, and no later part to carry the statuses to
    carried: dict[str, str] = ctx.carry(session).setdefault("status", {})
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
