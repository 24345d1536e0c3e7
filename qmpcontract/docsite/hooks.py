"""The mkdocs hook that generates the site's pages on every build (see ``mkdocs.yml``).

``on_config`` adds the contract pages to the navigation; ``on_files`` adds the
generated pages: one per contract, the contracts index, the rules reference,
the compatibility matrix and the CLI reference.  Inputs are all in the
repository: ``contracts/``, ``examples/``, the golden corpus and
``docs/data/qemu-api-index.json``.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from qmpcontract.contract import load_contracts
from qmpcontract.diff.compare import Differ
from qmpcontract.docsite.examples import recorded_examples
from qmpcontract.docsite.pages import contract_page, contracts_index, matrix_page
from qmpcontract.docsite.rules_page import golden_examples, rules_page
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.releases.contract import known_rules

REPO = Path(__file__).resolve().parents[2]
REGENERATE = (
    "qmpcontract api-index ../shared/corpus/libvirt-replies/*x86_64*.replies "
    "-o docs/data/qemu-api-index.json"
)
COMMANDS = (
    *("lint", "check", "rules", "kinds", "import", "diff", "history", "review", "api-index"),
    "release-data",
)


def _contracts() -> ContractSet:
    return load_contracts(REPO / "contracts")


def _releases() -> list[dict[str, Any]]:
    path = REPO / "docs" / "data" / "qemu-api-index.json"
    if not path.is_file():
        return []
    releases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["releases"]
    return releases


def _change_examples(contracts: ContractSet) -> dict[str, str]:
    examples: dict[str, str] = {}
    context = list(contracts)
    for contract_id in contracts.ids():
        versions = contracts.versions(contract_id)
        for older, newer in itertools.pairwise(versions):
            for change in Differ(context, context).diff(older, newer):
                examples.setdefault(
                    change.rule_id,
                    f"{older.ref} -> {newer.ref}: {change.level.value} [{change.rule_id}] "
                    f"{change.message}",
                )
    return examples


def _cli_page() -> str:
    lines = ["# Command line", "", "Generated from `qmpcontract --help` at build time.", ""]
    for command in ("", *COMMANDS):
        args = [sys.executable, "-m", "qmpcontract", *([command] if command else []), "--help"]
        done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=REPO)
        title = f"`qmpcontract {command}`" if command else "`qmpcontract`"
        lines += [f"## {title}", "", "```text", done.stdout.rstrip(), "```", ""]
    return "\n".join(lines) + "\n"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Put every contract page in the navigation."""
    contracts = _contracts()
    pages = [{"Overview": "contracts/index.md"}] + [
        {contract_id: f"contracts/{contract_id}.md"} for contract_id in contracts.ids()
    ]
    nav = config.nav or []
    nav.insert(1, {"Contracts": pages})
    config.nav = nav
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages."""
    contracts = _contracts()
    releases = _releases()
    examples = recorded_examples(REPO / "examples" / "qemu-7.2-block-jobs.jsonl")
    generated = {
        "contracts/index.md": contracts_index(contracts),
        "reference/rules.md": rules_page(
            contracts,
            golden_examples(REPO / "tests" / "corpus" / "transcripts" / "golden"),
            _change_examples(contracts),
            known_rules(),
        ),
        "compatibility.md": matrix_page(contracts, releases, REGENERATE),
        "reference/cli.md": _cli_page(),
    }
    for contract_id in contracts.ids():
        generated[f"contracts/{contract_id}.md"] = contract_page(
            contract_id, contracts, examples, releases
        )
    for path, content in generated.items():
        files.append(File.generated(config, path, content=content))
    return files
