"""``qmpcontract review``: a checklist for a QEMU patch (or a contracts patch)."""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from qmpcontract.cli.common import contracts_for
from qmpcontract.cli.diff import compare
from qmpcontract.diff.compare import Change
from qmpcontract.importers.qapi_schema import load_qapi_snapshot
from qmpcontract.importers.sides import load_side
from qmpcontract.libvirt.usage import LibvirtUsage, load_usage
from qmpcontract.model.contract import Contract, Level
from qmpcontract.model.qemu_api import ApiSnapshot
from qmpcontract.model.versions import QemuVersion
from qmpcontract.report.review import render_email, render_markdown
from qmpcontract.review.checklist import ChecklistItem, checklist
from qmpcontract.review.deprecations import checked_removal
from qmpcontract.review.libvirt import probe_changes
from qmpcontract.review.trees import ReviewTrees, from_git_range, from_patch, split_series


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``review`` subcommand."""
    parser = sub.add_parser(
        "review",
        help="a reviewer's checklist for a patch that touches qapi/*.json or contracts/",
        description="Review a commit or a git range (--repo DIR C, or A..B) or a patch/mbox "
        "file applied to a tree (PATCH --tree DIR): diff the old and new QAPI schemas (or "
        "contracts), map each change onto the agreed contracts and rules, and print what the "
        "patch must also do.",
    )
    parser.add_argument(
        "target",
        metavar="RANGE|PATCH",
        help="a commit C (its change, C^..C) or a range A..B with --repo, "
        "or a patch/mbox file with --tree",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--repo", type=Path, metavar="DIR", help="a git checkout")
    where.add_argument("--tree", type=Path, metavar="DIR", help="the tree the patch applies to")
    parser.add_argument(
        "--format",
        choices=("markdown", "email"),
        default="markdown",
        help="markdown, or plain text wrapped at 72 columns for a mailing-list reply",
    )
    parser.add_argument(
        "--contracts",
        type=Path,
        metavar="DIR",
        help="the agreed contracts to map changes onto (default: shipped)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("must", "should", "may", "never"),
        default="never",
        help="exit 1 when a change is at or above this level",
    )
    parser.set_defaults(func=run)


def schema_root(tree: Path) -> Path | None:
    """The root file of the QAPI schema in a QEMU tree: ``qapi/``, or the top before 2017."""
    for root in (tree / "qapi" / "qapi-schema.json", tree / "qapi-schema.json"):
        if root.is_file():
            return root
    return None


def _changes(trees: ReviewTrees, usages: Sequence[LibvirtUsage] = ()) -> list[Change]:
    changes: list[Change] = []
    # Without QEMU 10's rules for documentation text: a review never stops on them; and
    # an include file the tree lacks (a schema-only history) is left out, not fatal.
    lenient = functools.partial(load_qapi_snapshot, doc_rules=False, skip_missing=True)
    read: dict[Path, ApiSnapshot] = {}

    def loader(root: Path, version: QemuVersion | None) -> tuple[ApiSnapshot, QemuVersion]:
        snapshot, found = lenient(root, version)
        read[root] = snapshot  # kept for libvirt's probes
        return snapshot, found

    old_root, new_root = schema_root(trees.old), schema_root(trees.new)
    schema_changed = any(c.startswith("qapi") for c in trees.changed)
    if schema_changed and new_root is not None:
        if old_root is None:  # the commit that brought the schema (2011): all of it is new
            old_root = trees.old / "qapi-schema.json"
            old_root.parent.mkdir(parents=True, exist_ok=True)
            old_root.write_text("# no schema before this commit\n", encoding="utf-8")
        for pair in compare(
            load_side(old_root, None, loader),
            load_side(new_root, None, loader),
            include_unstable=False,
        ):
            changes.extend(pair.changes)
        if old_root in read and new_root in read:
            changes.extend(probe_changes(read[old_root], read[new_root], usages))
    if any(c.startswith("contracts/") for c in trees.changed):
        for pair in compare(
            load_side(trees.old / "contracts"),
            load_side(trees.new / "contracts"),
            include_unstable=False,
        ):
            changes.extend(pair.changes)
    return changes


def _relative(change: Change, trees: ReviewTrees) -> Change:
    """*change* with its definition's place named inside the tree (``qapi/block-core.json``)."""
    place = change.defined_at
    if place is None:
        return change
    for root in (trees.new, trees.old):
        path = Path(place.file)
        if path.is_relative_to(root):
            return replace(change, defined_at=replace(place, file=str(path.relative_to(root))))
    return change


def _items(trees: ReviewTrees, contracts: list[Contract], repo: Path | None) -> list[ChecklistItem]:
    usages = load_usage()  # what each libvirt release of the shipped data depends on
    changes = [_relative(c, trees) for c in _changes(trees, usages)]
    if repo is not None:  # the history says when a removed element was deprecated
        changes = [checked_removal(c, repo, trees.label_old, trees.label_new) for c in changes]
    return checklist(changes, contracts, usages)


def _series(
    args: argparse.Namespace, contracts: list[Contract], workdir: Path
) -> list[tuple[str, list[ChecklistItem]]] | None:
    """A section per patch of a series, each on the tree the ones before made, then one total.

    The series is an mbox as ``git format-patch --stdout`` or ``b4 am`` writes it.
    None if the file holds one patch.
    """
    series = split_series(Path(args.target), workdir / "series")
    if len(series) < 2:
        return None
    sections = []
    tree, first = args.tree, None
    for number, (subject, part) in enumerate(series, start=1):
        trees = from_patch(part, tree, workdir / f"{number:04d}")
        first = first or trees
        sections.append((f"{number}/{len(series)} {subject}", _items(trees, contracts, None)))
        tree = trees.new
    assert first is not None
    whole = ReviewTrees(
        first.old, tree, ("qapi",), first.label_old, f"{first.label_old} + the whole series"
    )
    sections.append((f"the whole series ({len(series)} patches)", _items(whole, contracts, None)))
    return sections


def run(args: argparse.Namespace) -> int:
    """Run ``qmpcontract review``; return the exit code."""
    contracts = list(contracts_for(args.contracts).current())  # a broken set stops it first
    workdir = Path(tempfile.mkdtemp(prefix="qmpcontract-review-"))
    render = render_markdown if args.format == "markdown" else render_email
    try:
        series = _series(args, contracts, workdir) if args.tree is not None else None
        if series is not None:
            sys.stdout.write("\n".join(render(items, title) for title, items in series))
            return _verdict(args, series[-1][1])
        if args.repo is not None:
            trees = from_git_range(args.repo, args.target, workdir)
        else:
            trees = from_patch(Path(args.target), args.tree, workdir)
        if not trees.changed:
            sys.stdout.write(f"{args.target}: no change under qapi/ or contracts/\n")
            return 0
        items = _items(trees, contracts, args.repo)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.write(render(items, f"{trees.label_old} -> {trees.label_new}"))
    return _verdict(args, items)


def _verdict(args: argparse.Namespace, items: list[ChecklistItem]) -> int:
    fail_on = None if args.fail_on == "never" else Level(args.fail_on.upper())
    return 1 if any(i.change.level.fails(fail_on) for i in items) else 0
