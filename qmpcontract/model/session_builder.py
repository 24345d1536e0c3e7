"""Grouping a stream of transcript items into sessions, one connection at a time.

Each raw message is classified (:class:`~qmpcontract.model.transcript.Message`)
and the client's inputs are paired with QEMU's responses.  Every whole message a
client sent is one input to QEMU's parser (the readers split client text as QEMU
does), and QEMU answers every input exactly once, measured against QEMU 7.2: a
request, a JSON object without ``execute`` (``{"arguments": {}, "id": "x"}`` gets
"QMP input lacks member 'execute'", with its id), and text that is not a JSON
object (an error without id).  A message the recording cut was never read by QEMU
and awaits nothing.  Inputs and responses pair:

* by ``id`` where the format has ids: QEMU echoes the ``id`` of every JSON object
  it answers verbatim (QMP spec, "Commands Responses"), so equal ids pair,
  whatever their JSON type;
* a response without id answers the oldest outstanding input without one (QEMU
  answers in-band inputs in order); an ``exec-oob`` request without id is answered
  without id too, and takes its turn in that order;
* a response whose id matches nothing is paired with the oldest outstanding
  in-band request and marked ``id_mismatch`` (the checker's id-echo rule judges
  it); only when nothing is outstanding is it unsolicited;
* by position where the format has no usable ids (libvirt ``.replies`` files):
  each response answers the request before it.

Out-of-band requests (``exec-oob``) may be answered before earlier in-band ones;
pairing by id does not care, and the ordering rule knows which ones are OOB.  An
``exec-oob`` without id that overtakes an in-band input without id cannot be
told from it (QEMU 7.2 does answer such an ``exec-oob`` first): the id is how
the QMP specification tells a client to match them.

Memory stays flat however long the input: a session is handed over once it
ended, and a long connection is handed over in parts of about *part_size*
messages, cut at a moment when no request is outstanding (so no exchange spans
two parts).  A connection that keeps a request outstanding for
:data:`FORCE_FACTOR` times *part_size* messages is cut anyway; its outstanding
exchanges go on into the next part.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace

from qmpcontract.model.transcript import Exchange, Kind, Message, Session, ended_normally
from qmpcontract.read.messages import BoundaryKind, Direction, SessionBoundary, TranscriptItem

ANSWERED_KEPT = 1000  # answered ids remembered across a cut, to recognise a second response
FORCE_FACTOR = 4  # a part this many times too long is cut even with a request outstanding


class _Pairing:
    """Pairs the requests and responses of one connection, across its parts."""

    def __init__(self, session: Session, by_position: bool) -> None:
        self.session = session
        self.by_position = by_position
        self.pending: list[Exchange] = []
        self.answered: dict[str, tuple[Exchange, int]] = {}  # id key -> (exchange, its part)
        # How the conversation went, for how the connection ended (see settle).
        self.quit_answered = self.shutdown = self.message_cut = False

    def request(self, message: Message) -> None:
        exchange = Exchange(message)
        self.session.exchanges.append(exchange)
        self.pending.append(exchange)

    def _take(self, exchange: Exchange, response: Message, mismatch: bool = False) -> None:
        exchange.response = response
        exchange.id_mismatch = mismatch
        self.pending.remove(exchange)
        if response.kind is Kind.SUCCESS and exchange.request.name == "quit":
            self.quit_answered = True
        key = exchange.request.id_key
        if key is not None:
            self.answered[key] = (exchange, self.session.part)

    def _again(self, exchange: Exchange, part: int, message: Message) -> None:
        """A further response to an exchange already answered."""
        if part == self.session.part:
            exchange.extra.append(message)
        else:  # that exchange was handed over with an earlier part
            again = Exchange(exchange.request, exchange.response, exchange.id_mismatch, [message])
            self.session.revisited.append(again)

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
                self._again(*self.answered[key], message)
                return
        else:
            for exchange in pending:
                if not exchange.request.has_id:
                    self._take(exchange, message)
                    return
        in_band = [e for e in pending if not e.request.oob and e.request.kind is Kind.REQUEST]
        if in_band:
            self._take(in_band[0], message, mismatch=True)
        else:
            self.session.unsolicited.append(message)

    def settle(self) -> Session:
        """The connection ended: a recording tool's abrupt end after a normal one lost nothing.

        A TRUNCATED boundary of a connection that had ended normally
        (:func:`~qmpcontract.model.transcript.ended_normally`) becomes a CLOSE,
        with the tool's note kept.
        """
        session = self.session
        clean = ended_normally(
            quit_answered=self.quit_answered,
            shutdown=self.shutdown,
            cut=self.message_cut,
            unanswered=len(self.pending),
        )
        if clean and session.truncated:
            after = "after QEMU answered 'quit'" if self.quit_answered else "after SHUTDOWN"
            session.boundaries = [
                replace(b, kind=BoundaryKind.CLOSE, note=f"{b.note or 'cut short'} ({after})")
                if b.kind is BoundaryKind.TRUNCATED
                else b
                for b in session.boundaries
            ]
        return session

    def cut(self) -> Session:
        """Hand over the current part; go on with a new one, which is returned."""
        done = self.session
        moved = self.pending  # outstanding exchanges go on with the next part
        if moved:
            going = {id(e) for e in moved}
            done.exchanges = [e for e in done.exchanges if id(e) not in going]
        done.last = False
        part = done.part + 1
        self.session = Session(done.number, exchanges=list(moved), part=part, state=done.state)
        for key in list(self.answered)[:-ANSWERED_KEPT]:
            del self.answered[key]
        return self.session


class SessionBuilder:
    """Groups a stream of transcript items into sessions, handing each one over when done.

    A session is done when its connection closed (or was cut short) and
    *settle* more items have been read since, or when the input ends: a
    reader may hand over a connection's last items just after its boundary.
    With *part_size*, a long connection is handed over in parts (see the
    module's docstring).  So only the sessions still open are held in memory,
    and of a long one only its current part, never the transcript.
    """

    def __init__(
        self, *, pair_by_position: bool = False, settle: int = 1000, part_size: int | None = None
    ) -> None:
        self._by_position = pair_by_position
        self._settle = settle
        self._part_size = part_size
        self._open: dict[int, _Pairing] = {}
        self._closing: dict[int, int] = {}  # session number -> item count when it ended
        self._ended: deque[tuple[int, int]] = deque()  # (item count, session), oldest first
        self._count = 0

    def feed(self, item: TranscriptItem) -> list[Session]:
        """Take one item; return the sessions (or parts) that are now done (usually none)."""
        self._count += 1
        pairing = self._open.get(item.session)
        if pairing is None:
            pairing = self._open[item.session] = _Pairing(Session(item.session), self._by_position)
        session = pairing.session
        if isinstance(item, SessionBoundary):
            session.boundaries.append(item)
            if item.kind is not BoundaryKind.OPEN:
                self._closing[item.session] = self._count
                self._ended.append((self._count, item.session))
        else:
            self._closing.pop(item.session, None)
            message = Message.of(item)
            session.messages.append(message)
            pairing.message_cut |= item.truncated
            if message.name is not None:
                session.names.add(message.name)
            if message.kind is Kind.REQUEST or (
                item.direction is Direction.CLIENT and not item.truncated
            ):
                pairing.request(message)  # an input QEMU answers once
            elif message.kind in (Kind.SUCCESS, Kind.ERROR):
                pairing.response(message)
            elif message.kind is Kind.EVENT and message.name == "SHUTDOWN":
                pairing.shutdown = True
            size = self._part_size
            if size is not None and len(session.messages) >= size and self._time_to_cut(pairing):
                pairing.cut()
                return [session, *self._settled()]
        return self._settled() if self._ended else []

    def _time_to_cut(self, pairing: _Pairing) -> bool:
        size = self._part_size or 0
        session = pairing.session
        held = len(session.messages)
        if any(b.kind is not BoundaryKind.OPEN for b in session.boundaries):
            return False  # it closed (or was cut short): its end stays in its last part
        return held >= size and (not pairing.pending or held >= FORCE_FACTOR * size)

    def _settled(self) -> list[Session]:
        ended = self._ended
        if not ended or self._count - ended[0][0] < self._settle:
            return []
        settled: list[int] = []
        while ended and self._count - ended[0][0] >= self._settle:
            at, number = ended.popleft()
            if self._closing.get(number) == at:  # not reopened or continued since
                del self._closing[number]
                settled.append(number)
        return [self._open.pop(n).settle() for n in sorted(settled)]

    def open_sessions(self) -> list[Session]:
        """The sessions not handed over yet, as they are so far, in session order."""
        return [self._open[n].session for n in sorted(self._open)]

    def run(self, items: Iterable[TranscriptItem]) -> Iterator[Session]:
        """Take every item of *items*, handing over each session when done, then the rest."""
        for item in items:
            yield from self.feed(item)
        yield from self.finish()

    def finish(self) -> list[Session]:
        """The sessions not handed over yet, in session order (the input ended)."""
        done = [self._open[n].settle() for n in sorted(self._open)]
        self._open.clear()
        self._closing.clear()
        self._ended.clear()
        return done


def iter_sessions(
    items: Iterable[TranscriptItem], *, pair_by_position: bool = False, part_size: int | None = None
) -> Iterator[Session]:
    """The sessions of *items*, each as soon as it is done (see :class:`SessionBuilder`)."""
    return SessionBuilder(pair_by_position=pair_by_position, part_size=part_size).run(items)


def build_sessions(
    items: Iterable[TranscriptItem], *, pair_by_position: bool = False
) -> list[Session]:
    """Group transcript items into whole sessions of classified, paired messages."""
    builder = SessionBuilder(pair_by_position=pair_by_position, settle=1 << 62)
    for item in items:
        builder.feed(item)
    return builder.finish()
