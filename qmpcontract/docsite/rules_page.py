"""The rules reference, generated from the registries: every rule with a real failing example.

Three registries: the checker's own rules, every rule of every contract (newest
versions), and the differ's change catalogue.  A transcript rule's example is
the first line our text renderer prints for its case in the golden corpus
(``tests/corpus/transcripts/golden``), a real QEMU recording broken one way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from qmpcontract.check.registry import BUILTIN_RULES
from qmpcontract.diff.catalogue import CHANGES
from qmpcontract.docsite.html import anchor, badge, reference_url, who
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import ContractSet


def golden_examples(golden: Path) -> dict[str, str]:
    """Rule id -> the first finding line of its golden case, as our renderer prints it."""
    examples: dict[str, str] = {}
    for expected in sorted(golden.rglob("*.expected.txt")):
        rule = f"{expected.parent.name}/{expected.name.split('--', 1)[0]}"
        for line in expected.read_text(encoding="utf-8").splitlines():
            if f"[{rule}]" in line and rule not in examples:
                examples[rule] = line
    return examples


def _example(text: str | None) -> list[str]:
    if not text:
        return ["No failing example in the golden corpus (a review-only or change rule).", ""]
    return [
        "Our renderer prints, for a real QEMU 7.2 recording broken on purpose:",
        "",
        "```text",
        text,
        "```",
        "",
    ]


def _contract_rules(contract: Contract, examples: Mapping[str, str]) -> list[str]:
    lines: list[str] = []
    for crule in contract.rules:
        check = f"machine check `{crule.check.kind}`" if crule.check else "review only"
        sources = "; ".join(
            f"[{s.title}]({reference_url(s)})" if reference_url(s) else s.title
            for s in crule.sources
        )
        lines += [
            f"### `{crule.id}` {{ #{anchor(crule.id)} }}",
            "",
            f"{badge(crule.level)} ({crule.category.value}, obliges {who(crule.party)}, "
            f"{check}) {crule.statement}",
            "",
        ]
        if crule.rationale:
            lines += [f"*Why:* {crule.rationale}", ""]
        lines += [f"*Source:* {sources}", ""]
        lines += _example(examples.get(crule.id))
    return lines


def rules_page(
    contracts: ContractSet,
    examples: Mapping[str, str],
    change_examples: Mapping[str, str],
    brought: Sequence[Contract] = (),
) -> str:
    """The whole rules reference page.

    *brought* are the contracts a transcript brings (its own schema, its release's
    data and error classes), whose rules every check may report too.
    """
    lines = [
        "# Rules",
        "",
        "Every rule `qmpcontract` knows, from its registries: the checker's own rules, the "
        "rules of each contract, and the differ's change kinds. Ids are what "
        "`--select`, `--ignore` and baselines take.",
        "",
        "## The checker's own rules",
        "",
    ]
    for rule in BUILTIN_RULES:
        lines += [
            f"### `{rule.id}` {{ #{anchor(rule.id)} }}",
            "",
            f"{badge(rule.level)} ({rule.category.value}, obliges {who(rule.party)}) "
            f"{rule.statement}",
            "",
        ]
        lines += _example(examples.get(rule.id))
    for contract in contracts.current():
        lines += [f"## Contract `{contract.id}` {contract.version}", ""]
        lines += _contract_rules(contract, examples)
    for contract in brought:
        lines += [
            f"## What a transcript brings: `{contract.id}`",
            "",
            "Checked against QEMU's own API: the transcript's `query-qmp-schema` reply "
            "(`qemu-introspection`), else the shipped data of its QEMU release "
            "(`qemu-release`), and the error classes of its release (`qemu-error-classes`); "
            "see [check](check.md#qemus-own-api-the-transcripts-schema-or-its-releases-data).",
            "",
        ]
        lines += _contract_rules(contract, examples)
    lines += ["## Change kinds of the differ", ""]
    for kind in CHANGES.values():
        lines += [
            f"### `{kind.id}` {{ #{anchor(kind.id)} }}",
            "",
            f"{badge(kind.level)} {kind.summary}",
            "",
        ]
        if kind.id in change_examples:
            lines += [
                "For example, between two versions of our own contracts:",
                "",
                "```text",
                change_examples[kind.id],
                "```",
                "",
            ]
    return "\n".join(lines) + "\n"
