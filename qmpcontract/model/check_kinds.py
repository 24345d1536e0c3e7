"""The catalogue of machine-check kinds a contract rule may name.

A rule in a contract says *what* is agreed; its optional ``check`` names a kind
from this catalogue plus parameters, and so says *how* a machine verifies it.
This module is the single source of truth for the kinds: the contract loader
validates ``check.params`` against :attr:`CheckKind.params_schema`, the CLI
lists the kinds (``qmpcontract kinds``), and the engines that execute them
(the transcript checker for scope ``transcript``, the differ and reviewer for
scope ``change``) register one implementation per kind name.

Parameters that name contract elements (:attr:`CheckKind.element_params`) must
resolve to an element of the contract or of a contract it requires; parameters
listed in :attr:`CheckKind.schema_params` are JSON Schemas and follow the same
``$ref`` rules as every other schema in a contract.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from qmpcontract.model.contract import ElementKind
from qmpcontract.model.frozen_json import FrozenJson, freeze


class Scope(enum.StrEnum):
    """Which engine executes a check kind."""

    TRANSCRIPT = "transcript"  # qmpcontract check: recorded QMP traffic
    CHANGE = "change"  # qmpcontract diff / review: two versions of an API


@dataclass(frozen=True)
class CheckKind:
    """One kind of machine check and the parameters it takes."""

    name: str
    scope: Scope
    summary: str
    params_schema: FrozenJson
    element_params: tuple[tuple[str, ElementKind], ...] = ()
    schema_params: tuple[str, ...] = ()
    # Judges only the contract's own commands and events: a session (a whole connection)
    # that uses none of them cannot break it, and the rule does not run on it.
    element_scoped: bool = False


_NO_PARAMS: dict[str, object] = {"type": "object", "additionalProperties": False}
_NAME = {"type": "string", "minLength": 1}
_NAMES = {"type": "array", "items": _NAME, "uniqueItems": True}
_ONLY = {
    "type": "object",
    "properties": {"commands": _NAMES},
    "additionalProperties": False,
}


def _kind(
    name: str,
    scope: Scope,
    summary: str,
    params: Mapping[str, object] = _NO_PARAMS,
    element_params: tuple[tuple[str, ElementKind], ...] = (),
    schema_params: tuple[str, ...] = (),
    element_scoped: bool = False,
) -> CheckKind:
    return CheckKind(
        name, scope, summary, freeze(params), element_params, schema_params, element_scoped
    )


_STATES = {"type": "array", "items": _NAME, "minItems": 1, "uniqueItems": True}
_TRANSITIONS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": _NAME, "uniqueItems": True},
    "minProperties": 1,
}

_KINDS = (
    # -- protocol (qmp-core) -------------------------------------------------------------
    _kind(
        "greeting-first",
        Scope.TRANSCRIPT,
        "The server's first message on a connection is the greeting, and it is sent once.",
    ),
    _kind(
        "negotiation",
        Scope.TRANSCRIPT,
        "Until the negotiation command succeeds, every other command is refused with the "
        "given error class; negotiating a second time is refused the same way.",
        {
            "type": "object",
            "properties": {"command": _NAME, "error_class": _NAME},
            "required": ["command", "error_class"],
            "additionalProperties": False,
        },
        element_params=(("command", ElementKind.COMMAND), ("error_class", ElementKind.ERROR)),
    ),
    _kind(
        "message-schema",
        Scope.TRANSCRIPT,
        "Every message of the given kind validates against the given envelope schema.",
        {
            "type": "object",
            "properties": {
                "message": {"enum": ["greeting", "request", "success", "error", "event"]},
                "schema": {"type": ["object", "boolean"]},
            },
            "required": ["message", "schema"],
            "additionalProperties": False,
        },
        schema_params=("schema",),
    ),
    _kind(
        "id-echo",
        Scope.TRANSCRIPT,
        "A response carries the request's id verbatim (same JSON value and type); a request "
        "without an id gets a response without one.",
    ),
    _kind(
        "one-response",
        Scope.TRANSCRIPT,
        "Every request gets exactly one response (unless the session ends first).",
    ),
    _kind(
        "unsolicited-response",
        Scope.TRANSCRIPT,
        "No response carries an id that matches no outstanding request.",
    ),
    _kind(
        "response-order",
        Scope.TRANSCRIPT,
        "Responses to in-band requests arrive in the order of the requests; only a reply to "
        "an out-of-band request ('exec-oob') may overtake.",
    ),
    # -- elements ------------------------------------------------------------------------
    _kind(
        "arguments-schema",
        Scope.TRANSCRIPT,
        "A request's 'arguments' validate against the command's argument schema.",
        _ONLY,
        element_params=(("commands", ElementKind.COMMAND),),
        element_scoped=True,
    ),
    _kind(
        "returns-schema",
        Scope.TRANSCRIPT,
        "A success response's 'return' validates against the command's return schema.",
        _ONLY,
        element_params=(("commands", ElementKind.COMMAND),),
        element_scoped=True,
    ),
    _kind(
        "event-data-schema",
        Scope.TRANSCRIPT,
        "An event's 'data' validates against the event's data schema.",
        {
            "type": "object",
            "properties": {"events": _NAMES},
            "additionalProperties": False,
        },
        element_params=(("events", ElementKind.EVENT),),
        element_scoped=True,
    ),
    _kind(
        "error-class-allowed",
        Scope.TRANSCRIPT,
        "An error response to a command uses one of the error classes the command lists.",
        _ONLY,
        element_params=(("commands", ElementKind.COMMAND),),
        element_scoped=True,
    ),
    _kind(
        "error-spelling",
        Scope.TRANSCRIPT,
        "The producer sends the canonical spelling of an error class, not an alias, in the "
        "errors of the commands the alias applies to; consumers accept every listed spelling.",
    ),
    _kind(
        "deprecated-use",
        Scope.TRANSCRIPT,
        "A client uses a deprecated element (what '-compat deprecated-input=reject' refuses).",
        element_scoped=True,
    ),
    _kind(
        "declared-unimplemented",
        Scope.TRANSCRIPT,
        "A 'declared' command (agreed, not implemented yet) is answered with the given "
        "error class: reported for information.",
        {
            "type": "object",
            "properties": {"error_class": _NAME},
            "required": ["error_class"],
            "additionalProperties": False,
        },
        element_params=(("error_class", ElementKind.ERROR),),
        element_scoped=True,
    ),
    _kind(
        "version-window",
        Scope.TRANSCRIPT,
        "An element is used on a producer version where it exists: not before its 'since', "
        "not from its removal on.",
        element_scoped=True,
    ),
    # -- what a QEMU build declares (snapshot contracts) ----------------------------------
    _kind(
        "declared-commands",
        Scope.TRANSCRIPT,
        "QEMU answers only the commands the contract (its own schema) or another applied "
        "contract declares; any other it refuses as unknown (CommandNotFound).",
    ),
    _kind(
        "declared-events",
        Scope.TRANSCRIPT,
        "QEMU sends only the events the contract (its own schema) or another applied contract "
        "declares.",
    ),
    _kind(
        "undeclared-members",
        Scope.TRANSCRIPT,
        "A success response's 'return' and an event's 'data' hold only the members the "
        "contract's schema declares (checked with every object of the schema closed).",
    ),
    _kind(
        "error-class-known",
        Scope.TRANSCRIPT,
        "Every error class QEMU sends is one of the given classes (those of its release).",
        {
            "type": "object",
            "properties": {"classes": _NAMES},
            "required": ["classes"],
            "additionalProperties": False,
        },
    ),
    # -- asynchronous jobs ---------------------------------------------------------------
    _kind(
        "job-terminal-event",
        Scope.TRANSCRIPT,
        "Every successful job-starting command is followed, anywhere after the request, by "
        "exactly one of its terminal events for that job id.",
        _ONLY,
        element_params=(("commands", ElementKind.COMMAND),),
        element_scoped=True,
    ),
    _kind(
        "job-state-machine",
        Scope.TRANSCRIPT,
        "The status reported by the given event walks only the allowed transitions, per job.",
        {
            "type": "object",
            "properties": {
                "event": _NAME,
                "id_member": _NAME,
                "status_member": _NAME,
                "initial": _STATES,
                "final": _STATES,
                "transitions": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": _NAME, "uniqueItems": True},
                    "minProperties": 1,
                },
            },
            "required": ["event", "id_member", "status_member", "initial", "final", "transitions"],
            "additionalProperties": False,
        },
        element_params=(("event", ElementKind.EVENT),),
    ),
    _kind(
        "job-verbs",
        Scope.TRANSCRIPT,
        "QEMU accepts a job verb only while the job's status (as the given event reports it) "
        "allows it.",
        {
            "type": "object",
            "properties": {
                "event": _NAME,
                "id_member": _NAME,
                "status_member": _NAME,
                "verbs": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "command": _NAME,
                            "id_argument": _NAME,
                            "statuses": _STATES,
                        },
                        "required": ["command", "id_argument", "statuses"],
                        "additionalProperties": False,
                    },
                },
            },
            "required": ["event", "id_member", "status_member", "verbs"],
            "additionalProperties": False,
        },
        element_params=(("event", ElementKind.EVENT),),
    ),
    # -- operations reported by a status event without a job id (migration, hot-unplug) --
    _kind(
        "status-machine",
        Scope.TRANSCRIPT,
        "The status reported by the given event (one operation at a time, so the event "
        "carries no id) walks only the allowed transitions; after a final status the next "
        "one starts a new run.",
        {
            "type": "object",
            "properties": {
                "event": _NAME,
                "status_member": _NAME,
                "initial": _STATES,
                "final": _STATES,
                "transitions": _TRANSITIONS,
            },
            "required": ["event", "status_member", "initial", "final", "transitions"],
            "additionalProperties": False,
        },
        element_params=(("event", ElementKind.EVENT),),
    ),
    _kind(
        "terminal-status",
        Scope.TRANSCRIPT,
        "Every successful start command is followed, anywhere after its request, by exactly "
        "one terminal event (the given event, with a final status if 'final' is given; for "
        "the same id if 'id_argument' is given), or at most one if 'required' is false. "
        "Judged at the next start, a reset command, or the end of the connection; where the "
        "transcript proves the operation ended (a 'query' reply with a final status, a new "
        "run's initial status) a missing one is reported there.",
        {
            "type": "object",
            "properties": {
                "commands": _NAMES,
                "event": _NAME,
                "status_member": _NAME,
                "final": _STATES,
                "initial": _STATES,
                "id_argument": _NAME,
                "id_member": _NAME,
                "required": {"type": "boolean"},
                "unless": _NAME,
                "reset_by": _NAMES,
                "announced_only": {"type": "boolean"},
                "query": {
                    "type": "object",
                    "properties": {"command": _NAME, "status_pointer": {"type": "string"}},
                    "required": ["command", "status_pointer"],
                    "additionalProperties": False,
                },
            },
            "required": ["commands", "event"],
            "dependentRequired": {
                "final": ["status_member"],
                "initial": ["status_member", "final"],
                "id_argument": ["id_member"],
                "id_member": ["id_argument"],
            },
            "additionalProperties": False,
        },
        element_params=(
            ("commands", ElementKind.COMMAND),
            ("event", ElementKind.EVENT),
            ("reset_by", ElementKind.COMMAND),
        ),
        element_scoped=True,
    ),
    # -- changes (diff, review) ----------------------------------------------------------
    _kind(
        "names-kept",
        Scope.CHANGE,
        "The listed names stay on the wire: a later version may not remove or rename them.",
        {
            "type": "object",
            "properties": {"commands": _NAMES, "events": _NAMES, "errors": _NAMES},
            "minProperties": 1,
            "additionalProperties": False,
        },
        element_params=(
            ("commands", ElementKind.COMMAND),
            ("events", ElementKind.EVENT),
            ("errors", ElementKind.ERROR),
        ),
    ),
    _kind(
        "compatible-evolution",
        Scope.CHANGE,
        "Changes follow QEMU's direction rules: input may only widen; output may gain members "
        "but not lose them or make them optional.",
        _ONLY,
        element_params=(("commands", ElementKind.COMMAND),),
    ),
    _kind(
        "deprecation-window",
        Scope.CHANGE,
        "An element is removed only after it has been deprecated for the given number of releases.",
        {
            "type": "object",
            "properties": {"releases": {"type": "integer", "minimum": 1}},
            "required": ["releases"],
            "additionalProperties": False,
        },
    ),
)

CHECK_KINDS: Mapping[str, CheckKind] = MappingProxyType({k.name: k for k in _KINDS})
"""Every check kind, by name."""
