"""Sweep: ``qmpcontract review`` of every QEMU commit of the QAPI history bundle.

``../shared/corpus/qemu-qapi-history.bundle`` holds QEMU's schema files through
every commit that changed them, 2011 to 2026 (``QAPI-HISTORY.md``): ``git diff
X~1 X`` of a commit with an ``Original-commit:`` trailer is exactly that QEMU
commit's schema change.  Each is reviewed as a reviewer would (``review --repo
CLONE X~1..X``, in this process), and the sweep reports:

* refusals (exit 2: the tool would not review a tree QEMU's generator accepted;
  target 0) with their messages, and tracebacks (target 0);
* the time per commit (median target under 1 s);
* the distribution of levels: changes by level, and commits by their highest level.

    python bench/sweep_review.py [--repo CLONE] [--sample N] [--seed S]

Exit 1 when a commit is refused or raises.  Not a test: CI runs a fixed sample
of it (``tests/test_review_sweep.py``), untimed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qmpcontract.cli import main as cli_main

# the shared corpus, as the tests find it: $QMPCONTRACT_SHARED_CORPUS, else ../shared/corpus
CORPUS = (
    os.environ.get("QMPCONTRACT_SHARED_CORPUS")
    or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
BUNDLE = Path(CORPUS) / "qemu-qapi-history.bundle"
_SUMMARY = re.compile(r"(\d+) wire-visible change\(s\): (\d+) MUST, (\d+) SHOULD, (\d+) MAY")


@dataclass(frozen=True)
class Outcome:
    """What reviewing one commit gave."""

    commit: str
    subject: str
    code: int | str  # the exit code, or "traceback"
    seconds: float
    message: str  # the last line of standard error (a refusal's reason)
    levels: tuple[int, int, int]  # MUST, SHOULD, MAY changes (0s for "no change")


def commits(repo: Path) -> list[tuple[str, str]]:
    """``(id, subject)`` of every commit with an ``Original-commit:`` trailer, oldest first."""
    log = subprocess.run(
        ["git", "-C", str(repo), "log", "--reverse", "--format=%H%x00%B%x01"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = []
    for entry in log.split("\x01"):
        sha, _, body = entry.strip().partition("\x00")
        if sha and "Original-commit:" in body:
            found.append((sha, body.splitlines()[0] if body else ""))
    return found


def review(repo: Path, sha: str, subject: str) -> Outcome:
    """Review ``sha~1..sha`` in this process."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    code: int | str
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli_main(["review", "--repo", str(repo), f"{sha}~1..{sha}"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except Exception:  # the sweep counts them
        code = "traceback"
        err.write(traceback.format_exc())
    seconds = time.perf_counter() - start
    lines = err.getvalue().strip().splitlines()
    match = _SUMMARY.search(out.getvalue())
    levels = (int(match[2]), int(match[3]), int(match[4])) if match else (0, 0, 0)
    return Outcome(sha, subject, code, seconds, lines[-1] if lines else "", levels)


def report(outcomes: list[Outcome]) -> int:
    """Print the sweep's numbers; 1 if a commit was refused or raised."""
    codes = Counter(str(o.code) for o in outcomes)
    refused = [o for o in outcomes if o.code not in (0, 1)]
    times = sorted(o.seconds for o in outcomes)
    print(f"{len(outcomes)} commits reviewed: exit codes {dict(sorted(codes.items()))}")
    print(
        f"refused {sum(1 for o in refused if o.code != 'traceback')}, "
        f"tracebacks {codes.get('traceback', 0)}"
    )
    if times:
        p90 = times[int(len(times) * 0.9)]
        print(
            f"seconds per commit: median {statistics.median(times):.2f}, p90 {p90:.2f}, "
            f"max {times[-1]:.2f}"
        )
    must, should, may = (sum(o.levels[i] for o in outcomes) for i in range(3))
    print(f"changes: {must} MUST, {should} SHOULD, {may} MAY")
    highest = Counter(
        "MUST" if o.levels[0] else "SHOULD" if o.levels[1] else "MAY" if o.levels[2] else "none"
        for o in outcomes
        if o.code in (0, 1)
    )
    print("commits by highest level: " + ", ".join(f"{k} {v}" for k, v in highest.most_common()))
    for o in refused:
        print(f"  {o.code} {o.commit[:10]} {o.subject[:60]}: {o.message[:200]}")
    return 1 if refused else 0


def main() -> int:
    """Run the sweep."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, help="a clone of the bundle (default: clone it)")
    parser.add_argument("--bundle", type=Path, default=BUNDLE)
    parser.add_argument("--sample", type=int, default=0, help="review N commits (0: all)")
    parser.add_argument("--seed", type=int, default=2012, help="of the sample")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = args.repo
        if repo is None:
            if not args.bundle.is_file():
                print(f"no bundle at {args.bundle}", file=sys.stderr)
                return 2
            repo = Path(tmp) / "history"
            subprocess.run(["git", "clone", "-q", str(args.bundle), str(repo)], check=True)
        chosen = commits(repo)
        if args.sample:
            chosen = sorted(random.Random(args.seed).sample(chosen, min(args.sample, len(chosen))))
        return report([review(repo, sha, subject) for sha, subject in chosen])


if __name__ == "__main__":
    sys.exit(main())
