"""Judge a fuzzing session: check its recording and locate every failure at a request.

A failure is one of:

- ``finding``: the checker reports a finding at or above the failure level on
  what QEMU sent (a response or an event), or on a request meant to conform
  (a bug of the generator, reported all the same);
- ``accepted-invalid``: QEMU answered a non-conforming request with success;
- ``timeout``: no response in time (QEMU hangs);
- ``lost``: the connection went away or QEMU died (a crash).

Findings on a non-conforming request itself are what it was built to cause,
and are not failures.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qmpcontract.check import CheckOptions, check_items
from qmpcontract.check.registry import ACCEPTED_INVALID
from qmpcontract.model.contract import Contract, Level
from qmpcontract.model.contract_set import ContractSet, Supplement
from qmpcontract.model.session_builder import build_sessions
from qmpcontract.model.transcript import Kind, Session, TranscriptInfo
from qmpcontract.read.recording import read_recording


@dataclass(frozen=True)
class Sent:
    """A request the fuzzer sent, with the example that made it and what came back."""

    example: int  # 0-based, in the order hypothesis generated them under the seed
    command: str
    request: dict[str, object]
    defect: str | None
    outcome: str  # "return", "error", "timeout", "lost"
    detail: str = ""


@dataclass(frozen=True)
class Failure:
    """One failure, at the request that caused it."""

    kind: str
    sent: Sent | None
    message: str
    response: str = ""  # the offending message QEMU sent, if any


def _locate(session: Session, setup: int) -> dict[int, int]:
    """Message index -> fuzz request number (events go to the request before them)."""
    owner: dict[int, int] = {}
    requests = [e for e in session.exchanges if e.request.kind is Kind.REQUEST]
    starts = []
    for number, exchange in enumerate(requests[setup:]):
        owner[exchange.request.index] = number
        starts.append((exchange.request.index, number))
        if exchange.response is not None:
            owner[exchange.response.index] = number
    for message in session.messages:
        if message.index not in owner:
            before = [n for index, n in starts if index < message.index]
            if before:
                owner[message.index] = before[-1]
    return owner


def judge(
    recording: Path,
    contracts: ContractSet,
    extra: Sequence[Contract],
    sent: Sequence[Sent],
    setup: int,
    fail_on: Level,
) -> list[Failure]:
    """Every failure of the session recorded in *recording*.

    *setup* is the number of requests the fuzzer made before the fuzzing ones
    (negotiation, the schema query).
    """
    failures: list[Failure] = []
    for request in sent:
        if request.outcome == "return" and request.defect is not None:
            failures.append(
                Failure(
                    "accepted-invalid", request, f"QEMU accepted a request with {request.defect}"
                )
            )
        elif request.outcome in ("timeout", "lost"):
            failures.append(Failure(request.outcome, request, request.detail))
    with recording.open("rb") as source:
        items = list(read_recording(source, str(recording)))
    sessions = build_sessions(items)
    supplied = Supplement(tuple(extra))
    extras: Callable[[Sequence[Session], object], Supplement] = lambda s, v: supplied  # noqa: E731
    result = check_items(
        items, TranscriptInfo(str(recording), "recording"), contracts, CheckOptions(extra=extras)
    )
    messages = {m.index: m for s in sessions for m in s.messages}
    owners: dict[int, int] = {}
    for session in sessions:
        owners.update(_locate(session, setup))
    for finding in result.findings:
        if finding.level.rank > fail_on.rank or finding.rule_id == ACCEPTED_INVALID.id:
            continue  # QEMU accepting a broken request: an accepted-invalid failure above
        index = finding.location.message_index
        number = owners.get(index) if index is not None else None
        item = sent[number] if number is not None and number < len(sent) else None
        message = messages.get(index) if index is not None else None
        from_client = message is not None and message.kind is Kind.REQUEST
        if from_client and item is not None and item.defect is not None:
            continue  # what the broken request was made to cause
        text = message.raw.text if message is not None and not from_client else ""
        failures.append(
            Failure("finding", item, f"{finding.level} [{finding.rule_id}] {finding.message}", text)
        )
    return failures


def render_failure(failure: Failure, seed: int) -> str:
    """A failure as text: what, which example of which seed, the exact request."""
    lines = []
    if failure.sent is None:
        lines.append(f"FAIL {failure.kind}: {failure.message}")
    else:
        sent = failure.sent
        kind = "conforming" if sent.defect is None else f"non-conforming: {sent.defect}"
        lines.append(
            f"FAIL {failure.kind} at example {sent.example} of seed {seed} "
            f"('{sent.command}', {kind}): {failure.message}"
        )
        lines.append(f"  request:  {json.dumps(sent.request, ensure_ascii=False)}")
    if failure.response:
        lines.append(f"  received: {failure.response}")
    return "\n".join(lines)
