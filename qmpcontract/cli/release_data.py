"""``qmpcontract release-data``: the shipped data of QEMU releases, listed or made again."""

from __future__ import annotations

import argparse
from pathlib import Path

from qmpcontract.cli.common import parse_version, write_output
from qmpcontract.errors import InputReadError
from qmpcontract.location import Location


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``release-data`` subcommand."""
    parser = sub.add_parser(
        "release-data",
        help="list the shipped data of QEMU releases, or make it again from the corpus",
        description="The data 'check' uses for a transcript without a query-qmp-schema reply: "
        "every command, event and type of each QEMU release it knows, and the error classes "
        "of each release.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="the releases the data knows, and what each entry knows",
        description="One line per release entry; with VERSION, the entry 'check' uses for it.",
    )
    listing.add_argument("version", nargs="?", metavar="VERSION")
    listing.set_defaults(func=_list)
    build = actions.add_parser(
        "build",
        help="make the data again from the corpus (for maintainers)",
        description="Read every x86_64 libvirt .replies file (CORPUS/libvirt-replies), every "
        "QAPI tree (CORPUS/qapi/<tag>) and QEMU's schema history "
        "(CORPUS/qemu-qapi-history.bundle, for the error classes of each release), and write "
        "the release data. The shipped file is qmpcontract/releases/qemu-releases.json: "
        "regenerate it with 'qmpcontract release-data build --corpus ../shared/corpus "
        "-o qmpcontract/releases/qemu-releases.json'.",
    )
    build.add_argument("--corpus", type=Path, required=True, metavar="DIR")
    build.add_argument(
        "--bundle", type=Path, metavar="FILE", help="default: CORPUS/qemu-qapi-history.bundle"
    )
    build.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    build.set_defaults(func=_build)


def _list(args: argparse.Namespace) -> int:
    from qmpcontract.releases.data import load

    data = load()
    if args.version is not None:
        version = parse_version(args.version, "VERSION")
        assert version is not None
        write_output(data.lookup(version).note() + "\n", None)
        return 0
    lines = []
    for release in data.releases:
        missing = [w for w, k in (("commands", release.complete_commands),
                                  ("events", release.complete_events)) if not k]  # fmt: skip
        names = f"not all its {' and '.join(missing)}" if missing else "all its commands and events"
        classes = data.error_classes(release.version)
        count = len(classes) if classes is not None else "unknown"
        lines.append(
            f"{release.label}: {len(release.entities)} entities; names {names}; "
            f"error classes: {count}"
        )
    write_output("\n".join(lines) + "\n", None)
    return 0


def _build(args: argparse.Namespace) -> int:
    from qmpcontract.releases.build import build, load_old_table, write

    corpus: Path = args.corpus
    bundle: Path = args.bundle or corpus / "qemu-qapi-history.bundle"
    for needed in (corpus / "libvirt-replies" / "MANIFEST.tsv", corpus / "qapi", bundle):
        if not needed.exists():
            raise InputReadError("no such file or directory", Location(str(needed)))
    document = build(corpus, bundle, load_old_table())
    write(document, args.output)
    size = args.output.stat().st_size
    write_output(
        f"{args.output}: {len(document['releases'])} releases, "
        f"{len(document['entities'])} entities, {size:,} bytes\n",
        None,
    )
    return 0
