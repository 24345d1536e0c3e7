"""Element rules: what each command, event and error class of a contract agreed.

Arguments, returns and event data against the contract schemas; error classes
and their spellings; deprecated, declared and out-of-range elements.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import implements
from qmpcontract.check.validators import first_error, member_available
from qmpcontract.location import join_pointer
from qmpcontract.model.caches import remember
from qmpcontract.model.contract import Command, ElementStatus, Lifecycle
from qmpcontract.model.findings import Finding
from qmpcontract.model.schema_errors import explain
from qmpcontract.model.transcript import Exchange, Kind, Message, Session

NEGOTIATION = "qmp_capabilities"
NOT_FOUND = "CommandNotFound"


def requests_of(ctx: RuleContext, session: Session) -> list[tuple[Exchange, Command]]:
    """The session's requests of the rule's commands, with each command.

    Worked out once per session for all the rules that apply to the same commands.
    """
    return remember(session.memo, ctx.requests_key, _requests, ctx.commands(), session)


def _requests(commands: Mapping[str, Command], session: Session) -> list[tuple[Exchange, Command]]:
    requests = []
    for exchange in session.exchanges:
        command = commands.get(exchange.request.name or "")
        if command is not None and exchange.request.kind is Kind.REQUEST:
            requests.append((exchange, command))
    return requests


CLOSED_VALID = "closed-valid"  # session.memo key: a message valid against the closed schema


def _closed_valid(ctx: RuleContext, session: Session) -> set[int] | None:
    """Where this rule's contract closes QEMU's output, the ids of messages valid closed."""
    if not ctx.closes_output():
        return None
    return remember(session.memo, CLOSED_VALID, set[int])


def _schema_finding(
    ctx: RuleContext,
    valid: set[int] | None,
    message: Message,
    element: str,
    part: str,
    instance: object,
    what: str,
    name: str,
) -> Finding | None:
    """A finding if *instance* breaks the schema of *part* of *element*, else None.

    Where the contract also checks that nothing undeclared is sent
    (``undeclared-members``), what QEMU sends is validated against the closed
    schema first: valid there, it is valid here too, and that rule is told so
    (*valid*: the ids of the session's messages valid closed), so a message is
    validated once, not twice.
    """
    if valid is not None and ctx.part_schema(element, part, closed=True)[1].is_valid(instance):
        valid.add(id(message))
        return None
    pointer, validator = ctx.part_schema(element, part)
    error = first_error(validator, instance)  # the fast check first, jsonschema if invalid
    if error is None:
        return None
    [first, *_] = explain(error, _BASES[part])
    reason, where = first.message, first.pointer
    return ctx.finding(f"{what.format(name)}: {reason}", message, pointer=where, element=pointer)


_BASES = {"arguments": ("arguments",), "returns": ("return",), "data": ("data",)}


@implements("arguments-schema")
def arguments_schema(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """A request's arguments validate against the command's argument schema."""
    for exchange, command in requests_of(ctx, session):
        if command.arguments is None:
            continue
        request = exchange.request
        found = _schema_finding(
            ctx,
            None,
            request,
            command.pointer,
            "arguments",
            request.body.get("arguments", {}),
            "arguments of '{}' break the contract",
            command.name,
        )
        if found is not None:
            yield found


@implements("returns-schema")
def returns_schema(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """A success response validates against the command's return schema."""
    valid = _closed_valid(ctx, session)
    for exchange, command in requests_of(ctx, session):
        response = exchange.response
        if command.returns is None or response is None or response.kind is not Kind.SUCCESS:
            continue
        found = _schema_finding(
            ctx,
            valid,
            response,
            command.pointer,
            "returns",
            response.body["return"],
            "the return value of '{}' breaks the contract",
            command.name,
        )
        if found is not None:
            yield found


@implements("event-data-schema")
def event_data_schema(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """An event's data validates against the event's data schema."""
    events = ctx.events()
    valid = _closed_valid(ctx, session)
    for message in session.of_kind(Kind.EVENT):
        event = events.get(message.name or "")
        if event is None or event.data is None:
            continue
        found = _schema_finding(
            ctx,
            valid,
            message,
            event.pointer,
            "data",
            message.body.get("data", {}),
            "the data of '{}' break the contract",
            event.name,
        )
        if found is not None:
            yield found


def _negotiated_at(session: Session) -> int | None:
    for exchange in session.exchanges:
        response = exchange.response
        if exchange.command == NEGOTIATION and response and response.kind is Kind.SUCCESS:
            return exchange.request.index
    return None


def error_class(message: Message) -> str | None:
    """The class of an error response, if it names one."""
    error = message.body.get("error")
    value = error.get("class") if isinstance(error, dict) else None
    return value if isinstance(value, str) else None


@dataclass
class _ErrorClassState:
    """What ``error-class-allowed`` carries across the parts of a connection."""

    at: int | None = None  # where the negotiation succeeded
    # CommandNotFound from an earlier part, before any negotiation: judged only if none follows
    deferred: list[Finding] = field(default_factory=list)


@implements("error-class-allowed")
def error_class_allowed(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """An error response to a command uses a class the command lists (or an alias)."""
    carry = ctx.carry(session, _ErrorClassState)
    negotiated = carry.at
    if negotiated is None:
        negotiated = carry.at = _negotiated_at(session)
    deferred = carry.deferred
    if negotiated is not None:
        deferred.clear()  # they came before the negotiation: the negotiation rule judges them
    classes = ctx.error_classes()
    for exchange, command in requests_of(ctx, session):
        response = exchange.response
        if response is None or response.kind is not Kind.ERROR:
            continue
        name = error_class(response)
        if name is None:
            continue
        before = negotiated is not None and exchange.request.index < negotiated
        declared = command.lifecycle.status is ElementStatus.DECLARED
        if name == NOT_FOUND and (before or declared):
            continue  # judged by the negotiation and declared-unimplemented rules
        known = classes.get(name)
        canonical = known.name if known and known.means(name, command, ctx.version) else name
        if canonical not in command.errors:
            allowed = ", ".join(command.errors) or "none"
            found = ctx.finding(
                f"'{command.name}' failed with error class '{name}', which it does not list",
                response,
                pointer="/error/class",
                element=command.pointer,
                expected=allowed,
                actual=name,
            )
            if name == NOT_FOUND and negotiated is None and not session.last:
                deferred.append(found)
            else:
                yield found
    if session.last:
        yield from deferred


@implements("error-spelling")
def error_spelling(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """The producer sends an error class's canonical spelling, not an alias.

    An alias is judged only where it means the class: in the errors of the commands it
    names (by default, the commands that list the class), so another command's class of
    the same name (QEMU 1.1's ``block_resize`` answering its own ``Unsupported``) is not.
    """
    aliases = {a.name: e for e in ctx.contract.errors for a in e.aliases}
    if not aliases:
        return
    for exchange, command in requests_of(ctx, session):
        message = exchange.response
        if message is None or message.kind is not Kind.ERROR:
            continue
        name = error_class(message)
        canonical = aliases.get(name or "")
        if name and canonical is not None and canonical.means(name, command, ctx.version):
            yield ctx.finding(
                f"'{command.name}' failed with error class '{name}', an alternative spelling "
                f"of '{canonical.name}'; producers send the canonical one, consumers accept both",
                message,
                pointer="/error/class",
                element=canonical.pointer,
                expected=canonical.name,
                actual=name,
            )


def _in_effect(life: Lifecycle, ctx: RuleContext) -> bool:
    if life.deprecated is None:
        return False
    return ctx.version is None or ctx.version >= life.deprecated.version


@implements("deprecated-use")
def deprecated_use(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """A client uses a deprecated command or argument."""
    for exchange, command in requests_of(ctx, session):
        request = exchange.request
        life = command.lifecycle
        if life.status is ElementStatus.DEPRECATED and _in_effect(life, ctx):
            assert life.deprecated is not None
            instead = life.deprecated.replacement
            yield ctx.finding(
                f"'{command.name}' is deprecated since {life.deprecated.version}"
                + (f"; use '{instead}'" if instead else ""),
                request,
                element=command.pointer,
            )
        yield from _deprecated_arguments(ctx, request, command)


def _deprecated_arguments(
    ctx: RuleContext, request: Message, command: Command
) -> Iterator[Finding]:
    arguments = request.body.get("arguments")
    if not isinstance(arguments, dict):
        return
    for name, annotation in ctx.annotated_arguments(command):
        deprecated = isinstance(annotation, dict) and annotation.get("status") == "deprecated"
        if name in arguments and deprecated:
            yield ctx.finding(
                f"argument '{name}' of '{command.name}' is deprecated",
                request,
                pointer=join_pointer("/arguments", name),
                element=join_pointer(command.pointer, "arguments", "properties", name),
            )


@implements("declared-unimplemented")
def declared_unimplemented(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """A declared (agreed, not yet implemented) command is refused as unknown."""
    refusal = ctx.params["error_class"]
    for exchange, command in requests_of(ctx, session):
        response = exchange.response
        if command.lifecycle.status is not ElementStatus.DECLARED or response is None:
            continue
        if response.kind is Kind.ERROR and error_class(response) == refusal:
            yield ctx.finding(
                f"'{command.name}' is agreed but not implemented by this build yet",
                response,
                element=command.pointer,
            )


def _window(life: Lifecycle) -> str:
    if life.removed is not None:
        return f"exists from {life.since} until its removal in {life.removed.version}"
    return f"exists since {life.since}"


@implements("version-window")
def version_window(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """Commands, arguments and events are used only on QEMU versions that have them."""
    version = ctx.version
    if version is None:
        return
    for exchange, command in requests_of(ctx, session):
        life = command.lifecycle
        if life.status is not ElementStatus.DECLARED and not life.available_in(version):
            yield ctx.finding(
                f"'{command.name}' is used on QEMU {version}, but it {_window(life)}",
                exchange.request,
                element=command.pointer,
            )
        arguments = exchange.request.body.get("arguments")
        for name, annotation in ctx.annotated_arguments(command):
            given = isinstance(arguments, dict) and name in arguments
            if given and not member_available(annotation, version):
                since = annotation.get("since") if isinstance(annotation, dict) else None
                yield ctx.finding(
                    f"argument '{name}' of '{command.name}' does not exist in QEMU {version}"
                    + (f" (since {since})" if since else ""),
                    exchange.request,
                    pointer=join_pointer("/arguments", name),
                )
    events = ctx.all_events()
    for message in session.of_kind(Kind.EVENT):
        event = events.get(message.name or "")
        if event is None or event.lifecycle.status is ElementStatus.DECLARED:
            continue
        if not event.lifecycle.available_in(version):
            yield ctx.finding(
                f"event '{event.name}' arrived from QEMU {version}, but it "
                f"{_window(event.lifecycle)}",
                message,
                element=event.pointer,
            )
