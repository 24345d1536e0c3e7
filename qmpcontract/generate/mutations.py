"""Targeted mutations: conforming sessions broken in one way, labelled with the rule it breaks.

For a rule of an applied contract (or a rule built into the checker),
:meth:`Mutator.for_rule` returns a strategy of :class:`Mutation` values: a
conforming session (from :class:`~qmpcontract.generate.sessions.SessionStrategies`)
with one defect the rule must report, chosen from what the contract defines
(a command it covers, an alias it lists, a state the job machine forbids...).
It returns None when the rule cannot be broken at this QEMU version (nothing
is deprecated yet, say); the tests run several versions so that every rule is
covered somewhere.  ``qmpcontract/rule-crashed`` has no mutation: no transcript
makes a correct rule crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from qmpcontract.generate.mutations_elements import Build, ElementMutations, params_of
from qmpcontract.generate.mutations_status import StatusMutations
from qmpcontract.generate.sessions import Sent, SessionStrategies, client, server
from qmpcontract.model.contract import Contract, Rule

BUILTIN = ("invalid-message", "unknown-message", "truncated", "unfinished-job")


@dataclass(frozen=True)
class Mutation:
    """A session that breaks *rule_id* in the way *description* says."""

    rule_id: str
    description: str
    session: list[Sent]


class Mutator(ElementMutations, StatusMutations):
    """Mutations for the rules of the contracts behind a :class:`SessionStrategies`."""

    def __init__(self, sessions: SessionStrategies) -> None:
        self.ss = sessions
        self.gen = sessions.gen

    def builtin(self, name: str) -> st.SearchStrategy[Mutation] | None:
        """A mutation for the checker's own rule ``qmpcontract/<name>``."""
        builders: dict[str, Build | None] = {
            "invalid-message": _append(Sent("server", None, "garbage")),
            "unknown-message": _append(server({"hello": "world"})),
            "truncated": _append(Sent("client", None, '{"execute": "qu', complete=False)),
            "unfinished-job": self._unfinished_job() if self.ss.jobs else None,
        }
        build = builders.get(name)
        return None if build is None else self._mutation(f"qmpcontract/{name}", build)

    def for_rule(self, contract: Contract, rule: Rule) -> st.SearchStrategy[Mutation] | None:
        """A mutation the transcript rule *rule* of *contract* must report, or None."""
        if rule.check is None:
            return None
        method = getattr(self, "_" + rule.check.kind.replace("-", "_"), None)
        if method is None:
            return None
        build: Build | None = method(contract, rule)
        return None if build is None else self._mutation(rule.id, build)

    def _mutation(self, rule_id: str, build: Build) -> st.SearchStrategy[Mutation]:
        @st.composite
        def mutation(draw: st.DrawFn) -> Mutation:
            base = draw(self.ss.sessions(max_steps=3))
            description, session = build(draw, base)
            return Mutation(rule_id, description, session)

        return mutation()

    # -- protocol -----------------------------------------------------------------------
    def _greeting_first(self, contract: Contract, rule: Rule) -> Build:
        return lambda draw, s: ("the greeting is missing", s[1:])

    def _negotiation(self, contract: Contract, rule: Rule) -> Build | None:
        if not self.ss.plain:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(self.ss.plain))
            request = draw(self.gen.request(name, st.just("early")))
            answer = server({**draw(self.gen.success(name)), "id": "early"})
            return f"'{name}' answered before negotiation", [s[0], client(request), answer, *s[1:]]

        return build

    def _message_schema(self, contract: Contract, rule: Rule) -> Build | None:
        kind = params_of(rule).get("message")
        if kind == "greeting":
            return lambda draw, s: (
                "greeting without capabilities",
                [_edit(s[0], _drop("QMP", "capabilities")), *s[1:]],
            )
        if kind == "event":
            if not self.ss.events:
                return None

            def event(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
                name = draw(st.sampled_from(self.ss.events))
                message = draw(self.gen.event(name))
                del message["timestamp"]
                return f"event {name} without timestamp", [*s, server(message)]

            return event
        if not self.ss.plain:
            return None

        def reply(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(self.ss.plain))
            request = draw(self.gen.request(name, st.just("shape")))
            if kind == "request":
                return "a request with an unknown member", [
                    *s,
                    client({**request, "bogus": 1}),
                    server({"return": {}, "id": "shape"}),
                ]
            if kind == "error":
                answer = {"error": {"class": self.gen.error_classes(name)[0]}, "id": "shape"}
                return "an error without desc", [*s, client(request), server(answer)]
            success = {**draw(self.gen.success(name)), "id": "shape", "bogus": 1}
            return "a success response with an unknown member", [
                *s,
                client(request),
                server(success),
            ]

        return reply

    def _id_echo(self, contract: Contract, rule: Rule) -> Build | None:
        return self._with_exchange(
            lambda ex: [ex[0], _edit(ex[1], _put("id", "someone-else"))], "a foreign id"
        )

    def _one_response(self, contract: Contract, rule: Rule) -> Build | None:
        return self._with_exchange(lambda ex: [*ex, ex[1]], "a second response")

    def _unsolicited_response(self, contract: Contract, rule: Rule) -> Build | None:
        return self._with_exchange(
            lambda ex: [*ex, server({"return": {}, "id": "ghost"})], "a response nobody asked for"
        )

    def _with_exchange(self, change: Callable[[list[Sent]], list[Sent]], what: str) -> Build | None:
        if not self.ss.plain:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            exchange = self._exchange(draw, draw(st.sampled_from(self.ss.plain)), "mutated")
            return what, [*s, *change(exchange)]

        return build

    def _response_order(self, contract: Contract, rule: Rule) -> Build | None:
        if not self.ss.plain:
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            first = self._exchange(draw, draw(st.sampled_from(self.ss.plain)), "first")
            second = self._exchange(draw, draw(st.sampled_from(self.ss.plain)), "second")
            return "the second response overtakes the first", [
                *s,
                first[0],
                second[0],
                second[1],
                first[1],
            ]

        return build


def _append(sent: Sent) -> Build:
    return lambda draw, s: (f"appended {sent.text()!r}", [*s, sent])


def _edit(sent: Sent, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Sent:
    assert sent.message is not None
    return Sent(sent.direction, change(dict(sent.message)))


def _drop(*path: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(message: dict[str, Any]) -> dict[str, Any]:
        if len(path) == 1:
            return {k: v for k, v in message.items() if k != path[0]}
        return {**message, path[0]: _drop(*path[1:])(dict(message[path[0]]))}

    return change


def _put(key: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda message: {**message, key: value}
