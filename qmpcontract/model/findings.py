"""Findings: what the checker (and later the differ) says about its subject.

A finding is data, never an exception: which rule, at which level, what is
wrong, where in the transcript (file, line, message index, JSON pointer), which
contract element it concerns, what was expected and what was found.  Renderers
in ``qmpcontract.report`` turn findings into text, JSON, JUnit or SARIF and
decide nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmpcontract.location import Location
from qmpcontract.model.contract import Level, Obliged


@dataclass(frozen=True)
class ContractRef:
    """A place in a contract: ``id@version`` plus a JSON pointer (and the file)."""

    contract: str
    version: str
    pointer: str = ""
    file: str | None = None

    def __str__(self) -> str:
        return f"{self.contract}@{self.version}#{self.pointer}"


@dataclass(frozen=True)
class Finding:
    """One located statement that a rule is not kept."""

    rule_id: str
    level: Level
    message: str
    location: Location
    contract_ref: ContractRef | None = None
    expected: str | None = None
    actual: str | None = None
    related: tuple[tuple[Location, str], ...] = ()
    context: str | None = None  # e.g. "in command 'block-stream'"
    party: Obliged | None = None  # whom the broken rule obliges (None: not known)

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        """Stable order: file, line, message index, level, rule id, message."""
        loc = self.location
        return (
            loc.file,
            loc.line or 0,
            loc.message_index if loc.message_index is not None else -1,
            self.level.rank,
            self.rule_id,
            self.message,
        )

    def dedup_key(self) -> tuple[str, str, int | None, str]:
        """Equal for findings that say the same thing about the same message."""
        loc = self.location
        return (self.rule_id, loc.file, loc.message_index, self.message)
