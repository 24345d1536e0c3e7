"""Pairing client inputs and responses: ids, overtaking OOB replies, answers without ids."""

from __future__ import annotations

import json

from qmpcontract.location import Location
from qmpcontract.model.session_builder import build_sessions
from qmpcontract.model.transcript import Kind
from qmpcontract.read.messages import Direction, RawMessage, decode


def _session(*messages: tuple[str, object]) -> list[RawMessage]:
    out = []
    for index, (direction, body) in enumerate(messages):
        text = body if isinstance(body, str) else json.dumps(body)
        value, error = decode(text)
        out.append(
            RawMessage(
                index, 0, Direction(direction), text, Location("t", index + 1), None, value, error
            )
        )
    return out


def test_oob_reply_overtakes_without_finding_material() -> None:
    (session,) = build_sessions(
        _session(
            ("client", {"execute": "slow", "id": "a"}),
            ("client", {"exec-oob": "fast", "id": "b"}),
            ("server", {"return": {}, "id": "b"}),
            ("server", {"return": {}, "id": "a"}),
        )
    )
    first, second = session.exchanges
    assert first.response is not None and first.response.index == 3
    assert second.request.oob and second.response is not None and second.response.index == 2
    assert not first.id_mismatch and not second.id_mismatch


def test_ids_pair_by_value_and_type() -> None:
    (session,) = build_sessions(
        _session(
            ("client", {"execute": "x", "id": 1}),
            ("client", {"execute": "y", "id": "1"}),
            ("server", {"return": {}, "id": "1"}),
            ("server", {"return": {}, "id": 1}),
        )
    )
    x, y = session.exchanges
    assert x.response is not None and x.response.index == 3
    assert y.response is not None and y.response.index == 2


def _error(desc: str, **extra: object) -> dict[str, object]:
    return {**extra, "error": {"class": "GenericError", "desc": desc}}


def test_every_client_input_is_answered_once_in_order() -> None:
    # As QEMU 7.2 answers them: text that is no JSON object gets an error without id,
    # an object without 'execute' an error carrying its id, a request its response.
    (session,) = build_sessions(
        _session(
            ("client", '"just a string"'),
            ("client", {"arguments": {}, "id": "no-execute"}),
            ("client", {"execute": "query-name"}),
            ("server", _error("QMP input must be a JSON object")),
            ("server", _error("QMP input lacks member 'execute'", id="no-execute")),
            ("server", {"return": {}}),
        )
    )
    invalid, unknown, _ = session.exchanges
    assert invalid.request.kind is Kind.INVALID and unknown.request.kind is Kind.UNKNOWN
    answers = [e.response.index if e.response else None for e in session.exchanges]
    assert answers == [3, 4, 5] and session.unsolicited == []
    assert not any(e.extra or e.id_mismatch for e in session.exchanges)


def test_one_input_one_answer() -> None:
    # The splitter makes each input QEMU reads one message: a second error without id
    # answers nothing (the old pairing took it for a second answer to the input).
    (session,) = build_sessions(
        _session(
            ("client", "{'execute': }"),
            ("server", _error("JSON parse error, expecting value")),
            ("server", _error("JSON parse error, expecting value")),
        )
    )
    (garbage,) = session.exchanges
    assert garbage.response is not None and garbage.extra == []
    assert [m.index for m in session.unsolicited] == [2]


def test_exec_oob_without_id_is_answered_without_id_in_turn() -> None:
    # QEMU 7.2, OOB negotiated: '{"exec-oob": "migrate-pause"}' gets an error without id.
    (session,) = build_sessions(
        _session(
            ("client", {"exec-oob": "migrate-pause"}),
            ("server", _error("migrate-pause is currently only supported during postcopy")),
            ("client", {"execute": "query-name"}),
            ("server", {"return": {}}),
        )
    )
    oob, query = session.exchanges
    assert oob.request.oob and oob.response is not None and oob.response.index == 1
    assert query.response is not None and query.response.index == 3
    assert session.unsolicited == [] and not oob.id_mismatch


def test_a_cut_client_message_awaits_no_answer() -> None:
    messages = _session(
        ("client", {"execute": "query-name"}),
        ("server", {"return": {}}),
        ("client", '{"execute": "qu'),
    )
    cut = messages[2]
    messages[2] = RawMessage(
        cut.index, 0, cut.direction, cut.text, cut.location, None, None, "cut", True
    )
    (session,) = build_sessions(messages)
    assert [e.request.index for e in session.exchanges] == [0]


def test_foreign_id_pairs_with_the_oldest_outstanding_request() -> None:
    (session,) = build_sessions(
        _session(
            ("client", {"execute": "x", "id": "mine"}),
            ("server", {"return": {}, "id": "yours"}),
            ("server", {"return": {}, "id": "ghost"}),
        )
    )
    (exchange,) = session.exchanges
    assert exchange.id_mismatch
    assert [m.index for m in session.unsolicited] == [2]
