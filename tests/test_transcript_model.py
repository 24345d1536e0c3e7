"""Pairing requests and responses: ids, overtaking OOB replies, errors without ids."""

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


def test_parse_errors_answer_unparsable_input() -> None:
    (session,) = build_sessions(
        _session(
            ("client", "{'execute': oops"),
            ("server", {"error": {"class": "GenericError", "desc": "JSON parse error"}}),
            ("server", {"error": {"class": "GenericError", "desc": "another"}}),
            ("client", {"execute": "query-version", "id": "v"}),
            ("server", {"return": {}, "id": "v"}),
        )
    )
    garbage, query = session.exchanges
    assert garbage.request.kind is Kind.INVALID
    assert garbage.response is not None and len(garbage.extra) == 1
    assert query.response is not None and session.unsolicited == []


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
