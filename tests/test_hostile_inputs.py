"""The hostile-input corpus: every reader, contracts, QAPI sources and patches, attacked.

Each case is generated here (nothing large is committed) and run in a
subprocess under audit hooks (``tests/hostile/runner.py``).  Every one must end
in bounded time and memory, with exit code 0, 1 or 2, a located plain-language
message and no traceback; it must not touch the network, and must not read a
file outside what the user named (a planted ``secret`` next to the inputs, and
``/etc/passwd``, are never opened).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import REPO

RUNNER = Path(__file__).parent / "hostile" / "runner.py"
GREETING = (
    '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, '
    '"capabilities": []}}\n'
)
CAPS = '{"execute": "qmp_capabilities", "id": 1}\n{"return": {}, "id": 1}\n'
MAX_RSS_KIB = 1 << 20  # 1 GiB


@dataclass(frozen=True)
class Case:
    """One hostile input: how to make it, the command, what must come out."""

    name: str
    build: Callable[[Path], list[str]]  # writes the input under the directory; returns argv
    codes: frozenset[int]
    says: str  # a substring of the output (stdout and stderr)
    messages: int | None = None  # for transcripts: every message of the input, counted by hand


def _file(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(where: Path) -> Path:
        path = where / name
        path.write_bytes(data)
        return path

    return make


def _check(name: str, data: bytes, *extra: str) -> Callable[[Path], list[str]]:
    return lambda where: ["check", str(_file(name, data)(where)), *extra]


def _contract(mutate: Callable[[dict[str, object]], None]) -> Callable[[Path], list[str]]:
    def build(where: Path) -> list[str]:
        document = json.loads((REPO / "contracts" / "jobs" / "1.0.0.json").read_text())
        mutate(document)
        target = where / "set" / "jobs" / "1.0.0.json"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(document, indent=1))
        return ["lint", str(where / "set")]

    return build


def _returns(schema: object) -> Callable[[dict[str, object]], None]:
    def mutate(document: dict[str, object]) -> None:
        commands = document["commands"]
        assert isinstance(commands, dict)
        commands["query-jobs"]["returns"] = schema

    return mutate


def _qapi(files: dict[str, str], *extra: str) -> Callable[[Path], list[str]]:
    def build(where: Path) -> list[str]:
        for name, text in files.items():
            path = where / "qapi" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return [
            "import",
            "qapi",
            str(where / "qapi" / "qapi-schema.json"),
            "--qemu-version",
            "7.2",
            *extra,
        ]

    return build


def _review(patch: bytes) -> Callable[[Path], list[str]]:
    def build(where: Path) -> list[str]:
        tree = where / "tree"
        (tree / "qapi").mkdir(parents=True)
        (tree / "qapi" / "qapi-schema.json").write_text("{ 'command': 'query-x' }\n")
        (where / "change.patch").write_bytes(patch)
        return ["review", str(where / "change.patch"), "--tree", str(tree)]

    return build


DEEP = b"[" * 100_000 + b"]" * 100_000
ESCAPING_PATCH = b"""--- a/../../secret/secret.txt
+++ b/../../secret/secret.txt
@@ -1 +1 @@
-secret
+changed
"""
CASES = [
    # -- transcripts ---------------------------------------------------------------------
    Case("empty", _check("empty.txt", b""), frozenset({2}), "empty.txt: cannot tell"),
    Case(
        "truncated-inside-a-message",
        _check("cut.txt", (GREETING + CAPS + '{"execute": "query-st').encode()),
        frozenset({0}),
        "cut.txt:4: MAY [qmpcontract/truncated]",
        4,
    ),
    Case("blank", _check("blank.txt", b" \n\n\t\n"), frozenset({2}), "blank.txt: cannot tell"),
    Case(
        "nul-and-bad-utf8",
        _check("nul.txt", GREETING.encode() + b'{"execute": "\xff\x00"}\x00\n'),
        frozenset({1}),
        "nul.txt:2",
        5,  # QEMU 7.2 answers the line with 4 errors: 0xFF and NUL are error tokens
    ),
    Case(
        "nesting-100000",
        _check("deep.txt", GREETING.encode() + b'{"x": ' + DEEP + b"}\n"),
        frozenset({1}),
        "deep.txt:2",
        # QEMU 7.2 answers it 99,523 times: it refuses the input 97 times at its
        # 1025th level, reads the 576 levels left as one input, then each of the
        # 99,425 closing brackets and braces left over as an input of its own.
        99_524,
    ),
    Case(
        "integer-beyond-64-bits",
        _check(
            "big.txt",
            (
                GREETING
                + CAPS
                + '{"execute": "query-status", "id": 123456789012345678901234567890}\n'
                '{"return": {"status": "running", "singlestep": false, "running": true}, '
                '"id": 123456789012345678901234567890}\n'
            ).encode(),
        ),
        frozenset({0}),
        "5 messages",
        5,
    ),
    Case(
        "duplicate-keys",
        _check(
            "dup.txt",
            (
                GREETING + CAPS + '{"execute": "query-status", "execute": "quit", "id": 2}\n'
            ).encode(),
        ),
        frozenset({1}),
        "duplicate key 'execute'",
        4,
    ),
    Case(
        "non-object-messages",
        _check("arrays.txt", (GREETING + '[1]\n"text"\n42\nnull\n').encode()),
        frozenset({1}),
        "arrays.txt:2",
        5,
    ),
    Case(
        "garbage-between",
        _check("garbage.txt", (GREETING + "@@ ### $$\n" + CAPS).encode()),
        frozenset({1}),
        "garbage.txt:2",
        4,  # after the error '@', QEMU 7.2 skips to the newline: one input, one answer
    ),
    Case(
        "socat-header-inside-a-message",
        _check(
            "mid.log",
            b"> 2026/11/25 23:23:26.000646163  length=40 from=0 to=39\n"
            b'{"execute": "qmp_capabilities", "id":'
            b'< 2026/11/25 23:23:26.000646388  length=16 from=0 to=15\n{"return": {}}\\r\n 1}\n',
        ),
        frozenset({0, 1}),
        "mid.log:",
    ),
    Case(
        "libvirt-record-cut-mid-line",
        _check(
            "cut.log",
            b"2026-11-25 23:26:43.283+0000: 17844: debug : qemuMonitorJSONIOProcessLine:189 : Line "
            b'[{"return": {}, "id": "libv',
        ),
        frozenset({0, 1}),
        "cut.log:1",
    ),
    Case(
        "replies-odd-count",
        _check(
            "odd.replies",
            b'{\n  "execute": "qmp_capabilities",\n  "id": "libvirt-1"\n}\n\n'
            b'{\n  "return": {\n  },\n'
            b'  "id": "libvirt-1"\n}\n\n{\n  "execute": "query-version",\n  "id": "libvirt-2"\n}\n',
        ),
        frozenset({0, 1}),
        "odd.replies",
        3,
    ),
    Case(
        "recording-junk-lines",
        _check(
            "junk.jsonl",
            b'{"type": "header", "format": "qmpcontract-recording", "version": 1}\n'
            b'not json\n{"type": "message"}\n\xff\xfe\n{"type": "open", "session": -1, "t": 0}\n',
        ),
        frozenset({1}),
        "junk.jsonl:2",
        4,
    ),
    # -- contracts ------------------------------------------------------------------------
    Case(
        "ref-to-the-network",
        _contract(_returns({"$ref": "https://example.com/x.json#/a"})),
        frozenset({1}),
        "points outside the contract set",
    ),
    Case(
        "ref-outside-the-set",
        _contract(_returns({"$ref": "../../../secret/secret.txt#/a"})),
        frozenset({1}),
        "points outside the contract set",
    ),
    Case(
        "catastrophic-regex",
        _contract(_returns({"type": "string", "pattern": "^(a|aa)+(b+)+$"})),
        frozenset({1}),
        "can take exponential time",
    ),
    Case(
        "schema-of-100-mb",
        lambda where: _big_contract(where),
        frozenset({1}),
        "larger than the 16 MiB",
    ),
    Case(
        "contract-nesting-100000",
        lambda where: _deep_contract(where),
        frozenset({1, 2}),
        "1.0.0.json",
    ),
    # -- QAPI sources ---------------------------------------------------------------------
    Case(
        "qapi-include-loop",
        _qapi(
            {
                "qapi-schema.json": "{ 'include': 'a.json' }\n",
                "a.json": "{ 'include': 'b.json' }\n",
                "b.json": "{ 'include': 'a.json' }\n",
            }
        ),
        frozenset({2}),
        "inclusion loop for a.json",
    ),
    Case(
        "qapi-include-outside",
        _qapi({"qapi-schema.json": "{ 'include': '../../secret/secret.txt' }\n"}),
        frozenset({2}),
        "is outside",
    ),
    Case(
        "qapi-include-absolute",
        _qapi({"qapi-schema.json": "{ 'include': '/etc/passwd' }\n"}),
        frozenset({2}),
        "is outside",
    ),
    Case(
        "qapi-nesting",
        _qapi(
            {
                "qapi-schema.json": "{ 'command': 'x', 'data': "
                + "{ 'a': " * 5000
                + "'int'"
                + " }" * 5001
                + "\n"
            }
        ),
        frozenset({2}),
        "qapi-schema.json:1",
    ),
    # -- patches --------------------------------------------------------------------------
    Case("patch-with-binary-hunks", lambda where: _binary_patch(where), frozenset({0}), "query-x"),
    Case("patch-escaping-the-tree", _review(ESCAPING_PATCH), frozenset({2}), "change.patch"),
    Case(
        "patch-of-garbage", _review(b"\x00\x01 not a patch \xff\n"), frozenset({2}), "change.patch"
    ),
]


def _binary_patch(where: Path) -> list[str]:
    """A real ``git diff --binary`` patch adding a binary file and changing the schema."""
    tree = where / "tree"
    (tree / "qapi").mkdir(parents=True)
    (tree / "qapi" / "qapi-schema.json").write_text("{ 'command': 'query-x' }\n")
    (tree / "VERSION").write_text("7.2.0\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tree, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tree, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=tree, check=True)
    (tree / "qapi" / "blob.bin").write_bytes(bytes(range(256)) * 16)
    (tree / "qapi" / "qapi-schema.json").write_text("{ 'command': 'query-y' }\n")
    subprocess.run([*git, "add", "-A"], cwd=tree, check=True)
    patch = subprocess.run(
        [*git, "diff", "--cached", "--binary"], cwd=tree, check=True, capture_output=True
    ).stdout
    assert b"GIT binary patch" in patch
    subprocess.run([*git, "reset", "-q", "--hard"], cwd=tree, check=True)
    (where / "change.patch").write_bytes(patch)
    return ["review", str(where / "change.patch"), "--tree", str(tree)]


def _big_contract(where: Path) -> list[str]:
    target = where / "set" / "jobs" / "1.0.0.json"
    target.parent.mkdir(parents=True)
    with target.open("w") as out:
        out.write('{"contract": "jobs", "version": "1.0.0", "types": {"Big": {"enum": [')
        out.write(",".join(f'"v{i:09d}"' for i in range(7_000_000)))
        out.write("]}}}")
    return ["lint", str(where / "set")]


def _deep_contract(where: Path) -> list[str]:
    target = where / "set" / "jobs" / "1.0.0.json"
    target.parent.mkdir(parents=True)
    target.write_text('{"contract": "jobs", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return ["lint", str(where / "set")]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    secret = tmp_path / "secret" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("secret\n")
    work = tmp_path / "case"
    work.mkdir()
    argv = case.build(work)
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(report), *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=work,
        env={**os.environ, "NO_COLOR": "1"},
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output[-3000:]
    facts = json.loads(report.read_text())
    assert facts["code"] in case.codes, output[-3000:]
    assert case.says in output, output[-3000:]
    if case.messages is not None:
        # Accounting: the summary counts every message of the input, parsed or not.
        summary = re.search(r": (\d+) messages? \(", output)
        assert summary is not None and int(summary[1]) == case.messages, output[-3000:]
    assert facts["network"] == []
    opened = set(facts["opened"])
    assert str(secret.resolve()) not in opened
    assert "/etc/passwd" not in opened
    assert facts["maxrss_kib"] < MAX_RSS_KIB
    assert secret.read_text() == "secret\n"  # and never written
    shutil.rmtree(work, ignore_errors=True)
