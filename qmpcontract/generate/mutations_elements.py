"""Mutations of elements and jobs: schemas, error classes, lifecycles, job ends and states.

A mixin of :class:`~qmpcontract.generate.mutations.Mutator`: one builder per
check kind, named after it (``_arguments_schema`` for ``arguments-schema``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import strategies as st

from qmpcontract.generate.messages import TIMESTAMP, MessageStrategies
from qmpcontract.generate.sessions import Sent, SessionStrategies, client, server, set_job_id
from qmpcontract.model.contract import Contract, ElementStatus, Rule
from qmpcontract.model.frozen_json import thaw
from qmpcontract.model.schema_registry import contract_uri

Build = Callable[[st.DrawFn, list[Sent]], tuple[str, list[Sent]]]
_NOT_A_VALUE: tuple[Any, ...] = ("qmpcontract-bogus", 1234567, [], {}, None, True)


def params_of(rule: Rule) -> dict[str, Any]:
    """A rule's check parameters as plain JSON."""
    value = thaw(rule.check.params) if rule.check else {}
    return value if isinstance(value, dict) else {}


class ElementMutations:
    """Builders for the element and job check kinds."""

    ss: SessionStrategies
    gen: MessageStrategies

    # -- helpers ------------------------------------------------------------------------
    def _covered(self, contract: Contract, rule: Rule) -> list[str]:
        """Usable commands of *contract* that *rule* applies to."""
        only = params_of(rule).get("commands")
        names = {c.name for c in contract.commands if only is None or c.name in only}
        return [n for n in self.ss.plain + self.ss.jobs if n in names]

    def _exchange(self, draw: st.DrawFn, name: str, ident: str) -> list[Sent]:
        request = draw(self.gen.request(name, st.just(ident)))
        response = draw(st.one_of(self.gen.success(name), self.gen.error(name)))
        return [client(request), server({**response, "id": ident})]

    def _broken_value(self, where: str) -> Any | None:
        return next((v for v in _NOT_A_VALUE if not self.gen.is_valid(v, where)), None)

    # -- elements -----------------------------------------------------------------------
    def _arguments_schema(self, contract: Contract, rule: Rule) -> Build | None:
        uri = contract_uri(contract)
        places = {
            n: f"{uri}#{c.pointer}/arguments"
            for n in self._covered(contract, rule)
            if (c := contract.command(n)) is not None and c.arguments is not None
        }
        if not places:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(sorted(places)))
            request = draw(self.gen.request(name, st.just("bad-arguments")))
            arguments: Any = {**request.get("arguments", {}), "qmpcontract-bogus": 1}
            if self.gen.is_valid(arguments, places[name]):
                arguments = ["qmpcontract-bogus"]  # the schema is open: break its type
            request["arguments"] = arguments
            answer = {"error": {"class": "GenericError", "desc": "bad"}, "id": "bad-arguments"}
            return f"'{name}' with arguments {arguments!r}", [*s, client(request), server(answer)]

        return build

    def _returns_schema(self, contract: Contract, rule: Rule) -> Build | None:
        uri = contract_uri(contract)
        broken = {}
        for name in self._covered(contract, rule):
            command = contract.command(name)
            if command is not None and command.returns is not None:
                value = self._broken_value(f"{uri}#{command.pointer}/returns")
                if value is not None:
                    broken[name] = value
        if not broken:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(sorted(broken)))
            request = draw(self.gen.request(name, st.just("bad-return")))
            answer = {"return": broken[name], "id": "bad-return"}
            return f"'{name}' returns {broken[name]!r}", [*s, client(request), server(answer)]

        return build

    def _event_data_schema(self, contract: Contract, rule: Rule) -> Build | None:
        uri = contract_uri(contract)
        only = params_of(rule).get("events")
        usable = set(self.gen.usable_events())
        broken = {}
        for event in contract.events:
            if event.data is None or event.name not in usable or (only and event.name not in only):
                continue
            value = self._broken_value(f"{uri}#{event.pointer}/data")
            if value is not None:
                broken[event.name] = value
        if not broken:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(sorted(broken)))
            message = {"event": name, "data": broken[name], "timestamp": draw(TIMESTAMP)}
            return f"event {name} with data {broken[name]!r}", [*s, server(message)]

        return build

    def _error_class_allowed(self, contract: Contract, rule: Rule) -> Build | None:
        names = [n for n in self._covered(contract, rule) if n in self.ss.plain]
        if not names:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(names))
            request = draw(self.gen.request(name, st.just("bad-class")))
            answer = {"error": {"class": "QmpcontractUnlisted", "desc": "x"}, "id": "bad-class"}
            return f"'{name}' fails with an unlisted class", [*s, client(request), server(answer)]

        return build

    def _error_spelling(self, contract: Contract, rule: Rule) -> Build | None:
        # an alias only where it means its class: a command it applies to, on any release
        pairs = sorted(
            (name, a.name)
            for name in self.ss.plain
            for owner, command in self.gen.commands[name]
            if owner.id == contract.id
            for e in contract.errors
            for a in e.aliases
            if a.since is None and a.until is None and e.means(a.name, command, None)
        )
        if not pairs:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name, alias = draw(st.sampled_from(pairs))
            request = draw(self.gen.request(name, st.just("alias")))
            answer = {"error": {"class": alias, "desc": "x"}, "id": "alias"}
            return f"error class spelled '{alias}'", [*s, client(request), server(answer)]

        return build

    def _elements_requested(
        self, contract: Contract, test: Callable[[Any], bool], answer: dict[str, Any], what: str
    ) -> Build | None:
        names = sorted(c.name for c in contract.commands if test(c))
        if not names:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(names))
            request = {"execute": name, "id": "element"}
            return f"'{name}' {what}", [*s, client(request), server({**answer, "id": "element"})]

        return build

    def _deprecated_use(self, contract: Contract, rule: Rule) -> Build | None:
        v = self.gen.version

        def deprecated(c: Any) -> bool:
            d = c.lifecycle.deprecated
            return (
                c.lifecycle.status is ElementStatus.DEPRECATED
                and d is not None
                and v >= d.version
                and c.lifecycle.available_in(v)
            )

        return self._elements_requested(contract, deprecated, {"return": {}}, "is deprecated")

    def _declared_unimplemented(self, contract: Contract, rule: Rule) -> Build | None:
        refusal = params_of(rule).get("error_class", "CommandNotFound")
        answer = {"error": {"class": refusal, "desc": "not implemented"}}
        return self._elements_requested(
            contract,
            lambda c: c.lifecycle.status is ElementStatus.DECLARED,
            answer,
            "is only declared",
        )

    def _version_window(self, contract: Contract, rule: Rule) -> Build | None:
        v = self.gen.version

        def outside(life: Any) -> bool:
            declared = life.status is ElementStatus.DECLARED
            return not declared and life.since is not None and not life.available_in(v)

        commands = self._elements_requested(
            contract,
            lambda c: outside(c.lifecycle),
            {"error": {"class": "CommandNotFound", "desc": "not in this version"}},
            f"does not exist in QEMU {v}",
        )
        events = sorted(e.name for e in contract.events if outside(e.lifecycle))
        if commands is not None or not events:
            return commands

        def event(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(events))
            return f"event {name} does not exist in QEMU {v}", [
                *s,
                server(draw(self.gen.event(name))),
            ]

        return event

    # -- jobs ---------------------------------------------------------------------------
    def _job_terminal_event(self, contract: Contract, rule: Rule) -> Build | None:
        jobs = [n for n in self._covered(contract, rule) if n in self.ss.jobs]
        if not jobs:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(jobs))
            life = draw(self.ss.job(name, "twice"))
            ends = [e for _, c in self.gen.commands[name] if c.job for e in c.job.terminal_events]

            def terminal(message: Any) -> bool:
                data = message.get("data") if isinstance(message, dict) else None
                data = data if isinstance(data, dict) else {}
                return any(e.about(message.get("event"), data, "twice") for e in ends)

            end = next(m for m in life if m.message and terminal(m.message))
            return f"job of '{name}' ends twice", [*s, *life, end]

        return build

    def _job_verbs(self, contract: Contract, rule: Rule) -> Build | None:
        p = params_of(rule)
        usable = set(self.gen.usable_commands())
        verbs = [v for v in p["verbs"] if v["command"] in usable]
        machine = self.ss.machine
        if not verbs or not self.ss.jobs or machine is None or machine.event != p["event"]:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            verb = draw(st.sampled_from(verbs))
            life = draw(self.ss.job(draw(st.sampled_from(self.ss.jobs)), "verb"))
            at = next(  # the job's first status that does not allow the verb ('created')
                i
                for i, m in enumerate(life)
                if m.message
                and m.message.get("event") == p["event"]
                and m.message.get("data", {}).get(p["status_member"]) not in verb["statuses"]
            )
            request = draw(self.gen.request(verb["command"], st.just("verb")))
            request["arguments"] = {**request.get("arguments", {}), verb["id_argument"]: "verb"}
            accepted = server({**draw(self.gen.success(verb["command"])), "id": "verb"})
            life[at + 1 : at + 1] = [client(request), accepted]
            return f"QEMU accepts '{verb['command']}' in the wrong status", [*s, *life]

        return build

    def _job_state_machine(self, contract: Contract, rule: Rule) -> Build | None:
        p = params_of(rule)
        return wrong_first_status(self.gen, p, "a job", {p["id_member"]: "orphan"})

    def _unfinished_job(self) -> Build:
        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(self.ss.jobs))
            request = draw(self.gen.request(name, st.just("start")))
            command = next(c for _, c in self.gen.commands[name] if c.job is not None)
            request["arguments"] = set_job_id(
                request.get("arguments", {}), command, "unfinished", self.gen
            )
            answer = server({**draw(self.gen.success(name)), "id": "start"})
            return f"a job of '{name}' that never ends", [*s, client(request), answer]

        return build


def wrong_first_status(
    gen: MessageStrategies, p: Mapping[str, Any], subject: str, data: Mapping[str, object]
) -> Build | None:
    """A status machine's event (with *data*) first reporting a status no run starts in.

    None if the event cannot be sent or every status may come first.
    """
    if p.get("event") not in gen.usable_events():
        return None
    wrong = sorted(set(p["transitions"]) - set(p["initial"]))
    if not wrong:
        return None

    def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
        status = draw(st.sampled_from(wrong))
        event = draw(gen.event(p["event"], {**data, p["status_member"]: status}))
        return f"{subject} first reports '{status}'", [*s, server(event)]

    return build
