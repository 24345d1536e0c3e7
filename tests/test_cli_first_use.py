"""What a first-time user trips on (issue 20), each through the real command line.

Every test here failed before the fix it covers: the exit code, the first line
a user reads, or what the command writes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qmpcontract.cli import main

from .conftest import REPO, git
from .fake_qmp import fake_qmp_thread


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


def _recording_with(tmp_path: Path, mark: str | None, answer: dict[str, object]) -> Path:
    """Our QEMU 7.2 recording, its 'after-stream' request sent with an unknown member."""
    base = REPO / "examples" / "qemu-7.2-block-jobs.jsonl"
    records = [json.loads(line) for line in base.read_text(encoding="utf-8").splitlines()]
    for record in records:
        raw = record.get("raw", "")
        if '"id": "after-stream"' not in raw:
            continue
        if record["dir"] == "client":
            request = {"execute": "query-block-jobs", "arguments": {"qmpcontract-fuzz": 1}}
            record["raw"] = json.dumps({**request, "id": "after-stream"})
            if mark is not None:
                record["expect_error"] = mark
        else:
            record["raw"] = json.dumps({**answer, "id": "after-stream"})
    path = tmp_path / "marked.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


REFUSAL: dict[str, object] = {
    "error": {"class": "GenericError", "desc": "Parameter 'qmpcontract-fuzz' is unexpected"}
}


def test_a_marked_request_that_qemu_refuses_is_an_expected_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _recording_with(tmp_path, "unknown member", REFUSAL)
    assert main(["check", str(path), "--fail-on", "may"]) == 0
    out = capsys.readouterr().out
    assert "1 expected refusal(s) (requests marked as meant to be refused" in out
    assert out.endswith("0 findings (0 MUST, 0 SHOULD, 0 MAY); failing on MAY\n")


def test_an_unmarked_bad_request_is_one_finding_naming_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _recording_with(tmp_path, None, REFUSAL)
    assert main(["check", str(path)]) == 1
    findings = [line for line in capsys.readouterr().out.splitlines() if " MUST [" in line]
    assert findings == [
        f"{path}:27: MUST [block-jobs/arguments] the client must: arguments of "
        "'query-block-jobs' break the contract: unexpected member 'qmpcontract-fuzz' "
        "(also qemu-release/arguments) "
        "(at /arguments/qmpcontract-fuzz)"
    ]


def test_qemu_accepting_a_marked_request_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _recording_with(tmp_path, "unknown member", {"return": []})
    assert main(["check", str(path)]) == 1
    findings = [line for line in capsys.readouterr().out.splitlines() if " MUST [" in line]
    assert findings == [
        f"{path}:28: MUST [qmpcontract/accepted-invalid] QEMU must: QEMU accepted "
        "'query-block-jobs', a request meant to be refused (unknown member); it breaks "
        "block-jobs/arguments, "
        "qemu-release/arguments"
    ]


def test_a_fuzz_recording_marks_its_broken_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The scripted peer answers everything with success: every broken request is accepted.
    recording = tmp_path / "fuzz.jsonl"
    argv = ["fuzz", "--connect", str(tmp_path / "qemu.sock"), "-o", str(recording)]
    with fake_qmp_thread(tmp_path / "qemu.sock"):
        assert main([*argv, "--no-schema", "--max-examples", "40", "--seed", "3"]) == 1
    summary = capsys.readouterr().out.splitlines()[-1]
    broken = int(re.findall(r"(\d+) non-conforming", summary)[0])
    records = [json.loads(line) for line in recording.read_text(encoding="utf-8").splitlines()]
    marked = [r for r in records if "expect_error" in r]
    assert broken > 0 and len(marked) == broken and all(r["dir"] == "client" for r in marked)
    assert main(["check", str(recording), "--output", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    lines = {r["location"]["line"] for r in report["findings"]}
    marked_lines = {i for i, r in enumerate(records, start=1) if "expect_error" in r}
    assert not lines & marked_lines  # nothing reported on the requests themselves
    accepted = [f for f in report["findings"] if f["rule_id"] == "qmpcontract/accepted-invalid"]
    assert len(accepted) == broken


@pytest.mark.parametrize(
    ("allow", "message"),
    [
        ("quit", "--allow quit: the fuzzer never sends 'quit'"),
        ("blockdev-del", "--allow blockdev-del: the fuzzer never sends 'blockdev-del'"),
        ("no-such-cmd", "--allow no-such-cmd: the contracts define no command 'no-such-cmd'"),
    ],
)
def test_fuzz_allow_refuses_unknown_and_forbidden_commands(
    allow: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "fuzz.jsonl"
    argv = ["fuzz", "--connect", str(tmp_path / "qemu.sock"), "-o", str(recording)]
    with fake_qmp_thread(tmp_path / "qemu.sock"):
        assert main([*argv, "--no-schema", "--max-examples", "5", "--allow", allow]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"qmpcontract: error: {message}")
    assert "requests sent" not in captured.out


def _wait_for(test: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not test():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


# Ctrl-C as a terminal sends it: Python turns SIGINT into KeyboardInterrupt only where
# SIGINT is not ignored, and a test run in the background (`cmd &`) starts with it ignored.
_INTERRUPTIBLE = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'qmpcontract'; runpy.run_module('qmpcontract', run_name='__main__')"
)


def _cli(*argv: str) -> list[str]:
    """The command line of ``qmpcontract ARGV`` in a process that Ctrl-C interrupts."""
    return [sys.executable, "-c", _INTERRUPTIBLE, *argv]


def test_ctrl_c_stops_fuzz_with_a_partial_summary_and_exit_130(tmp_path: Path) -> None:
    recording = tmp_path / "fuzz.jsonl"
    argv = ["fuzz", "--connect", str(tmp_path / "qemu.sock"), "-o", str(recording)]
    argv += ["--no-schema", "--max-examples", "1000000", "--time-limit", "600"]
    with (
        fake_qmp_thread(tmp_path / "qemu.sock"),
        subprocess.Popen(_cli(*argv), stdout=subprocess.PIPE, text=True) as proc,
    ):
        _wait_for(lambda: recording.exists() and recording.stat().st_size > 20_000, proc)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    summary = out.strip().splitlines()[-1]
    assert re.match(r"qmpcontract fuzz: interrupted after \d+ requests sent", summary), summary


def test_ctrl_c_stops_check_with_the_report_so_far_and_exit_130(tmp_path: Path) -> None:
    # The second transcript is a FIFO nobody writes: the checker waits there, the first done.
    fifo = tmp_path / "pending.jsonl"
    os.mkfifo(fifo)
    base = REPO / "examples" / "qemu-7.2-block-jobs.jsonl"
    with subprocess.Popen(
        _cli("check", str(base), str(fifo)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        writer = os.open(fifo, os.O_WRONLY)  # returns once the checker opened it
        try:
            time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            os.close(writer)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert f"{base}: 61 messages" in out
    assert out.endswith("note: interrupted (Ctrl-C): 1 of 2 transcript(s) checked\n")


def test_rules_lists_every_id_any_command_can_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--output", "json"]) == 0
    listed = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    for rule_id in (
        "qmpcontract/invalid-message",
        "qmpcontract/accepted-invalid",
        "block-jobs/arguments",
        "qemu-introspection/arguments",
        "qemu-qapi/arguments",
        "qemu-release/arguments",
        "qemu-error-classes/release",
        "diff/command-removed",
        "diff/event-added",
    ):
        assert rule_id in listed, rule_id
    assert listed["diff/command-removed"]["command"] == "diff, review"
    assert listed["qemu-introspection/arguments"]["command"] == "check"
    # The ids of check's rules are the ones its --ignore accepts.
    assert main(["check", str(REPO / "examples"), "--ignore", "qemu-qapi/arguments"]) == 0
    capsys.readouterr()
    assert main(["check", str(REPO / "examples"), "--ignore", "diff/command-removed"]) == 2
    assert "'diff' reports it, not 'check'" in capsys.readouterr().err


def test_every_id_the_differ_reports_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    from qmpcontract.diff.catalogue import CHANGES

    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert all(f"\n{change} " in out for change in CHANGES)


def test_import_into_a_directory_writes_a_lint_clean_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tiny_qapi(tmp_path / "v7.2.0")
    contracts = tmp_path / "my-contracts"
    assert main(["import", "qapi", str(root), "-o", f"{contracts}/"]) == 0
    written = contracts / "qemu-qapi" / "7.2.0.json"
    assert capsys.readouterr().err == f"qmpcontract import: wrote {written}\n"
    assert main(["lint", str(contracts)]) == 0
    assert main(["lint", str(written)]) == 0
    assert capsys.readouterr().out.endswith("no problems\n")
    # A file name of one's own: written as asked, with a note on what lint will say.
    loose = tmp_path / "snapshot.json"
    assert main(["import", "qapi", str(root), "-o", str(loose)]) == 0
    assert "a contract set keeps this contract as qemu-qapi/7.2.0.json" in capsys.readouterr().err
    assert main(["lint", str(loose)]) == 1


def _commit_schema(repo: Path, commands: list[str], message: str) -> None:
    schema = "".join(f"{{ 'command': '{name}' }}\n" for name in commands)
    (repo / "qapi" / "qapi-schema.json").write_text(schema, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_review_a_three_dot_range_as_git_means_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "qemu"
    (repo / "qapi").mkdir(parents=True)
    (repo / "VERSION").write_text("7.2.0\n")
    git(repo, "init", "-q", "-b", "master")
    _commit_schema(repo, ["query-foo", "query-old"], "base")
    git(repo, "checkout", "-q", "-b", "feature")
    _commit_schema(repo, ["query-foo", "query-old", "query-bar"], "feature: query-bar")
    git(repo, "checkout", "-q", "master")
    _commit_schema(repo, ["query-foo"], "master: query-old goes")
    # A...B: what B changed since it forked from A (master's removal is not the patch's).
    assert main(["review", "--repo", str(repo), "master...feature"]) == 0
    out = capsys.readouterr().out
    assert "query-bar" in out and "query-old" not in out
    assert "merge base" in out
    # A..B: the two trees as they are.
    assert main(["review", "--repo", str(repo), "master..feature"]) == 0
    out = capsys.readouterr().out
    assert "query-bar" in out and "query-old" in out


def test_review_of_a_missing_repo_is_a_clean_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nonexist"
    assert main(["review", "--repo", str(missing), "A..B"]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"qmpcontract: error: {missing}: no such directory (--repo takes a git checkout)\n"
    )
    assert main(["review", "--repo", str(tmp_path), "A..B"]) == 2
    err = capsys.readouterr().err
    assert "PosixPath" not in err and err.startswith(f"qmpcontract: error: {tmp_path}: ")


def test_check_names_the_files_it_skips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "recordings"
    directory.mkdir()
    (directory / "README.txt").write_text("not a transcript\n")
    (directory / "notes.md").write_text("# nor this\n")
    base = REPO / "examples" / "qemu-7.2-block-jobs.jsonl"
    (directory / "run.jsonl").write_bytes(base.read_bytes())
    assert main(["check", str(directory)]) == 0
    out = capsys.readouterr().out
    assert (
        f"note: 2 file(s) in the given directories are not transcripts; skipped: "
        f"{directory / 'README.txt'}, {directory / 'notes.md'}\n"
    ) in out


@pytest.mark.parametrize(
    ("argv", "summary"),
    [
        (["check", "examples/qemu-7.2-block-jobs.jsonl", "--output", "junit"], "0 findings ("),
        (
            ["diff", "contracts/block-jobs/2.2.0.json", "contracts/block-jobs/2.3.0.json"],
            "change(s) (",
        ),
        (["lint", "contracts"], "contract files checked, no problems"),
    ],
)
def test_with_an_output_file_the_summary_is_still_on_the_terminal(
    argv: list[str],
    summary: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(REPO)
    report = tmp_path / "report.out"
    assert main([*argv, "--output-file", str(report)]) in (0, 1)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert summary in captured.err and f"(report written to {report})" in captured.err
    assert report.stat().st_size > 0


def test_a_schema_of_another_release_than_the_transcript_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tiny_qapi(tmp_path / "tree")
    transcript = str(REPO / "examples" / "qemu-7.2-block-jobs.jsonl")
    for version in ("2.5.0", "7.2.0"):
        schema = tmp_path / f"{version}.json"
        argv = ["import", "qapi", str(root), "--qemu-version", version, "-o", str(schema)]
        assert main(argv) == 0
        capsys.readouterr()
        main(["check", transcript, "--schema", str(schema)])
        err = capsys.readouterr().err
        if version == "2.5.0":
            assert err == (
                f"qmpcontract: warning: {transcript}: the transcript is of QEMU 7.2.22, but "
                "--schema is QEMU 2.5's (QEMU 2.5 QMP schema): what one release has and the "
                "other lacks is reported as if QEMU broke its schema\n"
            )
        else:
            assert "warning" not in err  # 7.2.0 and 7.2.22: one release


def _findings_recording(tmp_path: Path) -> Path:
    """Our QEMU 7.2 recording with two findings (a bad request, unmarked, twice)."""
    path = _recording_with(tmp_path, None, REFUSAL)
    return path


def test_write_baseline_then_baseline_gives_a_clean_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    transcript = _findings_recording(tmp_path).name
    assert main(["check", transcript]) == 1
    capsys.readouterr()
    argv = ["check", transcript, "--write-baseline", "accepted.json"]
    assert main([*argv, "--reason", "negative test", "--expires", "2099-12-31"]) == 0
    assert "wrote accepted.json: 1 accepted finding pattern(s)" in capsys.readouterr().err
    (entry,) = json.loads(Path("accepted.json").read_text())["accepted"]
    assert entry["rule_id"] == "block-jobs/arguments" and entry["file"] == transcript
    assert (entry["reason"], entry["expires"]) == ("negative test", "2099-12-31")
    assert main(["check", transcript, "--baseline", "accepted.json", "--fail-on", "may"]) == 0
    assert "0 findings (0 MUST, 0 SHOULD, 0 MAY, 1 baselined)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--reason", "x"], "--reason and --expires go with --write-baseline FILE"),
        (["--write-baseline", "b.json"], "--write-baseline needs --reason TEXT"),
        (["--write-baseline", "b.json", "--reason", "x", "--expires", "someday"], "not a date"),
        (["--write-baseline", "b.json", "--reason", "x", "--expires", "2000-01-01"], "is past"),
    ],
)
def test_write_baseline_usage_errors(
    extra: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(REPO / "examples" / "qemu-7.2-block-jobs.jsonl"), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not Path("b.json").exists()


def _subcommands() -> list[list[str]]:
    from qmpcontract.cli import build_parser
    from qmpcontract.cli.help import subcommands

    return [path.split() for path, _ in subcommands(build_parser())]


@pytest.mark.parametrize("command", _subcommands(), ids=" ".join)
def test_every_help_has_examples_and_shows_defaults(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from qmpcontract.cli import build_parser
    from qmpcontract.cli.help import subcommands

    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    examples = text.split("\nexamples:\n", 1)[1].splitlines()
    assert 1 <= len(examples) <= 3
    assert all(line.startswith(f"  qmpcontract {command[0]}") for line in examples)
    (parser,) = [p for path, p in subcommands(build_parser()) if path == " ".join(command)]
    for action in parser._actions:
        if action.default not in (None, False, [], "==SUPPRESS==") and action.option_strings:
            flat = re.sub(r"-\s+", "-", " ".join(text.split()))  # argparse wraps at hyphens
            assert f"default: {action.default}" in flat, action.dest
