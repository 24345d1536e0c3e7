"""Transcripts as sessions of classified messages and request/response exchanges.

The readers yield raw messages; :func:`build_sessions` classifies each one
(greeting, request, success, error, event, unknown, invalid) and pairs requests
with responses, one monitor connection at a time:

* by ``id`` where the format has ids: a response carries its request's id
  verbatim (QMP spec, "Commands Responses"), so equal ids pair, whatever their
  JSON type;
* a response whose id matches nothing is paired with the oldest outstanding
  in-band request and marked ``id_mismatch`` (the checker's id-echo rule judges
  it); only when nothing is outstanding is it unsolicited;
* an error without id answers client input that did not parse (QEMU cannot read
  an id from it; one bad line may yield two errors);
* by position where the format has no usable ids (libvirt ``.replies`` files):
  each response answers the request before it.

Out-of-band requests (``exec-oob``) may be answered before earlier in-band ones;
pairing by id does not care, and the ordering rule knows which ones are OOB.
"""

from __future__ import annotations

import enum
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from qmpcontract.model.versions import QemuVersion
from qmpcontract.read.messages import (
    BoundaryKind,
    Direction,
    RawMessage,
    SessionBoundary,
    TranscriptItem,
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
    if raw.error is not None or not isinstance(value, Mapping):
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
        body = value if isinstance(value, dict) else _EMPTY
        name = None
        for key in ("execute", "exec-oob", "event"):
            candidate = body.get(key)
            if isinstance(candidate, str):
                name = candidate
                break
        key_of = id_key(body["id"]) if "id" in body else None
        return cls(raw, classify(raw) if kind is None else kind, body, name, key_of)

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
    """A request (or client input that did not parse) and its response."""

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
    """One monitor connection."""

    number: int
    messages: list[Message] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    unsolicited: list[Message] = field(default_factory=list)
    boundaries: list[SessionBoundary] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # commands requested and events sent

    @property
    def truncated(self) -> bool:
        """True if the recording ends inside this session or one of its messages."""
        return any(b.kind is BoundaryKind.TRUNCATED for b in self.boundaries)

    @property
    def closed(self) -> bool:
        """True if the recording saw this connection close."""
        return any(b.kind is BoundaryKind.CLOSE for b in self.boundaries)

    def of_kind(self, kind: Kind) -> list[Message]:
        """The messages of one kind, in order."""
        return [m for m in self.messages if m.kind is kind]


class _Pairing:
    def __init__(self, session: Session, by_position: bool) -> None:
        self.session = session
        self.by_position = by_position
        self.pending: list[Exchange] = []
        self.answered: dict[str, Exchange] = {}
        self.last_invalid: Exchange | None = None

    def request(self, message: Message) -> None:
        exchange = Exchange(message)
        self.session.exchanges.append(exchange)
        self.pending.append(exchange)
        if message.kind is Kind.INVALID:
            self.last_invalid = exchange

    def _take(self, exchange: Exchange, response: Message, mismatch: bool = False) -> None:
        exchange.response = response
        exchange.id_mismatch = mismatch
        self.pending.remove(exchange)
        key = exchange.request.id_key
        if key is not None:
            self.answered[key] = exchange

    def response(self, message: Message) -> None:
        pending = self.pending
        if self.by_position:
            if pending:
                self._take(pending[0], message)
            else:
                self.session.unsolicited.append(message)
            return
        key = message.id_key
        if key is not None:
            for exchange in pending:
                if exchange.request.id_key == key:
                    self._take(exchange, message)
                    return
            if key in self.answered:
                self.answered[key].extra.append(message)
                return
        else:
            for exchange in pending:
                if exchange.request.kind is Kind.INVALID and message.kind is Kind.ERROR:
                    self._take(exchange, message)
                    return
            for exchange in pending:
                if not exchange.request.oob and not exchange.request.has_id:
                    self._take(exchange, message)
                    return
            if message.kind is Kind.ERROR and self.last_invalid is not None:
                # QEMU may answer one unparsable input with two errors.
                self.last_invalid.extra.append(message)
                return
        in_band = [e for e in pending if not e.request.oob and e.request.kind is Kind.REQUEST]
        if in_band:
            self._take(in_band[0], message, mismatch=True)
        else:
            self.session.unsolicited.append(message)


class SessionBuilder:
    """Groups a stream of transcript items into sessions, handing each one over when done.

    A session is done when its connection closed (or was cut short) and
    *settle* more items have been read since, or when the input ends: a
    reader may hand over a connection's last items just after its boundary.
    So only the sessions still open are held in memory, never the transcript.
    """

    def __init__(self, *, pair_by_position: bool = False, settle: int = 1000) -> None:
        self._by_position = pair_by_position
        self._settle = settle
        self._open: dict[int, tuple[Session, _Pairing]] = {}
        self._closing: dict[int, int] = {}  # session number -> item count when it ended
        self._ended: deque[tuple[int, int]] = deque()  # (item count, session), oldest first
        self._count = 0

    def feed(self, item: TranscriptItem) -> list[Session]:
        """Take one item; return the sessions that are now done (usually none)."""
        self._count += 1
        entry = self._open.get(item.session)
        if entry is None:
            session = Session(item.session)
            entry = self._open[item.session] = (session, _Pairing(session, self._by_position))
        session, pairing = entry
        if isinstance(item, SessionBoundary):
            session.boundaries.append(item)
            if item.kind is not BoundaryKind.OPEN:
                self._closing[item.session] = self._count
                self._ended.append((self._count, item.session))
        else:
            self._closing.pop(item.session, None)
            message = Message.of(item)
            session.messages.append(message)
            if message.name is not None:
                session.names.add(message.name)
            if message.kind is Kind.REQUEST or (
                message.kind is Kind.INVALID and item.direction is Direction.CLIENT
            ):
                pairing.request(message)
            elif message.kind in (Kind.SUCCESS, Kind.ERROR):
                pairing.response(message)
        ended = self._ended
        if not ended or self._count - ended[0][0] < self._settle:
            return []
        settled: list[int] = []
        while ended and self._count - ended[0][0] >= self._settle:
            at, number = ended.popleft()
            if self._closing.get(number) == at:  # not reopened or continued since
                del self._closing[number]
                settled.append(number)
        return [self._open.pop(n)[0] for n in sorted(settled)]

    def open_sessions(self) -> list[Session]:
        """The sessions not handed over yet, as they are so far, in session order."""
        return [self._open[n][0] for n in sorted(self._open)]

    def run(self, items: Iterable[TranscriptItem]) -> Iterator[Session]:
        """Take every item of *items*, handing over each session when done, then the rest."""
        for item in items:
            yield from self.feed(item)
        yield from self.finish()

    def finish(self) -> list[Session]:
        """The sessions not handed over yet, in session order (the input ended)."""
        done = self.open_sessions()
        self._open.clear()
        self._closing.clear()
        self._ended.clear()
        return done


def iter_sessions(
    items: Iterable[TranscriptItem], *, pair_by_position: bool = False
) -> Iterator[Session]:
    """The sessions of *items*, each as soon as it is done (see :class:`SessionBuilder`)."""
    return SessionBuilder(pair_by_position=pair_by_position).run(items)


def build_sessions(
    items: Iterable[TranscriptItem], *, pair_by_position: bool = False
) -> list[Session]:
    """Group transcript items into sessions of classified, paired messages."""
    builder = SessionBuilder(pair_by_position=pair_by_position, settle=1 << 62)
    for item in items:
        builder.feed(item)
    return builder.finish()


@dataclass(frozen=True, slots=True)
class TranscriptInfo:
    """What the checker needs to know about a transcript's format."""

    name: str
    format: str
    has_greeting: bool = True  # False for libvirt .replies files
    has_events: bool = True
    pair_by_position: bool = False  # True where ids are not usable (.replies)


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
