"""Which commands the fuzzer may send: read-only ones, never anything that changes the VM.

A command is a target when it is usable at the QEMU version and is
``query-*`` (read-only by QEMU's convention), one of a few other read-only
commands QEMU has (:data:`READ_ONLY`), marked ``"safe": true`` by a contract,
or named with ``--allow``.  Whatever the source, :func:`forbidden` wins:
``quit``, ``system_*``, migration, and commands that delete, stop, write files
or run monitor text are never sent.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence

from qmpcontract.model.contract import Contract

READ_ONLY = frozenset(
    {
        "qom-list",
        "qom-get",
        "qom-list-types",
        "qom-list-properties",
        "device-list-properties",
        "trace-event-get-state",
    }
)
FORBIDDEN = (
    "quit",
    "system_*",
    "migrate*",
    "*migration*",
    "x-colo-*",
    "xen-*",
    "stop",
    "cont",
    "*-del",
    "*_del",
    "*-delete",
    "human-monitor-command",
    "dump-guest-memory",
    "screendump",
    "pmemsave",
    "memsave",
    "*snapshot*",
    "x-exit-preconfig",
    "inject-nmi",
    "transaction",
    "qom-set",
)


def forbidden(name: str) -> bool:
    """True if the fuzzer must never send *name*, whoever allows it."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in FORBIDDEN)


def targets(
    usable: Iterable[str], contracts: Sequence[Contract], allow: Iterable[str] = ()
) -> list[str]:
    """The commands to fuzz, sorted: usable, read-only or allowed, and not forbidden."""
    marked = {c.name for contract in contracts for c in contract.commands if c.safe}
    extra = set(allow)
    chosen = [
        name
        for name in usable
        if (name.startswith("query-") or name in READ_ONLY or name in marked or name in extra)
        and not forbidden(name)
    ]
    return sorted(chosen)
