"""One fuzzing run: connect (or launch QEMU), import its schema, send generated requests, judge.

Requests are drawn by hypothesis from a fixed seed, without shrinking and
without an example database, so a run is reproducible: example *k* of seed
*s* is the same request in every run with the same contracts and QEMU (run
again with ``--seed s --max-examples k+1``).  The run stops at the example
limit, at the time limit, or when QEMU hangs or goes away.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

from qmpcontract.check.engine import select_contracts
from qmpcontract.errors import UsageError
from qmpcontract.fuzz.requests import Planned, RequestPlanner
from qmpcontract.fuzz.session import LaunchedQemu, LiveSession
from qmpcontract.fuzz.targets import targets
from qmpcontract.fuzz.verdict import Failure, Sent, judge
from qmpcontract.generate.messages import MessageStrategies
from qmpcontract.importers.introspection import snapshot_from_schema
from qmpcontract.importers.self_described import snapshot_to_contract
from qmpcontract.model.contract import Contract, Level
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.versions import QemuVersion
from qmpcontract.record.endpoints import Endpoint


@dataclass(frozen=True)
class FuzzConfig:
    """What to fuzz and how long."""

    output: Path
    target: Endpoint | None = None
    command: Sequence[str] = ()
    live_schema: bool = True  # import QEMU's query-qmp-schema as an extra contract
    extra: Sequence[Contract] = ()
    max_examples: int = 200
    time_limit: float = 60.0
    seed: int = 0
    allow: Sequence[str] = ()
    timeout: float = 10.0
    non_conforming: float = 0.3
    fail_on: Level = Level.MUST


@dataclass
class FuzzResult:
    """What a run did and found."""

    version: QemuVersion
    commands: list[str]
    sent: list[Sent] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    qemu_end: str | None = None  # how a launched QEMU ended, if it died during the run
    interrupted: bool = False  # stopped by Ctrl-C (SIGINT): what was sent is judged all the same

    @property
    def conforming(self) -> int:
        """Requests meant to be accepted."""
        return sum(1 for s in self.sent if s.defect is None)


def _live_snapshot(session: LiveSession, timeout: float) -> list[Contract]:
    outcome = session.send({"execute": "query-qmp-schema"}, timeout)
    reply = outcome.reply.get("return") if outcome.reply else None
    if outcome.kind != "return" or not isinstance(reply, list):
        return []
    snapshot = snapshot_from_schema(reply, version=session.version, source="live query-qmp-schema")
    return [snapshot_to_contract(snapshot, session.version, "query-qmp-schema of the fuzzed QEMU")]


def fuzz(
    config: FuzzConfig, contracts: ContractSet, progress: Callable[[int], None] = lambda _: None
) -> FuzzResult:
    """Run the fuzzer; the recording goes to ``config.output``.

    :raise UsageError: if QEMU cannot be started or reached, or has no targets.
    """
    qemu = LaunchedQemu(config.command) if config.command else None
    target = qemu.endpoint if qemu is not None else config.target
    assert target is not None
    session = LiveSession(target, config.output, f"qmpcontract fuzz, seed {config.seed}")
    start = time.monotonic()
    setup = 1  # qmp_capabilities
    try:
        version = session.open()
        extra = list(config.extra)
        if config.live_schema and not extra:
            extra = _live_snapshot(session, config.timeout)
            setup += 1
        applied = [*select_contracts(contracts, version, {}), *extra]
        messages = MessageStrategies(applied, version, referenced=contracts)
        usable = list(messages.usable_commands())
        for name in config.allow:
            if name not in usable:
                where = "QEMU's schema or the contracts" if extra else "the contracts"
                raise UsageError(
                    f"--allow {name}: {where} define no command {name!r} a client may send "
                    f"to QEMU {version}"
                )
        commands = targets(usable, applied, config.allow)
        result = FuzzResult(version, commands)
        if commands:
            planner = RequestPlanner(messages, commands, judge=extra[0] if extra else None)
            try:
                _drive(config, session, planner, result, start, qemu, progress)
            except KeyboardInterrupt:
                result.interrupted = True
    finally:
        session.close()
        status_text = qemu.died() if qemu is not None else None
        if qemu is not None:
            qemu.stop()
    result.seconds = time.monotonic() - start
    result.qemu_end = status_text if result.sent and result.sent[-1].outcome == "lost" else None
    result.failures = judge(config.output, contracts, extra, result.sent, setup, config.fail_on)
    return result


def _drive(
    config: FuzzConfig,
    session: LiveSession,
    planner: RequestPlanner,
    result: FuzzResult,
    start: float,
    qemu: LaunchedQemu | None,
    progress: Callable[[int], None],
) -> None:
    stopped = False
    counter = 0

    @seed(config.seed)
    @settings(
        max_examples=config.max_examples,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(planner.planned(config.non_conforming))
    def one(planned: Planned) -> None:
        nonlocal stopped, counter
        if stopped or time.monotonic() - start > config.time_limit:
            return
        outcome = session.send(planned.request, config.timeout, planned.defect)
        detail = outcome.detail
        if qemu is not None and (ended := qemu.died()) is not None:
            detail = f"QEMU {ended}"
            outcome = type(outcome)("lost", outcome.reply, detail, outcome.seconds)
        result.sent.append(
            Sent(counter, planned.command, planned.request, planned.defect, outcome.kind, detail)
        )
        counter += 1
        progress(counter)
        stopped = outcome.kind in ("timeout", "lost")

    one()
