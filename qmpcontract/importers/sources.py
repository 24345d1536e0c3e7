"""Where an introspection comes from: a raw reply, or any transcript holding one.

A raw reply is a JSON document: the SchemaInfo list itself, or a response
``{"return": [...]}``.  Anything else is read as a transcript (any format the
checker reads), and the first ``query-qmp-schema`` reply in it is used; its
QEMU version comes from the same transcript (greeting or ``query-version``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from qmpcontract.errors import InputError, InputReadError
from qmpcontract.importers.introspection import snapshot_from_schema
from qmpcontract.location import Location
from qmpcontract.model.qemu_api import ApiSnapshot
from qmpcontract.model.session_builder import build_sessions
from qmpcontract.model.transcript import Kind, Session, qemu_version_of
from qmpcontract.model.versions import QemuVersion
from qmpcontract.read.formats import open_transcript
from qmpcontract.read.messages import decode


def _raw_reply(path: Path) -> list[object] | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputReadError(
            f"cannot read file: {exc.strerror or exc}", Location(str(path))
        ) from exc
    stripped = data.lstrip()
    if stripped[:1] == b"[":
        try:
            value = json.loads(data)
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, list) else None
    if stripped[:1] == b"{" and b'"return"' in data[:64]:
        value, error = decode(data.decode("utf-8", "surrogateescape"))
        if error is None and isinstance(value, Mapping) and isinstance(value.get("return"), list):
            return list(value["return"])
    return None


def load_introspection(path: Path, version: QemuVersion | None = None) -> ApiSnapshot:
    """Import the introspection in *path* (a raw reply or a transcript).

    :raise InputError: if *path* holds no ``query-qmp-schema`` reply.
    """
    raw = _raw_reply(path)
    if raw is not None:
        return snapshot_from_schema(raw, version=version, source=str(path))
    transcript = open_transcript(path)
    sessions = build_sessions(
        transcript.items(), pair_by_position=transcript.format.pair_by_position
    )
    found = schema_reply(sessions)
    if found is None:
        raise InputError("no query-qmp-schema reply in this file", Location(str(path)))
    reply, where = found
    found_version = version or qemu_version_of(sessions)
    return snapshot_from_schema(reply, version=found_version, source=str(where), where=where)


def schema_reply(sessions: Sequence[Session]) -> tuple[list[object], Location] | None:
    """The first successful ``query-qmp-schema`` reply in *sessions*, and where it is."""
    for session in sessions:
        for exchange in session.exchanges:
            response = exchange.response
            if exchange.command != "query-qmp-schema" or response is None:
                continue
            reply = response.body.get("return")
            if response.kind is Kind.SUCCESS and isinstance(reply, list):
                return reply, response.raw.location
    return None
