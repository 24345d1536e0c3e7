"""The semantic-versioning check of ``lint``, as contract problems."""

from __future__ import annotations

from collections.abc import Callable

from qmpcontract.contract.problems import Problem, ProblemCode
from qmpcontract.diff.semver import semver_issues
from qmpcontract.location import Location
from qmpcontract.model.contract_set import ContractSet


def semver_problems(
    contracts: ContractSet, locate: Callable[[str, str], Location]
) -> list[Problem]:
    """A problem at the newer file's version for every bump smaller than its changes."""
    problems = []
    for issue in semver_issues(contracts):
        first = issue.changes[0]
        more = f" (and {len(issue.changes) - 1} more)" if len(issue.changes) > 1 else ""
        what = "breaks the ABI" if issue.needed == "major" else "changes the wire"
        problems.append(
            Problem(
                locate(issue.newer.path, "/version"),
                ProblemCode.SEMVER,
                f"the contract: version {issue.newer.version} {what} since "
                f"{issue.older.version} but is not a new {issue.needed} version: "
                f"{first.level.value} [{first.rule_id}] {first.message}{more}",
                ((locate(issue.older.path, "/version"), "the previous version"),),
            )
        )
    return problems
