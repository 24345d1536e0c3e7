"""Benchmark: ``qmpcontract check`` against the JSON-parsing floor and a naive checker.

Builds a transcript of at least ``--messages`` messages (default 1,000,000) by
replaying real traffic (``bench/replay.py``), then measures in one run:

* **floor**: read the file and ``orjson``-parse every record and every message;
* **check**: ``qmpcontract check`` in this process (the shipped contracts plus
  the transcript's own ``query-qmp-schema`` schema, every rule);
* **naive**: what a user writes first: each message validated with
  ``jsonschema`` against the same schemas (envelope, arguments, returns, event
  data), on a sample of ``--naive-sample`` messages;
* **memory**: peak RSS of ``qmpcontract check`` in a child process, on replays
  of ``--memory-mb`` sizes (default 256 and 1024 MB), to show it flat;
* **-j**: ``check -j 1`` and ``-j 2`` over a directory of real transcripts;
* **diff**: every adjacent pair of x86_64 probes of the shared corpus;
* **import**: ``import introspection`` of the QEMU 7.2 probe's reply.

Ratios are against the floor measured in the same run.  Not a test: run it by
hand (``python bench/bench_check.py``; ``--quick`` for a small smoke run).
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from naive import naive_check
from replay import SHARED, write_connection, write_replay

from qmpcontract.cli import main as cli_main


def _timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def floor(path: Path) -> int:
    """Read *path* and orjson-parse every record and every message; the count."""
    count = 0
    loads = orjson.loads
    with path.open("rb") as handle:
        for line in handle:
            record = loads(line)
            raw = record.get("raw")
            if raw is not None:
                loads(raw)
                count += 1
    return count


def check_in_process(path: Path, *extra: str) -> int:
    """Run ``qmpcontract check`` on *path* here; its exit code."""
    return cli_main(["check", str(path), "--output", "json", "--output-file", os.devnull, *extra])


def peak_rss_mb(argv: list[str]) -> tuple[float, float, int]:
    """Run *argv* in a child; (seconds, peak RSS in MB, exit code)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, child.returncode


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "qmpcontract", *args]


def bench_speed(work: Path, messages: int, sample: int) -> None:
    """Floor, check and naive on one replay of at least *messages* messages."""
    path = work / "replay.jsonl"
    written, sessions = write_replay(path, messages=messages)
    size = path.stat().st_size
    print(f"transcript: {written:,} messages, {sessions:,} sessions, {size / 2**20:.0f} MiB")
    floor_s, counted = _timed(lambda: floor(path))
    assert counted == written, (counted, written)
    check_s, code = _timed(lambda: check_in_process(path))
    naive_s, naive_n = _timed(lambda: naive_check(path, sample))
    assert isinstance(naive_n, int)
    rate = {"floor": written / floor_s, "check": written / check_s, "naive": naive_n / naive_s}
    print(f"{'step':<8}{'msg/s':>12}{'vs floor':>10}")
    for step, value in rate.items():
        print(f"{step:<8}{value:>12,.0f}{rate['floor'] / value:>9.1f}x")
    print(
        f"check exit code {code}; check/floor {rate['floor'] / rate['check']:.1f}x, "
        f"naive/check {rate['check'] / rate['naive']:.1f}x (naive on {naive_n:,} messages)"
    )


def _peak(path: Path, mb: int, written: int, what: str) -> None:
    """Check *path* in a child process; print its time and peak memory, then remove it."""
    seconds, rss, code = peak_rss_mb(
        _cli("check", str(path), "--output", "json", "--output-file", os.devnull)
    )
    print(
        f"{mb:>6}MB{written:>12,}{seconds:>9.1f}{rss:>8.0f}MB{written / seconds:>10,.0f}"
        f"  (exit {code}{what})"
    )
    path.unlink()


def bench_memory(work: Path, sizes_mb: list[int]) -> None:
    """Peak memory of check in a child process, per transcript size.

    Each size twice: many sessions, and one long connection.
    """
    print(f"{'size':>8}{'messages':>12}{'seconds':>9}{'peak RSS':>10}{'msg/s':>10}")
    for mb in sizes_mb:
        path = work / f"replay-{mb}.jsonl"
        written, _ = write_replay(path, size=mb * 2**20)
        _peak(path, mb, written, "")
        path = work / f"connection-{mb}.jsonl"
        _peak(path, mb, write_connection(path, size=mb * 2**20), "; one connection")


def bench_jobs(work: Path, copies: int) -> None:
    """Check -j 1 against -j 2 on a directory of real transcripts."""
    folder = work / "transcripts"
    folder.mkdir()
    real = sorted((SHARED / "libvirt-replies").glob("*.replies"))
    real.append(Path(__file__).resolve().parents[1] / "examples" / "qemu-7.2-block-jobs.jsonl")
    for copy in range(copies):
        for source in real:
            shutil.copy(source, folder / f"{copy}-{source.name}")
    files = len(list(folder.iterdir()))
    times = {}
    for jobs in (1, 2):
        seconds, _, code = peak_rss_mb(
            _cli(
                "check",
                str(folder),
                "-j",
                str(jobs),
                "--output",
                "json",
                "--output-file",
                os.devnull,
            )
        )
        times[jobs] = seconds
        print(f"check -j {jobs}: {files} files in {seconds:.1f} s (exit {code})")
    print(f"-j 2 speed-up: {times[1] / times[2]:.2f}x")


def bench_diff_and_import() -> None:
    """Diff over adjacent x86_64 probes, and one import introspection."""
    probes = sorted((SHARED / "libvirt-replies").glob("*x86_64*.replies"))
    with_schema = [p for p in probes if b'"query-qmp-schema"' in p.read_bytes()]
    ordered = sorted(
        with_schema,
        key=lambda p: [int(x) for x in p.name[5:].split("_")[0].split(".x86")[0].split(".")[:3]],
    )
    start = time.perf_counter()
    for old, new in itertools.pairwise(ordered):
        cli_main(["diff", str(old), str(new), "--output", "json", "--output-file", os.devnull])
    total = time.perf_counter() - start
    print(f"diff: {len(ordered) - 1} adjacent pairs in {total:.2f} s")
    reply = SHARED / "libvirt-replies" / "caps_7.2.0_x86_64.replies"
    seconds, _ = _timed(lambda: cli_main(["import", "introspection", str(reply), "-o", os.devnull]))
    print(f"import introspection (7.2 probe): {seconds:.3f} s")


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--naive-sample", type=int, default=20_000)
    parser.add_argument("--memory-mb", type=int, action="append")
    parser.add_argument("--copies", type=int, default=4, help="copies of each file for -j")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--only", choices=["speed", "memory", "jobs", "diff"], action="append")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.naive_sample, args.copies = 20_000, 2_000, 1
        args.memory_mb = args.memory_mb or [4, 16]
    steps = args.only or ["speed", "memory", "jobs", "diff"]
    if not SHARED.exists():
        print(f"note: no shared corpus at {SHARED}: replaying our own recording only")
        steps = [s for s in steps if s not in ("jobs", "diff")]
    with tempfile.TemporaryDirectory(prefix="qmpcontract-bench-") as tmp:
        work = Path(tmp)
        if "speed" in steps:
            bench_speed(work, args.messages, args.naive_sample)
        if "memory" in steps:
            bench_memory(work, args.memory_mb or [256, 1024])
        if "jobs" in steps:
            bench_jobs(work, args.copies)
        if "diff" in steps:
            bench_diff_and_import()
    return 0


if __name__ == "__main__":
    sys.exit(main())
