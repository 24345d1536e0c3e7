"""Transcripts as sessions of classified messages and request/response exchanges.

The readers yield raw messages; each becomes a :class:`Message`, classified
(greeting, request, success, error, event, unknown, invalid) with what rules
ask of it worked out once.  :mod:`qmpcontract.model.session_builder` groups
them into :class:`Session` objects and pairs requests with responses into
:class:`Exchange` objects.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qmpcontract.model.versions import QemuVersion
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
)

_PLAIN = re.compile(r"[A-Za-z0-9 _.:/+=@#%-]*")  # strings json.dumps writes unchanged


class Kind(enum.StrEnum):
    """What a message is."""

    GREETING = "greeting"
    REQUEST = "request"
    SUCCESS = "success"
    ERROR = "error"
    EVENT = "event"
    UNKNOWN = "unknown"  # a JSON object of no QMP shape
    INVALID = "invalid"  # not a JSON object at all


def classify(raw: RawMessage) -> Kind:
    """Classify a raw message by its members (and direction where known)."""
    value = raw.value
    if raw.error is not None or not isinstance(value, dict):
        return Kind.INVALID
    if "execute" in value or "exec-oob" in value:
        return Kind.REQUEST
    if raw.direction is Direction.CLIENT:
        return Kind.UNKNOWN
    if "QMP" in value:
        return Kind.GREETING
    if "return" in value:
        return Kind.SUCCESS
    if "error" in value:
        return Kind.ERROR
    if "event" in value:
        return Kind.EVENT
    return Kind.UNKNOWN


def id_key(value: object) -> str:
    """A key equal for equal JSON values of the same type (1 and 1.0 differ)."""
    if isinstance(value, str):
        return '"' + value + '"' if _PLAIN.fullmatch(value) else json.dumps(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


_EMPTY: Mapping[str, object] = {}


@dataclass(frozen=True, slots=True)
class Message:
    """A classified message; what rules ask of it is worked out once, here."""

    raw: RawMessage
    kind: Kind
    body: Mapping[str, object]  # the message object (empty for an invalid message)
    name: str | None  # the command name of a request, or the event name of an event
    id_key: str | None  # the typed key of the ``id``, or None without one

    @classmethod
    def of(cls, raw: RawMessage, kind: Kind | None = None) -> Message:
        """The classified message of *raw* (classified here unless *kind* is given)."""
        value = raw.value
        if not isinstance(value, dict):
            return cls(raw, classify(raw) if kind is None else kind, _EMPTY, None, None)
        get = value.get
        name = get("execute")  # the first of execute, exec-oob, event that is a string
        if not isinstance(name, str):
            name = get("exec-oob")
            if not isinstance(name, str):
                name = get("event")
                if not isinstance(name, str):
                    name = None
        key_of = id_key(value["id"]) if "id" in value else None
        return cls(raw, classify(raw) if kind is None else kind, value, name, key_of)

    @property
    def index(self) -> int:
        """Position among all messages of the input."""
        return self.raw.index

    @property
    def has_id(self) -> bool:
        """True if the message has an ``id`` member."""
        return self.id_key is not None

    @property
    def oob(self) -> bool:
        """True for a request sent with ``exec-oob``."""
        return self.kind is Kind.REQUEST and "exec-oob" in self.body


@dataclass(slots=True)
class Exchange:
    """A client's input and QEMU's response to it.

    The input is a request, a JSON object without ``execute``, or text that is not a
    JSON object: QEMU answers each once.
    """

    request: Message
    response: Message | None = None
    id_mismatch: bool = False  # paired although the ids differ
    extra: list[Message] = field(default_factory=list)  # duplicate responses

    @property
    def command(self) -> str | None:
        """The command name of the request."""
        return self.request.name


@dataclass(slots=True)
class Session:
    """One monitor connection, or one part of a long one.

    A long connection is handed over in parts (see
    :class:`~qmpcontract.model.session_builder.SessionBuilder`), cut where no
    request is outstanding: every message is in exactly one part, every exchange
    too.  ``part`` counts the parts from 0; ``last`` is False on all but the
    final one.  ``state`` is one dictionary shared by all parts of a connection,
    where a rule keeps what it must remember from one part to the next.
    """

    number: int
    messages: list[Message] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    unsolicited: list[Message] = field(default_factory=list)
    boundaries: list[SessionBoundary] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # commands requested and events sent
    part: int = 0
    last: bool = True
    state: dict[object, object] = field(default_factory=dict)  # a rule's own typed state
    # exchanges of an earlier part that got another response in this one (in ``extra``)
    revisited: list[Exchange] = field(default_factory=list)
    memo: dict[object, Any] = field(default_factory=dict, repr=False, compare=False)  # rules'
    _kinds: tuple[int, dict[Kind, list[Message]]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def whole(self) -> bool:
        """True if this is the whole connection, not one part of it."""
        return self.part == 0 and self.last

    @property
    def truncated(self) -> bool:
        """True if the recording ends inside this session or one of its messages."""
        return any(b.kind is BoundaryKind.TRUNCATED for b in self.boundaries)

    @property
    def closed(self) -> bool:
        """True if the recording saw this connection close."""
        return any(b.kind is BoundaryKind.CLOSE for b in self.boundaries)

    def of_kind(self, kind: Kind) -> list[Message]:
        """The messages of one kind, in order (a new list each time)."""
        index = self._kinds
        if index is None or index[0] != len(self.messages):  # not worked out, or grown since
            by_kind: dict[Kind, list[Message]] = {}
            for message in self.messages:
                found = by_kind.get(message.kind)
                if found is None:
                    by_kind[message.kind] = [message]
                else:
                    found.append(message)
            index = self._kinds = (len(self.messages), by_kind)
        return list(index[1].get(kind, ()))


@dataclass(frozen=True, slots=True)
class TranscriptInfo:
    """What the checker needs to know about a transcript's format."""

    name: str
    format: str
    has_greeting: bool = True  # False for libvirt .replies files
    has_events: bool = True
    pair_by_position: bool = False  # True where ids are not usable (.replies)


def ended_normally(*, quit_answered: bool, shutdown: bool, cut: bool, unanswered: int) -> bool:
    """Whether a connection ended normally, whatever the recording tool says after that.

    It did once QEMU answered ``quit`` or sent ``SHUTDOWN``, unless a message was cut
    or an input is still unanswered: truncated means that a message or an answer was
    lost.  What a tool logs after the end (socat 1.8's ``E read(...): Connection
    reset by peer`` once QEMU has exited, a recorder stopped during its drain) is not.

    >>> ended_normally(quit_answered=True, shutdown=True, cut=False, unanswered=0)
    True
    >>> ended_normally(quit_answered=False, shutdown=False, cut=False, unanswered=0)
    False
    """
    return (quit_answered or shutdown) and not cut and not unanswered


def qemu_version_of(sessions: Sequence[Session]) -> QemuVersion | None:
    """The QEMU version a transcript shows (greeting, else a query-version reply)."""
    for session in sessions:
        for message in session.of_kind(Kind.GREETING):
            qmp = message.body.get("QMP")
            version = qmp.get("version") if isinstance(qmp, Mapping) else None
            found = _triple(version)
            if found is not None:
                return found
        for exchange in session.exchanges:
            response = exchange.response
            if exchange.command == "query-version" and response and response.kind is Kind.SUCCESS:
                found = _triple(response.body.get("return"))
                if found is not None:
                    return found
    return None


def version_shown(value: object) -> bool:
    """True if a message shows a QEMU version (a greeting, or a ``query-version`` reply)."""
    if not isinstance(value, dict):
        return False
    qmp = value.get("QMP")
    if isinstance(qmp, dict):
        return _triple(qmp.get("version")) is not None
    return _triple(value.get("return")) is not None


def _triple(version: object) -> QemuVersion | None:
    qemu = version.get("qemu") if isinstance(version, Mapping) else None
    if not isinstance(qemu, Mapping):
        return None
    parts = [qemu.get(k) for k in ("major", "minor", "micro")]
    numbers = [p for p in parts if isinstance(p, int) and not isinstance(p, bool) and p >= 0]
    if len(numbers) != 3:
        return None
    return QemuVersion(numbers[0], numbers[1], numbers[2])
