"""The naive baseline: per-message ``jsonschema`` validation, as a user would write first.

Each message of a recording is parsed and validated with ``jsonschema.validate``
(Draft 2020-12, the contracts' schemas in a ``referencing`` registry) against
the same schemas ``qmpcontract check`` applies: the QMP envelope of its kind,
and a command's arguments, a response's return value (paired by id) or an
event's data, for every contract that has the element, including the snapshot
contract of the transcript's own ``query-qmp-schema`` reply.  No other rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import orjson
from jsonschema import Draft202012Validator
from replay import PROBE_LOG

from qmpcontract.check.engine import select_contracts
from qmpcontract.check.validators import Validators
from qmpcontract.cli.common import contracts_for
from qmpcontract.importers.self_described import contracts_from_file
from qmpcontract.location import join_pointer
from qmpcontract.model.contract import Contract
from qmpcontract.model.versions import QemuVersion

VERSION = QemuVersion(7, 2, 22)  # the QEMU of every replayed session


def _validators() -> tuple[dict[str, Draft202012Validator], dict[str, list[Any]], Any]:
    every = contracts_for(None)
    contracts: list[Contract] = select_contracts(every, VERSION, {})
    if PROBE_LOG.exists():
        contracts.append(contracts_from_file(PROBE_LOG, VERSION))
    validators = Validators([*every, *contracts], VERSION, contracts)  # as check builds them
    registry = validators.registry
    envelopes: dict[str, Draft202012Validator] = {}
    elements: dict[str, list[Any]] = {}
    for contract in contracts:
        for rule in contract.rules:
            if rule.check is not None and rule.check.kind == "message-schema":
                params = rule.check.params
                assert isinstance(params, Mapping)
                kind = str(params["message"])
                pointer = rule.pointer + "/check/params/schema"
                envelopes[kind] = validators.for_pointer(contract, pointer).validator
        for command in contract.commands:
            for part in ("arguments", "returns"):
                if getattr(command, part) is not None:
                    pointer = join_pointer(command.pointer, part)
                    key = f"{part}:{command.name}"
                    elements.setdefault(key, []).append(
                        validators.for_pointer(contract, pointer).validator
                    )
        for event in contract.events:
            if event.data is not None:
                pointer = join_pointer(event.pointer, "data")
                key = f"data:{event.name}"
                elements.setdefault(key, []).append(
                    validators.for_pointer(contract, pointer).validator
                )
    return envelopes, elements, registry


def naive_check(path: Path, sample: int) -> int:
    """Validate the first *sample* messages of the recording *path*; the count."""
    envelopes, elements, registry = _validators()
    pending: dict[bytes, str] = {}
    invalid = count = 0
    with path.open("rb") as handle:
        for line in handle:
            record = orjson.loads(line)
            raw = record.get("raw")
            if raw is None:
                continue
            message = orjson.loads(raw)
            checks: list[tuple[Draft202012Validator, object]] = []
            if "execute" in message:
                kind, name = "request", message["execute"]
                pending[orjson.dumps(message.get("id"))] = name
                key, instance = f"arguments:{name}", message.get("arguments", {})
            elif "event" in message:
                kind, key, instance = "event", f"data:{message['event']}", message.get("data", {})
            elif "return" in message:
                kind = "success"
                name = pending.pop(orjson.dumps(message.get("id")), "")
                key, instance = f"returns:{name}", message["return"]
            elif "error" in message:
                kind, key, instance = "error", "", None
            else:
                kind, key, instance = "greeting", "", None
            if kind in envelopes:
                checks.append((envelopes[kind], message))
            checks.extend((v, instance) for v in elements.get(key, []))
            for validator, value in checks:
                try:
                    jsonschema.validate(value, validator.schema, registry=registry)
                except jsonschema.ValidationError:
                    invalid += 1
            count += 1
            if count >= sample:
                break
    return count
