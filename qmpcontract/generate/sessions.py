"""Strategies for whole conforming QMP sessions.

A session is the greeting, capabilities negotiation (with out-of-band
execution when QEMU offers it and a command allows it), then steps drawn at
random:

- an exchange: a request for a usable command and its success or error
  response, with unrelated events interleaved before the response (clients
  accept events at any time);
- an event on its own;
- a job's life: a job-starting command, its return, the job's status events
  walking the job state machine from an initial to a final status, and
  exactly one of its terminal events, placed anywhere after the request
  (real QEMU often sends them before the return);
- out-of-band overtaking: an in-band request, an ``exec-oob`` request, the
  out-of-band response first.

Events the job rules watch (status and terminal events) appear only inside a
job's life, so they never contradict it.  Events the status rules watch
(``MIGRATION``, ``DEVICE_DELETED``) and the commands whose end they require
(``migrate``) are never sent at random: sessions have no lives for them.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hypothesis import strategies as st

from qmpcontract.generate.messages import Message, MessageStrategies
from qmpcontract.location import split_pointer
from qmpcontract.model.contract import Command, JobSpec

Direction = Literal["client", "server"]
NEGOTIATION = "qmp_capabilities"
_NOT_AT_RANDOM = {NEGOTIATION, "quit"}


@dataclass(frozen=True)
class Sent:
    """One message of a generated session, as one side sent it."""

    direction: Direction
    message: Message | None
    raw: str | None = None  # the exact text, when it is not the message's JSON
    complete: bool = True  # False: the connection ended inside this message

    def text(self) -> str:
        """The message as it crosses the wire (without the line end)."""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.message, ensure_ascii=False)


def client(message: Message) -> Sent:
    """A message the client sends."""
    return Sent("client", message)


def server(message: Message) -> Sent:
    """A message QEMU sends."""
    return Sent("server", message)


@dataclass(frozen=True)
class StateMachine:
    """The job state machine a contract's ``job-state-machine`` rule states."""

    event: str
    id_member: str
    status_member: str
    initial: tuple[str, ...]
    final: tuple[str, ...]
    transitions: Mapping[str, Sequence[str]]

    def to_final(self, status: str, via: str | None = None) -> list[str]:
        """The shortest walk from *status* to a final status (excluding *status*).

        With *via*, the walk passes through that status (a job's terminal status).
        """
        if via is not None and via != status:
            first = self._path(status, {via})
            return [*first, *self.to_final(via)] if first else self.to_final(status)
        return self._path(status, set(self.final))

    def _path(self, status: str, targets: set[str]) -> list[str]:
        queue: deque[tuple[str, list[str]]] = deque([(status, [])])
        seen = {status}
        while queue:
            current, path = queue.popleft()
            if current in targets and path:
                return path
            for following in self.transitions.get(current, ()):
                if following not in seen:
                    seen.add(following)
                    queue.append((following, [*path, following]))
        return []


def state_machine(gen: MessageStrategies) -> StateMachine | None:
    """The state machine of the contracts, if one applies and its event is usable."""
    for contract in gen.contracts:
        for rule in contract.rules:
            if rule.check is None or rule.check.kind != "job-state-machine":
                continue
            p: Any = rule.check.params
            if p["event"] not in gen.usable_events():
                return None
            return StateMachine(
                p["event"],
                p["id_member"],
                p["status_member"],
                tuple(p["initial"]),
                tuple(p["final"]),
                {k: tuple(v) for k, v in p["transitions"].items()},
            )
    return None


def job_commands(gen: MessageStrategies) -> list[str]:
    """Usable commands that start a job whose terminal events are usable."""
    events = set(gen.usable_events())
    found = []
    for name in gen.usable_commands():
        specs = [c.job for _, c in gen.commands[name] if c.job is not None]
        if specs and all(end.event in events for end in specs[0].terminal_events):
            found.append(name)
    return found


def watched_events(gen: MessageStrategies) -> set[str]:
    """Events the job rules interpret: never sent outside a job's life."""
    watched: set[str] = set()
    for defs in gen.commands.values():
        for _, command in defs:
            if command.job is not None:
                watched.update(end.event for end in command.job.terminal_events)
    machine = state_machine(gen)
    if machine is not None:
        watched.add(machine.event)
    for rule in _status_rules(gen):
        watched.add(rule["event"])
    return watched


def _status_rules(gen: MessageStrategies) -> list[Any]:
    """The parameters of the contracts' ``status-machine`` and ``terminal-status`` rules."""
    return [
        rule.check.params
        for contract in gen.contracts
        for rule in contract.rules
        if rule.check is not None and rule.check.kind in ("status-machine", "terminal-status")
    ]


def watched_commands(gen: MessageStrategies) -> set[str]:
    """Commands that start an operation the terminal-status rules follow.

    A random session never sends them (nor the events those rules watch): a
    generated session has no operation lives for them, so their ends would be
    missing.
    """
    return {
        name
        for p in _status_rules(gen)
        if "commands" in p and p.get("required", True)
        for name in p["commands"]
    }


def set_job_id(arguments: Any, command: Command, job: str, gen: MessageStrategies) -> Any:
    """*arguments* naming the job *job* where the job's id is read from."""
    assert command.job is not None
    schema = command.arguments
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    properties = properties if isinstance(properties, Mapping) else {}
    for pointer in command.job.id_from:
        tokens = split_pointer(pointer)
        member = properties.get(tokens[0]) if len(tokens) == 1 else None
        annotation = member.get("x-qmp") if isinstance(member, Mapping) else None
        if member is not None and gen.client_may_send(
            annotation if isinstance(annotation, Mapping) else None
        ):
            return {**arguments, tokens[0]: job}
    return arguments


@st.composite
def _walk(draw: st.DrawFn, machine: StateMachine, via: str | None = None) -> list[str]:
    status = draw(st.sampled_from(machine.initial))
    walk = [status]
    for _ in range(draw(st.integers(0, 5))):
        options = [s for s in machine.transitions.get(status, ()) if s not in machine.final]
        if not options or status == via:
            break
        status = draw(st.sampled_from(options))
        walk.append(status)
    return walk + machine.to_final(status, via if via not in walk else None)


class SessionStrategies:
    """Whole conforming sessions for the contracts of a :class:`MessageStrategies`."""

    def __init__(self, gen: MessageStrategies) -> None:
        self.gen = gen
        excluded = _NOT_AT_RANDOM | watched_commands(gen)
        self.commands = [c for c in gen.usable_commands() if c not in excluded]
        self.jobs = job_commands(gen)
        job_set = set(self.jobs)
        self.plain = [c for c in self.commands if c not in job_set]
        watched = watched_events(gen)
        self.events = [e for e in gen.usable_events() if e not in watched]
        self.machine = state_machine(gen)
        self.oob = sorted(
            name for name in self.plain if any(c.allow_oob for _, c in gen.commands[name])
        )

    def sessions(self, max_steps: int = 6) -> st.SearchStrategy[list[Sent]]:
        """A whole session: greeting, negotiation, then up to *max_steps* steps."""
        return self._session(max_steps)

    @st.composite
    def _session(draw: st.DrawFn, self: SessionStrategies, max_steps: int) -> list[Sent]:
        gen = self.gen
        use_oob = bool(self.oob and self.plain) and draw(st.booleans())
        out = [server(gen.greeting(("oob",) if use_oob else ()))]
        caps: Message = {"execute": NEGOTIATION, "id": "caps"}
        if use_oob:
            caps["arguments"] = {"enable": ["oob"]}
        out += [client(caps), server({"return": {}, "id": "caps"})]
        kinds = [
            k
            for k, ok in (
                ("exchange", self.plain),
                ("event", self.events),
                ("job", self.jobs),
                ("oob", use_oob),
            )
            if ok
        ]
        steps = draw(st.integers(0, max_steps)) if kinds else 0
        for counter in range(1, steps + 1):
            kind = draw(st.sampled_from(kinds))
            if kind == "exchange":
                out += draw(self.exchange(draw(st.sampled_from(self.plain))))
            elif kind == "event":
                out.append(server(draw(gen.event(draw(st.sampled_from(self.events))))))
            elif kind == "job":
                out += draw(self.job(draw(st.sampled_from(self.jobs)), f"job{counter}"))
            else:
                out += draw(self.overtaking(counter))
        return out

    def _response(self, name: str, request: Message) -> st.SearchStrategy[Message]:
        outcomes = [self.gen.success(name)]
        if self.gen.error_classes(name):
            outcomes.append(self.gen.error(name))

        def with_id(response: Message) -> Message:
            return {**response, "id": request["id"]} if "id" in request else response

        return st.one_of(outcomes).map(with_id)

    @st.composite
    def _exchange(draw: st.DrawFn, self: SessionStrategies, name: str) -> list[Sent]:
        request = draw(self.gen.request(name))
        out = [client(request)]
        if self.events:
            for _ in range(draw(st.integers(0, 2))):
                out.append(server(draw(self.gen.event(draw(st.sampled_from(self.events))))))
        out.append(server(draw(self._response(name, request))))
        return out

    def exchange(self, name: str) -> st.SearchStrategy[list[Sent]]:
        """A request for *name*, maybe some events, and its response."""
        return self._exchange(name)

    @st.composite
    def _job(draw: st.DrawFn, self: SessionStrategies, name: str, job: str) -> list[Sent]:
        gen = self.gen
        command = next(c for _, c in gen.commands[name] if c.job is not None)
        assert command.job is not None
        request = draw(gen.request(name))
        request["arguments"] = set_job_id(request.get("arguments", {}), command, job, gen)
        spec = command.job
        events: list[Sent] = []
        walk: list[str] = []
        end = draw(st.sampled_from(spec.terminal_events))
        if self.machine is not None:
            m = self.machine
            via = dict(end.when).get(m.status_member) if end.event == m.event else None
            walk = draw(_walk(m, via))
            for status in walk:
                data = {m.id_member: job, m.status_member: status}
                events.append(server(draw(gen.event(m.event, data))))
        if not (self.machine is not None and end.event == self.machine.event):
            # (a terminal status, 'concluded', is part of the walk already)
            events.insert(*draw(self._terminal(spec, job, walk, events)))
        response = server(draw(gen.success(name)))
        if "id" in request:
            assert response.message is not None
            response = server({**response.message, "id": request["id"]})
        events.insert(draw(st.integers(0, len(events))), response)
        return [client(request), *events]

    @st.composite
    def _terminal(
        draw: st.DrawFn, self: SessionStrategies, spec: JobSpec, job: str, walk: list[str],
        events: list[Sent],
    ) -> tuple[int, Sent]:  # fmt: skip
        """A terminal event of the job, and where it goes among the *events* of its *walk*.

        A job that walked through the signal that it was aborting ends, after it,
        with one of the endings its declaration allows (carrying what they must).
        """
        aborting = spec.aborting
        signal = aborting.signal if aborting else None
        statuses = dict(signal.when) if signal else {}
        aborted = [i for i, status in enumerate(walk) if statuses.get("status") == status]
        machine = self.machine.event if self.machine else None
        if aborting is None or signal is None or signal.event != machine or not aborted:
            end = draw(st.sampled_from(spec.terminal_events))
            data: dict[str, object] = {end.id_member: job, **dict(end.when)}
            return draw(st.integers(0, len(events))), server(draw(self.gen.event(end.event, data)))
        ending = draw(st.sampled_from(aborting.ends_with))
        member = next(e.id_member for e in spec.terminal_events if e.event == ending.event)
        message = draw(self.gen.event(ending.event, {member: job}))
        if ending.carrying is not None:
            message = {**message, "data": {**message.get("data", {}), ending.carrying: "failed"}}
        return draw(st.integers(aborted[0] + 1, len(events))), server(message)

    def job(self, name: str, job: str) -> st.SearchStrategy[list[Sent]]:
        """The life of job *job* started by command *name*."""
        return self._job(name, job)

    @st.composite
    def _overtaking(draw: st.DrawFn, self: SessionStrategies, n: int) -> list[Sent]:
        gen = self.gen
        slow = draw(st.sampled_from(self.plain))
        fast = draw(st.sampled_from(self.oob))
        first = draw(gen.request(slow, st.just(f"inband-{n}")))
        second = draw(gen.request(fast, st.just(f"oob-{n}"), oob=True))
        return [
            client(first),
            client(second),
            server(draw(self._response(fast, second))),
            server(draw(self._response(slow, first))),
        ]

    def overtaking(self, n: int) -> st.SearchStrategy[list[Sent]]:
        """An in-band request overtaken by an out-of-band one."""
        return self._overtaking(n)
