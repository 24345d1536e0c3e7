"""Real output on the hand-written pages, made when the site is built.

A page asks for it with a marker on a line of its own:

- ``<!-- qmpcontract-run: check examples/qemu-7.2-block-jobs.jsonl -->`` runs
  ``qmpcontract check examples/qemu-7.2-block-jobs.jsonl`` in the repository
  and puts the command, what it prints and its exit status in a text block;
- ``<!-- qmpcontract-include: docs/snippets/NAME.md -->`` puts the file's text
  there, for output a test holds to what the tool prints where the tool cannot
  run at build time (a review needs QEMU's git history, which the corpus has
  and the site's build does not).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

_RUN = re.compile(r"^<!-- qmpcontract-run: (?P<args>[^>]*?) -->$", re.MULTILINE)
_INCLUDE = re.compile(r"^<!-- qmpcontract-include: (?P<path>[^>]*?) -->$", re.MULTILINE)


class OutputError(RuntimeError):
    """A marker that cannot be honoured (the build must fail, not show something stale)."""


def run(args: str, repo: Path) -> str:
    """The text block for ``qmpcontract ARGS`` run in *repo*.

    :raise OutputError: if the command crashes or cannot be used (exit status 2 or more).
    """
    argv = shlex.split(args)
    done = subprocess.run(
        [sys.executable, "-m", "qmpcontract", *argv],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode not in (0, 1):
        raise OutputError(f"qmpcontract {args}: exit status {done.returncode}: {done.stderr}")
    body = (done.stdout + done.stderr).rstrip("\n")
    return f'```text title="exit status {done.returncode}"\n$ qmpcontract {args}\n{body}\n```'


def include(path: str, repo: Path) -> str:
    """The text of *path* (relative to *repo*).

    :raise OutputError: if it cannot be read.
    """
    try:
        return (repo / path).read_text(encoding="utf-8").rstrip("\n")
    except OSError as exc:
        raise OutputError(f"cannot include {path}: {exc}") from exc


def expand(markdown: str, repo: Path) -> str:
    """*markdown* with every marker replaced by what it asks for.

    :raise OutputError: if a marker cannot be honoured.
    """
    markdown = _RUN.sub(lambda m: run(m.group("args"), repo), markdown)
    return _INCLUDE.sub(lambda m: include(m.group("path"), repo), markdown)
