"""What a first-time user trips on (issue 20), each through the real command line.

Every test here failed before the fix it covers: the exit code, the first line
a user reads, or what the command writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qmpcontract.cli import main

from .conftest import REPO


def _tiny_qapi(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    root = directory / "qapi-schema.json"
    root.write_text("{ 'command': 'query-foo' }\n", encoding="utf-8")
    return root


def test_import_qapi_of_a_missing_file_says_so_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nonexistent" / "qapi-schema.json"
    assert main(["import", "qapi", str(missing)]) == 2
    assert capsys.readouterr().err == f"qmpcontract: error: {missing}: no such file or directory\n"


def test_import_qapi_of_unknown_version_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tiny_qapi(tmp_path / "tree")
    assert main(["import", "qapi", str(root)]) == 2
    err = capsys.readouterr().err
    assert "the QEMU version of these QAPI sources is unknown" in err
    assert "give it with --qemu-version" in err
    assert main(["import", "qapi", str(root), "--qemu-version", "7.2.0"]) == 0


SOCAT_LOG = (
    "> 2026/11/25 23:23:26.000646163  length=32 from=0 to=31\n"
    '{"execute": "qmp_capabilities"}\n'
    "< 2026/11/25 23:23:26.000646388  length=16 from=0 to=15\n"
    '{"return": {}}\r\n'
)


@pytest.mark.parametrize(
    ("fmt", "refusal"),
    [
        ("recording", "not a qmpcontract recording: its first line is not a header record"),
        ("stream", "not a raw QMP stream: it does not start with a JSON object"),
        ("libvirt-log", "not a libvirt debug log"),
        ("replies", "not a .replies file"),
    ],
)
def test_a_format_forced_on_the_wrong_file_is_refused(
    fmt: str, refusal: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "run.socat.log"
    log.write_text(SOCAT_LOG, encoding="utf-8")
    assert main(["check", str(log)]) == 1  # read as the socat log it is (no greeting: a finding)
    capsys.readouterr()
    assert main(["check", "--format", fmt, str(log)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"qmpcontract: error: {log}:1:1: {refusal}")


def test_a_recording_cut_inside_a_line_is_truncated_not_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = (REPO / "examples" / "qemu-7.2-block-jobs.jsonl").read_bytes()
    lines = whole.splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(lines[:15]) + lines[15][:40])
    assert main(["check", str(cut)]) == 0  # nothing at MUST
    out = capsys.readouterr().out
    assert f"{cut}:16: MAY [qmpcontract/truncated] the recording ends inside this message" in out
    assert "invalid-message" not in out
