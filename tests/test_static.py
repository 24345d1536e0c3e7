"""The code is mypy --strict and ruff clean (run as part of the test command)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from .conftest import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


def test_mypy_strict() -> None:
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_check() -> None:
    if shutil.which("ruff") is None and _run("ruff", "--version").returncode != 0:
        pytest.fail("ruff is not installed: install the test extras")
    done = _run("ruff", "check", "qmpcontract", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format() -> None:
    done = _run("ruff", "format", "--check", "qmpcontract", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


# Directories of one machine (ours, a developer's home): none may be written into the tree.
# The corpus is found relative to the repository or through QMPCONTRACT_SHARED_CORPUS.
_MACHINE_DIRS = tuple("/" + name + "/" for name in ("work", "home", "root", "Users"))


def test_no_absolute_machine_path() -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    found: list[str] = []
    for name in listed.stdout.decode().split("\0"):
        path = REPO / name
        if not name or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if any(d in line for d in _MACHINE_DIRS):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "absolute machine paths:\n" + "\n".join(found)
