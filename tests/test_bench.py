"""The benchmarks still run (a smoke run each; nothing here is timed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow


def _run(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, *argv], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bench_check_quick() -> None:
    out = _run("bench/bench_check.py", "--quick", "--only", "speed", "--only", "memory")
    assert "check exit code 0" in out
    assert "naive/check" in out
    assert out.count("(exit 0)") == 2  # both memory sizes checked clean


def test_bench_validators_agree() -> None:
    out = _run("bench/bench_validators.py", "--messages", "3000")
    assert "jsonschema-rs" in out
    assert "DIFFER" not in out
