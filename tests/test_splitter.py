"""The splitter cuts a stream where QEMU 7.2's JSON streamer does, however it is chunked.

Three references: the answers a real QEMU 7.2 gave (``tests/wire_inputs.py``), a
character-by-character model of QEMU's lexer and streamer (``tests/qemu_json_model.py``,
which gives those same answers), and hypothesis: arbitrary text, chunked anyhow,
with QEMU's limits lowered so that they are met, is cut exactly as the model cuts it.
"""

from __future__ import annotations

import io
import itertools
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qmpcontract.check import check_items
from qmpcontract.contract import load_contracts
from qmpcontract.model.transcript import TranscriptInfo
from qmpcontract.read.json_lexer import QEMU_LIMITS, Limits
from qmpcontract.read.messages import Direction, RawMessage
from qmpcontract.read.socat import read_socat
from qmpcontract.read.splitter import NESTING, SIZE, TOKENS, Segment, Splitter
from qmpcontract.read.stream import read_stream

from .qemu_json_model import qemu_cuts
from .test_read_socat import build_log
from .wire_inputs import ANSWERS

Cut = tuple[int, int, bool, str]
_REFUSED = {"nesting": NESTING, "tokens": TOKENS, "size": SIZE}
GREETING = (
    b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, '
    b'"capabilities": ["oob"]}}\r\n'
)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def split(
    text: str, cuts: list[int] | None = None, limits: Limits = QEMU_LIMITS, keep: int | None = None
) -> tuple[list[Segment], str]:
    """The segments of *text* fed in pieces ending at *cuts*, the last one from ``end()``."""
    splitter = Splitter(keep, limits)
    segments: list[Segment] = []
    bounds = [0, *(cuts or []), len(text)]
    for start, end in itertools.pairwise(bounds):
        segments += splitter.feed(text[start:end])
    last = splitter.end()
    return ([*segments, last] if last is not None else segments), splitter.tail


def spans(segments: list[Segment]) -> list[Cut]:
    return [(s.start, s.start + s.length, s.complete, s.refused) for s in segments]


def model(text: str, limits: Limits = QEMU_LIMITS) -> list[Cut]:
    cuts = qemu_cuts(text, limits.nesting, limits.tokens, limits.size)
    return [(c.start, c.end, c.complete, _REFUSED.get(c.refused, "")) for c in cuts]


@pytest.mark.parametrize(("data", "answers"), ANSWERS, ids=[repr(d[:24]) for d, _ in ANSWERS])
def test_one_segment_per_answer_of_qemu(data: bytes, answers: int) -> None:
    text = _text(data)
    assert sum(c[2] for c in model(text)) == answers  # the model says what QEMU did
    whole, _ = split(text)
    assert sum(s.complete for s in whole) == answers
    assert spans(whole) == model(text)
    assert spans(split(text, list(range(1, len(text))))[0]) == spans(whole)  # byte by byte


def test_a_top_level_string_number_or_word_is_one_input() -> None:
    segments, _ = split('"just a string"\n123 456\ntrue\n"a""b"\n]\n')
    texts = [s.text for s in segments]
    assert texts == ['"just a string"', "123", "456", "true", '"a"', '"b"', "]"]
    assert all(s.complete for s in segments)


def test_a_word_or_number_at_the_end_was_never_read() -> None:
    for text in ("true", "123", "-1.5e3", '"unterminated'):
        (segment,), _ = split(text)
        assert segment.text == text and not segment.complete


def test_an_error_ends_its_input_where_qemu_answers_it() -> None:
    # 'A' is an error token: QEMU answers it, then skips up to '{' (a structural
    # character); the newline in the string is one too, and QEMU skips up to '}'.
    segments, tail = split('ABC def {"execute": "x"}\n{"execute": "qmp\ncapa"}\n-\n"abc\n')
    assert [(s.pre, s.text) for s in segments] == [
        ("", "A"),
        ("BC def ", '{"execute": "x"}'),
        ("\n", '{"execute": "qmp\n'),
        ('capa"', "}"),
        ("\n", "-\n"),  # answered at once: the error took the newline
    ]
    assert tail == '"abc\n'  # skipped up to the next newline, answered nothing


def test_inputs_over_qemus_limits_are_refused_and_the_rest_read_afresh() -> None:
    deep = "[" * 1025 + "]" * 1025
    segments, _ = split(deep)
    assert segments[0].text == "[" * 1025 and segments[0].refused == NESTING
    assert [s.text for s in segments[1:]] == ["]"] * 1025
    small = Limits(nesting=3, tokens=4, size=8)
    assert [(s.text, s.refused) for s in split("[1, 2, 3]", limits=small)[0]] == [
        ("[1, 2,", TOKENS),
        ("3", ""),
        ("]", ""),
    ]
    # one token over 8 bytes: cut at its 9th byte, and the rest read afresh
    assert [(s.text, s.refused) for s in split('{"a": "12345678"}', limits=small)[0]] == [
        ('{"a": "12345678', SIZE),
        ('"}', ""),  # a string the text ends inside
    ]
    # tokens of over 8 bytes in all: refused at the token that goes over
    assert [(s.text, s.refused) for s in split('{"a": "123456"}', limits=small)[0]] == [
        ('{"a": "123456"', SIZE),
        ("}", ""),
    ]


def test_the_readers_give_qemus_reason_for_a_refused_input() -> None:
    data = b'{"QMP": {}}\n' + b"[" * 1025 + b"]" * 1025 + b"\n"
    items = list(read_stream(io.BytesIO(data), "deep.txt"))
    refused = [i for i in items if isinstance(i, RawMessage)][1]
    assert refused.error == f"QEMU refuses it: {NESTING}"
    assert refused.location.line == 2 and refused.location.column == 1


def test_check_counts_one_message_per_input_qemu_answers() -> None:
    error = {"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}
    log = build_log(
        [
            (Direction.SERVER, GREETING),
            (Direction.CLIENT, b'{"execute": "qmp_capabilities"}\n'),
            (Direction.SERVER, b'{"return": {}}\r\n'),
            (Direction.CLIENT, b'"just a string"\n'),
            (Direction.SERVER, json.dumps(error).encode() + b"\r\n"),
        ]
    )
    items = list(read_socat(io.BytesIO(log), "s.log"))
    info = TranscriptInfo("s.log", "socat")
    result = check_items(iter(items), info, load_contracts())
    assert result.summary.messages == 5
    assert result.summary.by_kind["invalid"] == 1
    assert [f.rule_id for f in result.findings] == ["qmpcontract/invalid-message"]


# -- the model, on anything ---------------------------------------------------------

FRAGMENTS = [
    '{"execute": "query-status", "id": 1}',
    '[1, -2.5e+3, true, null, "x"]',
    '"str"',
    "'sq'",
    "true",
    "nul",
    "0e5",
    "-",
    '{"a": [',
    "]}",
    "garbage ",
    "ABC",
    '"\\u00e9\\""',
    "\r\n",
]
ALPHABET = "{}[]:,\"'\\ \t\r\n" + "aetrunlA0123-.eE+%" + "\x00\x01\x7f\u00e9\udcfe\udcff\udc80"
LIMITS = st.one_of(
    st.just(QEMU_LIMITS),
    st.builds(
        Limits,
        nesting=st.integers(1, 6),
        tokens=st.integers(1, 12),
        size=st.integers(1, 16),
    ),
)


@pytest.mark.property
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(ALPHABET, max_size=5)), max_size=14),
    LIMITS,
    st.sampled_from([None, 4, 64]),
    st.data(),
)
@example(["[[[[1, 2]  fn", '{"execute": "x"}'], Limits(4, 11, 2), None, None)
def test_cut_like_qemu_however_chunked(
    pieces: list[str], limits: Limits, keep: int | None, data: st.DataObject | None
) -> None:
    text = "".join(pieces)
    cuts: list[int] = []
    if data is not None and len(text) > 1:
        cuts = sorted(data.draw(st.sets(st.integers(1, len(text) - 1), max_size=8)))
    segments, tail = split(text, cuts, limits, keep)
    assert spans(segments) == model(text, limits)
    if keep is None:  # every character is in exactly one place
        assert "".join(s.pre + s.text for s in segments) + tail == text
