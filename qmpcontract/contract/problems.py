"""Problems found in contract files: data, collected, never raised one by one.

A :class:`Problem` is a located statement that a contract breaks the format
(the meta-schema) or a semantic rule of the contract set.  The loader collects
every problem of every file, then raises :class:`ContractLoadError` once, so an
author sees all of them in one run (as ``packaging``'s error collector does).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from qmpcontract.location import Location


class ProblemCode(enum.StrEnum):
    """Stable codes of contract problems (used in output and the golden corpus)."""

    FILE_READ = "file-read"  # the file cannot be read or is not UTF-8
    JSON_SYNTAX = "json-syntax"  # not JSON
    DUPLICATE_MEMBER = "duplicate-member"  # a member name repeated in one object
    META_SCHEMA = "meta-schema"  # the file breaks contracts/contract.schema.json
    FILE_NAME = "file-name"  # contract id or version disagrees with the path
    RULE_ID = "rule-id"  # rule id duplicated or not prefixed by the contract id
    CHECK_KIND = "check-kind"  # unknown check kind
    CHECK_PARAMS = "check-params"  # check parameters invalid or naming unknown elements
    LIFECYCLE = "lifecycle"  # since / deprecated / removed out of order
    SCHEMA_REF = "schema-ref"  # $ref to the network, outside the set, or unresolvable
    SCHEMA_INVALID = "schema-invalid"  # an embedded schema that cannot work
    ERROR_ALIAS = "error-alias"  # error class spellings that collide
    ELEMENT_REF = "element-ref"  # a name that refers to no element
    REQUIRES = "requires"  # a required contract that is missing or mismatched
    POLICY = "policy"  # a rule's level disagrees with its category (model/policy.py)
    SEMVER = "semver"  # a version bump smaller than the changes since the previous version


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one contract file."""

    location: Location
    code: ProblemCode
    message: str
    related: tuple[tuple[Location, str], ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order by file, line, column, then code and message."""
        loc = self.location
        return (loc.file, loc.line or 0, loc.column or 0, self.code, self.message)


class ContractLoadError(Exception):
    """Raised once, with every problem, when contracts cannot be loaded."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__(f"{len(problems)} problem(s) in contracts")
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(f"{p.location}: [{p.code}] {p.message}" for p in self.problems)
