"""The shipped contracts: they lint clean, say what the issue asks, and fit real QEMU."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from qmpcontract.contract import lint_paths, load_contracts
from qmpcontract.model.check_kinds import CHECK_KINDS
from qmpcontract.model.contract import Command, Contract, ElementStatus, ErrorClass, Event, Level
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.frozen_json import FrozenJson, thaw
from qmpcontract.model.schema_registry import validator_for

from .conftest import CONTRACTS
from .realdata import replies_messages, socat_messages


def plain(value: FrozenJson) -> dict[str, Any]:
    """A frozen JSON object as a plain dict, for indexing in assertions."""
    out = thaw(value)
    assert isinstance(out, dict)
    return out


@pytest.fixture(scope="module")
def contracts() -> ContractSet:
    return load_contracts(CONTRACTS)


def test_shipped_contracts_lint_clean() -> None:
    result = lint_paths([CONTRACTS])
    assert result.problems == ()
    assert len(result.files) >= 8


def test_the_three_seed_contracts_exist(contracts: ContractSet) -> None:
    assert {"qmp-core", "block-jobs", "jobs"} <= set(contracts.ids())
    versions = [str(c.version) for c in contracts.versions("block-jobs")]
    assert versions[0].startswith("0."), "a 0.x draft of the January 2012 API"
    assert "1.0.0" in versions
    assert len(versions) >= 4


def test_block_jobs_draft_and_release(contracts: ContractSet) -> None:
    draft = contracts.versions("block-jobs")[0]
    release = contracts.get("block-jobs", "1.0.0")
    assert release is not None
    assert {c.name for c in draft.commands} >= {"block_stream", "block_job_set_speed"}
    assert all(c.lifecycle.status is ElementStatus.DECLARED for c in draft.commands)
    set_speed = draft.command("block_job_set_speed")
    assert set_speed is not None
    assert "value" in plain(set_speed.arguments)["properties"]
    released = release.command("block-job-set-speed")
    assert released is not None
    assert "speed" in plain(released.arguments)["properties"]
    not_supported = release.error("Unsupported")
    assert not_supported is not None and not_supported.name == "NotSupported"


def _states(contracts: ContractSet) -> set[ElementStatus]:
    found: set[ElementStatus] = set()
    for contract in contracts:
        elements: list[Command | Event | ErrorClass] = [
            *contract.commands,
            *contract.events,
            *contract.errors,
        ]
        for element in elements:
            found.add(element.lifecycle.status)
    return found


def test_elements_in_every_required_state(contracts: ContractSet) -> None:
    assert {
        ElementStatus.DECLARED,
        ElementStatus.STABLE,
        ElementStatus.DEPRECATED,
        ElementStatus.REMOVED,
    } <= _states(contracts)


def test_1010_deprecations(contracts: ContractSet) -> None:
    latest = contracts.latest("block-jobs")
    assert latest is not None
    deprecated = {
        c.name: c.lifecycle.deprecated
        for c in latest.commands
        if c.lifecycle.status is ElementStatus.DEPRECATED
    }
    ten_one = {
        "block-job-pause",
        "block-job-resume",
        "block-job-complete",
        "block-job-dismiss",
        "block-job-finalize",
    }
    assert set(deprecated) == {*ten_one, "drive-backup"}
    for name in ten_one:
        info = deprecated[name]
        assert info is not None and str(info.version) == "10.1"
        assert info.replacement == name.replace("block-job-", "job-")
    backup = deprecated["drive-backup"]
    assert backup is not None and (str(backup.version), backup.replacement) == (
        "6.2",
        "blockdev-backup",
    )


def test_rules_from_the_2012_discussion(contracts: ContractSet) -> None:
    latest = contracts.latest("block-jobs")
    assert latest is not None
    name_rule = latest.rule("block-jobs/completion-event-name")
    terminal = latest.rule("block-jobs/terminal-event")
    spelling = latest.rule("block-jobs/error-spelling")
    assert name_rule and name_rule.level is Level.MUST and name_rule.check
    assert "BLOCK_JOB_COMPLETED" in plain(name_rule.check.params)["events"]
    assert terminal and terminal.level is Level.MUST and terminal.check
    assert terminal.check.kind == "job-terminal-event"
    assert spelling and spelling.level is Level.SHOULD and spelling.check


def test_must_and_should_rules_with_machine_checks(contracts: ContractSet) -> None:
    for contract_id in ("qmp-core", "block-jobs", "jobs"):
        latest = contracts.latest(contract_id)
        assert latest is not None
        levels = {r.level for r in latest.rules if r.check is not None}
        assert Level.MUST in levels and Level.SHOULD in levels, contract_id
        assert any(r.check is None for r in latest.rules), "review-only rules exist too"


def test_every_check_kind_named_by_a_contract_exists(contracts: ContractSet) -> None:
    for contract in contracts:
        for rule in contract.rules:
            if rule.check is not None:
                assert rule.check.kind in CHECK_KINDS


def test_job_state_machine_accepts_the_measured_walk(contracts: ContractSet) -> None:
    jobs = contracts.latest("jobs")
    assert jobs is not None
    rule = jobs.rule("jobs/status-transitions")
    assert rule is not None and rule.check is not None
    params = plain(rule.check.params)
    transitions = params["transitions"]
    walk = ["created", "running", "waiting", "pending", "concluded", "null"]  # QEMU 7.2
    assert walk[0] in params["initial"]
    assert walk[-1] in params["final"]
    for before, after in itertools.pairwise(walk):
        assert after in transitions[before], (before, after)


# --- real data ------------------------------------------------------------------------------


def _defining(contracts: ContractSet, kind: str, name: str) -> Contract | None:
    for contract in reversed(contracts.current()):
        if (contract.command(name) if kind == "command" else contract.event(name)) is not None:
            return contract
    return None


def _errors(validator: Draft202012Validator, value: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]


def _envelope(contracts: ContractSet, name: str) -> Draft202012Validator:
    core = contracts.latest("qmp-core")
    assert core is not None
    return validator_for(contracts, core, f"/types/{name}")


def _check_messages(
    contracts: ContractSet, messages: Iterator[tuple[str, dict[str, object]]]
) -> dict[str, int]:
    """Validate envelopes, and arguments/returns/data of contract elements."""
    counts = {"greeting": 0, "request": 0, "response": 0, "event": 0, "element": 0}
    pending: dict[str, str] = {}
    last_command = ""
    for direction, message in messages:
        if "QMP" in message:
            assert not _errors(_envelope(contracts, "Greeting"), message)
            counts["greeting"] += 1
        elif direction == ">":
            assert not _errors(_envelope(contracts, "Request"), message), message
            counts["request"] += 1
            last_command = str(message.get("execute"))
            pending[json.dumps(message.get("id"))] = last_command
            owner = _defining(contracts, "command", last_command)
            if owner is not None:
                pointer = f"/commands/{last_command}/arguments"
                validator = validator_for(contracts, owner, pointer)
                assert not _errors(validator, message.get("arguments", {})), message
                counts["element"] += 1
        elif "event" in message:
            assert not _errors(_envelope(contracts, "Event"), message), message
            counts["event"] += 1
            name = str(message["event"])
            owner = _defining(contracts, "event", name)
            if owner is not None:
                validator = validator_for(contracts, owner, f"/events/{name}/data")
                assert not _errors(validator, message.get("data", {})), message
                counts["element"] += 1
        else:
            kind = "Success" if "return" in message else "Error"
            assert not _errors(_envelope(contracts, kind), message), message
            counts["response"] += 1
            command = pending.pop(json.dumps(message.get("id")), last_command)
            owner = _defining(contracts, "command", command)
            if owner is not None and "return" in message:
                validator = validator_for(contracts, owner, f"/commands/{command}/returns")
                assert not _errors(validator, message["return"]), (command, message)
                counts["element"] += 1
    return counts


def test_real_qemu_72_block_stream_fits_the_contracts(
    contracts: ContractSet, shared_corpus: Path
) -> None:
    log = shared_corpus / "samples" / "qemu-7.2-block-stream.socat.log"
    counts = _check_messages(contracts, socat_messages(log))
    assert counts["greeting"] == 1
    assert counts["event"] == 8  # 6 JOB_STATUS_CHANGE, BLOCK_JOB_COMPLETED, SHUTDOWN
    # block-stream, query-block-jobs, query-jobs, JOB_STATUS_CHANGE, BLOCK_JOB_COMPLETED, ...
    assert counts["element"] >= 20


def test_real_libvirt_replies_fit_the_core_contract(
    contracts: ContractSet, shared_corpus: Path
) -> None:
    files = sorted((shared_corpus / "libvirt-replies").glob("*.replies"))
    assert len(files) == 38
    elements = 0
    for path in files:
        messages = replies_messages(path)
        assert len(messages) % 2 == 0, path.name
        pairs = [(">", m) if i % 2 == 0 else ("<", m) for i, m in enumerate(messages)]
        counts = _check_messages(contracts, iter(pairs))
        assert counts["request"] == counts["response"], path.name
        elements += counts["element"]
    assert elements >= 38 * 3  # qmp_capabilities args and return, query-version return
