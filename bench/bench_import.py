"""Benchmark: importing one query-qmp-schema reply, against parsing it.

Prints, for one real reply (the QEMU 7.2 probe of the shared corpus, or the
file given), the time to parse the reply's JSON (the baseline), to import it
(ApiSnapshot), to turn it into a snapshot contract, and to build the contract
model, with ratios to the baseline.  Median of several runs, measured in the
same process.  Not a test: run it by hand or in CI's log.

    python bench/bench_import.py [REPLIES_OR_REPLY_FILE]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from qmpcontract.contract.build import build_contract
from qmpcontract.importers.introspection import snapshot_from_schema
from qmpcontract.importers.sources import load_introspection
from qmpcontract.importers.to_contract import snapshot_contract

# the shared corpus, as the tests find it: $QMPCONTRACT_SHARED_CORPUS, else ../shared/corpus
CORPUS = (
    os.environ.get("QMPCONTRACT_SHARED_CORPUS")
    or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
DEFAULT = Path(CORPUS) / "libvirt-replies"
RUNS = 9


def _time(function: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    """Run the benchmark; return 0, or 2 when no input is available."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT / "caps_7.2.0_x86_64.replies"
    if not path.exists():
        print(f"no input: {path} (give a .replies file or a raw reply)", file=sys.stderr)
        return 2
    snapshot = load_introspection(path)
    assert snapshot.version is not None
    version = snapshot.version
    entries = []  # rebuild the raw reply text from the snapshot's source transcript
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    index = 0
    previous = None
    while index < len(text):
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        value, index = decoder.raw_decode(text, index)
        if isinstance(previous, dict) and previous.get("execute") == "query-qmp-schema":
            entries = value["return"]
            break
        previous = value
    reply_text = json.dumps(entries)

    parse = _time(lambda: json.loads(reply_text))
    imported = _time(lambda: snapshot_from_schema(json.loads(reply_text), version=version))
    document = snapshot_contract(
        snapshot,
        contract_id="qemu-introspection",
        origin="bench",
        version=version,
        masked_names=True,
    )
    converted = _time(
        lambda: snapshot_contract(
            snapshot_from_schema(json.loads(reply_text), version=version),
            contract_id="qemu-introspection",
            origin="bench",
            version=version,
            masked_names=True,
        )
    )
    built = _time(lambda: build_contract(document, "bench"))
    print(
        f"input: {path.name}: QEMU {version}, {len(entries)} SchemaInfo entries, "
        f"{len(reply_text)} bytes"
    )
    print(f"{'step':<40} {'median':>10} {'x parse':>8}")
    for label, seconds in (
        ("parse the reply (json.loads, baseline)", parse),
        ("import: parse + ApiSnapshot", imported),
        ("import + snapshot contract (JSON Schema)", converted),
        ("build the contract model", built),
        ("whole import (contract + model)", converted + built),
    ):
        print(f"{label:<40} {seconds * 1000:>8.1f}ms {seconds / parse:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
