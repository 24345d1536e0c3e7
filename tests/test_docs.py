"""The docs site builds strictly from the README's command, and covers every contract and rule."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

from qmpcontract.check.registry import BUILTIN_RULES
from qmpcontract.contract import load_contracts
from qmpcontract.diff.catalogue import CHANGES
from qmpcontract.docsite.html import anchor

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _docs_command() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    (command,) = [str(b).strip() for b in blocks if "mkdocs" in b]
    return command.split("&&")[-1].strip()


@functools.cache
def built_site() -> Path:
    """Build the site with the README's command (the install part is the test extras)."""
    command = _docs_command()
    assert command == "mkdocs build --strict"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", *command.split()[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return REPO / "site"


def test_site_builds_strictly() -> None:
    site = built_site()
    assert (site / "index.html").is_file()
    assert (site / "compatibility" / "index.html").is_file()
    assert (site / "reference" / "cli" / "index.html").is_file()


def test_every_contract_has_a_page() -> None:
    site = built_site()
    for contract_id in load_contracts().ids():
        page = site / "contracts" / contract_id / "index.html"
        assert page.is_file(), contract_id
        html = page.read_text(encoding="utf-8")
        assert "Rules (" in html and "Versions" in html


def test_every_registered_rule_has_a_section() -> None:
    html = (built_site() / "reference" / "rules" / "index.html").read_text(encoding="utf-8")
    ids = [r.id for r in BUILTIN_RULES] + list(CHANGES)
    ids += [r.id for c in load_contracts().current() for r in c.rules]
    missing = [rule_id for rule_id in ids if f'id="{anchor(rule_id)}"' not in html]
    assert missing == []


def test_rules_show_what_the_renderer_prints() -> None:
    html = (built_site() / "reference" / "rules" / "index.html").read_text(encoding="utf-8")
    assert "MUST [block-jobs/terminal-event] QEMU must: stream job 'stream1' " in html
