"""``qmpcontract import``: snapshot contracts from QEMU's own API descriptions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qmpcontract.cli.common import parse_version, write_output
from qmpcontract.errors import UsageError
from qmpcontract.importers.self_described import CONTRACT_ID
from qmpcontract.importers.sources import load_introspection
from qmpcontract.importers.to_contract import snapshot_contract

_OUTPUT = (
    "where to write the contract (default: standard output); a directory (an existing one, "
    "or DIR/) gets it as DIR/<contract>/<version>.json, where a contract set keeps it"
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``import`` subcommand and its sources."""
    parser = sub.add_parser(
        "import",
        help="import QEMU's own API description as a snapshot contract",
        description="Turn QEMU's description of its QMP API into a snapshot contract: every "
        "command, event and type as JSON Schema.",
    )
    sources = parser.add_subparsers(dest="source", metavar="SOURCE", required=True)
    intro = sources.add_parser(
        "introspection",
        help="a query-qmp-schema reply, raw or inside any transcript",
        description='SOURCE is a raw query-qmp-schema reply (the list, or {"return": [...]}) '
        "or any transcript the checker reads that holds one.",
    )
    intro.add_argument("source", type=Path, metavar="SOURCE")
    intro.add_argument("-o", "--output", metavar="FILE|DIR/", help=_OUTPUT)
    intro.add_argument(
        "--qemu-version", metavar="VERSION", help="the QEMU version, when SOURCE does not show it"
    )
    intro.add_argument("--id", default=CONTRACT_ID, help="contract id")
    intro.set_defaults(func=_introspection)
    qapi = sources.add_parser(
        "qapi",
        help="QAPI schema sources (qapi/qapi-schema.json and its includes)",
        description="ROOT is a QAPI root file such as qapi/qapi-schema.json. Errors are "
        "reported as QEMU reports them (file:line:col: message).",
    )
    qapi.add_argument("root", type=Path, metavar="ROOT")
    qapi.add_argument("-o", "--output", metavar="FILE|DIR/", help=_OUTPUT)
    qapi.add_argument(
        "--qemu-version",
        metavar="VERSION",
        help="the release the sources are of, when no VERSION file or vX.Y.Z directory name tells",
    )
    qapi.add_argument("--id", default="qemu-qapi", help="contract id")
    qapi.add_argument(
        "--include-root",
        type=Path,
        metavar="DIR",
        help="the directory every included file must be in (default: ROOT's directory; "
        "QEMU's storage-daemon schema, which includes ../../qapi/, needs the source tree)",
    )
    qapi.set_defaults(func=_qapi)


def _write(document: dict[str, object], given: str | None) -> None:
    """Write *document*: to stdout, to a file, or as a contract of the set in a directory.

    A directory (one that exists, or *given* ending in '/') gets the contract
    where a contract set keeps it, ``DIR/<contract>/<version>.json``, so that
    ``qmpcontract lint DIR`` finds it where it belongs.
    """
    text = json.dumps(document, indent=1) + "\n"
    if given is None:
        write_output(text, None)
        return
    output = Path(given)
    place = Path(str(document["contract"])) / f"{document['version']}.json"
    if output.is_dir() or given.endswith("/"):
        output = output / place
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
        write_output(text, output)
        print(f"qmpcontract import: wrote {output}", file=sys.stderr)
        return
    write_output(text, output)
    if output.name != place.name or output.resolve().parent.name != place.parent.name:
        print(
            f"qmpcontract import: note: a contract set keeps this contract as {place}; "
            f"'qmpcontract lint' reports {output} for its name (give -o DIR/ to write it there)",
            file=sys.stderr,
        )


def _qapi(args: argparse.Namespace) -> int:
    from qmpcontract.importers.qapi_schema import load_qapi_snapshot

    snapshot, version = load_qapi_snapshot(
        args.root, parse_version(args.qemu_version, "--qemu-version"), args.include_root
    )
    document = snapshot_contract(
        snapshot,
        contract_id=args.id,
        origin=f"the QAPI sources at {args.root}",
        version=version,
        masked_names=False,
    )
    _write(document, args.output)
    return 0


def _introspection(args: argparse.Namespace) -> int:
    snapshot = load_introspection(args.source, parse_version(args.qemu_version, "--qemu-version"))
    if snapshot.version is None:
        raise UsageError(f"{args.source}: the QEMU version is unknown; give --qemu-version")
    document = snapshot_contract(
        snapshot,
        contract_id=args.id,
        origin=f"the query-qmp-schema reply in {args.source.name}",
        version=snapshot.version,
        masked_names=True,
    )
    _write(document, args.output)
    return 0
