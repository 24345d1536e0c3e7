"""Mutations for the status rules: an id-less status machine and terminal statuses.

A mixin of :class:`~qmpcontract.generate.mutations.Mutator`: one builder per
check kind, named after it (``_status_machine`` for ``status-machine``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from qmpcontract.generate.messages import MessageStrategies
from qmpcontract.generate.mutations_elements import Build, params_of, wrong_first_status
from qmpcontract.generate.sessions import Sent, SessionStrategies, client, server
from qmpcontract.model.contract import Contract, Rule


class StatusMutations:
    """Builders for ``status-machine`` and ``terminal-status``."""

    ss: SessionStrategies
    gen: MessageStrategies

    def _status_machine(self, contract: Contract, rule: Rule) -> Build | None:
        p = params_of(rule)
        return wrong_first_status(self.gen, p, p["event"], {})

    def _terminal_status(self, contract: Contract, rule: Rule) -> Build | None:
        """A start QEMU accepts, followed by two terminal events for it."""
        p = params_of(rule)
        usable = set(self.gen.usable_commands())
        starts = [c for c in p["commands"] if c in usable]
        if not starts or p["event"] not in self.gen.usable_events():
            return None

        def build(draw: st.DrawFn, s: list[Sent]) -> tuple[str, list[Sent]]:
            name = draw(st.sampled_from(starts))
            request = draw(self.gen.request(name, st.just("start")))
            arguments: dict[str, Any] = dict(request.get("arguments", {}))
            if p.get("unless"):
                arguments.pop(p["unless"], None)
            data: dict[str, Any] = {}
            if "id_argument" in p:
                arguments[p["id_argument"]] = "twice"
                data[p["id_member"]] = "twice"
            request["arguments"] = arguments
            if "final" in p:
                data[p["status_member"]] = draw(st.sampled_from(p["final"]))
            answer = server({**draw(self.gen.success(name)), "id": "start"})
            ends = [server(draw(self.gen.event(p["event"], data))) for _ in range(2)]
            session = [*s, client(request), answer, *ends]
            return f"the operation '{name}' started ends twice", session

        return build
