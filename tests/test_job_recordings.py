"""Every job kind on a real QEMU: the recording checks clean, each defect is found where it is.

``examples/qemu-7.2-jobs.jsonl`` is our recording (``tests/job_scenarios.py``,
made with ``qmpcontract record`` in front of QEMU 7.2) of an intermediate and
an active block-commit, drive-mirror and blockdev-mirror to READY then
completed, a mirror cancelled after READY, blockdev-backup, blockdev-create
and snapshot-save/-load/-delete.  The end-to-end test records it again with
the real QEMU.  Each mutation (a terminal event dropped, renamed or doubled, an
error class respelled, an invented event, a mirror cancelled after READY
ending with the wrong event, a verb QEMU accepted in the wrong status) must
give a MUST finding at the message it changed (or, for a dropped event, where
the event was due), from the rule it breaks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qmpcontract.cli import main

from .job_scenarios import FIXTURE, record_jobs
from .qemu_harness import have_qemu

Records = list[dict[str, Any]]
Test = Callable[[dict[str, Any]], bool]
BLOCK_JOBS = ("commit0", "commit1", "mirror0", "mirror1", "mirror2", "backup0")
GENERIC_JOBS = ("create0", "save0", "load0", "delete0")
TERMINAL = "block-jobs/terminal-event"


def _body(record: dict[str, Any]) -> dict[str, Any]:
    value = json.loads(record["raw"]) if record.get("type") == "message" else {}
    return value if isinstance(value, dict) else {}


def _find(records: Records, test: Test) -> int:
    hits = [i for i, r in enumerate(records) if r.get("type") == "message" and test(_body(r))]
    assert hits, "no such message in the recording"
    return hits[0]


def _event(name: str, **data: object) -> Test:
    return lambda m: (
        m.get("event") == name and all(m.get("data", {}).get(k) == v for k, v in data.items())
    )


def _response(identifier: str) -> Test:
    return lambda m: m.get("id") == identifier and "execute" not in m


def _set(records: Records, at: int, change: Callable[[dict[str, Any]], None]) -> None:
    body = _body(records[at])
    change(body)
    records[at]["raw"] = json.dumps(body)


# A mutation changes the records and returns the index of the record the finding belongs to.
Mutation = Callable[[Records], int]


def _drop_terminal(job: str) -> Mutation:
    def mutate(r: Records) -> int:
        del r[_find(r, _event("BLOCK_JOB_COMPLETED", device=job))]
        return _find(r, _event("JOB_STATUS_CHANGE", id=job, status="concluded"))

    return mutate


def _rename_terminal(job: str) -> Mutation:
    def mutate(r: Records) -> int:
        at = _find(r, _event("BLOCK_JOB_COMPLETED", device=job))
        _set(r, at, lambda m: m.update(event="QMP_JOB_COMPLETED"))
        return at

    return mutate


def _double_terminal(job: str) -> Mutation:
    def mutate(r: Records) -> int:
        at = _find(r, _event("BLOCK_JOB_COMPLETED", device=job))
        r.insert(at + 1, dict(r[at]))
        return at + 1

    return mutate


def _drop_concluded(job: str) -> Mutation:
    def mutate(r: Records) -> int:
        del r[_find(r, _event("JOB_STATUS_CHANGE", id=job, status="concluded"))]
        return _find(r, _event("JOB_STATUS_CHANGE", id=job, status="null"))

    return mutate


def _rename_concluded(job: str) -> Mutation:
    def mutate(r: Records) -> int:
        at = _find(r, _event("JOB_STATUS_CHANGE", id=job, status="concluded"))
        _set(r, at, lambda m: m["data"].update(status="finished"))
        return at

    return mutate


def _double_concluded(job: str) -> Mutation:
    def mutate(r: Records) -> int:
        at = _find(r, _event("JOB_STATUS_CHANGE", id=job, status="concluded"))
        r.insert(at + 1, dict(r[at]))
        return at + 1

    return mutate


def _respell_error(r: Records) -> int:
    at = _find(r, _response("gone-dismiss"))
    _set(r, at, lambda m: m["error"].update({"class": "NotSupported"}))
    return at


def _invent_event(r: Records) -> int:
    at = _find(r, _event("BLOCK_JOB_READY", device="mirror1"))
    invented = dict(r[at])
    body = _body(invented)
    body["event"] = "QMP_JOB_READY"
    invented["raw"] = json.dumps(body)
    r.insert(at + 1, invented)
    return at + 1


def _cancelled_mirror_cancels(r: Records) -> int:
    at = _find(r, _event("BLOCK_JOB_COMPLETED", device="mirror2"))
    _set(r, at, lambda m: m.update(event="BLOCK_JOB_CANCELLED"))
    return at


def _dismiss_while_running(r: Records) -> int:
    request = _find(r, lambda m: m.get("id") == "create0-dismiss" and "execute" in m)
    response = _find(r, _response("create0-dismiss"))
    moved = [r[request], r[response]]
    del r[response], r[request]
    at = _find(r, _response("create")) + 1
    r[at:at] = moved
    return at + 1


MUTATIONS: dict[str, tuple[Mutation, set[str]]] = {
    **{f"{j}-terminal-dropped": (_drop_terminal(j), {TERMINAL}) for j in BLOCK_JOBS},
    **{
        f"{j}-terminal-renamed": (
            _rename_terminal(j),
            {"block-jobs/terminal-event", "qemu-release/events"},
        )
        for j in BLOCK_JOBS
    },
    **{f"{j}-terminal-doubled": (_double_terminal(j), {TERMINAL}) for j in BLOCK_JOBS},
    **{
        f"{j}-concluded-dropped": (
            _drop_concluded(j),
            {"jobs/terminal-status", "jobs/status-transitions"},
        )
        for j in GENERIC_JOBS
    },
    **{f"{j}-concluded-renamed": (_rename_concluded(j), {"jobs/event-data"}) for j in GENERIC_JOBS},
    **{
        f"{j}-concluded-doubled": (
            _double_concluded(j),
            {"jobs/terminal-status", "jobs/status-transitions"},
        )
        for j in GENERIC_JOBS
    },
    "error-class-respelled": (_respell_error, {"qemu-error-classes/release"}),
    "invented-event": (_invent_event, {"qemu-release/events"}),
    "mirror-cancelled-after-ready-reports-cancelled": (
        _cancelled_mirror_cancels,
        {"block-jobs/terminal-event"},
    ),
    "job-dismiss-accepted-while-running": (_dismiss_while_running, {"jobs/verbs-by-status"}),
}  # fmt: skip


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", str(path), "--output", "json", "--fail-on", "may"])
    return code, json.loads(capsys.readouterr().out)


def _mutants_found(recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = recording.read_text(encoding="utf-8").splitlines()
    for name, (mutate, rules) in MUTATIONS.items():
        records = [json.loads(line) for line in lines]
        at = mutate(records)
        mutant = tmp_path / f"{name}.jsonl"
        mutant.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        code, report = _check(mutant, capsys)
        here = {
            f["rule_id"]
            for f in report["findings"]
            if f["level"] == "MUST" and f["location"]["line"] == at + 1
        }
        assert code == 1 and rules <= here, (name, rules, [
            (f["rule_id"], f["location"]["line"], f["message"]) for f in report["findings"]
        ])  # fmt: skip


def test_the_jobs_recording_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _check(FIXTURE, capsys)
    assert (code, report["findings"]) == (0, [])
    contracts = report["transcripts"][0]["contracts"]
    assert {"block-jobs@2.5.0", "jobs@1.1.2"} <= set(contracts)


def test_each_mutation_of_the_recording_is_found_where_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _mutants_found(FIXTURE, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.skipif(not have_qemu(), reason="needs qemu-system-x86_64, qemu-img and socat")
def test_every_job_kind_recorded_from_the_real_qemu(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "jobs.jsonl"
    work = tmp_path / "work"
    work.mkdir()
    record_jobs(work, recording)
    capsys.readouterr()
    code, report = _check(recording, capsys)
    assert (code, report["findings"]) == (0, [])
    assert report["summary"]["by_kind"]["event"] >= 80
    _mutants_found(recording, tmp_path, capsys)
