"""Where ``check``'s time goes, stage by stage, on a replay of real traffic.

Times (without a profiler's overhead) on one replay (``bench/replay.py``):

* the floor: read the file and ``orjson``-parse every record and message;
* reading: the recording reader alone (records checked, messages parsed, located);
* sessions: reading plus classifying and pairing (``iter_sessions``);
* check: the whole ``check_items``, with the time spent in each rule (grouped
  by check kind) and in schema validation measured inside it;
* the fixed cost of one ``qmpcontract check`` run (imports, loading contracts).

    python bench/profile_check.py [--messages N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import floor
from replay import OWN_RECORDING, write_replay

from qmpcontract.check import engine
from qmpcontract.check.validators import SchemaValidator
from qmpcontract.cli.common import contracts_for
from qmpcontract.model.session_builder import iter_sessions
from qmpcontract.model.transcript import TranscriptInfo
from qmpcontract.read.formats import open_transcript
from qmpcontract.releases.contract import supplement


def _seconds(function: Any) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> int:
    """Run the profile."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "replay.jsonl"
        count, _ = write_replay(path, messages=args.messages)
        contracts = contracts_for(None)
        stages = {
            "floor": _seconds(lambda: floor(path)),
            "reading": _seconds(lambda: sum(1 for _ in open_transcript(path).items())),
            "sessions": _seconds(
                lambda: sum(1 for _ in iter_sessions(open_transcript(path).items()))
            ),
        }
        rules: dict[str, float] = {}
        validating = [0.0]
        original_run, original_valid = engine._run, SchemaValidator.is_valid

        def timed_run(ctx: Any, implementation: Any, session: Any, options: Any) -> Any:
            start = time.perf_counter()
            try:
                return original_run(ctx, implementation, session, options)
            finally:
                kind = ctx.rule.check.kind
                rules[kind] = rules.get(kind, 0.0) + time.perf_counter() - start

        def timed_valid(self: SchemaValidator, instance: object) -> bool:
            start = time.perf_counter()
            try:
                return original_valid(self, instance)
            finally:
                validating[0] += time.perf_counter() - start

        engine._run = timed_run
        SchemaValidator.is_valid = timed_valid  # type: ignore[method-assign]
        try:
            info = TranscriptInfo(str(path), "recording")
            options = engine.CheckOptions(extra=supplement)

            def check() -> Iterator[Any]:
                return iter([engine.check_items(open_transcript(path).items(), info,
                                                contracts, options)])  # fmt: skip

            stages["check"] = _seconds(check)
        finally:
            engine._run = original_run
            SchemaValidator.is_valid = original_valid  # type: ignore[method-assign]
    base = stages["floor"]
    print(f"{count:,} messages")
    print(f"{'stage':<22}{'seconds':>9}{'us/msg':>9}{'vs floor':>10}")
    for name, seconds in stages.items():
        print(f"{name:<22}{seconds:>9.2f}{seconds / count * 1e6:>9.1f}{seconds / base:>9.1f}x")
    rule_total = sum(rules.values())
    parts = {
        "  reading": stages["reading"],
        "  classify and pair": stages["sessions"] - stages["reading"],
        "  rules (validation)": validating[0],
        "  rules (the rest)": rule_total - validating[0],
        "  engine": stages["check"] - stages["sessions"] - rule_total,
    }
    print("check, by part:")
    for name, seconds in parts.items():
        print(f"{name:<22}{seconds:>9.2f}{seconds / count * 1e6:>9.1f}{seconds / base:>9.1f}x")
    print("rules, by check kind (validation included):")
    for kind, seconds in sorted(rules.items(), key=lambda item: -item[1]):
        print(f"  {kind:<20}{seconds:>9.2f}{seconds / count * 1e6:>9.1f}")
    start = time.perf_counter()
    cli = [sys.executable, "-m", "qmpcontract", "check", str(OWN_RECORDING)]
    subprocess.run(cli, check=True, stdout=subprocess.DEVNULL)
    print(f"fixed cost of one run (61-message transcript): {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
