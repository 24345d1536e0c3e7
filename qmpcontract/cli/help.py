"""Help for every subcommand: its defaults shown, and one or two examples."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from qmpcontract.cli.common import HelpFormatter, examples

EXAMPLES: dict[str, tuple[str, ...]] = {
    "lint": ("qmpcontract lint", "qmpcontract lint my-contracts/ --output json"),
    "kinds": ("qmpcontract kinds", "qmpcontract kinds --output json"),
    "check": (
        "qmpcontract check run.jsonl libvirtd.log --fail-on should",
        "qmpcontract check recordings/ --select 'qmp-core/' --ignore 'qmp-core/id-*' "
        "--output junit --output-file qmp.xml",
        "qmpcontract check run.jsonl --write-baseline accepted.json --reason 'negative tests' "
        "--expires 2027-06-30",
    ),
    "rules": (
        "qmpcontract rules",
        "qmpcontract rules --output json",
    ),
    "import": (
        "qmpcontract import qapi qemu/qapi/qapi-schema.json -o my-contracts/",
        "qmpcontract import introspection caps_7.2.0_x86_64.replies -o qemu-7.2.json",
    ),
    "import introspection": (
        "qmpcontract import introspection caps_7.2.0_x86_64.replies -o my-contracts/",
        "qmpcontract import introspection schema.json --qemu-version 8.2.0 -o qemu-8.2.json",
    ),
    "import qapi": (
        "qmpcontract import qapi qemu/qapi/qapi-schema.json -o my-contracts/",
        "qmpcontract import qapi qapi/qapi-schema.json --qemu-version 9.2.0 -o qemu-9.2.json",
    ),
    "diff": (
        "qmpcontract diff contracts/block-jobs/2.2.0.json contracts/block-jobs/2.3.0.json",
        "qmpcontract diff qemu-v8.2.0/qapi/qapi-schema.json qemu/qapi/qapi-schema.json "
        "--fail-on should --output markdown",
    ),
    "history": (
        "qmpcontract history corpus/libvirt-replies/",
        "qmpcontract history a.replies b.replies c.replies --members --output json",
        "qmpcontract history corpus/qapi/v8.2.0 corpus/qapi/v10.2.0 query-migrationthreads "
        "--repo corpus/qemu-qapi-history.bundle",
    ),
    "review": (
        "qmpcontract review --repo ~/qemu origin/master...my-branch",
        "qmpcontract review --repo ~/qemu 228529d1fe",
        "qmpcontract review patch.mbox --tree ~/qemu --format email",
    ),
    "release-data": ("qmpcontract release-data list", "qmpcontract release-data list 7.2.22"),
    "release-data list": ("qmpcontract release-data list", "qmpcontract release-data list 7.2.22"),
    "release-data build": (
        "qmpcontract release-data build --corpus ../shared/corpus "
        "-o qmpcontract/releases/qemu-releases.json",
    ),
    "libvirt-usage": ("qmpcontract libvirt-usage list",),
    "libvirt-usage list": ("qmpcontract libvirt-usage list",),
    "libvirt-usage build": (
        "qmpcontract libvirt-usage build --corpus ../shared/corpus "
        "-o qmpcontract/libvirt/libvirt-usage.json",
    ),
    "record": (
        "qmpcontract record -o run.jsonl --listen /tmp/qmp.sock --connect /run/qemu/qmp.sock",
        "qmpcontract record -o run.jsonl --listen /tmp/qmp.sock -- "
        "qemu-system-x86_64 -machine q35 -display none",
    ),
    "fuzz": (
        "qmpcontract fuzz -- qemu-system-x86_64 -machine none -display none -nodefaults",
        "qmpcontract fuzz --connect /run/qemu/qmp.sock --seed 7 --max-examples 500",
    ),
}


def subcommands(
    parser: argparse.ArgumentParser, path: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every subcommand parser under *parser*, with its path (``"import qapi"``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                where = f"{path} {name}".strip()
                yield where, child
                yield from subcommands(child, where)


def add_examples(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand the help formatter that shows defaults, and its examples."""
    for path, child in subcommands(parser):
        child.formatter_class = HelpFormatter
        child.epilog = examples(*EXAMPLES[path])
