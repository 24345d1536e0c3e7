"""``qmpcontract libvirt-usage``: the shipped libvirt usage data, listed or made again."""

from __future__ import annotations

import argparse
from pathlib import Path

from qmpcontract.cli.common import write_output


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``libvirt-usage`` subcommand."""
    parser = sub.add_parser(
        "libvirt-usage",
        help="list the shipped data of what libvirt uses in QMP, or make it again from the corpus",
        description="What each libvirt release depends on in QMP: its capability probes on "
        "query-qmp-schema (with their QEMU_CAPS_* flags), the commands, QOM types and "
        "migration capabilities it probes, the commands it sends, the events it handles and "
        "the error classes it matches.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="the libvirt releases the data knows, and how much it knows of each",
        description="One line per libvirt release.",
    )
    listing.set_defaults(func=_list)
    build = actions.add_parser(
        "build",
        help="make the data again from the corpus (for maintainers)",
        description="Read CORPUS/libvirt-usage/libvirt-<version>-qmp-usage.json and write the "
        "usage data. The shipped file is qmpcontract/libvirt/libvirt-usage.json: regenerate it "
        "with 'qmpcontract libvirt-usage build --corpus ../shared/corpus "
        "-o qmpcontract/libvirt/libvirt-usage.json'.",
    )
    build.add_argument("--corpus", type=Path, required=True, metavar="DIR")
    build.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    build.set_defaults(func=_build)


def _list(args: argparse.Namespace) -> int:
    from qmpcontract.libvirt.usage import load_usage

    lines = [
        f"{u.label} ({u.version}): {len(u.probes)} schema probes, "
        f"{len(u.commands_probed)} commands probed, {len(u.object_types_probed)} QOM types "
        f"probed, {len(u.commands_sent)} commands sent, {len(u.events_handled)} events "
        f"handled, {len(u.error_classes_matched)} error classes matched"
        for u in load_usage()
    ]
    write_output("\n".join(lines) + "\n", None)
    return 0


def _build(args: argparse.Namespace) -> int:
    from qmpcontract.libvirt.build import build, write

    document = build(args.corpus)
    write(document, args.output)
    versions = ", ".join(r["libvirt"] for r in document["releases"])
    size = args.output.stat().st_size
    write_output(f"{args.output}: libvirt {versions}, {size:,} bytes\n", None)
    return 0
