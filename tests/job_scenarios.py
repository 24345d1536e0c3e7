"""Every kind of QEMU job, driven to its end over QMP: for fixtures and end-to-end tests.

One session runs, one after the other: an intermediate and an active
block-commit, drive-mirror and blockdev-mirror to READY then completed, a
mirror cancelled after READY (which completes it), blockdev-backup,
blockdev-create, and snapshot-save, -load and -delete (which QEMU allows with
``-machine none`` on a qcow2 node).  ``record_jobs`` writes it through
``qmpcontract record`` (the product's recorder, in front of a QEMU it
starts); ``python -m tests.job_scenarios`` regenerates
``examples/qemu-7.2-jobs.jsonl`` from it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .qemu_harness import QEMU, Client, start_recording

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "examples" / "qemu-7.2-jobs.jsonl"
IMAGES = (
    *("base", "mid", "top", "base2", "top2"),  # two commit chains
    *("src", "src2", "tgt2", "src3", "tgt3", "src4", "tgt4"),  # mirrors and a backup
    "vm",  # internal snapshots
)


def make_images(workdir: Path) -> None:
    """Small qcow2 images: commit chains, mirror and backup sources with data, and targets."""

    def run(*command: str) -> None:
        subprocess.run(command, cwd=workdir, check=True, stdout=subprocess.DEVNULL)

    for name in IMAGES:
        backing = {"mid": "base", "top": "mid", "top2": "base2"}.get(name)
        options = ["-b", f"{backing}.qcow2", "-F", "qcow2"] if backing else []
        run("qemu-img", "create", "-q", "-f", "qcow2", *options, f"{name}.qcow2", "4M")
    for name, offset in (("base", 0), ("mid", 1), ("top2", 1), ("src", 0), ("src2", 0)):
        run("qemu-io", "-f", "qcow2", "-c", f"write -P 0x5{offset} {offset}M 1M", f"{name}.qcow2")
    for name in ("src3", "src4"):
        run("qemu-io", "-f", "qcow2", "-c", "write -P 0x33 0 1M", f"{name}.qcow2")


def _add(
    client: Client, node: str, backing: str | None = None, *, no_backing: bool = False
) -> None:
    options: dict[str, object] = {
        "driver": "qcow2",
        "node-name": node,
        "file": {"driver": "file", "filename": f"{node}.qcow2"},
    }
    if backing is not None or no_backing:
        options["backing"] = backing
    client.execute("blockdev-add", options, id=f"add-{node}")


def _ended(client: Client, job: str) -> None:
    """Wait until *job* is gone (its status 'null')."""
    client.wait_event("JOB_STATUS_CHANGE", id=job, status="null")


def _concluded_then_dismissed(client: Client, job: str) -> None:
    client.wait_event("JOB_STATUS_CHANGE", id=job, status="concluded")
    client.execute("query-jobs", id=f"{job}-query")
    client.execute("job-dismiss", {"id": job}, id=f"{job}-dismiss")
    _ended(client, job)


def jobs_session(client: Client) -> None:
    """Every job kind to its end (see the module's docstring); ends with 'quit'."""
    client.execute("qmp_capabilities", id="caps")
    client.execute("query-version", id="version")
    _add(client, "base", no_backing=True)
    _add(client, "mid", "base")
    _add(client, "top", "mid")
    # 1. Intermediate commit: mid into base; no READY, completes by itself.
    client.execute(
        "block-commit",
        {"job-id": "commit0", "device": "top", "top-node": "mid", "base-node": "base"},
        id="commit",
    )
    client.wait_event("BLOCK_JOB_COMPLETED", device="commit0")
    _ended(client, "commit0")
    # 2. Active commit: READY, then completed by the client (with manual finalize/dismiss).
    _add(client, "base2", no_backing=True)
    _add(client, "top2", "base2")
    client.execute(
        "block-commit",
        {"job-id": "commit1", "device": "top2", "auto-finalize": False, "auto-dismiss": False},
        id="active-commit",
    )
    client.wait_event("BLOCK_JOB_READY", device="commit1")
    client.execute("job-complete", {"id": "commit1"}, id="commit1-complete")
    client.wait_event("JOB_STATUS_CHANGE", id="commit1", status="pending")
    client.execute("job-finalize", {"id": "commit1"}, id="commit1-finalize")
    _concluded_then_dismissed(client, "commit1")
    # 3. drive-mirror to a new image: READY, then block-job-complete.
    _add(client, "src", no_backing=True)
    client.execute(
        "drive-mirror",
        {"job-id": "mirror0", "device": "src", "target": "mirror0.qcow2", "format": "qcow2",
         "sync": "full"},
        id="drive-mirror",
    )  # fmt: skip
    client.wait_event("BLOCK_JOB_READY", device="mirror0")
    client.execute("query-block-jobs", id="mirror0-poll")
    client.execute("block-job-complete", {"device": "mirror0"}, id="mirror0-complete")
    client.wait_event("BLOCK_JOB_COMPLETED", device="mirror0")
    _ended(client, "mirror0")
    # 4. blockdev-mirror to a node: READY, then job-complete.
    _add(client, "src2", no_backing=True)
    _add(client, "tgt2", no_backing=True)
    client.execute(
        "blockdev-mirror",
        {"job-id": "mirror1", "device": "src2", "target": "tgt2", "sync": "full"},
        id="blockdev-mirror",
    )
    client.wait_event("BLOCK_JOB_READY", device="mirror1")
    client.execute("job-complete", {"id": "mirror1"}, id="mirror1-complete")
    client.wait_event("BLOCK_JOB_COMPLETED", device="mirror1")
    _ended(client, "mirror1")
    # 5. A mirror cancelled after READY: it completes (the target holds a point-in-time copy).
    _add(client, "src3", no_backing=True)
    _add(client, "tgt3", no_backing=True)
    client.execute(
        "blockdev-mirror",
        {"job-id": "mirror2", "device": "src3", "target": "tgt3", "sync": "full"},
        id="mirror-to-cancel",
    )
    client.wait_event("BLOCK_JOB_READY", device="mirror2")
    client.execute("block-job-cancel", {"device": "mirror2"}, id="mirror2-cancel")
    client.wait_event("BLOCK_JOB_COMPLETED", device="mirror2")
    _ended(client, "mirror2")
    # Verbs on a job that is gone: refused.
    client.execute("block-job-cancel", {"device": "mirror2"}, id="gone-cancel", check=False)
    client.execute("job-dismiss", {"id": "mirror2"}, id="gone-dismiss", check=False)
    # 6. blockdev-backup.
    _add(client, "src4", no_backing=True)
    _add(client, "tgt4", no_backing=True)
    client.execute(
        "blockdev-backup",
        {"job-id": "backup0", "device": "src4", "target": "tgt4", "sync": "full"},
        id="backup",
    )
    client.wait_event("BLOCK_JOB_COMPLETED", device="backup0")
    _ended(client, "backup0")
    # 7. blockdev-create: a generic job, never dismissed automatically.
    client.execute(
        "blockdev-create",
        {"job-id": "create0", "options": {"driver": "file", "filename": "new.img", "size": 0}},
        id="create",
    )
    _concluded_then_dismissed(client, "create0")
    # 8. Internal snapshots of a qcow2 node: save, load, delete.
    _add(client, "vm", no_backing=True)
    snapshot = {"tag": "snap0", "devices": ["vm"]}
    for command, job in (("snapshot-save", "save0"), ("snapshot-load", "load0")):
        client.execute(command, {"job-id": job, **snapshot, "vmstate": "vm"}, id=command)
        _concluded_then_dismissed(client, job)
    client.execute("snapshot-delete", {"job-id": "delete0", **snapshot}, id="snapshot-delete")
    _concluded_then_dismissed(client, "delete0")
    client.execute("quit", id="quit")


def record_jobs(workdir: Path, output: Path) -> None:
    """Record :func:`jobs_session` with ``qmpcontract record`` in front of a QEMU it starts."""
    make_images(workdir)
    command = [QEMU, "-machine", "none", "-nodefaults", "-display", "none"]
    record_session(workdir, output, command, jobs_session)


def record_session(
    workdir: Path, output: Path, command: list[str], session: Callable[[Client], None]
) -> None:
    """Record *session* with ``qmpcontract record`` in front of the QEMU *command* starts."""
    listen = workdir / "rec.sock"
    listen.unlink(missing_ok=True)
    recorder = subprocess.Popen(
        [sys.executable, "-m", "qmpcontract", "record", "-o", str(output), "--listen",
         str(listen), "--", *command],
        cwd=workdir,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not listen.exists():
            assert recorder.poll() is None and time.monotonic() < deadline, "no recorder"
            time.sleep(0.02)
        mirror = workdir / "client.jsonl"  # the client's own view, not kept
        start_recording(mirror, "client side")
        client = Client(listen, mirror)
        try:
            session(client)
        finally:
            client.close()
        recorder.wait(60)
    finally:
        if recorder.poll() is None:
            recorder.terminate()
            recorder.wait(30)
