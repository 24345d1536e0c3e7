"""The parsed files of one contract set, before they become model objects.

Semantic checks need to see the whole set at once (``requires``, cross-file
``$ref``, rule ids that must be unique across contracts), so the loader first
parses every file into a :class:`ContractFile` and indexes them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from qmpcontract.model.versions import SemVer, VersionRequirement
from qmpcontract.read.located_json import LocatedJson


def as_map(value: object) -> Mapping[str, object]:
    """*value* if it is a JSON object, else an empty mapping."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[object]:
    """*value* if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def as_str(value: object) -> str | None:
    """*value* if it is a JSON string, else None."""
    return value if isinstance(value, str) else None


@dataclass
class ContractFile:
    """One contract file: where it is and, if it parsed, its located document."""

    path: Path  # absolute
    display: str  # how messages name it
    document: LocatedJson | None = None

    @property
    def raw(self) -> Mapping[str, object]:
        """The parsed top-level object (empty if the file did not parse)."""
        return as_map(self.document.value) if self.document else {}

    @property
    def contract_id(self) -> str | None:
        """The ``contract`` member, if it is a string."""
        return as_str(self.raw.get("contract"))

    @property
    def version(self) -> SemVer | None:
        """The ``version`` member, if it is a semantic version."""
        text = as_str(self.raw.get("version"))
        try:
            return SemVer.parse(text) if text is not None else None
        except ValueError:
            return None


@dataclass
class SetIndex:
    """Every file of a contract set, by path and by contract id."""

    root: Path
    files: dict[Path, ContractFile] = field(default_factory=dict)

    def add(self, file: ContractFile) -> None:
        """Index *file* (by its absolute path)."""
        self.files[file.path] = file

    def versions_of(self, contract_id: str) -> list[ContractFile]:
        """Files whose ``contract`` is *contract_id*, oldest version first."""
        found = [f for f in self.files.values() if f.contract_id == contract_id and f.version]
        return sorted(found, key=lambda f: f.version or SemVer(0, 0, 0))

    def resolve(self, contract_id: str, requirement: VersionRequirement) -> ContractFile | None:
        """The newest file of *contract_id* that satisfies *requirement*."""
        matching = [
            f for f in self.versions_of(contract_id) if f.version and requirement.matches(f.version)
        ]
        return matching[-1] if matching else None

    def required_files(self, file: ContractFile) -> list[ContractFile]:
        """The contracts *file* requires, where they resolve."""
        found: list[ContractFile] = []
        for entry in as_list(file.raw.get("requires")):
            item = as_map(entry)
            contract_id, text = as_str(item.get("contract")), as_str(item.get("version"))
            if contract_id is None or text is None or contract_id == file.contract_id:
                continue
            try:
                requirement = VersionRequirement.parse(text)
            except ValueError:
                continue
            target = self.resolve(contract_id, requirement)
            if target is not None:
                found.append(target)
        return found
