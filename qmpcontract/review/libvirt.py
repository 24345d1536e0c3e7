"""What libvirt loses: a review's changes against what each libvirt release depends on.

For every change, which libvirt releases (of the shipped usage data,
:mod:`qmpcontract.libvirt.usage`) send the command, handle the event, match the
error class or probe the element's schema.  A change that takes something away
(any removal) or alters it (any level above MAY) on what libvirt uses is MUST
for the review, whatever the differ's level: it is libvirt that breaks.  Every capability probe
whose answer differs on the old and the new schema is an item of its own
(``diff/libvirt-probe-changed``): "libvirt 11.3: probe `netdev_add/arg-type/
+stream/reconnect` (QEMU_CAPS_NETDEV_STREAM_RECONNECT) turns false".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qmpcontract.diff.catalogue import CHANGES, REMOVALS
from qmpcontract.diff.compare import Change
from qmpcontract.libvirt.probes import flipped
from qmpcontract.libvirt.usage import LibvirtUsage
from qmpcontract.model.contract import Level
from qmpcontract.model.qemu_api import ApiSnapshot

PROBE_CHANGED = "diff/libvirt-probe-changed"


def users(change: Change, usages: Sequence[LibvirtUsage]) -> list[str]:
    """How each libvirt release uses the element of *change* ("libvirt 9.0 sends it")."""
    found = []
    for element in change.element.split(", "):
        kind, _, name = element.partition(" ")
        for usage in usages:
            uses = []
            if kind == "command" and usage.sends(name):
                uses.append(f"sends command '{name}'")
            if kind == "command" and usage.probes_command(name):
                flags = ", ".join(usage.probes_command(name))
                uses.append(f"probes command '{name}' ({flags})")
            if kind == "event" and usage.handles(name):
                uses.append(f"handles event '{name}'")
            if kind == "error" and usage.matches(name.removeprefix("class ")):
                uses.append(f"matches error class '{name.removeprefix('class ')}'")
            if uses:
                found.append(f"{usage.label} {' and '.join(uses)}")
    return found


def with_libvirt(
    changes: Sequence[Change], usages: Sequence[LibvirtUsage]
) -> list[tuple[Change, tuple[str, ...]]]:
    """Each change with what libvirt does with its element; MUST where libvirt loses."""
    found = []
    for change in changes:
        used = tuple(users(change, usages))
        loses = change.level is not Level.MAY or change.rule_id in REMOVALS
        if used and loses and change.level is not Level.MUST:
            change = replace(
                change,
                level=Level.MUST,
                message=f"{change.message} [{change.level.value} for QEMU's rules; MUST for "
                "the review: libvirt uses it]",
            )
        found.append((change, used))
    return found


def probe_changes(
    old: ApiSnapshot, new: ApiSnapshot, usages: Sequence[LibvirtUsage]
) -> list[Change]:
    """A MUST change for every libvirt capability probe whose answer differs."""
    kind = CHANGES[PROBE_CHANGED]
    changes = []
    for usage in usages:
        for flip in flipped(usage, old, new):
            head = flip.query.split("/", 1)[0]
            changes.append(
                Change(
                    PROBE_CHANGED,
                    kind.level,
                    f"probe {head}",
                    flip.query,
                    flip.describe(),
                    old=str(flip.old).lower(),
                    new=str(flip.new).lower(),
                )
            )
    return changes
