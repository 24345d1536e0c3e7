"""Semantic versions of our own contracts must match what changed between them.

A MUST change (an ABI break) needs a new major version; any other change to the
wire needs at least a new minor version.  ``0.x`` drafts may break without a new
major version (Semantic Versioning, item 4).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from qmpcontract.diff.agreed import judged
from qmpcontract.diff.compare import Change, Differ
from qmpcontract.model.contract import Contract, Level
from qmpcontract.model.contract_set import ContractSet


@dataclass(frozen=True)
class SemverIssue:
    """A version bump smaller than the change requires."""

    older: Contract
    newer: Contract
    needed: str  # "major" or "minor"
    changes: Sequence[Change]  # the changes that need it


def semver_issues(contracts: ContractSet) -> list[SemverIssue]:
    """Every pair of consecutive contract versions whose bump is too small."""
    issues = []
    context = list(contracts)
    for contract_id in contracts.ids():
        for older, newer in itertools.pairwise(contracts.versions(contract_id)):
            changes = judged(older, Differ(context, context).diff(older, newer))
            breaking = [c for c in changes if c.level is Level.MUST]
            old_v, new_v = older.version, newer.version
            if breaking and old_v.major > 0 and new_v.major == old_v.major:
                issues.append(SemverIssue(older, newer, "major", breaking))
            elif changes and (new_v.major, new_v.minor) == (old_v.major, old_v.minor):
                issues.append(SemverIssue(older, newer, "minor", changes))
    return issues
