"""Run a real, private libvirtd (Debian's libvirt 9.0) for end-to-end tests.

libvirtd runs as root without systemd, in a mount namespace of its own
(``unshare --mount``) where ``/etc/libvirt``, ``/run/libvirt``,
``/var/lib/libvirt``, ``/var/log/libvirt`` and ``/var/cache/libvirt`` are
directories of the test: nothing of the machine's libvirt set-up is read or
changed.  Its ``qemu.conf`` runs QEMU as root with no security driver and no
cgroups; its ``libvirtd.conf`` logs the monitor traffic
(``1:qemu.qemu_monitor 1:qemu.qemu_monitor_json``) to a file.  Debian's QEMU
driver refuses to start without a ``libvirt-qemu`` user; where the machine has
none, the namespace sees copies of ``/etc/passwd`` and ``/etc/group`` that add
one.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PRIVATE_DIRS = {
    "etc": "/etc/libvirt",
    "run": "/run/libvirt",
    "lib": "/var/lib/libvirt",
    "log": "/var/log/libvirt",
    "cache": "/var/cache/libvirt",
}


def have_libvirt() -> str | None:
    """Why the libvirt tests cannot run here, or None if they can."""
    missing = [
        t for t in ("libvirtd", "virsh", "unshare", "qemu-system-x86_64") if not shutil.which(t)
    ]
    if missing:
        return f"needs {', '.join(missing)} (.ci/run installs libvirt from apt)"
    if os.geteuid() != 0:
        return "libvirtd must run as root"
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"], capture_output=True
    )
    if probe.returncode != 0:
        return f"cannot make a mount namespace: {probe.stderr.decode().strip()}"
    return None


@dataclass(frozen=True)
class Libvirt:
    """A running private libvirtd."""

    uri: str
    log: Path
    workdir: Path

    def virsh(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        """Run ``virsh -c URI ARGS``; return its standard output."""
        result = subprocess.run(
            ["virsh", "-c", self.uri, *args], capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(f"virsh {shlex.join(args)}: {result.stderr.strip()}")
        return result.stdout


def _write_config(root: Path, sockets: Path, log: Path) -> None:
    (root / "etc" / "libvirtd.conf").write_text(
        f'unix_sock_dir = "{sockets}"\n'
        'unix_sock_rw_perms = "0700"\n'
        'auth_unix_rw = "none"\n'
        'auth_unix_ro = "none"\n'
        'log_filters = "1:qemu.qemu_monitor 1:qemu.qemu_monitor_json 3:*"\n'
        f'log_outputs = "1:file:{log}"\n'
    )
    (root / "etc" / "qemu.conf").write_text(
        'user = "root"\n'
        'group = "root"\n'
        'security_driver = "none"\n'
        "cgroup_controllers = [ ]\n"
        'stdio_handler = "file"\n'
    )


def _user_mounts(root: Path) -> list[str]:
    try:
        pwd.getpwnam("libvirt-qemu")
        return []
    except KeyError:
        pass
    passwd, group = root / "passwd", root / "group"
    passwd.write_text(
        Path("/etc/passwd").read_text()
        + "libvirt-qemu:x:64055:64055:libvirt QEMU:/var/lib/libvirt:/usr/sbin/nologin\n"
    )
    group.write_text(Path("/etc/group").read_text() + "libvirt-qemu:x:64055:\n")
    return [f"mount --bind {passwd} /etc/passwd", f"mount --bind {group} /etc/group"]


@contextmanager
def libvirtd(workdir: Path, timeout: float = 90.0) -> Iterator[Libvirt]:
    """Start a private libvirtd; yield it; destroy its domains and stop it."""
    root = workdir / "libvirt"
    for name in PRIVATE_DIRS:
        (root / name).mkdir(parents=True, exist_ok=True)
    sockets = Path(tempfile.mkdtemp(prefix="qmpc-lv-"))  # short: unix paths are limited
    log = workdir / "libvirtd.log"
    _write_config(root, sockets, log)
    script = ["set -e"]
    for name, target in PRIVATE_DIRS.items():
        script += [f"mkdir -p {target}", f"mount --bind {root / name} {target}"]
    script += _user_mounts(root)
    script.append(f"exec libvirtd -f {root / 'etc' / 'libvirtd.conf'} -p {root / 'libvirtd.pid'}")
    output = (workdir / "libvirtd.out").open("wb")
    process = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script)],
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    daemon = Libvirt(f"qemu:///system?socket={sockets}/libvirt-sock", log, workdir)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"libvirtd exited with {process.returncode}:\n{tail}")
            if (sockets / "libvirt-sock").exists():
                ready = subprocess.run(
                    ["virsh", "-c", daemon.uri, "version"], capture_output=True, timeout=60
                )
                if ready.returncode == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("libvirtd did not come up")
            time.sleep(0.2)
        yield daemon
    finally:
        if process.poll() is None:
            for name in daemon.virsh("list", "--name", check=False).split():
                daemon.virsh("destroy", name, check=False)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()
        shutil.rmtree(sockets, ignore_errors=True)
