"""What a libvirt release relies on in a contract.

The commands it sends, the events it handles, the error classes it matches, the
commands whose schema it probes.

The answer behind a contract's versioned consumers ("libvirt 9.0.0 and later rely on
block-jobs 2.5.0") and the docs' libvirt x QEMU view; ``tests/test_libvirt_reliance.py``
holds every contract's listed libvirt versions to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmpcontract.libvirt.usage import LibvirtUsage
from qmpcontract.model.contract import Contract


@dataclass(frozen=True)
class Reliance:
    """The elements of one contract one libvirt release uses."""

    libvirt: str  # "libvirt 9.0"
    contract: str  # id@version
    sends: tuple[str, ...]
    handles: tuple[str, ...]
    matches: tuple[str, ...]
    probes: tuple[str, ...]

    def __bool__(self) -> bool:
        """True if the release uses anything of the contract."""
        return bool(self.sends or self.handles or self.matches or self.probes)

    def describe(self) -> str:
        """One line: "libvirt 9.0 sends block-stream, ...; handles ..."."""
        parts = [
            f"{verb} {', '.join(names)}"
            for verb, names in (
                ("sends", self.sends),
                ("handles", self.handles),
                ("matches", self.matches),
                ("probes the schema of", self.probes),
            )
            if names
        ]
        return f"{self.libvirt} {'; '.join(parts) or 'uses nothing of it'}"


def reliance(contract: Contract, usage: LibvirtUsage) -> Reliance:
    """What *usage*'s libvirt release uses of *contract*'s commands, events and errors."""
    return Reliance(
        usage.label,
        contract.ref,
        tuple(c.name for c in contract.commands if usage.sends(c.name)),
        tuple(e.name for e in contract.events if usage.handles(e.name)),
        tuple(e.name for e in contract.errors if usage.matches(e.name)),
        tuple(c.name for c in contract.commands if usage.probes_command(c.name)),
    )
