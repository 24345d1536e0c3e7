"""A real libvirt drives a real QEMU through block jobs; its debug log checks clean.

libvirtd (Debian's 9.0, private: see ``tests/libvirt_harness.py``) defines a
tiny TCG domain with two qcow2 disks backed by one base image, ``virsh
blockpull`` pulls the first to completion and a rate-limited pull of the second
is stopped with ``virsh blockjob --abort``.  The monitor traffic libvirt logged
(its capability probe and the domain's session) is then checked against the
shipped contracts.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from qmpcontract.cli import main

from ..libvirt_harness import have_libvirt, libvirtd
from ..qemu_harness import QEMU, make_images

REASON = have_libvirt()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=REASON or "")]

DOMAIN = """\
<domain type='qemu'>
  <name>qmpcontract-e2e</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>{emulator}</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{images}/top.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{images}/top2.qcow2'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <memballoon model='none'/>
  </devices>
</domain>
"""


def _emulator() -> str:
    found = subprocess.run(["which", QEMU], capture_output=True, text=True, check=True)
    return found.stdout.strip()


def test_virsh_blockpull_and_abort_log_checks_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = tmp_path / "images"
    images.mkdir()
    make_images(images)
    xml = tmp_path / "domain.xml"
    xml.write_text(DOMAIN.format(emulator=_emulator(), images=images))
    with libvirtd(tmp_path) as daemon:
        daemon.virsh("define", str(xml))
        daemon.virsh("start", "qmpcontract-e2e")
        chain = daemon.virsh("domblklist", "qmpcontract-e2e")
        assert "top.qcow2" in chain and "top2.qcow2" in chain
        daemon.virsh("blockpull", "qmpcontract-e2e", "vda", "--wait")
        daemon.virsh("blockpull", "qmpcontract-e2e", "vdb", "--bandwidth", "1")
        running = daemon.virsh("blockjob", "qmpcontract-e2e", "vdb", "--info")
        assert "Bandwidth limit: 1048576 bytes/s" in running
        daemon.virsh("blockjob", "qmpcontract-e2e", "vdb", "--abort")
        assert "No current block job" in daemon.virsh(
            "blockjob", "qmpcontract-e2e", "vdb", "--info"
        )
        daemon.virsh("destroy", "qmpcontract-e2e")
        daemon.virsh("undefine", "qmpcontract-e2e")
    # The first disk no longer needs its backing image; the second still does.
    info = subprocess.run(
        ["qemu-img", "info", "--output", "json", str(images / "top.qcow2")],
        capture_output=True,
        check=True,
    )
    assert "backing-filename" not in json.loads(info.stdout)
    log = daemon.log.read_text(encoding="utf-8", errors="replace")
    assert '"execute":"block-stream"' in log and '"execute":"block-job-cancel"' in log
    assert '"event": "BLOCK_JOB_COMPLETED"' in log and '"event": "BLOCK_JOB_CANCELLED"' in log
    assert main(["check", str(daemon.log), "--fail-on", "may", "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (transcript,) = report["transcripts"]
    assert transcript["format"] == "libvirt-log"
    assert transcript["summary"]["sessions"] >= 2  # the capability probe and the domain
    assert transcript["summary"]["truncated_sessions"] == 0
    assert "block-jobs@2.5.0" in transcript["contracts"]
    assert report["findings"] == []
