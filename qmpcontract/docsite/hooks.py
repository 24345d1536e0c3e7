"""The mkdocs hook that generates the site's pages on every build (see ``mkdocs.yml``).

``on_config`` adds the contract pages to the navigation; ``on_files`` adds the
generated pages: one per contract, the contracts index, the rules reference,
the history by QEMU release, the compatibility matrix and the CLI reference;
``on_page_markdown`` puts real output where a hand-written page asks for it
(:mod:`qmpcontract.docsite.outputs`).  Inputs are all in the repository:
``contracts/``, ``examples/``, the golden corpus and the shipped release data.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from qmpcontract.contract import load_contracts
from qmpcontract.diff.compare import Differ
from qmpcontract.docsite.examples import recorded_examples
from qmpcontract.docsite.history import history_page, lives
from qmpcontract.docsite.matrix import release_apis
from qmpcontract.docsite.outputs import expand
from qmpcontract.docsite.pages import contract_page, contracts_index, matrix_page
from qmpcontract.docsite.rules_page import golden_examples, rules_page
from qmpcontract.docsite.typedocs import sites_of
from qmpcontract.libvirt.usage import load_usage
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.releases import data as release_data
from qmpcontract.releases.contract import known_rules

REPO = Path(__file__).resolve().parents[2]
_SUBCOMMAND = re.compile(r"^    ([a-z][a-z0-9-]*)(?:\s{2,}|$)")


def _contracts() -> ContractSet:
    return load_contracts(REPO / "contracts")


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


def _help(command: tuple[str, ...]) -> str:
    args = [sys.executable, "-m", "qmpcontract", *command, "--help"]
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=REPO)
    return done.stdout.rstrip()


def _subcommands(text: str) -> Iterator[str]:
    """The subcommands a help text lists under "positional arguments"."""
    inside = False
    for line in text.splitlines():
        if line.startswith("positional arguments"):
            inside = True
        elif inside and not line.strip():
            inside = False
        elif inside and (found := _SUBCOMMAND.match(line)):
            yield found.group(1)


def _cli_page() -> str:
    """Every command's ``--help``, found from ``qmpcontract --help`` itself."""
    lines = ["# Command line", "", "Generated from `qmpcontract --help` at build time.", ""]
    queue: list[tuple[str, ...]] = [()]
    while queue:
        command = queue.pop(0)
        text = _help(command)
        title = " ".join(("qmpcontract", *command))
        lines += [f"## `{title}`", "", "```text", text, "```", ""]
        queue[0:0] = [(*command, sub) for sub in _subcommands(text)]
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
    data = release_data.load()
    releases = release_apis(data)
    history = lives(data)
    sites = sites_of(contracts.current())
    examples = recorded_examples(REPO / "examples" / "qemu-7.2-block-jobs.jsonl")
    generated = {
        "contracts/index.md": contracts_index(contracts),
        "reference/rules.md": rules_page(
            contracts,
            golden_examples(REPO / "tests" / "corpus" / "transcripts" / "golden"),
            _change_examples(contracts),
            known_rules(),
        ),
        "history.md": history_page(data),
        "compatibility.md": matrix_page(
            contracts, releases, [libvirt.version for libvirt in load_usage()]
        ),
        "reference/cli.md": _cli_page(),
    }
    for contract_id in contracts.ids():
        generated[f"contracts/{contract_id}.md"] = contract_page(
            contract_id, contracts, examples, sites[contract_id], releases, history
        )
    for path, content in generated.items():
        files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown: str, page: Page, **kwargs: Any) -> str:
    """Real output where a page asks for it."""
    return expand(markdown, REPO)
