"""``qmpcontract rules``: every rule id the checker can report, from one registry."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qmpcontract.check.registry import BUILTIN_RULES
from qmpcontract.cli.common import contracts_for
from qmpcontract.model.contract_set import ContractSet


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``rules`` subcommand."""
    parser = sub.add_parser(
        "rules",
        help="list the rules (ids for --select/--ignore and baselines)",
        description="List the checker's own rules and the rules of the newest version of "
        "each contract, with their level, check kind and statement.",
    )
    parser.add_argument("--contracts", type=Path, metavar="DIR", help="contract set to use")
    parser.add_argument("--output", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def _rows(contracts: ContractSet) -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = [
        {
            "id": r.id,
            "level": r.level.value,
            "contract": None,
            "check": "built in",
            "statement": r.statement,
        }
        for r in BUILTIN_RULES
    ]
    for contract in contracts.current():
        for rule in contract.rules:
            rows.append(
                {
                    "id": rule.id,
                    "level": rule.level.value,
                    "contract": contract.ref,
                    "check": rule.check.kind if rule.check else None,
                    "statement": rule.statement,
                }
            )
    return rows


def run(args: argparse.Namespace) -> int:
    """Print the rule list; return the exit code."""
    contracts = contracts_for(args.contracts)
    rows = _rows(contracts)
    if args.output == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    width = max(len(str(r["id"])) for r in rows)
    for row in rows:
        check = row["check"] or "review only"
        sys.stdout.write(
            f"{row['id']:<{width}}  {row['level']:<6}  {check:<22}  {row['statement']}\n"
        )
    return 0
