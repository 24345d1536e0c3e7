"""Regenerate the golden corpus of broken transcripts from our real QEMU recording.

Each case copies ``examples/qemu-7.2-block-jobs.jsonl`` (a real QEMU 7.2 session:
a stream job, a cancelled job, errors) and breaks it in exactly one way,
writing ``tests/corpus/transcripts/golden/<contract>/<rule>--<case>.jsonl``
(plus ``.args`` with extra command-line arguments where a case needs them).
A ``<rule>--clean-<case>`` must check clean; a few cases replace the session by a
short one of another QEMU release (``qemu_1_1``).
The expected outputs next to them are written by the test runner
(``pytest tests/test_golden_transcripts.py --update``).  Run this script after
changing a case, and review the diff in the same commit::

    python tests/make_golden_transcripts.py
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BASE = REPO / "examples" / "qemu-7.2-block-jobs.jsonl"
JOBS = REPO / "examples" / "qemu-7.2-jobs.jsonl"  # every job kind (tests/job_scenarios.py)
# migrations and hot-plug (tests/operation_scenarios.py)
MIGRATION = REPO / "examples" / "qemu-7.2-migration-source.jsonl"
HOTPLUG = REPO / "examples" / "qemu-7.2-hotplug.jsonl"
OUT = REPO / "tests" / "corpus" / "transcripts" / "golden"

Record = dict[str, Any]
Records = list[Record]


def load(base: Path = BASE) -> Records:
    """The base recording's records."""
    return [json.loads(line) for line in base.read_text(encoding="utf-8").splitlines()]


def body(record: Record) -> Any:
    """The parsed message of a message record (None for other records)."""
    return json.loads(record["raw"]) if record.get("type") == "message" else None


def find(records: Records, test: Callable[[Any], bool], nth: int = 0) -> int:
    """Index of the *nth* message record whose parsed body passes *test*."""
    hits = [i for i, r in enumerate(records) if r.get("type") == "message" and test(body(r))]
    return hits[nth]


def with_id(value: object) -> Callable[[Any], bool]:
    """Messages with this id."""
    return lambda m: isinstance(m, dict) and m.get("id") == value


def response(value: object) -> Callable[[Any], bool]:
    """The response with this id."""
    return lambda m: isinstance(m, dict) and m.get("id") == value and "execute" not in m


def event(name: str, **data: object) -> Callable[[Any], bool]:
    """The event called *name* whose data contain *data*."""
    return lambda m: (
        isinstance(m, dict)
        and m.get("event") == name
        and all(m.get("data", {}).get(k) == v for k, v in data.items())
    )


def edit(records: Records, at: int, change: Callable[[Any], Any]) -> None:
    """Replace message *at* by ``change(parsed message)``."""
    records[at]["raw"] = json.dumps(change(body(records[at])))


def message(direction: str, value: object, like: Record) -> Record:
    """A new message record, timestamped like *like*."""
    return {
        "type": "message",
        "session": 0,
        "dir": direction,
        "t": like["t"],
        "raw": json.dumps(value),
    }


def drop(key: str, *path: str) -> Callable[[Any], Any]:
    """A change that deletes *key* from the object at *path*."""

    def change(value: Any) -> Any:
        node = value
        for step in path:
            node = node[step]
        del node[key]
        return value

    return change


def put(value_: object, *path: str | int) -> Callable[[Any], Any]:
    """A change that sets the member at *path*."""

    def change(value: Any) -> Any:
        node = value
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value_
        return value

    return change


CASES: dict[str, tuple[Callable[[Records], None], list[str], Path]] = {}


def case(
    name: str, *args: str, base: Path = BASE
) -> Callable[[Callable[[Records], None]], Callable[[Records], None]]:
    """Register a case called ``<contract>/<rule>--<defect>``, made from recording *base*."""

    def register(function: Callable[[Records], None]) -> Callable[[Records], None]:
        CASES[name] = (function, list(args), base)
        return function

    return register


# -- qmp-core ---------------------------------------------------------------------------
@case("qmp-core/greeting-first--no-greeting")
def _(r: Records) -> None:
    del r[find(r, lambda m: "QMP" in m)]


@case("qmp-core/greeting-shape--no-capabilities")
def _(r: Records) -> None:
    edit(r, find(r, lambda m: "QMP" in m), drop("capabilities", "QMP"))


@case("qmp-core/negotiation--command-before-capabilities")
def _(r: Records) -> None:
    req, rsp = find(r, with_id("version")), find(r, response("version"))
    moved = [r[req], r[rsp]]
    del r[rsp], r[req]
    first = find(r, with_id("caps"))
    r[first:first] = moved


@case("qmp-core/request-shape--unknown-member")
def _(r: Records) -> None:
    edit(r, find(r, with_id("poll")), put("x", "token"))


@case("qmp-core/success-shape--extra-member")
def _(r: Records) -> None:
    edit(r, find(r, response("add-base")), put("slow", "note"))


@case("qmp-core/error-shape--missing-desc")
def _(r: Records) -> None:
    edit(r, find(r, response("no-job")), drop("desc", "error"))


@case("qmp-core/event-shape--missing-timestamp")
def _(r: Records) -> None:
    edit(r, find(r, event("SHUTDOWN")), drop("timestamp"))


@case("qmp-core/id-echo--foreign-id")
def _(r: Records) -> None:
    edit(r, find(r, response("poll")), put("someone-else", "id"))


@case("qmp-core/one-response--missing-response")
def _(r: Records) -> None:
    del r[find(r, response("jobs"))]


@case("qmp-core/one-response--second-response")
def _(r: Records) -> None:
    at = find(r, response("del-top"))
    r.insert(at + 1, dict(r[at]))


@case("qmp-core/unsolicited-response--unknown-id")
def _(r: Records) -> None:
    at = find(r, response("add-base"))
    r.insert(at + 1, message("server", {"return": {}, "id": "ghost"}, r[at]))


@case("qmp-core/response-order--overtaken")
def _(r: Records) -> None:
    # add-top and add-top2 are both sent; add-top2's response overtakes add-top's.
    a_req, a_rsp = find(r, with_id("add-top")), find(r, response("add-top"))
    b_req, b_rsp = find(r, with_id("add-top2")), find(r, response("add-top2"))
    r[a_req], r[a_rsp], r[b_req], r[b_rsp] = r[a_req], r[b_req], r[b_rsp], r[a_rsp]


@case("qmp-core/arguments--enable-not-a-list")
def _(r: Records) -> None:
    edit(r, find(r, with_id("caps")), put({"enable": "oob"}, "arguments"))


@case("qmp-core/returns--version-without-micro")
def _(r: Records) -> None:
    edit(r, find(r, response("version")), drop("micro", "return", "qemu"))


@case("qmp-core/event-data--command-dropped-without-reason", "--qemu-version", "3.1")
def _(r: Records) -> None:
    at = find(r, response("poll"))
    dropped = {
        "timestamp": {"seconds": 1, "microseconds": 0},
        "event": "COMMAND_DROPPED",
        "data": {"id": "poll"},
    }
    r.insert(at + 1, message("server", dropped, r[at]))


@case("qmp-core/error-class-allowed--query-version-device-not-found")
def _(r: Records) -> None:
    edit(
        r,
        find(r, response("version")),
        lambda m: {"id": "version", "error": {"class": "DeviceNotFound", "desc": "no"}},
    )


@case("qmp-core/version-window--removed-event")
def _(r: Records) -> None:
    at = find(r, response("poll"))
    dropped = {
        "timestamp": {"seconds": 1, "microseconds": 0},
        "event": "COMMAND_DROPPED",
        "data": {"id": "poll", "reason": "queue-full"},
    }
    r.insert(at + 1, message("server", dropped, r[at]))


# -- block-jobs -------------------------------------------------------------------------
@case("block-jobs/terminal-event--renamed-completion-event")
def _(r: Records) -> None:
    edit(r, find(r, event("BLOCK_JOB_COMPLETED")), put("QMP_JOB_COMPLETED", "event"))


@case("block-jobs/terminal-event--missing-cancelled-event")
def _(r: Records) -> None:
    del r[find(r, event("BLOCK_JOB_CANCELLED"))]


@case("block-jobs/terminal-event--ended-twice")
def _(r: Records) -> None:
    at = find(r, event("BLOCK_JOB_COMPLETED"))
    r.insert(find(r, response("after-stream")) + 1, dict(r[at]))


@case("block-jobs/arguments--speed-not-an-integer")
def _(r: Records) -> None:
    edit(r, find(r, with_id("stream")), put("fast", "arguments", "speed"))


@case("block-jobs/returns--job-info-without-len")
def _(r: Records) -> None:
    edit(r, find(r, response("poll")), lambda m: (m["return"][0].pop("len"), m)[1])


@case("block-jobs/event-data--completed-without-offset")
def _(r: Records) -> None:
    edit(r, find(r, event("BLOCK_JOB_COMPLETED")), drop("offset", "data"))


@case("block-jobs/error-class-allowed--set-speed-kvm-missing-cap")
def _(r: Records) -> None:
    edit(r, find(r, response("no-job")), put("KVMMissingCap", "error", "class"))


@case("block-jobs/error-spelling--unsupported")
def _(r: Records) -> None:
    edit(r, find(r, response("bad-device")), put("Unsupported", "error", "class"))


# QEMU 1.1 sessions: both spellings of the January 2012 thread, where they mean the same class
# (block-stream's NotSupported, with Unsupported as its respelling) and where they do not
# (block_resize's own class Unsupported, QERR_UNSUPPORTED, commit 939a1cc399). The 1.1
# schema documents these classes; the desc texts are illustrative (not judged).
def qemu_1_1(r: Records, execute: str, arguments: dict[str, Any], error: dict[str, Any]) -> None:
    """Replace the session by one with a QEMU 1.1 greeting and one failing command."""
    header, opened, close = r[0], r[1], r[-1]
    like = r[2]
    shutdown = {"timestamp": {"seconds": 1795654805, "microseconds": 968506}, "event": "SHUTDOWN"}
    r[:] = [
        {**header, "note": f"QEMU 1.1: {execute} fails with {error['class']} (made by hand)"},
        opened,
        message(
            "server",
            {
                "QMP": {
                    "version": {"qemu": {"micro": 0, "minor": 1, "major": 1}, "package": ""},
                    "capabilities": [],
                }
            },
            like,
        ),
        message("client", {"execute": "qmp_capabilities", "id": "caps"}, like),
        message("server", {"return": {}, "id": "caps"}, like),
        message("client", {"execute": execute, "arguments": arguments, "id": "failing"}, like),
        message("server", {"error": {**error, "data": {}}, "id": "failing"}, like),
        message("client", {"execute": "quit", "id": "quit"}, like),
        message("server", shutdown, like),
        message("server", {"return": {}, "id": "quit"}, like),
        close,
    ]


STREAM_1_1 = {"device": "ide0-hd0"}
RESIZE_1_1 = {"device": "ide0-hd0", "size": 1073741824}
NOT_SUPPORTED = {"class": "NotSupported", "desc": "Not supported"}
UNSUPPORTED = {"class": "Unsupported", "desc": "Operation not supported"}


@case("block-jobs/error-spelling--clean-1.1-block-stream-not-supported")
def _(r: Records) -> None:
    qemu_1_1(r, "block-stream", STREAM_1_1, NOT_SUPPORTED)


@case("block-jobs/error-spelling--clean-1.1-block-resize-unsupported")
def _(r: Records) -> None:
    qemu_1_1(r, "block_resize", RESIZE_1_1, UNSUPPORTED)


@case("block-jobs/error-spelling--1.1-block-stream-unsupported")
def _(r: Records) -> None:
    qemu_1_1(r, "block-stream", STREAM_1_1, UNSUPPORTED)


@case("block-jobs/deprecated-use--block-job-pause", "--qemu-version", "10.1")
def _(r: Records) -> None:
    edit(r, find(r, with_id("slower")), put("block-job-pause", "execute"))
    edit(r, find(r, with_id("slower")), put({"device": "stream1"}, "arguments"))


@case("block-jobs/version-window--argument-too-new")
def _(r: Records) -> None:
    edit(r, find(r, with_id("stream")), put(True, "arguments", "backing-mask-protocol"))


@case("block-jobs/declared-unimplemented--draft-command", "--contract", "block-jobs@0.1.0")
def _(r: Records) -> None:
    edit(
        r,
        find(r, with_id("unknown")),
        lambda m: {"execute": "block_stream", "arguments": {"device": "top"}, "id": "unknown"},
    )


@case("block-jobs/terminal-event--aborting-job-completes-without-error")
def _(r: Records) -> None:
    # stream1 was cancelled (status 'aborting'): it cannot end with a COMPLETED that says success.
    edit(r, find(r, event("BLOCK_JOB_CANCELLED")), put("BLOCK_JOB_COMPLETED", "event"))


@case("block-jobs/terminal-event--mirror-cancelled-after-ready-reports-cancelled", base=JOBS)
def _(r: Records) -> None:
    edit(
        r,
        find(r, event("BLOCK_JOB_COMPLETED", device="mirror2")),
        put("BLOCK_JOB_CANCELLED", "event"),
    )


def move_exchange(r: Records, name: str, after: int) -> None:
    """Move the request *name* and its response to just after record *after*."""
    request, reply = (
        find(r, lambda m: m.get("id") == name and "execute" in m),
        find(r, response(name)),
    )
    moved = [r[request], r[reply]]
    del r[reply], r[request]
    r[after + 1 : after + 1] = moved


@case("block-jobs/verbs-by-status--complete-before-ready", base=JOBS)
def _(r: Records) -> None:
    # QEMU accepting block-job-complete for a mirror that is still 'running'.
    move_exchange(r, "mirror0-complete", find(r, response("drive-mirror")))


# -- jobs -------------------------------------------------------------------------------
@case("jobs/verbs-by-status--dismiss-while-running", base=JOBS)
def _(r: Records) -> None:
    move_exchange(r, "create0-dismiss", find(r, response("create")))


@case("jobs/terminal-status--concluded-dropped", base=JOBS)
def _(r: Records) -> None:
    del r[find(r, event("JOB_STATUS_CHANGE", id="save0", status="concluded"))]


@case("jobs/status-transitions--running-to-concluded")
def _(r: Records) -> None:
    del r[find(r, event("JOB_STATUS_CHANGE", id="stream0", status="waiting"))]
    del r[find(r, event("JOB_STATUS_CHANGE", id="stream0", status="pending"))]


@case("jobs/arguments--dismiss-without-id")
def _(r: Records) -> None:
    edit(r, find(r, with_id("dismiss")), put({}, "arguments"))


@case("jobs/returns--unknown-status")
def _(r: Records) -> None:
    edit(r, find(r, response("jobs")), lambda m: (m["return"][0].update(status="sleeping"), m)[1])


@case("jobs/event-data--status-change-without-id")
def _(r: Records) -> None:
    edit(
        r, find(r, event("JOB_STATUS_CHANGE", id="stream1", status="aborting")), drop("id", "data")
    )


@case("jobs/error-class-allowed--cancel-device-not-active")
def _(r: Records) -> None:
    edit(r, find(r, response("no-job-2")), put("DeviceNotActive", "error", "class"))


# -- what the QEMU build declares (the release data) ------------------------------------------
def as_release(r: Records, major: int, minor: int, micro: int) -> None:
    """Make the recording claim another QEMU version (greeting and query-version replies)."""
    triple = {"micro": micro, "minor": minor, "major": major}
    edit(r, find(r, lambda m: "QMP" in m), put(triple, "QMP", "version", "qemu"))
    for nth in range(3):
        edit(
            r, find(r, lambda m: "qemu" in m.get("return", {}), nth), put(triple, "return", "qemu")
        )


def job_ready(like: Record, name: str) -> Record:
    """A block job's READY event for stream0, under the event name *name*."""
    data = {"device": "stream0", "len": 67108864, "offset": 67108864, "speed": 0, "type": "stream"}
    ready = {"timestamp": {"seconds": 1, "microseconds": 0}, "event": name, "data": data}
    return message("server", ready, like)


@case("qemu-error-classes/release--not-supported-from-10.0")
def _(r: Records) -> None:
    # The January 2012 thread: a class spelled NotSupported, which QEMU had only in 1.1.
    as_release(r, 10, 0, 13)
    edit(r, find(r, response("bad-device")), put("NotSupported", "error", "class"))


@case("qemu-error-classes/release--unsupported-from-7.2")
def _(r: Records) -> None:
    # The other spelling of the thread, which QEMU had until 1.2, from QEMU 7.2.
    edit(r, find(r, response("no-job-2")), put("Unsupported", "error", "class"))


@case("qemu-release/events--qmp-job-ready-from-10.0")
def _(r: Records) -> None:
    as_release(r, 10, 0, 13)
    at = find(r, response("poll"))
    r.insert(at + 1, job_ready(r[at], "QMP_JOB_READY"))


@case("qemu-release/events--cancelled-respelled")
def _(r: Records) -> None:
    edit(r, find(r, event("BLOCK_JOB_CANCELLED")), put("BLOCK_JOB_CANCELED", "event"))


@case("qemu-release/events--development-build-between-releases")
def _(r: Records) -> None:
    # 10.1.50: the data of 10.0 is used, and what 10.2 has (qom-list-get) is not held against
    # the build; an event no release has is.
    as_release(r, 10, 1, 50)
    edit(r, find(r, with_id("unknown")), put("qom-list-get", "execute"))
    edit(r, find(r, with_id("unknown")), put({"paths": ["/machine"]}, "arguments"))
    edit(r, find(r, response("unknown")), lambda m: {"return": [], "id": "unknown"})
    at = find(r, response("poll"))
    r.insert(at + 1, job_ready(r[at], "QMP_JOB_READY"))


@case("qemu-release/commands--undeclared-command-answered")
def _(r: Records) -> None:
    edit(r, find(r, with_id("unknown")), put("block-job-finish", "execute"))
    edit(r, find(r, response("unknown")), lambda m: {"return": {}, "id": "unknown"})


@case("qemu-release/undeclared-members--misspelt-job-member")
def _(r: Records) -> None:
    edit(r, find(r, response("poll")), lambda m: (m["return"][0].update(offest=0), m)[1])


@case("qemu-release/arguments--blockdev-add-unknown-option")
def _(r: Records) -> None:
    edit(r, find(r, with_id("add-base")), put(True, "arguments", "read-only-please"))


@case("qemu-release/returns--blockdev-del-returns-a-string")
def _(r: Records) -> None:
    edit(r, find(r, response("del-top2")), put("deleted", "return"))


@case("qemu-release/event-data--shutdown-without-reason")
def _(r: Records) -> None:
    edit(r, find(r, event("SHUTDOWN")), drop("reason", "data"))


@case("qemu-release/deprecated-use--nbd-server-remove")
def _(r: Records) -> None:
    # QEMU 7.2's schema marks nbd-server-remove deprecated (use block-export-del).
    edit(r, find(r, with_id("unknown")), put("nbd-server-remove", "execute"))
    edit(r, find(r, with_id("unknown")), put({"name": "export0"}, "arguments"))
    edit(r, find(r, response("unknown")), lambda m: {"return": {}, "id": "unknown"})


# -- migration (the source of examples/qemu-7.2-migration-source.jsonl) -------------------
def drop_exchange(r: Records, ident: str) -> None:
    """Remove the request with id *ident* and its response."""
    del r[find(r, response(ident))], r[find(r, with_id(ident))]


@case("migration/status-transitions--cancelling-to-completed", base=MIGRATION)
def _(r: Records) -> None:
    edit(r, find(r, event("MIGRATION", status="cancelled")), put("completed", "data", "status"))


@case("migration/one-terminal-status--never-terminal", base=MIGRATION)
def _(r: Records) -> None:
    # query-migrate then says 'completed': the missing status is reported at that reply
    del r[find(r, event("MIGRATION", status="completed"))]


@case("migration/one-terminal-status--never-terminal-before-next-migrate", base=MIGRATION)
def _(r: Records) -> None:
    # no reply says it ended, but QEMU accepted the next migrate: reported there
    del r[find(r, event("MIGRATION", status="cancelled"))]
    drop_exchange(r, "after-cancelled")


@case("migration/one-terminal-status--never-terminal-before-snapshot", base=MIGRATION)
def _(r: Records) -> None:
    # nothing says it ended, until snapshot-save's migration announces 'setup': reported there
    del r[find(r, event("MIGRATION", status="completed"))]
    drop_exchange(r, "after-completed")


@case("migration/one-terminal-status--ended-twice", base=MIGRATION)
def _(r: Records) -> None:
    at = find(r, event("MIGRATION", status="failed"))
    r.insert(at + 1, dict(r[at]))


@case("migration/one-terminal-status--clean-events-off", base=MIGRATION)
def _(r: Records) -> None:
    # without the 'events' capability QEMU sends no MIGRATION: nothing to judge
    drop_exchange(r, "events-on")
    r[:] = [m for m in r if not (body(m) or {}).get("event", "").startswith("MIGRATION")]


@case("migration/one-terminal-status--clean-resume-starts-none", base=MIGRATION)
def _(r: Records) -> None:
    # 'resume': true continues a (postcopy) migration: no new one, nothing due before it
    at = find(r, event("MIGRATION", status="active"))
    resume = {"execute": "migrate", "arguments": {"uri": "exec:true", "resume": True}, "id": "r"}
    r[at + 1 : at + 1] = [
        message("client", resume, r[at]),
        message("server", {"return": {}, "id": "r"}, r[at]),
    ]


@case("migration/arguments--uri-not-a-string", base=MIGRATION)
def _(r: Records) -> None:
    edit(r, find(r, with_id("migrate-failed")), put(0, "arguments", "uri"))


@case("migration/returns--unknown-status", base=MIGRATION)
def _(r: Records) -> None:
    edit(r, find(r, response("after-failed")), put("exploded", "return", "status"))


@case("migration/event-data--migration-without-status", base=MIGRATION)
def _(r: Records) -> None:
    edit(r, find(r, event("MIGRATION", status="setup")), drop("status", "data"))


@case("migration/error-class-allowed--migrate-refused-as-device-not-found", base=MIGRATION)
def _(r: Records) -> None:
    edit(r, find(r, response("migrate-again")), put("DeviceNotFound", "error", "class"))


# -- device-hotplug (examples/qemu-7.2-hotplug.jsonl) --------------------------------------
@case("device-hotplug/deleted-once--deleted-twice", base=HOTPLUG)
def _(r: Records) -> None:
    at = find(r, event("DEVICE_DELETED", device="kbd0"))
    r.insert(at + 1, dict(r[at]))


@case("device-hotplug/deleted-once--clean-deleted-by-the-guest", base=HOTPLUG)
def _(r: Records) -> None:
    # a device the guest removed on its own: a DEVICE_DELETED without device_del
    at = find(r, event("DEVICE_DELETED", device="kbd0"))
    deleted = {"event": "DEVICE_DELETED", "data": {"device": "gone", "path": "/machine/x"}}
    r.insert(at + 1, message("server", {**deleted, "timestamp": body(r[at])["timestamp"]}, r[at]))


@case("device-hotplug/deleted-once--clean-re-added-then-removed-by-the-guest", base=HOTPLUG)
def _(r: Records) -> None:
    # kbd0 is added again and the guest removes it on its own: a new device, a new event
    drop_exchange(r, "del-kbd-again")


@case("device-hotplug/arguments--device-del-without-id", base=HOTPLUG)
def _(r: Records) -> None:
    edit(r, find(r, with_id("del-rng")), drop("id", "arguments"))


@case("device-hotplug/returns--device-add-returns-a-list", base=HOTPLUG)
def _(r: Records) -> None:
    edit(r, find(r, response("add-kbd")), put([], "return"))


@case("device-hotplug/event-data--deleted-without-path", base=HOTPLUG)
def _(r: Records) -> None:
    edit(r, find(r, event("DEVICE_DELETED", device="kbd0")), drop("path", "data"))


@case("device-hotplug/error-class-allowed--unknown-device-as-command-not-found", base=HOTPLUG)
def _(r: Records) -> None:
    edit(r, find(r, response("del-unknown")), put("CommandNotFound", "error", "class"))


# -- the checker's own rules --------------------------------------------------------------
@case("qmpcontract/invalid-message--broken-json")
def _(r: Records) -> None:
    r[find(r, event("SHUTDOWN"))]["raw"] = '{"event": "SHUTDOWN", "data": {"guest": false'


@case("qmpcontract/unknown-message--no-qmp-shape")
def _(r: Records) -> None:
    at = find(r, response("add-base"))
    r.insert(at + 1, message("server", {"hello": "world"}, r[at]))


@case("qmpcontract/truncated--recording-cut-before-quit-returns")
def _(r: Records) -> None:
    del r[find(r, response("quit")) :]


@case("qmpcontract/unfinished-job--recording-ends-while-running")
def _(r: Records) -> None:
    start = find(r, response("stream")) + 1
    close = r[-1]
    del r[start:]
    r.append(close)


@case("qmpcontract/unfinished-job--migration-still-running", base=MIGRATION)
def _(r: Records) -> None:
    start = find(r, response("migrate-completed")) + 1
    close = r[-1]
    del r[start:]
    r.append(close)


@case("qmpcontract/accepted-invalid--marked-request-answered-with-success")
def _(r: Records) -> None:
    # A request the client (a fuzzer) marked as meant to be refused, that QEMU answered.
    at = find(r, with_id("after-stream"))
    request = {"execute": "query-block-jobs", "arguments": {"qmpcontract-fuzz": 1}}
    r[at]["raw"] = json.dumps({**request, "id": "after-stream"})
    r[at]["expect_error"] = "unknown member"


def main() -> None:
    """Write every case (and remove cases that no longer exist)."""
    if OUT.exists():
        shutil.rmtree(OUT)
    for name, (mutate, args, base) in CASES.items():
        records = load(base)
        mutate(records)
        target = OUT / f"{name}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        if args:
            target.with_suffix(".args").write_text(" ".join(args) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
