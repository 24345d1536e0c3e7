"""Engine behaviour: crashing rules, selection, baselines, versions, determinism."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qmpcontract.check import CheckOptions, check_items, engine
from qmpcontract.check.baseline import apply_baseline, load_baseline
from qmpcontract.check.context import RuleContext
from qmpcontract.check.engine import select_contracts
from qmpcontract.check.registry import (
    IMPLEMENTATIONS,
    Implementation,
    implements,
    load_implementations,
)
from qmpcontract.cli import main
from qmpcontract.contract import load_contracts
from qmpcontract.errors import InputError
from qmpcontract.model.check_kinds import CHECK_KINDS, Scope
from qmpcontract.model.contract import Contract
from qmpcontract.model.findings import Finding
from qmpcontract.model.transcript import Session, TranscriptInfo
from qmpcontract.model.versions import QemuVersion, SemVer
from qmpcontract.read.recording import read_recording

from .conftest import REPO

EXAMPLE = REPO / "examples" / "qemu-7.2-block-jobs.jsonl"
GOLDEN = REPO / "tests" / "corpus" / "transcripts" / "golden"


def _check(path: Path, options: CheckOptions | None = None) -> list[Finding]:
    with path.open("rb") as source:
        items = list(read_recording(source, path.name))
    info = TranscriptInfo(path.name, "recording")
    return list(check_items(items, info, load_contracts(), options).findings)


def test_every_transcript_kind_is_implemented() -> None:
    implemented = set(load_implementations())
    wanted = {k.name for k in CHECK_KINDS.values() if k.scope is Scope.TRANSCRIPT}
    assert implemented == wanted


def test_registration_is_checked() -> None:
    def bad(ctx: RuleContext, session: Session) -> Iterator[Finding]:
        yield from ()

    with pytest.raises(ValueError, match="not a transcript check kind"):
        implements("names-kept")(bad)
    with pytest.raises(ValueError, match="implemented twice"):
        implements("id-echo")(bad)


def test_a_crashing_rule_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    load_implementations()
    called: set[str] = set()
    for kind, implementation in list(IMPLEMENTATIONS.items()):

        def counted(
            ctx: RuleContext, session: Session, run: Implementation = implementation
        ) -> Iterator[Finding]:
            called.add(ctx.rule.id)
            return run(ctx, session)

        monkeypatch.setitem(IMPLEMENTATIONS, kind, counted)

    def boom(ctx: RuleContext, session: Session) -> Iterator[Finding]:
        raise KeyError("surprise")

    monkeypatch.setitem(IMPLEMENTATIONS, "id-echo", boom)
    with EXAMPLE.open("rb") as source:
        items = list(read_recording(source, EXAMPLE.name))
    result = check_items(items, TranscriptInfo(EXAMPLE.name, "recording"), load_contracts())
    crashed = [f for f in result.findings if f.rule_id == "qmpcontract/rule-crashed"]
    assert len(crashed) == 1
    assert "rule 'qmp-core/id-echo' (id-echo) failed: KeyError: 'surprise'" in crashed[0].message
    assert len(result.findings) == 1, "the other rules found nothing"
    # and every other rule of the applied contracts ran on the session
    applied = {
        r.id for c in select_contracts(load_contracts(), result.qemu_version, {}) for r in c.rules
    }
    others = {r for r in applied if r in result.rules and r != "qmp-core/id-echo"}
    # jobs@1.1.0 has no command that starts a job (block-jobs' commands do): its
    # terminal-status rule has nothing to judge, and the engine skips it; so are the
    # element-scoped rules of migration and device-hotplug, whose commands and events
    # a block-job session never uses
    unused = {
        r.id
        for c in select_contracts(load_contracts(), result.qemu_version, {})
        if c.id in ("migration", "device-hotplug")
        for r in c.rules
        if r.check and CHECK_KINDS[r.check.kind].element_scoped
    }
    assert {"migration/one-terminal-status", "device-hotplug/deleted-once"} <= unused
    assert len(others) > 20 and others - called == {"jobs/terminal-status", *unused}


def test_a_crash_message_is_kept_short(monkeypatch: pytest.MonkeyPatch) -> None:
    load_implementations()

    def boom(ctx: RuleContext, session: Session) -> Iterator[Finding]:
        raise ValueError("a whole schema " * 1000)

    monkeypatch.setitem(IMPLEMENTATIONS, "id-echo", boom)
    (crashed,) = _check(EXAMPLE)
    assert "ValueError: a whole schema a whole schema" in crashed.message
    assert len(crashed.message) < 400 and "..." in crashed.message


def test_select_and_ignore() -> None:
    case = GOLDEN / "block-jobs" / "error-spelling--unsupported.jsonl"
    everything = {f.rule_id for f in _check(case)}
    assert everything == {"block-jobs/error-class-allowed", "block-jobs/error-spelling"}
    only = _check(case, CheckOptions(select=("block-jobs/error-spelling",)))
    assert {f.rule_id for f in only} == {"block-jobs/error-spelling"}
    prefix = _check(case, CheckOptions(select=("block-jobs/",), ignore=("*/error-spelling",)))
    assert {f.rule_id for f in prefix} == {"block-jobs/error-class-allowed"}


def test_findings_do_not_depend_on_rule_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # the engine runs the rules of the applied contracts in their order: reverse both
    case = GOLDEN / "block-jobs" / "error-spelling--unsupported.jsonl"
    forward = _check(case)
    assert len({f.rule_id for f in forward}) > 1  # several rules report: the order could show
    select = engine.select_contracts

    def backwards(*args: Any, **kwargs: Any) -> list[Contract]:
        chosen = select(*args, **kwargs)
        return [dataclasses.replace(c, rules=tuple(reversed(c.rules))) for c in reversed(chosen)]

    monkeypatch.setattr(engine, "select_contracts", backwards)
    assert _check(case) == forward


def test_contract_versions_follow_the_qemu_version() -> None:
    contracts = load_contracts()

    def refs(version: QemuVersion) -> list[str]:
        return [c.ref for c in select_contracts(contracts, version, {})]

    assert refs(QemuVersion(1, 1)) == ["block-jobs@1.0.0"]
    assert refs(QemuVersion(1, 0, 50)) == ["block-jobs@0.1.0"]
    assert refs(QemuVersion(2, 5)) == [
        "block-jobs@2.5.0",
        "device-hotplug@1.0.0",
        "migration@1.0.1",
        "qmp-core@1.1.0",
    ]
    assert refs(QemuVersion(7, 2)) == [
        "block-jobs@2.5.0",
        "device-hotplug@1.0.0",
        "jobs@1.1.2",
        "migration@1.0.1",
        "qmp-core@1.1.0",
    ]
    pinned = select_contracts(contracts, QemuVersion(7, 2), {"block-jobs": SemVer(2, 1, 0)})
    assert pinned[0].ref == "block-jobs@2.1.0"


def test_members_newer_than_the_producer_are_not_required() -> None:
    """A QEMU 2.5 query-block-jobs reply lacks 'status' (2.12): not a violation on 2.5."""
    text = EXAMPLE.read_text()
    old = text.replace(
        '\\"micro\\": 22, \\"minor\\": 2, \\"major\\": 7',
        '\\"micro\\": 0, \\"minor\\": 5, \\"major\\": 2',
    )
    lines = []
    for line in old.splitlines():
        record = json.loads(line)
        if record.get("type") == "message" and '"id": "poll"' in record["raw"]:
            message = json.loads(record["raw"])
            if "return" in message:
                for job in message["return"]:
                    for member in ("status", "auto-finalize", "auto-dismiss"):
                        job.pop(member)
                record["raw"] = json.dumps(message)
        lines.append(json.dumps(record))
    data = ("\n".join(lines) + "\n").encode()
    info = TranscriptInfo("old.jsonl", "recording")
    result = check_items(
        read_recording(io.BytesIO(data), "old.jsonl"),
        info,
        load_contracts(),
        CheckOptions(select=("block-jobs/returns",)),
    )
    assert result.qemu_version == QemuVersion(2, 5)
    assert result.findings == ()
    as_72 = check_items(
        read_recording(io.BytesIO(data), "old.jsonl"),
        info,
        load_contracts(),
        CheckOptions(QemuVersion(7, 2), select=("block-jobs/returns",)),
    )
    assert [f.message for f in as_72.findings] == [
        "the return value of 'query-block-jobs' breaks the contract: missing member 'status'"
    ]


def test_baseline(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(
        json.dumps(
            {
                "accepted": [
                    {
                        "rule_id": "block-jobs/error-*",
                        "file": "*unsupported*",
                        "reason": "known",
                        "expires": "2030-01-01",
                    },
                    {"rule_id": "qmp-core/id-echo", "reason": "old", "expires": "2020-01-01"},
                ]
            },
            indent=2,
        )
    )
    entries = load_baseline(baseline)
    case = GOLDEN / "block-jobs" / "error-spelling--unsupported.jsonl"
    kept, accepted, notes = apply_baseline(_check(case), entries, datetime.date(2026, 11, 26))
    assert (kept, accepted) == ([], 2)
    assert notes == [
        f"baseline entry at {baseline}:9:5 (qmp-core/id-echo) expired on 2020-01-01; "
        "it no longer applies"
    ]


def test_bad_baseline_is_a_located_input_error(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"accepted": [\n  {"rule_id": "x"}\n]}')
    with pytest.raises(InputError) as info:
        load_baseline(baseline)
    assert info.value.location.line == 2
    assert "'reason' is a required property" in info.value.message


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["check", str(EXAMPLE), "--select", "no-such/rule"]) == 2
    assert "no rule matches 'no-such/rule'" in capsys.readouterr().err
    assert main(["check", str(EXAMPLE), "--qemu-version", "seven"]) == 2
    assert main(["check", str(EXAMPLE), "--contract", "block-jobs@9.9.9"]) == 2
    assert main(["check", str(tmp_path / "missing.log")]) == 2
    garbage = tmp_path / "notes.txt"
    garbage.write_text("just some text\n")
    assert main(["check", str(garbage)]) == 2
    assert "cannot tell the transcript format" in capsys.readouterr().err


def test_fail_on_levels(capsys: pytest.CaptureFixture[str]) -> None:
    should = GOLDEN / "block-jobs" / "deprecated-use--block-job-pause.jsonl"
    assert main(["check", str(should), "--qemu-version", "10.1"]) == 0
    assert main(["check", str(should), "--qemu-version", "10.1", "--fail-on", "should"]) == 1
    may = GOLDEN / "qmpcontract" / "unfinished-job--recording-ends-while-running.jsonl"
    assert main(["check", str(may), "--fail-on", "should"]) == 0
    assert main(["check", str(may), "--fail-on", "may"]) == 1
    capsys.readouterr()


def test_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (GOLDEN / "qmp-core" / "id-echo--foreign-id.jsonl").read_bytes()

    class Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr("sys.stdin", Stdin)
    assert main(["check", "-"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("-:19: MUST [qmp-core/id-echo]")


ANY_RETURN = b"""\
{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, \
"capabilities": []}}
{"execute": "qmp_capabilities", "id": 1}
{"return": {}, "id": 1}
{"execute": "query-qmp-schema", "id": 2}
{"return": [{"name": "qom-get", "meta-type": "command", "arg-type": "0", "ret-type": "any"}, \
{"name": "query-qmp-schema", "meta-type": "command", "arg-type": "1", "ret-type": "any"}, \
{"name": "0", "meta-type": "object", "members": [{"name": "path", "type": "str"}]}, \
{"name": "1", "meta-type": "object", "members": []}, \
{"name": "any", "meta-type": "builtin", "json-type": "value"}, \
{"name": "str", "meta-type": "builtin", "json-type": "string"}], "id": 2}
{"execute": "qom-get", "arguments": {"path": "/machine"}, "id": 3}
{"return": "none-machine", "id": 3}
{"execute": "qom-get", "arguments": {"path": 1}, "id": 4}
{"error": {"class": "GenericError", "desc": "bad"}, "id": 4}
"""


def test_a_command_returning_any_is_checked_without_crashing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by libvirt's real traffic: QEMU describes qom-get as returning 'any',
    # whose schema is {} -- a schema nonetheless, which the document must keep.
    path = tmp_path / "any.txt"
    path.write_bytes(ANY_RETURN)
    assert main(["check", str(path), "--output", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["transcripts"][0]["contracts"][-2:] == [
        "qemu-introspection@7.2.0",
        "qemu-error-classes@7.2.0",
    ]
    rules = [f["rule_id"] for f in report["findings"]]
    assert "qmpcontract/rule-crashed" not in rules
    assert rules == ["qemu-introspection/arguments"]  # path: 1 is not a string


def _recording(path: Path, *messages: tuple[str, object]) -> Path:
    """A one-session recording of these (direction, message) pairs, QMP text as given."""
    records: list[dict[str, object]] = [
        {"type": "header", "format": "qmpcontract-recording", "version": 1},
        {"type": "open", "session": 0, "t": 1.0},
    ]
    for number, (direction, body) in enumerate(messages):
        raw = body if isinstance(body, str) else json.dumps(body)
        records.append({"type": "message", "session": 0, "dir": direction, "t": 2.0 + number,
                        "raw": raw})  # fmt: skip
    records.append({"type": "close", "session": 0, "t": 99.0, "reason": "server-closed"})
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


GREETING_72 = {
    "QMP": {
        "version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""},
        "capabilities": ["oob"],
    }
}


def _refused(desc: str, **extra: object) -> dict[str, object]:
    return {**extra, "error": {"class": "GenericError", "desc": desc}}


def test_qemus_answers_to_any_input_are_not_unsolicited(tmp_path: Path) -> None:
    # What QEMU 7.2 answered, measured: each input once; an object without 'execute'
    # with its id; an exec-oob without id without id.
    path = _recording(
        tmp_path / "answers.jsonl",
        ("server", GREETING_72),
        ("client", {"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}),
        ("server", {"return": {}}),
        ("client", {"arguments": {}, "id": "no-execute"}),
        ("server", _refused("QMP input lacks member 'execute'", id="no-execute")),
        ("client", '"just a string"'),
        ("server", _refused("QMP input must be a JSON object")),
        ("client", {"exec-oob": "migrate-pause"}),
        ("server", _refused("migrate-pause is currently only supported during postcopy-active")),
        ("client", {"execute": "quit"}),
        ("server", {"event": "SHUTDOWN", "data": {"guest": False, "reason": "host-qmp-quit"},
                    "timestamp": {"seconds": 1, "microseconds": 2}}),
        ("server", {"return": {}}),
    )  # fmt: skip
    findings = _check(path)
    # What the client sent is no QMP request; QEMU's answers break no rule.
    assert [(f.rule_id, f.location.line) for f in findings] == [
        ("qmpcontract/unknown-message", 6),
        ("qmpcontract/invalid-message", 8),
    ]
