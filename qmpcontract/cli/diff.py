"""``qmpcontract diff OLD NEW``: classify the changes between two versions of an API."""

from __future__ import annotations

import argparse
import datetime
import functools
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from qmpcontract.check.baseline import BaselineEntry, apply_baseline_to, load_baseline
from qmpcontract.cli.common import parse_version, report_written, write_output
from qmpcontract.diff.agreed import judged
from qmpcontract.diff.compare import Change, Differ
from qmpcontract.errors import UsageError
from qmpcontract.importers.sides import Side, load_side, pair_sides
from qmpcontract.location import Location
from qmpcontract.model.contract import Level
from qmpcontract.report.diff import RENDERERS, DiffPair, DiffReport, as_finding, summary_line

LEVELS = {"must": Level.MUST, "should": Level.SHOULD, "may": Level.MAY}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``diff`` subcommand."""
    parser = sub.add_parser(
        "diff",
        help="classify the changes between two versions of an API",
        description="Compare OLD and NEW (each a contract file, a contract set directory, an "
        "introspection source such as a .replies file, or a QAPI root file) and classify "
        "every wire-visible change as MUST (ABI break), SHOULD (compatibility risk) or MAY "
        "(compatible). Exit 0, 1 for changes at or above --fail-on, 2 for bad input.",
    )
    parser.add_argument("old", type=Path, metavar="OLD")
    parser.add_argument("new", type=Path, metavar="NEW")
    parser.add_argument("--output", choices=sorted(RENDERERS), default="text", help="report format")
    parser.add_argument("--output-file", type=Path, metavar="FILE")
    parser.add_argument(
        "--fail-on",
        choices=list(LEVELS),
        default="must",
        help="exit 1 when a change is at or above this level",
    )
    parser.add_argument(
        "--include-unstable",
        action="store_true",
        help="classify unstable and x- elements like the rest",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="accepted changes, each with a reason and an expiry date",
    )
    parser.add_argument("--old-version", metavar="VERSION", help="QEMU version of OLD")
    parser.add_argument("--new-version", metavar="VERSION", help="QEMU version of NEW")
    parser.set_defaults(func=run)


def _placed(
    change: Change,
    old: Mapping[str, tuple[str, int]],
    new: Mapping[str, tuple[str, int]],
) -> Change:
    """*change* with the place its element is defined in QAPI sources, where known.

    The new side's definition, or the old side's for what the new side no longer has.
    """
    first = change.element.split(", ")[0]
    place = new.get(first) or old.get(first)
    if place is None:
        return change
    return replace(change, defined_at=Location(place[0], place[1] or None))


def compare(old: list[Side], new: list[Side], include_unstable: bool) -> list[DiffPair]:
    """Diff every pair of contracts the two sides share."""
    pairs = []
    for before, after in pair_sides(old, new):
        differ = Differ(before.context, after.context, include_unstable)
        changes = [
            _placed(c, before.places, after.places)
            for c in judged(before.contract, differ.diff(before.contract, after.contract))
        ]
        pairs.append(
            DiffPair(
                before.contract.ref,
                after.contract.ref,
                after.contract.path or after.source,
                changes,
            )
        )
    return pairs


def _baseline(
    pairs: list[DiffPair], entries: tuple[BaselineEntry, ...]
) -> tuple[list[DiffPair], int, list[str]]:
    """The pairs without the changes *entries* accept (matched as the report shows them)."""
    today = datetime.date.today()
    kept_pairs: list[DiffPair] = []
    accepted, notes = 0, list[str]()
    for pair in pairs:
        kept, count, notes = apply_baseline_to(
            pair.changes, entries, today, functools.partial(as_finding, pair)
        )
        accepted += count
        kept_pairs.append(DiffPair(pair.old, pair.new, pair.file, kept))
    return kept_pairs, accepted, notes


def run(args: argparse.Namespace) -> int:
    """Run ``qmpcontract diff``; return the exit code."""
    old = load_side(args.old, parse_version(args.old_version, "--old-version"))
    new = load_side(args.new, parse_version(args.new_version, "--new-version"))
    pairs = compare(old, new, args.include_unstable)
    if not pairs:
        raise UsageError("OLD and NEW share no contract to compare")
    baselined, notes = 0, list[str]()
    if args.baseline:
        pairs, baselined, notes = _baseline(pairs, load_baseline(args.baseline))
    report = DiffReport(pairs, LEVELS[args.fail_on], baselined, tuple(notes))
    write_output(RENDERERS[args.output](report), args.output_file)
    report_written(summary_line(report), args.output_file)
    return 1 if report.failed else 0
