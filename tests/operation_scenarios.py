"""Migration and device hot-plug on a real QEMU, recorded: for fixtures and end-to-end tests.

Three recordings, each made by ``qmpcontract record`` (the product's recorder)
in front of a QEMU it starts (q35, TCG, 64 MiB, paused with ``-S``, no guest OS):

- the migration source: ``query-migrate`` before any migration; the ``events``
  capability on; a migration to ``exec:sleep 2`` cancelled while it runs; one to
  ``exec:exit 0``, which fails; one to ``exec:cat > state.bin``, which completes;
  each followed by ``query-migrate`` and by ``query-yank`` until QEMU has
  cleaned up after it (see ``settle``); a ``snapshot-save`` (which announces
  ``setup`` and ``completed`` too); then a ``migrate`` QEMU 7.2 refuses after a
  completed one and a ``migrate_cancel`` with nothing to cancel;
- the destination, started with ``-incoming defer``: ``migrate-incoming`` of
  ``exec:cat state.bin``, to completion, and a second one, refused;
- hot-plug, with a ``pcie-root-port`` and a ``qemu-xhci`` controller: a
  ``virtio-rng-pci`` added and asked to leave (no guest acknowledges it, so no
  ``DEVICE_DELETED`` comes; asking again is refused), a ``usb-kbd`` added and
  removed (``DEVICE_DELETED`` right after ``device_del`` returns), and refusals.

``python -m tests.operation_scenarios`` regenerates the three fixtures in ``examples/``.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .job_scenarios import record_session
from .qemu_harness import QEMU, Client

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "examples" / "qemu-7.2-migration-source.jsonl"
DESTINATION = REPO / "examples" / "qemu-7.2-migration-destination.jsonl"
HOTPLUG = REPO / "examples" / "qemu-7.2-hotplug.jsonl"
MACHINE = [QEMU, "-machine", "q35", "-accel", "tcg", "-m", "64", "-nodefaults",
           "-display", "none", "-S"]  # fmt: skip
EVENTS_ON = {"capabilities": [{"capability": "events", "state": True}]}


def settle(client: Client) -> None:
    """Wait until QEMU has cleaned up after the migration that just ended.

    The migration thread sends the terminal ``MIGRATION`` event before it
    cleans up.  A migration or snapshot started in that window crashed QEMU
    7.2 in CI ("migration_iteration_finish: Unknown ending state 1", then
    SIGSEGV).  The clean-up ends by unregistering the migration's yank
    instance, so ``query-yank`` shows when it is over; the number of polls
    depends on timing, and the fixtures' shape leaves them out.
    """
    deadline = time.monotonic() + 30
    while {"type": "migration"} in client.execute("query-yank", id="settle")["return"]:
        assert time.monotonic() < deadline, "the migration was never cleaned up"
        time.sleep(0.02)


def source_session(client: Client, state: Path) -> None:
    """Migrations cancelled, failed and completed, each followed by query-migrate."""
    client.execute("qmp_capabilities", id="caps")
    client.execute("query-migrate", id="before")
    client.execute("query-migrate-capabilities", id="caps-query")
    client.execute("migrate-set-capabilities", EVENTS_ON, id="events-on")
    client.execute("query-migrate-parameters", id="params-query")
    # 1. cancelled: the exec'd command reads nothing, so the migration blocks while active
    client.execute("migrate", {"uri": "exec:sleep 2"}, id="migrate-cancelled")
    client.wait_event("MIGRATION", status="active")
    client.execute("migrate_cancel", id="cancel")
    client.wait_event("MIGRATION", status="cancelled")
    client.execute("query-migrate", id="after-cancelled")
    settle(client)
    # 2. failed: the exec'd command exits at once
    client.execute("migrate", {"uri": "exec:exit 0"}, id="migrate-failed")
    client.wait_event("MIGRATION", status="failed")
    client.execute("query-migrate", id="after-failed")
    settle(client)
    # 3. completed
    client.execute("migrate-set-parameters", {"max-bandwidth": 1 << 30}, id="bandwidth")
    client.execute("migrate", {"uri": f"exec:cat > {state}"}, id="migrate-completed")
    client.wait_event("MIGRATION", status="completed")
    client.execute("query-migrate", id="after-completed")
    settle(client)
    # 4. snapshot-save runs the migration code too: MIGRATION 'setup', then 'completed'
    image = {"driver": "file", "filename": "vm.qcow2"}
    client.execute("blockdev-add", {"driver": "qcow2", "node-name": "vm", "file": image},
                   id="add-vm")  # fmt: skip
    snapshot = {"job-id": "save0", "tag": "s0", "vmstate": "vm", "devices": ["vm"]}
    client.execute("snapshot-save", snapshot, id="snapshot-save")
    client.wait_event("JOB_STATUS_CHANGE", id="save0", status="concluded")
    client.execute("job-dismiss", {"id": "save0"}, id="dismiss")
    # 5. QEMU 7.2 refuses a migrate after a completed one (the VM is in 'postmigrate')
    client.execute("migrate", {"uri": "exec:cat > /dev/null"}, id="migrate-again", check=False)
    client.execute("migrate_cancel", id="cancel-again")
    client.execute("quit", id="quit")


def destination_session(client: Client, state: Path) -> None:
    """An incoming migration to completion; a second migrate-incoming, refused."""
    client.execute("qmp_capabilities", id="caps")
    client.execute("migrate-set-capabilities", EVENTS_ON, id="events-on")
    client.execute("migrate-incoming", {"uri": f"exec:cat {state}"}, id="incoming")
    client.wait_event("MIGRATION", status="completed")
    client.execute("query-migrate", id="after-incoming")
    client.execute("migrate-incoming", {"uri": f"exec:cat {state}"}, id="again", check=False)
    client.execute("quit", id="quit")


def hotplug_session(client: Client) -> None:
    """A PCI device that never leaves (no guest), a USB device that leaves at once."""
    client.execute("qmp_capabilities", id="caps")
    client.execute("device_add", {"driver": "virtio-rng-pci", "bus": "rp1", "id": "rng0"},
                   id="add-rng")  # fmt: skip
    client.execute("device_del", {"id": "rng0"}, id="del-rng")
    client.execute("device_del", {"id": "rng0"}, id="del-rng-again", check=False)
    client.execute("device_add", {"driver": "usb-kbd", "bus": "xhci.0", "id": "kbd0"},
                   id="add-kbd")  # fmt: skip
    client.execute("device_del", {"id": "kbd0"}, id="del-kbd")
    client.wait_event("DEVICE_DELETED", device="kbd0")
    client.execute("device_add", {"driver": "usb-kbd", "bus": "xhci.0", "id": "kbd0"},
                   id="add-kbd-again")  # fmt: skip
    client.execute("device_del", {"id": "kbd0"}, id="del-kbd-again")
    client.wait_event("DEVICE_DELETED", device="kbd0")
    client.execute("device_del", {"id": "nonesuch"}, id="del-unknown", check=False)
    client.execute("device_add", {"driver": "virtio-rng-pci", "bus": "pcie.0", "id": "rng1"},
                   id="add-no-hotplug", check=False)  # fmt: skip
    client.execute("device_add", {"driver": "nonesuch", "id": "x"}, id="add-unknown", check=False)
    client.execute("device_add", {"driver": "usb-kbd", "bus": "/nonesuch", "id": "x"},
                   id="add-bad-bus-path", check=False)  # fmt: skip
    client.execute("cont", id="cont")
    time.sleep(1)
    client.execute("query-status", id="status")  # still no DEVICE_DELETED for rng0
    client.execute("quit", id="quit")


def record(workdir: Path, output: Path, session: Callable[[Client], None], *extra: str) -> None:
    """Record *session* with ``qmpcontract record`` in front of a QEMU it starts."""
    record_session(workdir, output, [*MACHINE, *extra], session)


def record_all(workdir: Path, source: Path, destination: Path, hotplug: Path) -> None:
    """Record the three sessions into the given files."""
    state = Path("state.bin")  # in the working directory of both QEMUs
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "vm.qcow2", "16M"], cwd=workdir,
                   check=True)  # fmt: skip
    record(workdir, source, lambda c: source_session(c, state))
    record(workdir, destination, lambda c: destination_session(c, state), "-incoming", "defer")
    record(workdir, hotplug, hotplug_session,
           "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1",
           "-device", "qemu-xhci,id=xhci")  # fmt: skip


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        record_all(Path(directory), SOURCE, DESTINATION, HOTPLUG)
    print(f"wrote {SOURCE}, {DESTINATION} and {HOTPLUG}")
