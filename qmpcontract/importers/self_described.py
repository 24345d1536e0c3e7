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
from qmpcontract.contract.metaschema import meta_schema_problems
from qmpcontract.errors import InputError
from qmpcontract.importers.introspection import snapshot_from_schema
from qmpcontract.importers.sources import load_introspection, schema_reply
from qmpcontract.importers.to_contract import snapshot_contract
from qmpcontract.location import Location
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import Supplement
from qmpcontract.model.qemu_api import ApiSnapshot
from qmpcontract.model.transcript import Session
from qmpcontract.model.versions import QemuVersion
from qmpcontract.read.located_json import parse_located, read_text

CONTRACT_ID = "qemu-introspection"
# Before 2.8 device_add was not in the QAPI schema, so introspection did not list every
# command: 'qapi-schema: add 'device_add'' (94cfd07f26ef240499f3a4a7a14a4bcc17b8f003).
ALL_COMMANDS_INTROSPECTED = QemuVersion(2, 8)


def snapshot_to_contract(
    snapshot: ApiSnapshot,
    version: QemuVersion,
    origin: str,
    contract_id: str = CONTRACT_ID,
    masked_names: bool = True,
    all_commands: bool | None = None,
) -> Contract:
    """The snapshot contract of *snapshot*, as a model object.

    *all_commands* says whether the snapshot names every command of the build
    (default: it does from QEMU 2.8 on).
    """
    if all_commands is None:
        all_commands = version >= ALL_COMMANDS_INTROSPECTED
    document = snapshot_contract(
        snapshot,
        contract_id=contract_id,
        origin=origin,
        version=version,
        masked_names=masked_names,
        all_commands=all_commands,
    )
    return build_contract(document, snapshot.source or origin)


def snapshot_rules(contract_id: str = CONTRACT_ID) -> Contract:
    """An empty snapshot contract: the rules every snapshot contract (of that id) states."""
    empty = ApiSnapshot({}, {}, {}, QemuVersion(0, 0), "")
    return snapshot_to_contract(
        empty, QemuVersion(0, 0), "query-qmp-schema", contract_id, all_commands=True
    )


def embedded_contracts(sessions: Sequence[Session], version: QemuVersion | None) -> Supplement:
    """The snapshot contract of the first ``query-qmp-schema`` reply in *sessions*."""
    found = schema_reply(sessions)
    if found is None or version is None:
        return Supplement()  # without a QEMU version a snapshot cannot say 'since'
    reply, where = found
    snapshot = snapshot_from_schema(reply, version=version, source=str(where), where=where)
    contract = snapshot_to_contract(snapshot, version, f"query-qmp-schema reply at {where}")
    line = f" at line {where.line}" if where.line else ""
    return Supplement((contract,), (f"QEMU's own schema (its query-qmp-schema reply{line})",))


def _snapshot_document(path: Path) -> Contract | None:
    """The snapshot contract *path* holds (as ``import introspection|qapi -o`` writes), or None.

    :raise InputError: if it is one but breaks the contract format.
    """
    try:
        text = read_text(path)
    except InputError:
        return None  # load_introspection says why it cannot read it
    if not text.lstrip().startswith("{") or '"contract"' not in text[:4096]:
        return None
    try:
        document = parse_located(text, str(path))
    except InputError:
        return None
    value = document.value
    if not (isinstance(value, dict) and "contract" in value and "commands" in value):
        return None
    for problem in meta_schema_problems(document):
        raise InputError(f"not a usable snapshot contract: {problem.message}", problem.location)
    return build_contract(value, str(path))


@lru_cache(maxsize=8)
def _from_file(path: Path, version: QemuVersion | None) -> Contract:
    contract = _snapshot_document(path)
    if contract is not None:
        return contract
    snapshot = load_introspection(path, version)
    if snapshot.version is None:
        raise InputError(
            "the schema's QEMU version is unknown: give --qemu-version", Location(str(path))
        )
    return snapshot_to_contract(snapshot, snapshot.version, f"query-qmp-schema reply in {path}")


def contracts_from_file(path: Path, version: QemuVersion | None) -> Contract:
    """The snapshot contract in *path*, or the one of the introspection it holds.

    *path* is a snapshot contract written by ``qmpcontract import``, a raw
    ``query-qmp-schema`` reply, or a transcript holding one.

    :raise InputError: if *path* holds neither.
    """
    return _from_file(path, version)
