"""The wheel ships the contracts, the meta-schema and the release data: `pip install .` works."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import CONTRACTS, REPO


def test_wheel_contains_contracts(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = tmp_path.glob("qmpcontract-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "qmpcontract/contracts/contract.schema.json" in names
    for path in CONTRACTS.glob("*/*.json"):
        assert f"qmpcontract/contracts/{path.parent.name}/{path.name}" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    # The release data check uses, within its budget (about 3 MB in the wheel).
    info = zipfile.ZipFile(wheel).getinfo("qmpcontract/releases/qemu-releases.json")
    assert info.compress_size < 3 * 2**20
    assert "qmpcontract/releases/old-error-table.json" in names
    assert "qmpcontract/libvirt/libvirt-usage.json" in names  # what libvirt uses, for review
    # strategies and the pytest plugin are public API: their types are too (PEP 561)
    assert "qmpcontract/py.typed" in names
