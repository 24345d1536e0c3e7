"""``qmpcontract history SOURCES...``: element timelines across many QEMU releases."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qmpcontract.cli.diff import qapi_loader
from qmpcontract.diff.history import history, render_history_text
from qmpcontract.errors import UsageError
from qmpcontract.importers.sides import load_side
from qmpcontract.model.contract import Contract
from qmpcontract.model.versions import QemuVersion


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``history`` subcommand."""
    parser = sub.add_parser(
        "history",
        help="when each element was added, deprecated, changed and removed",
        description="SOURCES are introspection sources (e.g. libvirt .replies files), QAPI "
        "roots or snapshot contracts of several QEMU releases, or directories of them.",
    )
    parser.add_argument("sources", nargs="+", type=Path, metavar="SOURCE")
    parser.add_argument(
        "--members",
        action="store_true",
        help="also list members, enum values and branches (text output)",
    )
    parser.add_argument("--output", choices=("text", "json"), default="text", help="format")
    parser.set_defaults(func=run)


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / "qapi-schema.json").exists():
            out.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix == ".replies"))
        else:
            out.append(path)
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``qmpcontract history``; return the exit code."""
    snapshots: list[tuple[QemuVersion, Contract]] = []
    for path in _files(args.sources):
        try:
            side = load_side(path, None, qapi_loader())
        except Exception as exc:  # a directory may hold files without a schema
            if isinstance(exc, UsageError):
                raise
            print(f"qmpcontract: note: {path}: skipped ({exc})", file=sys.stderr)
            continue
        for item in side:
            since = (
                item.contract.producer.versions.since if item.contract.producer.versions else None
            )
            if since is None:
                raise UsageError(f"{path}: the QEMU version is unknown")
            snapshots.append((since, item.contract))
    if len(snapshots) < 2:
        raise UsageError("history needs at least two sources with a schema")
    timelines = history(snapshots)
    ordered = sorted(v for v, _ in snapshots)
    if args.output == "json":
        document = [
            {
                "element": t.element,
                "path": t.path,
                "steps": [
                    {
                        "version": str(s.version),
                        "what": s.what,
                        "level": s.level.value,
                        "rule_id": s.rule_id,
                        "message": s.message,
                    }
                    for s in t.steps
                ],
            }
            for t in timelines
        ]
        sys.stdout.write(
            json.dumps({"releases": [str(v) for v in ordered], "elements": document}, indent=2)
            + "\n"
        )
    else:
        sys.stdout.write(render_history_text(timelines, ordered[0], ordered[-1], args.members))
    return 0
