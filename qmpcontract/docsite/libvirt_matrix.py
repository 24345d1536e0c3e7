"""libvirt releases against QEMU releases, through the contracts both sides agreed on.

For a libvirt release L and a QEMU release Q, the contract versions that apply
are, for each contract, the newest version whose producer range holds Q and
whose libvirt consumer range holds L (a version that names no libvirt range
holds every libvirt).  The cell is the verdict of Q on all of them together
(:func:`qmpcontract.docsite.matrix.verdict`), with the versions it used.  The
libvirt releases are those of the shipped libvirt usage data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qmpcontract.docsite.matrix import ReleaseApi, Verdict, verdict
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.versions import QemuVersion


@dataclass(frozen=True)
class Pair:
    """One cell: the contract versions agreed for a libvirt and a QEMU release, and Q's verdict."""

    used: tuple[Contract, ...]
    result: Verdict

    @property
    def text(self) -> str:
        """What the cell shows, its versions included."""
        if not self.used:
            return '<span class="qmp-cell qmp-na">n/a</span>'
        refs = ", ".join(c.ref for c in self.used)
        return (
            f'<span class="qmp-cell qmp-{self.result.css}">{self.result.symbol}</span> '
            f'<span class="qmp-used">{refs}</span>'
        )


def _libvirt_holds(contract: Contract, libvirt: QemuVersion) -> bool:
    for party in contract.consumers:
        if party.name == "libvirt":
            return party.versions is None or libvirt in party.versions
    return False


def agreed(contracts: ContractSet, libvirt: QemuVersion, qemu: QemuVersion) -> list[Contract]:
    """For each contract, the newest version that covers both releases."""
    chosen = []
    for contract_id in contracts.ids():
        fitting = [
            c
            for c in contracts.versions(contract_id)
            if (c.producer.versions is None or qemu in c.producer.versions)
            and _libvirt_holds(c, libvirt)
        ]
        if fitting:
            chosen.append(fitting[-1])
    return chosen


def pair(contracts: ContractSet, libvirt: QemuVersion, release: ReleaseApi) -> Pair:
    """The cell of *libvirt* and *release*."""
    used = agreed(contracts, libvirt, release.version)
    verdicts = [verdict(c, release) for c in used]
    missing = tuple(m for v in verdicts for m in v.missing)
    unknown = tuple(u for v in verdicts for u in v.unknown)
    return Pair(tuple(used), Verdict(bool(used), missing, unknown))


def libvirt_table(
    contracts: ContractSet, libvirts: Sequence[str], releases: Sequence[ReleaseApi]
) -> str:
    """QEMU releases (rows, neighbours that show the same collapsed) by libvirt releases."""
    versions = [QemuVersion.parse(v) for v in libvirts]
    head = " | ".join(f"libvirt {v}" for v in libvirts)
    lines = [f"| QEMU | {head} |", "|---|" + "---|" * len(libvirts)]
    rows: list[tuple[str, str, list[str]]] = []
    for release in releases:
        cells = [pair(contracts, v, release).text for v in versions]
        if rows and rows[-1][2] == cells:
            rows[-1] = (rows[-1][0], release.label, cells)
        else:
            rows.append((release.label, release.label, cells))
    for first, last, cells in rows:
        label = first if first == last else f"{first} to {last}"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
