"""``qmpcontract fuzz``: drive a live QEMU with generated requests and check every answer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from qmpcontract.cli.common import contracts_for
from qmpcontract.errors import UsageError
from qmpcontract.importers.self_described import contracts_from_file
from qmpcontract.model.contract import Level
from qmpcontract.record.endpoints import Endpoint

if TYPE_CHECKING:  # the fuzzer (and hypothesis) is imported only when it runs
    from qmpcontract.fuzz.run import FuzzConfig, FuzzResult

LEVELS = {"must": Level.MUST, "should": Level.SHOULD, "may": Level.MAY}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fuzz`` subcommand."""
    parser = sub.add_parser(
        "fuzz",
        help="send generated requests to a live QEMU and check every response and event",
        description="Fuzz a live QMP endpoint (--connect ENDPOINT, or a QEMU command after "
        "'--' that is started with a monitor of its own): negotiate, import QEMU's own "
        "query-qmp-schema, then send conforming and non-conforming requests generated from "
        "the contracts for read-only commands only (query-*, a few read-only qom-* commands, "
        "commands a contract marks safe, and --allow; never quit, system_*, migration or "
        "anything destructive). Every response and event is checked; QEMU must answer "
        "non-conforming requests with errors, and never crash or hang. The session is "
        "written as a recording, each non-conforming request marked in it as meant to be "
        "refused. Exit 0 no failure, 1 failures, 2 usage errors, 130 interrupted (Ctrl-C: "
        "what was sent so far is judged and summed up).",
    )
    parser.add_argument(
        "--connect", metavar="ENDPOINT", help="a QMP monitor: PATH, unix:PATH, tcp:HOST:PORT"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("qmpcontract-fuzz.jsonl"),
        metavar="FILE",
        help="the recording of the session",
    )
    parser.add_argument("--contracts", type=Path, metavar="DIR", help="contract set to use")
    schema = parser.add_mutually_exclusive_group()
    schema.add_argument(
        "--schema",
        type=Path,
        metavar="FILE",
        help="QEMU's schema from a file instead of the live query-qmp-schema",
    )
    schema.add_argument("--no-schema", action="store_true", help="use the contracts only")
    parser.add_argument(
        "--max-examples",
        type=int,
        default=200,
        metavar="N",
        help="requests to send at most",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="stop after this long",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="the seed: the same seed sends the same requests",
    )
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="COMMAND",
        help="also send this command (never a forbidden one)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a response later than this is a hang",
    )
    parser.add_argument(
        "--non-conforming",
        type=float,
        default=0.3,
        metavar="RATIO",
        help="share of deliberately broken requests",
    )
    parser.add_argument(
        "--fail-on",
        choices=list(LEVELS),
        default="must",
        help="findings at or above this level are failures",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only failures and the summary"
    )
    parser.add_argument(
        "qemu", nargs="*", metavar="-- QEMU ...", help="a QEMU command line to start and fuzz"
    )
    parser.set_defaults(func=run)


def _config(args: argparse.Namespace) -> FuzzConfig:
    if bool(args.connect) == bool(args.qemu):
        raise UsageError("give --connect ENDPOINT or a QEMU command after '--' (one of them)")
    if args.max_examples < 1 or args.time_limit <= 0 or args.timeout <= 0:
        raise UsageError("--max-examples, --time-limit and --timeout must be positive")
    if not 0 <= args.non_conforming <= 1:
        raise UsageError("--non-conforming is a ratio between 0 and 1")
    from qmpcontract.fuzz.targets import forbidden

    for name in args.allow:
        if forbidden(name):
            raise UsageError(
                f"--allow {name}: the fuzzer never sends {name!r}, which could change, stop "
                "or damage the VM (quit, system_*, migration, *-del, stop, cont, ...)"
            )
    from qmpcontract.fuzz.run import FuzzConfig

    extra = [contracts_from_file(args.schema, None)] if args.schema else []
    return FuzzConfig(
        output=args.output,
        target=Endpoint.parse(args.connect) if args.connect else None,
        command=tuple(args.qemu),
        live_schema=not args.no_schema,
        extra=extra,
        max_examples=args.max_examples,
        time_limit=args.time_limit,
        seed=args.seed,
        allow=tuple(args.allow),
        timeout=args.timeout,
        non_conforming=args.non_conforming,
        fail_on=LEVELS[args.fail_on],
    )


def summary(result: FuzzResult, config: FuzzConfig) -> str:
    """The last line: requests sent, failures, where the recording is."""
    sent = len(result.sent)
    broken = sent - result.conforming
    when = "interrupted after " if result.interrupted else ""
    return (
        f"qmpcontract fuzz: {when}{sent} requests sent ({result.conforming} conforming, {broken} "
        f"non-conforming) to {len(result.commands)} commands of QEMU {result.version} in "
        f"{result.seconds:.1f} s, seed {config.seed}; {len(result.failures)} failure(s); "
        f"recording: {config.output}"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``qmpcontract fuzz``."""
    from qmpcontract.fuzz.run import fuzz
    from qmpcontract.fuzz.verdict import render_failure

    contracts = contracts_for(args.contracts)
    config = _config(args)

    def progress(count: int) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\r{count} requests sent", end="", file=sys.stderr, flush=True)

    result = fuzz(config, contracts, progress)
    if not args.quiet and sys.stderr.isatty():
        print(file=sys.stderr)
    if not result.commands:
        raise UsageError("no command to fuzz: QEMU offers none of the read-only targets")
    for failure in result.failures:
        print(render_failure(failure, config.seed))
    if result.qemu_end:
        print(f"QEMU {result.qemu_end}")
    print(summary(result, config))
    if result.interrupted:
        return 130
    return 1 if result.failures else 0
