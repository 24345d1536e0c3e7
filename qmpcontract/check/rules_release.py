"""What a QEMU build declares: its commands, its events, the error classes of its release.

A snapshot contract, QEMU's own schema (a transcript's ``query-qmp-schema``
reply) or the shipped data of the transcript's release, names every command
and event the build has.  So a command the build answers although it does not
declare it, an event it sends without declaring it, and an error class its
release does not have are each a finding at the message that shows it.  Names
another applied contract declares are left to that contract's rules (its
``version-window`` says whether the release has them).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence

from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import implements
from qmpcontract.check.rules_elements import CLOSED_VALID, error_class, requests_of
from qmpcontract.check.validators import first_error
from qmpcontract.model.caches import remember
from qmpcontract.model.contract import Contract, ErrorClass
from qmpcontract.model.findings import Finding
from qmpcontract.model.schema_errors import explain
from qmpcontract.model.transcript import Kind, Message, Session

NOT_FOUND = "CommandNotFound"


def _elsewhere(ctx: RuleContext, what: str) -> frozenset[str]:
    """The command or event names (*what*) the other applied contracts declare."""
    key = ("declared-elsewhere", what, ctx.contract.ref)
    return remember(ctx.shared, key, _declared_elsewhere, ctx, what)


def _declared_elsewhere(ctx: RuleContext, what: str) -> frozenset[str]:
    names: set[str] = set()
    for contract in ctx.contracts:
        if contract is not ctx.contract:
            elements = contract.commands if what == "commands" else contract.events
            names.update(e.name for e in elements)
    return frozenset(names)


def _all_names(ctx: RuleContext) -> frozenset[str]:
    """Every command and event name the applied contracts declare."""
    return remember(ctx.shared, ("declared-names",), _declared_names, ctx.contracts)


def _declared_names(contracts: Sequence[Contract]) -> frozenset[str]:
    commands = {e.name for c in contracts for e in c.commands}
    return frozenset(commands | {e.name for c in contracts for e in c.events})


def _nearest(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _build(ctx: RuleContext) -> str:
    return f"QEMU {ctx.version}" if ctx.version is not None else "this QEMU build"


@implements("declared-commands")
def declared_commands(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """QEMU answers a command it does not declare other than as unknown."""
    declared = ctx.commands()
    elsewhere = _elsewhere(ctx, "commands")
    if session.names <= _all_names(ctx):
        return  # every name the session uses is declared somewhere
    for exchange in session.exchanges:
        name, response = exchange.command, exchange.response
        if name is None or response is None or exchange.request.kind is not Kind.REQUEST:
            continue
        if name in declared or name in elsewhere:
            continue
        if response.kind is Kind.ERROR:
            refused = error_class(response)
            if refused == NOT_FOUND:
                continue
            how = f"with error class '{refused}' instead of {NOT_FOUND}"
        elif response.kind is Kind.SUCCESS:
            how = "with success"
        else:
            continue
        yield ctx.finding(
            f"'{name}' is not a command of {_build(ctx)}, yet QEMU answered it {how}"
            + _nearest(name, declared),
            response,
            actual=name,
            related=[(exchange.request, "the request")],
        )


@implements("declared-events")
def declared_events(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """QEMU sends an event it does not declare."""
    declared = ctx.all_events()
    elsewhere = _elsewhere(ctx, "events")
    if session.names <= _all_names(ctx):
        return  # every name the session uses is declared somewhere
    for message in session.of_kind(Kind.EVENT):
        name = message.name or ""
        if name in declared or name in elsewhere:
            continue
        yield ctx.finding(
            f"{name} is not an event of {_build(ctx)}" + _nearest(name, [*declared, *elsewhere]),
            message,
            pointer="/event",
            actual=name,
        )


def _history(error: ErrorClass | None) -> str:
    """When QEMU had the class: the history contract's summary of it."""
    return error.summary.rstrip(".") if error is not None else "no QEMU release has had it"


def _spellings(name: str, contracts: Iterable[Contract]) -> Iterator[str]:
    """What the applied contracts know of *name* as a spelling of an error class."""
    for contract in contracts:
        for error in contract.errors:
            for alias in error.aliases:
                if alias.name == name:
                    spelling = f"the {alias.origin} spelling of '{error.name}'"
                    if alias.commands is not None:
                        spelling += f" for {', '.join(alias.commands)}"
                    yield f"{contract.id} knows '{name}' as {spelling}"
            if error.name == name and error.aliases:
                others = ", ".join(f"'{a.name}'" for a in error.aliases)
                yield f"{contract.id} lists it with the alternative spelling {others}"


@implements("error-class-known")
def error_class_known(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """QEMU sends an error class its release does not have."""
    errors = session.of_kind(Kind.ERROR)
    if not errors:
        return
    allowed = frozenset(ctx.params["classes"])
    history = {e.name: e for e in ctx.contract.errors}
    for message in errors:
        name = error_class(message)
        if name is None or name in allowed:
            continue
        others = [c for c in ctx.contracts if c is not ctx.contract]
        notes = [_history(history.get(name)), *_spellings(name, others)]
        yield ctx.finding(
            f"error class '{name}' is not one of {_build(ctx)}'s "
            f"({', '.join(sorted(allowed))}): " + "; ".join(notes),
            message,
            pointer="/error/class",
            expected=", ".join(sorted(allowed)),
            actual=name,
        )


def _undeclared(
    ctx: RuleContext,
    session: Session,
    message: Message,
    element: str,
    part: str,
    instance: object,
    what: str,
) -> Iterator[Finding]:
    """A finding if *instance* holds a member the schema of *part* of *element* lacks."""
    pointer, closed = ctx.part_schema(element, part, closed=True)
    if closed.is_valid(instance) or not ctx.part_schema(element, part)[1].is_valid(instance):
        return  # nothing undeclared, or the schema rule reports what is wrong
    error = first_error(closed, instance)
    assert error is not None
    [first, *_] = explain(error, _BASES[part])
    reason, where = first.message, first.pointer
    schema = error.schema if isinstance(error.schema, dict) else {}
    member = where.rsplit("/", 1)[-1]
    declared = [k for k in schema.get("properties", {}) if k != member]
    yield ctx.finding(
        f"{what} holds a member {_build(ctx)} does not declare: {reason}"
        + _nearest(member, declared),
        message,
        pointer=where,
        element=pointer,
        actual=member,
    )


_BASES = {"returns": ("return",), "data": ("data",)}


@implements("undeclared-members")
def undeclared_members(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """A return value or event data holds a member the build's schema does not declare."""
    valid = session.memo.get(CLOSED_VALID, ())
    for exchange, command in requests_of(ctx, session):  # as the returns rule listed them
        response = exchange.response
        if command.returns is None or response is None or id(response) in valid:
            continue
        if response.kind is Kind.SUCCESS:
            what = f"the return value of '{command.name}'"
            body = response.body["return"]
            yield from _undeclared(ctx, session, response, command.pointer, "returns", body, what)
    events = ctx.events()
    for message in session.of_kind(Kind.EVENT):
        event = events.get(message.name or "")
        if event is not None and event.data is not None and id(message) not in valid:
            data = message.body.get("data", {})
            yield from _undeclared(ctx, session, message, event.pointer, "data", data, event.name)
