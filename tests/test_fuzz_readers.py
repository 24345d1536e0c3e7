"""Hypothesis-driven fuzzing of every reader, the QAPI parser and the patch reader.

Inputs are built from the pieces real inputs are made of (QMP messages, socat
headers, libvirt record prefixes, recording records, QAPI expressions, diff
hunks), cut, repeated, interleaved with garbage and raw bytes.  Whatever comes
in, a reader yields located items and raises nothing but ``InputError``, and
every message it yields is either parsed or carries its error.  The ``ci``
profile runs briefly in CI; ``--hypothesis-profile=long`` runs 2,000 examples
each.  Crashes found are kept below as explicit examples (``@example``).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qmpcontract.errors import InputError, QmpContractError
from qmpcontract.model.session_builder import build_sessions
from qmpcontract.read.formats import FORMATS
from qmpcontract.read.messages import RawMessage
from qmpcontract.read.qapi import parse_qapi
from qmpcontract.read.qapi_source import QapiError
from qmpcontract.review.trees import from_patch

pytestmark = pytest.mark.property

PIECES = [
    b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, '
    b'"capabilities": ["oob"]}}',
    b'{"execute": "qmp_capabilities", "id": 1}',
    b'{"return": {}, "id": 1}',
    b'{"error": {"class": "GenericError", "desc": "x"}}',
    b'{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}',
    b'{"execute": "query-status", "arguments": {"a": [1, {"b": "\\u00e9}"}]}}',
    b"> 2026/11/25 23:23:26.000646163  length=31 from=0 to=30\n",
    b"< 2026/11/25 23:23:26.000646388  length=16 from=0 to=15\n",
    b"2026-11-25 23:26:43.283+0000: 17844: info : qemuMonitorIOWrite:366 : "
    b"QEMU_MONITOR_IO_WRITE: mon=0x7f01 buf=",
    b"2026-11-25 23:26:43.284+0000: 17844: debug : qemuMonitorJSONIOProcessLine:189 : Line [",
    b"2026-11-25 23:26:43.282+0000: 17844: info : qemuMonitorOpenInternal:1 : "
    b"QEMU_MONITOR_NEW: mon=0x7f01 refs=2 fd=20",
    b" len=41 ret=41 errno=0",
    b'{"type": "header", "format": "qmpcontract-recording", "version": 1}',
    b'{"type": "open", "session": 0, "t": 1}',
    b'{"type": "message", "session": 0, "dir": "client", "t": 1, "raw": "{\\"execute\\": 1}"}',
    b'{"type": "close", "session": 0, "t": 2, "reason": "eof"}',
    b"\r\n",
    b"\n",
    b"\\r",
    b"{",
    b"}",
    b"[",
    b'"',
    b"'",
    b"\\",
    b"\x00",
    b"\xff\xfe",
    b"\xe2\x82",
    b"]",
]
INPUTS = st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=24)), max_size=40).map(
    b"".join
)


def _read_all(fmt: str, data: bytes) -> list[object]:
    items: list[object] = list(FORMATS[fmt].read(io.BytesIO(data), "fuzz"))
    for item in items:
        if isinstance(item, RawMessage):
            assert item.location.file == "fuzz"
            assert item.value is not None or item.error is not None, item
    build_sessions(items)  # type: ignore[arg-type]  # the model accepts whatever it yields
    return items


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_readers_never_crash(fmt: str) -> None:
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(INPUTS)
    @example(b"")
    @example(b"\n\n")
    @example(b"[" * 5000 + b"]" * 5000)
    @example(b'{"a": 1, "a": 2}\n')
    def read(data: bytes) -> None:
        try:
            first = _read_all(fmt, data)
        except InputError as exc:
            where = exc.location.file
            first = None
        if first is None:
            assert where == "fuzz"  # refused, and located
        else:
            assert len(_read_all(fmt, data)) == len(first)  # deterministic

    read()


QAPI_PIECES = [
    "{ 'command': 'query-x' }\n",
    "{ 'struct': 'S', 'data': { 'a': 'int', '*b': 'str' } }\n",
    "{ 'enum': 'E', 'data': [ 'x', 'y' ] }\n",
    "{ 'union': 'U', 'base': { 'type': 'E' }, 'discriminator': 'type', 'data': { 'x': 'S' } }\n",
    "{ 'event': 'EV', 'data': 'S' }\n",
    "{ 'alternate': 'A', 'data': { 'i': 'int', 's': 'str' } }\n",
    "{ 'include': 'other.json' }\n",
    "{ 'pragma': { 'doc-required': false } }\n",
    "##\n# @S:\n#\n# Docs.\n##\n",
    "# comment\n",
    "{ 'command': 'c', 'data': { 'x': 'S' }, 'returns': 'S', 'if': 'CONFIG_X' }\n",
    "{",
    "}",
    "'",
    "\\",
    ":",
    ",",
    "\t",
    "\n",
]


@given(st.lists(st.one_of(st.sampled_from(QAPI_PIECES), st.text(max_size=8)), max_size=25))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_qapi_parser_never_crashes(parts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name) / "qapi-schema.json"
        root.write_text("".join(parts), encoding="utf-8", errors="surrogateescape")
        (Path(name) / "other.json").write_text("{ 'command': 'other' }\n")
        refused: QapiError | None = None
        try:
            parse_qapi(root)
        except QapiError as exc:
            refused = exc
        if refused is not None:  # located in one of the two files, with a line, and says why
            location, text = refused.location, str(refused)
            assert location is not None and location.line is not None and location.line >= 1
            assert Path(location.file).name in ("qapi-schema.json", "other.json"), location
            assert text.startswith(f"{location.file}:{location.line}"), text
            assert text.split(": ", 1)[1].strip(), text


PATCH_PIECES = [
    b"From 1234 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n",
    b"diff --git a/qapi/qapi-schema.json b/qapi/qapi-schema.json\n",
    b"--- a/qapi/qapi-schema.json\n+++ b/qapi/qapi-schema.json\n",
    b"@@ -1 +1 @@\n",
    b"-{ 'command': 'query-x' }\n",
    b"+{ 'command': 'query-y' }\n",
    b" context\n",
    b"GIT binary patch\nliteral 4\nLcmZ?wfB*mh2mk>9\n\n",
    b"--- a/../../etc/passwd\n",
    b"\x00\xff",
    b"\n",
]


@given(st.lists(st.one_of(st.sampled_from(PATCH_PIECES), st.binary(max_size=12)), max_size=12))
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
def test_patch_reader_never_crashes(parts: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as name:
        tree = Path(name) / "tree"
        (tree / "qapi").mkdir(parents=True)
        (tree / "qapi" / "qapi-schema.json").write_text("{ 'command': 'query-x' }\n")
        patch = Path(name) / "change.patch"
        patch.write_bytes(b"".join(parts))
        refused: QmpContractError | None = None
        try:
            from_patch(patch, tree, Path(name) / "work")
        except QmpContractError as exc:
            refused = exc
        if refused is not None:  # it says which patch
            assert str(patch) in str(refused), str(refused)
