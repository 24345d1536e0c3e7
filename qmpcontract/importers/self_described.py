"""Self-described transcripts: check a transcript against the schema it carries.

A transcript that holds a ``query-qmp-schema`` reply (every libvirt
``.replies`` file from QEMU 2.5 on) says what that QEMU build accepts and
sends.  :func:`embedded_contracts` finds the reply, imports it and returns a
snapshot contract (id ``qemu-introspection``) whose rules check every command's
arguments, every return and every event of the transcript against QEMU's own
schema, next to the agreed contracts.  ``--schema FILE`` supplies the schema
from elsewhere instead (:func:`contracts_from_file`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from qmpcontract.contract.build import build_contract
from qmpcontract.errors import InputError
from qmpcontract.importers.introspection import snapshot_from_schema
from qmpcontract.importers.sources import load_introspection, schema_reply
from qmpcontract.importers.to_contract import snapshot_contract
from qmpcontract.location import Location
from qmpcontract.model.contract import Contract
from qmpcontract.model.qemu_api import ApiSnapshot
from qmpcontract.model.transcript import Session
from qmpcontract.model.versions import QemuVersion

CONTRACT_ID = "qemu-introspection"


def snapshot_to_contract(
    snapshot: ApiSnapshot,
    version: QemuVersion,
    origin: str,
    contract_id: str = CONTRACT_ID,
    masked_names: bool = True,
) -> Contract:
    """The snapshot contract of *snapshot*, as a model object."""
    document = snapshot_contract(
        snapshot,
        contract_id=contract_id,
        origin=origin,
        version=version,
        masked_names=masked_names,
    )
    return build_contract(document, snapshot.source or origin)


def snapshot_rules() -> Contract:
    """An empty snapshot contract: the rules every snapshot contract states."""
    empty = ApiSnapshot({}, {}, {}, QemuVersion(0, 0), "")
    return snapshot_to_contract(empty, QemuVersion(0, 0), "query-qmp-schema")


def embedded_contracts(sessions: Sequence[Session], version: QemuVersion | None) -> list[Contract]:
    """The snapshot contract of the first ``query-qmp-schema`` reply in *sessions*."""
    found = schema_reply(sessions)
    if found is None or version is None:
        return []  # without a QEMU version a snapshot cannot say 'since'
    reply, where = found
    snapshot = snapshot_from_schema(reply, version=version, source=str(where), where=where)
    return [snapshot_to_contract(snapshot, version, f"query-qmp-schema reply at {where}")]


@lru_cache(maxsize=8)
def _from_file(path: Path, version: QemuVersion | None) -> Contract:
    snapshot = load_introspection(path, version)
    if snapshot.version is None:
        raise InputError(
            "the schema's QEMU version is unknown: give --qemu-version", Location(str(path))
        )
    return snapshot_to_contract(snapshot, snapshot.version, f"query-qmp-schema reply in {path}")


def contracts_from_file(path: Path, version: QemuVersion | None) -> Contract:
    """The snapshot contract of the introspection in *path* (a reply or a transcript).

    :raise InputError: if *path* holds no usable introspection.
    """
    return _from_file(path, version)
