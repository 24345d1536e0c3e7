"""A set of contracts: every version of every contract in one directory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from qmpcontract.model.contract import Contract, ContractStatus, Requirement, Rule
from qmpcontract.model.versions import SemVer


@dataclass(frozen=True)
class ContractSet:
    """Contracts ordered by id, then version (oldest first)."""

    contracts: tuple[Contract, ...]
    root: str = ""

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.contracts, key=lambda c: (c.id, c.version)))
        object.__setattr__(self, "contracts", ordered)

    def __iter__(self) -> Iterator[Contract]:
        return iter(self.contracts)

    def __len__(self) -> int:
        return len(self.contracts)

    def ids(self) -> tuple[str, ...]:
        """Every contract id, sorted."""
        return tuple(sorted({c.id for c in self.contracts}))

    def versions(self, contract_id: str) -> tuple[Contract, ...]:
        """Every version of *contract_id*, oldest first."""
        return tuple(c for c in self.contracts if c.id == contract_id)

    def get(self, contract_id: str, version: SemVer | str) -> Contract | None:
        """One version of one contract."""
        wanted = SemVer.parse(version) if isinstance(version, str) else version
        return next((c for c in self.versions(contract_id) if c.version == wanted), None)

    def latest(self, contract_id: str, *, include_drafts: bool = True) -> Contract | None:
        """The newest version of *contract_id* (optionally skipping drafts)."""
        candidates = [
            c
            for c in self.versions(contract_id)
            if include_drafts or c.status is not ContractStatus.DRAFT
        ]
        return candidates[-1] if candidates else None

    def resolve(self, requirement: Requirement) -> Contract | None:
        """The newest contract satisfying *requirement*."""
        matching = [
            c for c in self.versions(requirement.contract) if requirement.version.matches(c.version)
        ]
        return matching[-1] if matching else None

    def current(self) -> tuple[Contract, ...]:
        """The newest version of each contract."""
        found = (self.latest(i) for i in self.ids())
        return tuple(c for c in found if c is not None)

    def rules(self) -> tuple[tuple[Contract, Rule], ...]:
        """Every rule of the newest version of each contract, with its contract."""
        return tuple((c, r) for c in self.current() for r in c.rules)


@dataclass(frozen=True)
class Supplement:
    """Contracts that come with one transcript (its own schema, its release's data).

    *notes* say where they come from, for the report: which release's data was
    used, or why none was.
    """

    contracts: tuple[Contract, ...] = ()
    notes: tuple[str, ...] = field(default=())
