"""``qmpcontract history SOURCES...``: element timelines across many QEMU releases."""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from qmpcontract.cli.review import schema_root
from qmpcontract.diff.history import Origin, Timeline, history, render_history_text
from qmpcontract.errors import InputError, UsageError
from qmpcontract.importers.qapi_schema import load_qapi_snapshot
from qmpcontract.importers.sides import load_side
from qmpcontract.model.contract import Contract
from qmpcontract.model.versions import QemuVersion
from qmpcontract.review.origins import GitHistory
from qmpcontract.review.trees import git


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``history`` subcommand."""
    parser = sub.add_parser(
        "history",
        help="when each element was added, deprecated, changed and removed",
        description="SOURCES are introspection sources (e.g. libvirt .replies files), QAPI "
        "roots or snapshot contracts of several QEMU releases, or directories of them. "
        "A NAME among them (a command or event, not a file) asks about that element only. "
        "Files of several architectures (caps_7.2.0_x86_64.replies, ..._aarch64...) give "
        "one timeline per architecture, or the one --arch chooses.",
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE|NAME")
    parser.add_argument(
        "--members",
        action="store_true",
        help="also list members, enum values and branches (text output)",
    )
    parser.add_argument("--arch", metavar="ARCH", help="only the sources of this architecture")
    parser.add_argument("--output", choices=("text", "json"), default="text", help="format")
    parser.add_argument(
        "--repo",
        type=Path,
        metavar="CLONE|BUNDLE",
        help="a git checkout of QEMU (or the schema history bundle): each step of the NAMEs "
        "asked about gets the commit that made it and the first release holding it",
    )
    parser.set_defaults(func=run)


_ARCH = re.compile(r"[._](x86_64|aarch64|ppc64le|ppc64|s390x|riscv64|i386|mips\w*|arm|sparc\w*)\.")


def architecture(path: Path) -> str:
    """The architecture a source is of, from its name (``caps_7.2.0_x86_64.replies``)."""
    found = _ARCH.search(path.name + ".")
    return found.group(1) if found else ""


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / "qapi-schema.json").exists():
            out.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix == ".replies"))
        else:
            out.append(path)
    return out


def _snapshots(files: list[Path]) -> list[tuple[QemuVersion, Contract]]:
    snapshots: list[tuple[QemuVersion, Contract]] = []
    for path in files:
        try:
            side = load_side(path)
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
    return snapshots


def _chosen(timeline: Timeline, names: set[str]) -> bool:
    return not names or timeline.element.partition(" ")[2] in names


def run(args: argparse.Namespace) -> int:
    """Run ``qmpcontract history``; return the exit code."""
    with tempfile.TemporaryDirectory(prefix="qmpcontract-history-") as workdir:
        return _run(args, Path(workdir))


def _run(args: argparse.Namespace, workdir: Path) -> int:
    given = [Path(s) for s in args.sources]
    names = {str(p) for p in given if not p.exists() and "/" not in str(p)}
    files = _files([p for p in given if str(p) not in names])
    groups: dict[str, list[Path]] = {}
    for path in files:
        groups.setdefault(architecture(path), []).append(path)
    if args.arch is not None:
        if args.arch not in groups:
            known = ", ".join(sorted(a for a in groups if a)) or "none named"
            raise UsageError(f"no source of architecture {args.arch!r} (found: {known})")
        groups = {args.arch: groups[args.arch]}
    origins = _git_history(args.repo, names, workdir) if args.repo is not None else None
    documents: list[dict[str, object]] = []
    texts: list[str] = []
    for arch, paths in sorted(groups.items()):
        snapshots = _snapshots(paths)
        if len(snapshots) < 2:
            if len(groups) == 1:
                raise UsageError(f"history needs at least two sources with a schema{_of(arch)}")
            print(f"qmpcontract: note: {arch or 'no architecture'}: fewer than two sources "
                  "with a schema, no timeline", file=sys.stderr)  # fmt: skip
            continue
        timelines = [t for t in history(snapshots) if _chosen(t, names)]
        ordered = sorted(v for v, _ in snapshots)
        if origins is not None:
            timelines = [with_origins(t, ordered, origins) for t in timelines]
        if args.output == "json":
            documents.append(_json(arch, ordered, timelines))
        else:
            heading = f"{arch}: " if len(groups) > 1 and arch else ""
            members = args.members or bool(names)  # asked about one element: all of it
            text = render_history_text(timelines, ordered[0], ordered[-1], members)
            texts.append(heading + text)
    if not documents and not texts:
        raise UsageError("history needs at least two sources with a schema of one architecture")
    if args.output == "json":
        single = documents[0] if len(documents) == 1 else {"architectures": documents}
        sys.stdout.write(json.dumps(single, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(texts))
    return 0


def _origin(origin: Origin | None) -> dict[str, object]:
    if origin is None:
        return {}
    release = str(origin.release) if origin.release is not None else None
    return {"commit": origin.commit, "title": origin.title, "release": release}


def _git_history(repo: Path, names: set[str], workdir: Path) -> GitHistory:
    """The git history *repo* holds (a bundle is cloned first), to trace *names* in."""
    if not names:
        raise UsageError("--repo traces the elements asked about: give a NAME")
    if not repo.exists():
        raise UsageError(f"--repo {repo}: no such file or directory")
    if repo.is_file():  # a bundle, such as the corpus's qemu-qapi-history.bundle
        clone = workdir / "clone"
        git(["clone", "-q", str(repo.resolve()), str(clone)], workdir, f"cannot clone {repo}")
        repo = clone
    lenient = functools.partial(load_qapi_snapshot, doc_rules=False, skip_missing=True)

    def load(tree: Path) -> Contract | None:
        root = schema_root(tree)
        if root is None:
            return None
        try:
            return load_side(root, None, lenient)[0].contract
        except InputError:  # a tree QEMU's generator refused at that commit
            return None

    return GitHistory(repo, load, workdir / "trees")


def with_origins(timeline: Timeline, ordered: list[QemuVersion], found: GitHistory) -> Timeline:
    """*timeline* with the commit of each step found in the git history, where it is."""
    steps = []
    for step in timeline.steps:
        before = max((v for v in ordered if v < step.version), default=None)
        steps.append(replace(step, origin=found.origin(timeline, step, before)))
    return Timeline(timeline.element, timeline.path, steps)


def _of(arch: str) -> str:
    return f" of {arch}" if arch else ""


def _json(arch: str, ordered: list[QemuVersion], timelines: list[Timeline]) -> dict[str, object]:
    document = [
        {
            "element": t.element,
            "path": t.path,
            "steps": [
                {
                    "version": str(s.version),
                    "after": str(s.after) if s.after is not None else None,
                    "what": s.what,
                    "level": s.level.value,
                    "rule_id": s.rule_id,
                    "message": s.message,
                    **_origin(s.origin),
                }
                for s in t.steps
            ],
        }
        for t in timelines
    ]
    found: dict[str, object] = {"releases": [str(v) for v in ordered], "elements": document}
    if arch:
        found = {"architecture": arch, **found}
    return found
