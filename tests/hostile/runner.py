"""Run one ``qmpcontract`` command under audit hooks; write what it touched as JSON.

Used by ``tests/test_hostile_inputs.py`` as ``python runner.py REPORT ARGS...``:
it records every file the command opens and every network call it attempts
(Python's audit events ``open``, ``socket.*``, ``urllib.Request``), its exit
code and its peak memory, and writes them to REPORT.
"""

from __future__ import annotations

import json
import os
import resource
import sys

opened: list[str] = []
network: list[str] = []


def _hook(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and args and isinstance(args[0], str | bytes):
        path = os.fsdecode(args[0])
        opened.append(os.path.realpath(path) if not path.startswith("/proc") else path)
    elif event == "urllib.Request" or (
        event.startswith("socket.") and event not in ("socket.__new__", "socket.bind")
    ):
        network.append(f"{event} {args!r}")


def _peak_kib() -> int:
    """This process's peak resident memory since its exec, in KiB.

    Not ``ru_maxrss``: Linux carries that over exec from the process that
    forked (a pytest process grown large would count as this command's).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    report = sys.argv[1]
    sys.addaudithook(_hook)
    from qmpcontract.cli import main as cli

    try:
        code = cli(sys.argv[2:])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    peak = _peak_kib()
    with open(report, "w", encoding="utf-8") as out:
        json.dump({"code": code, "opened": opened, "network": network, "maxrss_kib": peak}, out)
    sys.exit(code)


if __name__ == "__main__":
    main()
