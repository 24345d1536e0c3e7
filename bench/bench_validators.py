"""Benchmark: the validator behind ``check``, against ``jsonschema``.

Every request's arguments, every success's return value and every event's data
of a replay of real traffic (``bench/replay.py``: the libvirt 9.0 probe of QEMU
7.2 and our own block-jobs session) is validated against the schemas ``check``
applies (the shipped contracts and the probe's own ``query-qmp-schema``), with:

* ``jsonschema`` ``is_valid`` (validators built once per schema; what explains an
  invalid message);
* ``jsonschema-rs``: what ``check`` uses to decide, built as ``check`` builds it.

Each must give the same verdicts; the times are the cost of validation alone,
with the JSON parse of the same messages as the baseline.  Not a test.

    python bench/bench_validators.py [--messages N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from naive import VERSION
from replay import PROBE_LOG, write_replay

from qmpcontract.check.engine import select_contracts
from qmpcontract.check.validators import SchemaValidator, Validators
from qmpcontract.cli.common import contracts_for
from qmpcontract.importers.self_described import contracts_from_file
from qmpcontract.location import join_pointer
from qmpcontract.model.contract import Contract
from qmpcontract.model.schema_registry import contract_uri

Work = list[tuple[str, object]]  # (schema URI, instance)


def _work(path: Path, contracts: list[Contract]) -> tuple[Work, float]:
    """The (schema, instance) pairs check validates, and the time to parse them."""
    wanted: dict[str, list[str]] = {}
    for contract in contracts:
        base = contract_uri(contract) + "#"
        for command in contract.commands:
            for part in ("arguments", "returns"):
                if getattr(command, part) is not None:
                    key = f"{part}:{command.name}"
                    wanted.setdefault(key, []).append(base + join_pointer(command.pointer, part))
        for event in contract.events:
            if event.data is not None:
                wanted.setdefault(f"data:{event.name}", []).append(
                    base + join_pointer(event.pointer, "data")
                )
    work: Work = []
    pending: dict[bytes, str] = {}
    start = time.perf_counter()
    texts = [orjson.loads(line).get("raw") for line in path.read_bytes().splitlines()]
    messages = [orjson.loads(t) for t in texts if t is not None]
    parse = time.perf_counter() - start
    for message in messages:
        if "execute" in message:
            pending[orjson.dumps(message.get("id"))] = message["execute"]
            key, instance = f"arguments:{message['execute']}", message.get("arguments", {})
        elif "event" in message:
            key, instance = f"data:{message['event']}", message.get("data", {})
        elif "return" in message:
            name = pending.pop(orjson.dumps(message.get("id")), "")
            key, instance = f"returns:{name}", message["return"]
        else:
            continue
        work.extend((uri, instance) for uri in wanted.get(key, []))
    return work, parse


def _time(check: dict[str, Callable[[Any], bool]], work: Work) -> tuple[float, list[bool]]:
    start = time.perf_counter()
    verdicts = [check[uri](instance) for uri, instance in work]
    return time.perf_counter() - start, verdicts


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=50_000)
    args = parser.parse_args()
    every = contracts_for(None)
    contracts = select_contracts(every, VERSION, {})
    if PROBE_LOG.exists():
        contracts.append(contracts_from_file(PROBE_LOG, VERSION))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "replay.jsonl"
        count, _ = write_replay(path, messages=args.messages)
        work, parse = _work(path, contracts)
    validators = Validators([*every, *contracts], VERSION, contracts)  # as check builds them
    compiled: dict[str, SchemaValidator] = {}
    for uri in {uri for uri, _ in work}:
        base, pointer = uri.split("#", 1)
        contract = next(c for c in contracts if contract_uri(c) == base)
        compiled[uri] = validators.for_pointer(contract, pointer)
    candidates: dict[str, dict[str, Callable[[Any], bool]]] = {
        "jsonschema": {u: v.validator.is_valid for u, v in compiled.items()},
        "jsonschema-rs": {u: v.is_valid for u, v in compiled.items()},
    }
    print(f"{count:,} messages, {len(work):,} validations; parsing them took {parse:.2f} s")
    print(f"{'validator':<15}{'seconds':>9}{'per validation':>16}{'vs parse':>10}")
    reference: list[bool] | None = None
    for name, check in candidates.items():
        seconds, verdicts = _time(check, work)
        same = reference is None or verdicts == reference
        reference = reference or verdicts
        print(
            f"{name:<15}{seconds:>9.2f}{seconds / len(work) * 1e6:>13.1f} us"
            f"{seconds / parse:>9.1f}x" + ("" if same else "  VERDICTS DIFFER")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
