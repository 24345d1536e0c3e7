"""Status machines and terminal statuses: jobs, and operations without a job id.

A *status machine* is walked by the statuses one event reports: per job id for
``JOB_STATUS_CHANGE`` (``job-state-machine``), or once per connection for an
event that carries no id because QEMU runs one such operation at a time
(``status-machine``: ``MIGRATION``).  After a final status the next status
starts a new run and must be an initial one.

A *terminal status* (``terminal-status``) is the end of an operation a command
started: ``migrate`` is followed by exactly one ``MIGRATION`` with a final
status, ``device_del`` by at most one ``DEVICE_DELETED`` for its device.  As with
jobs, the event is looked for anywhere after the request (QEMU announces
``setup`` before ``migrate`` returns).  A run is judged when the next one starts
(or a ``reset_by`` command re-creates its id) or the connection ends:

- two terminal events in one run (before a new run announces an initial status):
  a finding at the second;
- none, where the transcript proves the operation ended (a ``query`` reply with a
  final status, a new run's initial status, or the next start QEMU accepted): a
  finding there, where it was due;
- none and no proof: the operation was still running when the recording stopped,
  reported for information at the request (``qmpcontract/unfinished-job``);
- with ``announced_only``, a run for which the event never came is not judged
  (QEMU sends ``MIGRATION`` only while the client enabled it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import UNFINISHED_JOB, implements
from qmpcontract.location import split_pointer
from qmpcontract.model.findings import Finding
from qmpcontract.model.transcript import Exchange, Kind, Message, Session


def _data(message: Message) -> Mapping[str, object]:
    data = message.body.get("data")
    return data if isinstance(data, dict) else {}


@dataclass
class _Statuses:
    """What a status machine carries: each run's last status and the event saying it."""

    runs: dict[str, tuple[str, Message]] = field(default_factory=dict)  # by key (job id)


def _walk_machine(
    ctx: RuleContext,
    session: Session,
    key_of: Callable[[Mapping[str, object]], str | None],
    noun: Callable[[str], str],
) -> Iterator[Finding]:
    """The findings of a status machine whose runs are told apart by *key_of*."""
    params = ctx.params
    event, status_member = params["event"], params["status_member"]
    initial, final = set(params["initial"]), set(params["final"])
    transitions: Mapping[str, list[str]] = params["transitions"]
    state = ctx.carry(session, _Statuses).runs
    for message in session.of_kind(Kind.EVENT):
        if message.name != event:
            continue
        data = _data(message)
        key, status = key_of(data), data.get(status_member)
        if key is None or not isinstance(status, str):
            continue  # the event's data schema reports it
        previous = state.get(key)
        if previous is None or previous[0] in final:
            if status not in initial:
                starts = "a job starts" if key else "a run starts"
                yield ctx.finding(
                    f"{noun(key)} first reports status '{status}'; {starts} in "
                    + " or ".join(f"'{s}'" for s in sorted(initial)),
                    message,
                    pointer=f"/data/{status_member}",
                    expected=", ".join(sorted(initial)),
                    actual=status,
                    related=[(previous[1], f"status '{previous[0]}'")] if previous else [],
                )
        elif status not in transitions.get(previous[0], []):
            allowed = ", ".join(transitions.get(previous[0], [])) or "nothing"
            machine = "the job state machine" if key else "its state machine"
            yield ctx.finding(
                f"{noun(key)} went from '{previous[0]}' to '{status}', which {machine} does "
                f"not allow (from '{previous[0]}': {allowed})",
                message,
                pointer=f"/data/{status_member}",
                expected=allowed,
                actual=status,
                related=[(previous[1], f"status '{previous[0]}'")],
            )
        if status in final and key:
            state.pop(key, None)  # a job that ended starts afresh
        else:
            state[key] = (status, message)


@implements("job-state-machine")
def job_state_machine(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """The status a job reports walks only the transitions of the job state machine."""
    id_member = ctx.params["id_member"]

    def job(data: Mapping[str, object]) -> str | None:
        value = data.get(id_member)
        return value if isinstance(value, str) and value else None

    yield from _walk_machine(ctx, session, job, lambda key: f"job '{key}'")


@implements("status-machine")
def status_machine(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """The status an id-less event reports walks only the allowed transitions."""
    event = ctx.params["event"]
    yield from _walk_machine(ctx, session, lambda data: "", lambda key: event)


@dataclass
class _Run:
    """An operation a command started, while its terminal event is looked for."""

    request: Message
    command: str
    key: str
    announced: bool = False  # the event came at least once
    ends: list[Message] = field(default_factory=list)  # its first two terminal events
    closed: bool = False  # after its end, a new run (not started by a command) began
    proof: Message | None = None  # the first reply (or new run's event) saying it ended

    def describe(self) -> str:
        of = f" of '{self.key}'" if self.key else ""
        return f"the operation{of} started by '{self.command}'"


@dataclass
class _Runs:
    """What ``terminal-status`` carries: the runs not judged yet, by key."""

    runs: dict[str, _Run] = field(default_factory=dict)


def _pointer_value(value: object, pointer: str) -> object:
    for token in split_pointer(pointer):
        value = value.get(token) if isinstance(value, Mapping) else None
    return value


def _points(ctx: RuleContext, session: Session) -> list[tuple[int, str, object]]:
    """Starts, resets, query replies and events of the part, in message order."""
    p = ctx.params
    starts, resets = set(p["commands"]), set(p.get("reset_by", ()))
    query = p.get("query", {}).get("command")
    points: list[tuple[int, str, object]] = []
    for exchange in session.exchanges:
        response = exchange.response
        if response is None or response.kind is not Kind.SUCCESS:
            continue
        if exchange.command in starts:
            points.append((exchange.request.index, "start", exchange))
        elif exchange.command in resets:
            points.append((exchange.request.index, "reset", exchange))
        elif exchange.command == query:
            points.append((response.index, "query", response))
    points.extend(
        (m.index, "event", m) for m in session.of_kind(Kind.EVENT) if m.name == p["event"]
    )
    points.sort(key=lambda point: point[0])
    return points


def _key(arguments: object, p: Mapping[str, Any]) -> str | None:
    """The run's id: the id argument's value, '' without one, None if it is missing."""
    name = p.get("id_argument")
    if name is None:
        return ""
    value = arguments.get(name) if isinstance(arguments, Mapping) else None
    return value if isinstance(value, str) else None


@implements("terminal-status")
def terminal_status(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """Every successful start is followed by exactly one (or at most one) terminal event."""
    p = ctx.params
    runs = ctx.carry(session, _Runs).runs
    status_member, final = p.get("status_member"), set(p.get("final", ()))
    initial, unless = set(p.get("initial", ())), p.get("unless")
    for _, what, point in _points(ctx, session):
        if what in ("start", "reset"):
            assert isinstance(point, Exchange)
            arguments = point.request.body.get("arguments")
            if what == "start" and isinstance(arguments, Mapping) and arguments.get(unless) is True:
                continue  # continues a run (a postcopy recovery), starts none
            key = _key(arguments, p)
            if key is None:
                continue
            if key in runs:
                yield from _judge(ctx, runs.pop(key), point.request if what == "start" else None)
            if what == "start":
                runs[key] = _Run(point.request, point.command or "", key)
        elif what == "query":
            assert isinstance(point, Message)
            status = _pointer_value(point.body.get("return"), p["query"]["status_pointer"])
            for run in runs.values():
                if status in final and not run.ends and run.proof is None:
                    run.proof = point
        else:
            assert isinstance(point, Message)
            data = _data(point)
            if "id_member" in p:
                device = data.get(p["id_member"])
                found = runs.get(device) if isinstance(device, str) else None
                matched = [found] if found is not None else []
            else:
                matched = list(runs.values())
            status = data.get(status_member) if status_member else None
            for run in matched:
                if run.closed:
                    continue
                if status in initial and run.announced:
                    run.closed = True  # a new run began (savevm, say): this one was over
                    if not run.ends and run.proof is None:
                        run.proof = point
                elif (status_member is None or status in final) and len(run.ends) < 2:
                    run.ends.append(point)
                run.announced = True
    if session.last:
        for run in runs.values():
            yield from _judge(ctx, run, None, ended=True)
        runs.clear()


def _judge(
    ctx: RuleContext, run: _Run, following: Message | None, *, ended: bool = False
) -> Iterator[Finding]:
    """The findings of one run, judged at the *following* start QEMU accepted.

    Without *following*: where a reset command re-created the run's id, or,
    *ended*, at the end of the connection.
    """
    p, ends = ctx.params, run.ends
    started = [(run.request, f"'{run.command}' started it")]
    wanted = p["event"] + (
        " with status " + " or ".join(f"'{s}'" for s in p["final"]) if "final" in p else ""
    )
    if len(ends) > 1:
        yield ctx.finding(
            f"{run.describe()} ended twice: a second {_status(ends[1], p)}",
            ends[1],
            related=[*started, (ends[0], "first end")],
            expected=f"one {wanted}",
            actual=_status(ends[1], p),
        )
    if ends or not p.get("required", True) or (p.get("announced_only") and not run.announced):
        return
    proof = run.proof
    if proof is not None and (following is None or proof.index < following.index):
        said = (
            f"a new run began with {_status(proof, p)}"
            if proof.kind is Kind.EVENT
            else f"'{p['query']['command']}' says so"
        )
        yield ctx.finding(
            f"{run.describe()} ended ({said}) without {wanted}",
            proof,
            related=started,
            expected=wanted,
        )
    elif following is not None:  # QEMU accepted the next start, so this run had ended
        yield ctx.finding(
            f"{run.describe()} reached no {wanted} before the next '{following.name}'",
            following,
            related=started,
            expected=wanted,
        )
    elif ended:
        yield ctx.finding(
            f"{run.describe()} had not reached {wanted} when the recording stopped",
            run.request,
            rule_id=UNFINISHED_JOB.id,
            level=UNFINISHED_JOB.level,
        )


def _status(message: Message, p: Mapping[str, Any]) -> str:
    member = p.get("status_member")
    status = _data(message).get(member) if member else None
    return f"{message.name} '{status}'" if status is not None else str(message.name)
