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
