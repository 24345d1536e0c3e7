"""Protocol rules (contract ``qmp-core``): greeting, negotiation, envelopes, ids, order.

Each function implements one check kind and quotes the sentence of QEMU's QMP
specification (docs/interop/qmp-spec.rst) it enforces.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from qmpcontract.check.context import RuleContext
from qmpcontract.check.registry import implements
from qmpcontract.check.validators import first_error
from qmpcontract.model.findings import Finding
from qmpcontract.model.schema_errors import explain
from qmpcontract.model.transcript import Kind, Message, Session
from qmpcontract.text import shorten

_KINDS = {
    "greeting": Kind.GREETING,
    "request": Kind.REQUEST,
    "success": Kind.SUCCESS,
    "error": Kind.ERROR,
    "event": Kind.EVENT,
}


def _show(message: Message) -> str:
    return shorten(message.raw.text)


@dataclass
class _GreetingState:
    """What ``greeting-first`` carries across the parts of a connection."""

    first: Message | None = None  # the connection's first message
    spoke: bool = False  # whether the server sent anything yet
    greeting: Message | None = None  # the first greeting


@implements("greeting-first")
def greeting_first(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """The server's first message is the greeting, sent once.

    "Right when connected the Server will issue a greeting message" (Server Greeting).
    """
    if not ctx.info.has_greeting:
        return
    carry = ctx.carry(session, _GreetingState)
    if session.messages and carry.first is None:
        carry.first = session.messages[0]
    if not carry.spoke:
        first = next(
            (
                m
                for m in session.messages
                if m.kind not in (Kind.REQUEST, Kind.INVALID)
                and (m.raw.direction is not None or m.kind is Kind.GREETING)
            ),
            None,
        )
        if first is not None:
            carry.spoke = True
            if first.kind is not Kind.GREETING:
                yield ctx.finding(
                    f"the server's first message is {first.kind.value}, not the greeting",
                    first,
                    expected='{"QMP": {...}}',
                    actual=_show(first),
                )
    if session.last and not carry.spoke and carry.first is not None and not session.truncated:
        yield ctx.finding("the session has no greeting", carry.first)
    for extra in session.of_kind(Kind.GREETING):
        greeting = carry.greeting
        if greeting is None:
            carry.greeting = extra
            continue
        yield ctx.finding(
            "a second greeting in the same session", extra, related=[(greeting, "first greeting")]
        )


@dataclass
class _NegotiationState:
    """What ``negotiation`` carries: where the negotiation succeeded."""

    at: int | None = None  # the index of its success response


@implements("negotiation")
def negotiation(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """Nothing but negotiation runs, and no event arrives, before negotiation.

    "In this mode only the qmp_capabilities command is allowed to run; all other
    commands will return the CommandNotFound error. Asynchronous messages are not
    delivered either." (Capabilities Negotiation)
    """
    command = ctx.params["command"]
    refusal = ctx.params["error_class"]
    carry = ctx.carry(session, _NegotiationState)
    negotiated_at = carry.at
    for exchange in session.exchanges:
        request, response = exchange.request, exchange.response
        if request.kind is not Kind.REQUEST or response is None:
            continue
        refused = response.kind is Kind.ERROR and _error_class(response) == refusal
        if negotiated_at is None:
            if request.name == command:
                if response.kind is Kind.SUCCESS:
                    negotiated_at = carry.at = response.index
            elif not refused:
                yield ctx.finding(
                    f"'{request.name}' before capabilities negotiation was not refused "
                    f"with {refusal}",
                    response,
                    expected=f'{{"error": {{"class": "{refusal}", ...}}}}',
                    actual=_show(response),
                    related=[(request, "the request")],
                )
        elif request.name == command and not refused:
            yield ctx.finding(
                f"a second '{command}' was not refused with {refusal}",
                response,
                expected=f'{{"error": {{"class": "{refusal}", ...}}}}',
                actual=_show(response),
                related=[(request, "the request")],
            )
    if ctx.info.has_greeting:
        for event in session.of_kind(Kind.EVENT):
            if negotiated_at is None or event.index < negotiated_at:
                yield ctx.finding(
                    f"event '{event.name}' delivered before capabilities negotiation completed",
                    event,
                )


def _error_class(message: Message) -> object:
    error = message.body.get("error")
    return error.get("class") if isinstance(error, dict) else None


@implements("message-schema")
def message_schema(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """Every message of the given kind has the envelope of the specification."""
    kind = _KINDS[ctx.params["message"]]
    validator = ctx.validators.for_pointer(ctx.contract, ctx.rule.pointer + "/check/params/schema")
    for message in session.of_kind(kind):
        error = first_error(validator, message.body)
        if error is not None:
            [first, *_] = explain(error)
            reason, pointer = first.message, first.pointer
            yield ctx.finding(
                f"{kind.value} does not have the agreed shape: {reason}",
                message,
                pointer=pointer,
                actual=_show(message),
            )


@implements("id-echo")
def id_echo(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """A response carries its request's id verbatim, or none if the request had none.

    "the same id field will be attached in the corresponding response message"
    (Commands Responses).
    """
    for exchange in session.exchanges:
        request, response = exchange.request, exchange.response
        if response is None or request.kind is not Kind.REQUEST:
            continue
        if exchange.id_mismatch or request.id_key != response.id_key:
            expected = request.id_key if request.has_id else "no id"
            actual = response.id_key if response.has_id else "no id"
            yield ctx.finding(
                f"the response to '{request.name}' carries {_id_text(response)}, "
                f"the request {_id_text(request)}",
                response,
                pointer="/id",
                expected=expected,
                actual=actual,
                related=[(request, "the request")],
            )


def _id_text(message: Message) -> str:
    return f"id {message.id_key}" if message.has_id else "no id"


@implements("one-response")
def one_response(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """Every command gets exactly one response.

    "There are two possible responses which the Server will issue as the result
    of a command execution: success or error." (Commands Responses)
    """
    for exchange in [*session.exchanges, *session.revisited]:
        request = exchange.request
        if request.kind is not Kind.REQUEST:
            continue
        if exchange.response is None and not session.truncated:
            yield ctx.finding(f"'{request.name}' got no response", request)
        for extra in exchange.extra:
            yield ctx.finding(
                f"'{request.name}' got a second response",
                extra,
                related=[
                    (request, "the request"),
                    (exchange.response or request, "first response"),
                ],
            )


@implements("unsolicited-response")
def unsolicited_response(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """No response answers a request that is not outstanding.

    "Clients should drop all the responses that have an unknown id field."
    (Commands Responses)
    """
    for message in session.unsolicited:
        yield ctx.finding(
            f"a response with {_id_text(message)} answers no outstanding request",
            message,
            pointer="/id" if message.has_id else "",
        )


@dataclass
class _OrderState:
    """What ``response-order`` carries: the latest request answered, with its response."""

    latest: tuple[Message, Message] | None = None


@implements("response-order")
def response_order(ctx: RuleContext, session: Session) -> Iterator[Finding]:
    """In-band responses come in request order; only out-of-band ones overtake.

    "The client therefore receives command responses in issue order."
    (Out-of-band execution)
    """
    answered = [
        (e.request, e.response)
        for e in session.exchanges
        if e.response is not None and e.request.kind is Kind.REQUEST and not e.request.oob
    ]
    carry = ctx.carry(session, _OrderState)  # parts are cut where nothing is outstanding
    latest = carry.latest
    for request, response in sorted(answered, key=lambda pair: pair[0].index):
        if latest is not None and response.index < latest[1].index:
            yield ctx.finding(
                f"the response to '{request.name}' ({_id_text(request)}) overtook the response "
                f"to the earlier '{latest[0].name}' ({_id_text(latest[0])})",
                response,
                related=[(request, "its request"), (latest[0], "the earlier request")],
            )
        if latest is None or response.index > latest[1].index:
            latest = (request, response)
    carry.latest = latest
