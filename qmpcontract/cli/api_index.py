"""``qmpcontract api-index``: the compact index of QEMU releases the docs' matrix uses."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qmpcontract.cli.common import write_output
from qmpcontract.errors import UsageError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``api-index`` subcommand."""
    parser = sub.add_parser(
        "api-index",
        help="index the QMP API (names and shapes) of QEMU releases, for the docs",
        description="Import each SOURCE (an introspection source such as a libvirt .replies "
        "file) and write the compact index the documentation's compatibility matrix uses.",
    )
    parser.add_argument("sources", nargs="+", type=Path, metavar="SOURCE")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``qmpcontract api-index``; return the exit code."""
    from qmpcontract.docsite.api_index import build_index, release_entry  # only when it runs
    from qmpcontract.importers.sides import load_side

    entries = []
    for path in args.sources:
        if '"query-qmp-schema"' not in path.read_text(encoding="utf-8", errors="replace"):
            continue  # probes of QEMU before 2.5 carry no schema
        for side in load_side(path):
            entries.append(release_entry(side.contract, path.name))
    if not entries:
        raise UsageError("no source holds a query-qmp-schema reply")
    entries.sort(key=lambda e: [int(x) for x in e["version"].split(".")])
    write_output(json.dumps(build_index(entries), separators=(",", ":")) + "\n", args.output)
    return 0
