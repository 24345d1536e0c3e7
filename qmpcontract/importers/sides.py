"""What a side of ``diff`` (or ``history``) is: contracts, an introspection, QAPI sources.

A side is given as a path:

* a contract set directory (``contracts/``): the newest version of each contract;
* a contract file (``contracts/block-jobs/2.3.0.json``): that contract, with its set;
* a QAPI root file (``qapi/qapi-schema.json``, single-quoted QAPI): its snapshot;
* anything else: an introspection source (a raw ``query-qmp-schema`` reply or any
  transcript holding one): its snapshot.

Every side yields :class:`Side` objects: a contract and the set its ``$ref``
resolve in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qmpcontract.contract.loader import load_contracts
from qmpcontract.errors import InputError
from qmpcontract.importers.qapi_schema import load_qapi_snapshot
from qmpcontract.importers.self_described import snapshot_to_contract
from qmpcontract.importers.sources import load_introspection
from qmpcontract.location import Location
from qmpcontract.model.contract import Contract
from qmpcontract.model.qemu_api import ApiSnapshot
from qmpcontract.model.versions import QemuVersion

QapiLoader = Callable[[Path, QemuVersion | None], tuple[ApiSnapshot, QemuVersion]]


@dataclass(frozen=True)
class Side:
    """One contract of a side, with the contracts its references resolve in."""

    contract: Contract
    context: Sequence[Contract]
    source: str
    places: Mapping[str, tuple[str, int]] = field(default_factory=dict)  # QAPI: file, line


def _is_contract_file(path: Path) -> bool:
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return False
    return head.lstrip()[:1] == b"{" and b'"contract"' in head


def _is_qapi(path: Path) -> bool:
    if path.is_dir():
        return (path / "qapi-schema.json").is_file()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:65536]
    except OSError:
        return False
    stripped = text.lstrip()
    if stripped.startswith("#"):
        return True
    try:
        json.loads(text)
    except ValueError:
        return "'" in stripped[:200]
    return False


def load_side(
    path: Path, version: QemuVersion | None = None, qapi: QapiLoader = load_qapi_snapshot
) -> list[Side]:
    """The contracts a path stands for.

    *qapi* reads QAPI sources (``review`` reads them without the documentation rules).

    :raise InputError: if the path cannot be read as any kind of side.
    """
    if not path.exists():
        raise InputError("no such file or directory", Location(str(path)))
    if path.is_dir() and not _is_qapi(path):
        contracts = load_contracts(path)
        return [Side(c, list(contracts), str(path)) for c in contracts.current()]
    if _is_qapi(path):
        root = path / "qapi-schema.json" if path.is_dir() else path
        snapshot, found = qapi(root, version)
        contract = snapshot_to_contract(
            snapshot, found, f"QAPI sources at {root}", "qemu-qapi", masked_names=False
        )
        return [Side(contract, [contract], str(root), snapshot.places)]
    if _is_contract_file(path):
        contracts = load_contracts(path.resolve().parent.parent)
        chosen = [c for c in contracts if Path(c.path).resolve() == path.resolve()]
        if not chosen:
            raise InputError("not a contract of its set", Location(str(path)))
        return [Side(chosen[0], list(contracts), str(path))]
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, version, str(path))
    side = _INTROSPECTED.get(key)
    if side is None:
        snapshot = load_introspection(path, version)
        if snapshot.version is None:
            message = "the QEMU version is unknown; give --qemu-version"
            raise InputError(message, Location(str(path)))
        contract = snapshot_to_contract(snapshot, snapshot.version, f"introspection in {path}")
        side = Side(contract, [contract], str(path))
        if len(_INTROSPECTED) >= 8:
            del _INTROSPECTED[next(iter(_INTROSPECTED))]
        _INTROSPECTED[key] = side
    return [side]


# Introspection sides already read in this process (a file unchanged since is not read
# again: comparing adjacent releases reads each one as the new side, then as the old).
_INTROSPECTED: dict[tuple[str, int, int, QemuVersion | None, str], Side] = {}


def pair_sides(old: list[Side], new: list[Side]) -> list[tuple[Side, Side]]:
    """Pair contracts by id (two single snapshots pair whatever their ids)."""
    if len(old) == 1 and len(new) == 1:
        return [(old[0], new[0])]
    by_id = {s.contract.id: s for s in new}
    return [(s, by_id[s.contract.id]) for s in old if s.contract.id in by_id]
