"""The requests the fuzzer sends: conforming ones, and ones broken in one named way.

A conforming request has arguments every contract defining the command
accepts.  A non-conforming one starts from a conforming one and is broken one
way (an unknown member, a required member left out, a member of the wrong
type), and is kept only if the judging schema rejects it: QEMU's own
``query-qmp-schema`` snapshot when there is one, so that QEMU must answer it
with an error.  A breakage the schema still accepts is sent as conforming.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from qmpcontract.generate.messages import MessageStrategies
from qmpcontract.model.contract import Contract
from qmpcontract.model.schema_registry import contract_uri

WRONG_VALUES: tuple[Any, ...] = ("qmpcontract-fuzz", 4294967296, -1, [], {}, None, True, 0.5)


@dataclass(frozen=True)
class Planned:
    """One request to send, and what it is meant to test."""

    command: str
    request: dict[str, Any]
    defect: str | None = None  # None: conforming

    @property
    def conforming(self) -> bool:
        """True if the request is meant to be accepted."""
        return self.defect is None


class RequestPlanner:
    """Strategies of :class:`Planned` requests for a list of commands.

    *judge* is the contract whose argument schemas decide what is
    non-conforming (QEMU's own snapshot); without one, every defining contract.
    """

    def __init__(
        self, messages: MessageStrategies, commands: Sequence[str], judge: Contract | None = None
    ) -> None:
        self.messages = messages
        self.commands = list(commands)
        self.judge = judge

    def _places(self, name: str) -> list[str]:
        defs = self.messages.commands[name]
        judged = [(c, cmd) for c, cmd in defs if c is self.judge]
        return [
            f"{contract_uri(c)}#{cmd.pointer}/arguments"
            for c, cmd in (judged or defs)
            if cmd.arguments is not None
        ]

    def _schemas(self, name: str) -> list[tuple[Mapping[str, Any], str]]:
        values = self.messages.values("client")
        found = []
        for place in self._places(name):
            schema, where = values.resolve(place)
            if isinstance(schema, Mapping):
                found.append((schema, where))
        return found

    def rejected(self, name: str, arguments: Any) -> bool:
        """True if the judging schema rejects *arguments* for *name*."""
        places = self._places(name)
        if not places:
            return bool(arguments != {})
        return any(not self.messages.is_valid(arguments, p) for p in places)

    def planned(self, non_conforming: float = 0.3) -> st.SearchStrategy[Planned]:
        """A request for one of the commands; about *non_conforming* of them broken."""
        return self._planned(non_conforming)

    @st.composite
    def _planned(draw: st.DrawFn, self: RequestPlanner, non_conforming: float) -> Planned:
        name = draw(st.sampled_from(self.commands))
        request = draw(self.messages.request(name))
        request.pop("id", None)  # the client assigns ids
        # A share, not a distribution hypothesis may skew towards its simplest value.
        if draw(st.randoms(use_true_random=True)).random() >= non_conforming:
            return Planned(name, request)
        arguments = dict(request.get("arguments", {}))
        schemas = self._schemas(name)
        properties = {k: f"{w}/properties/{k}" for s, w in schemas for k in s.get("properties", {})}
        required = sorted({r for s, _ in schemas for r in s.get("required", []) if r in arguments})
        present = sorted(k for k in arguments if k in properties)
        options = ["unknown member"]
        options += ["required member left out"] if required else []
        options += ["member of the wrong type"] if present else []
        defect = draw(st.sampled_from(options))
        if defect == "unknown member":
            arguments["qmpcontract-fuzz"] = draw(st.sampled_from(WRONG_VALUES))
        elif defect == "required member left out":
            member = draw(st.sampled_from(required))
            del arguments[member]
            defect = f"required member '{member}' left out"
        else:
            member = draw(st.sampled_from(present))
            wrong = [v for v in WRONG_VALUES if not self.messages.is_valid(v, properties[member])]
            arguments[member] = draw(st.sampled_from(wrong or list(WRONG_VALUES)))
            defect = f"member '{member}' of the wrong type"
        if not self.rejected(name, arguments):
            return Planned(name, request)
        return Planned(name, {**request, "arguments": arguments}, defect)
