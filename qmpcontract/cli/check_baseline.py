"""``check``'s baseline options: accept known findings, or write today's as accepted ones."""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Iterable
from pathlib import Path

from qmpcontract.check.baseline import (
    BaselineEntry,
    baseline_entries,
    entry_json,
    load_baseline,
    write_baseline,
)
from qmpcontract.errors import UsageError
from qmpcontract.model.findings import Finding


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--baseline``, ``--write-baseline``, ``--reason`` and ``--expires``."""
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="accepted findings, each with a reason and an expiry date",
    )
    parser.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="write today's findings (those --baseline does not already accept, and its "
        "entries still in force) to FILE as accepted ones, each with --reason and --expires; "
        "exit 0 once written",
    )
    parser.add_argument(
        "--reason", metavar="TEXT", help="with --write-baseline: why the findings are accepted"
    )
    parser.add_argument(
        "--expires",
        metavar="YYYY-MM-DD",
        help="with --write-baseline: the day the accepted findings stop being accepted",
    )


def _expiry(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--expires {text}: not a date (YYYY-MM-DD)") from exc
    if day < datetime.date.today():
        raise UsageError(f"--expires {text}: that day is past; nothing would be accepted")
    return day


def prepare(args: argparse.Namespace) -> tuple[BaselineEntry, ...]:
    """Check the options against each other; return the entries of ``--baseline``.

    :raise UsageError: for ``--reason``/``--expires`` without ``--write-baseline``, a
        ``--write-baseline`` without ``--reason``, or a bad date.
    :raise InputError: if the baseline given cannot be used.
    """
    if args.write_baseline is None:
        if args.reason is not None or args.expires is not None:
            raise UsageError("--reason and --expires go with --write-baseline FILE")
    elif not args.reason or not args.reason.strip():
        raise UsageError("--write-baseline needs --reason TEXT: every accepted finding has one")
    args.expires_day = _expiry(args.expires)
    return load_baseline(args.baseline) if args.baseline else ()


def write(
    args: argparse.Namespace, findings: Iterable[Finding], kept: Iterable[BaselineEntry]
) -> None:
    """Write ``--write-baseline``: *kept* entries, then *findings* as accepted ones.

    :raise UsageError: if the file cannot be written.
    """
    today = datetime.date.today()
    still = [entry_json(e) for e in kept if e.expires is None or e.expires >= today]
    new = baseline_entries(findings, args.reason.strip(), args.expires_day)
    try:
        write_baseline(args.write_baseline, [*still, *new])
    except OSError as exc:
        raise UsageError(f"cannot write {args.write_baseline}: {exc.strerror or exc}") from exc
    until = f", until {args.expires_day}" if args.expires_day else ""
    print(
        f"qmpcontract: wrote {args.write_baseline}: {len(new)} accepted finding pattern(s)"
        f"{f' and {len(still)} kept' if still else ''}{until}; check with "
        f"--baseline {args.write_baseline}",
        file=sys.stderr,
    )
