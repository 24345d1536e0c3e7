"""The README's commands are the ones CI runs, and they are the first thing it says."""

from __future__ import annotations

import re

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
CI = (REPO / ".ci" / "run").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", README, re.DOTALL)]


def test_readme_starts_with_the_two_setup_commands() -> None:
    main_job, tests = _blocks()[:2]
    assert main_job == (
        "python3 -m pip install . && qmpcontract check examples/qemu-7.2-block-jobs.jsonl"
    )
    assert tests == "python3 -m pip install -e '.[test]' && python3 -m pytest"
    first_block = README.index("```sh")
    assert README[:first_block].count("\n## ") == 0, "the commands come before any section"


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _blocks()[1]
    lines = [line.strip() for line in CI.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[-1] == test_command


def test_ci_installs_the_system_packages() -> None:
    for package in ("qemu-system-x86", "qemu-utils", "socat"):
        assert package in CI
