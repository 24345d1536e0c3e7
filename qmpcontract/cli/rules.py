"""``qmpcontract rules``: every rule id a command can report, from the registries.

``check`` reports the checker's own rules, the rules of the agreed contracts,
and the rules of the contracts a transcript brings (QEMU's own schema, from its
``query-qmp-schema`` reply, ``--schema`` or the release data, and its release's
error classes); ``diff`` and ``review`` report the change kinds of the
differ's catalogue.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qmpcontract.check.registry import BUILTIN_RULES
from qmpcontract.cli.common import contracts_for
from qmpcontract.diff.catalogue import CHANGES
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.releases.contract import known_rules

Row = dict[str, str | None]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``rules`` subcommand."""
    parser = sub.add_parser(
        "rules",
        help="list every rule id (for --select/--ignore and baselines)",
        description="List every rule id a command can report, with its level, what checks "
        "it, whom it obliges (producer: QEMU, consumer: the client, or both) and its "
        "statement: the checker's own rules, the rules of the newest version of "
        "each contract, the rules of the contracts a transcript brings (QEMU's own schema: "
        "qemu-introspection/*, qemu-qapi/* from 'import qapi', qemu-release/* from the "
        "release data; qemu-error-classes/*), and the change kinds of 'diff' and 'review' "
        "(diff/*).",
    )
    parser.add_argument("--contracts", type=Path, metavar="DIR", help="contract set to use")
    parser.add_argument("--output", choices=("text", "json"), default="text", help="list format")
    parser.set_defaults(func=run)


def _contract_rows(contract: Contract, origin: str, command: str) -> list[Row]:
    return [
        {
            "id": rule.id,
            "level": rule.level.value,
            "category": rule.category.value,
            "party": rule.party.value,
            "contract": origin,
            "check": rule.check.kind if rule.check else None,
            "command": command,
            "statement": rule.statement,
        }
        for rule in contract.rules
    ]


def rows(contracts: ContractSet) -> list[Row]:
    """One row per rule id any command can report, each id once."""
    found: list[Row] = [
        {
            "id": r.id,
            "level": r.level.value,
            "category": r.category.value,
            "party": r.party.value,
            "contract": None,
            "check": "built in",
            "command": "check",
            "statement": r.statement,
        }
        for r in BUILTIN_RULES
    ]
    for contract in contracts.current():
        found.extend(_contract_rows(contract, contract.ref, "check"))
    for contract in known_rules():
        origin = f"{contract.id} (the transcript's QEMU)"
        found.extend(_contract_rows(contract, origin, "check"))
    for change in CHANGES.values():
        found.append(
            {
                "id": change.id,
                "level": change.level.value,
                "category": change.category.value,
                "party": change.party.value,
                "contract": None,
                "check": "diff",
                "command": "diff, review",
                "statement": change.summary,
            }
        )
    unique: dict[str, Row] = {}
    for row in found:
        unique.setdefault(str(row["id"]), row)
    return list(unique.values())


def run(args: argparse.Namespace) -> int:
    """Print the rule list; return the exit code."""
    listed = rows(contracts_for(args.contracts))
    if args.output == "json":
        sys.stdout.write(json.dumps(listed, indent=2) + "\n")
        return 0
    width = max(len(str(r["id"])) for r in listed)
    for row in listed:
        check = row["check"] or "review only"
        sys.stdout.write(
            f"{row['id']:<{width}}  {row['level']:<6}  {row['party']:<8}  {check:<22}  "
            f"{row['statement']}\n"
        )
    return 0
