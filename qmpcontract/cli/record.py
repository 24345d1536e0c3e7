"""``qmpcontract record``: record QMP sessions losslessly, as a proxy or around a QEMU."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from qmpcontract.errors import UsageError
from qmpcontract.record.endpoints import Endpoint
from qmpcontract.record.launch import RecordResult, run_proxy, run_qemu


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``record`` subcommand."""
    parser = sub.add_parser(
        "record",
        help="record QMP sessions (a lossless proxy) for 'qmpcontract check'",
        description="Record every QMP message between clients and QEMU, byte for byte, in "
        "qmpcontract's recording format. Either relay an existing monitor "
        "(--listen SOCK --connect QEMU_SOCK) until stopped with Ctrl-C or SIGTERM, or start "
        "QEMU yourself after '--' (QEMU gets a monitor of its own behind the recorder; the "
        "socket clients connect to is printed) and stop when QEMU exits. Endpoints are "
        "PATH, unix:PATH or tcp:HOST:PORT; unix sockets are created owner-only. "
        "Exit 0 when done (and QEMU exited 0), 1 when QEMU failed or was killed, "
        "2 on usage errors or when the recording cannot be written (a full disk: the "
        "recorder then stops relaying, and ends a QEMU it started).",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="the recording to write"
    )
    parser.add_argument(
        "--listen",
        metavar="ENDPOINT",
        help="where clients connect (required with --connect; default with a QEMU command: "
        "a private socket, printed)",
    )
    parser.add_argument(
        "--connect", metavar="ENDPOINT", help="QEMU's QMP monitor to relay (proxy mode)"
    )
    parser.add_argument(
        "--once", action="store_true", help="proxy mode: stop when the first session ends"
    )
    parser.add_argument("--note", help="a note stored in the recording's header")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    parser.add_argument(
        "qemu",
        nargs="*",
        metavar="-- QEMU ...",
        help="a QEMU command line to start and record (after '--')",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``qmpcontract record``."""

    def announce(text: str) -> None:
        if not args.quiet:
            print(f"qmpcontract record: {text}", file=sys.stderr, flush=True)

    # A file size limit (RLIMIT_FSIZE) must fail a write, not kill the recorder.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    listen = Endpoint.parse(args.listen) if args.listen else None
    if args.qemu:
        if args.connect or args.once:
            raise UsageError("--connect and --once are for proxy mode, not with a QEMU command")
        result = asyncio.run(
            run_qemu(args.qemu, args.output, listen=listen, note=args.note, announce=announce)
        )
    else:
        if listen is None or not args.connect:
            raise UsageError("give --listen and --connect, or a QEMU command after '--'")
        upstream = Endpoint.parse(args.connect)
        result = asyncio.run(
            run_proxy(
                listen, upstream, args.output, once=args.once, note=args.note, announce=announce
            )
        )
    announce(_summary(result, args.output))
    if result.failure:
        print(f"qmpcontract record: error: {result.failure}", file=sys.stderr)
        return 2
    return 0 if not result.qemu_status else 1


def _summary(result: RecordResult, output: Path) -> str:
    text = f"{result.messages} message(s) in {result.sessions} session(s) written to {output}"
    status = result.qemu_status
    if status:
        text += "; QEMU " + (
            f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
        )
    return text
