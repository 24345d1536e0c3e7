"""``qmpcontract check``: check recorded transcripts against the contracts."""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import functools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from qmpcontract.check import CheckOptions, CheckResult, check_items
from qmpcontract.check.baseline import apply_baseline
from qmpcontract.check.engine import ExtraContracts, rule_selected
from qmpcontract.check.registry import rule_catalogue
from qmpcontract.cli import check_baseline
from qmpcontract.cli.common import contracts_for, report_written, write_output
from qmpcontract.cli.progress import byte_progress
from qmpcontract.errors import InputReadError, UsageError
from qmpcontract.importers.self_described import contracts_from_file
from qmpcontract.location import Location
from qmpcontract.model.contract import Contract, Level
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.transcript import TranscriptInfo
from qmpcontract.model.versions import QemuVersion, SemVer
from qmpcontract.read.formats import FORMATS, files_under, is_transcript, open_transcript
from qmpcontract.releases.contract import known_rules, supplement
from qmpcontract.report.findings import CheckReport, render_json, render_text, summary_line
from qmpcontract.report.junit import render_junit
from qmpcontract.report.sarif import render_sarif

RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit, "sarif": render_sarif}
LEVELS = {"must": Level.MUST, "should": Level.SHOULD, "may": Level.MAY}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand."""
    parser = sub.add_parser(
        "check",
        help="check recorded QMP transcripts against the contracts",
        description="Check transcripts (socat -v logs, libvirt debug logs, libvirt .replies "
        "files, qmpcontract recordings, raw QMP streams) against the contracts. Exit 0 "
        "clean, 1 findings at or above --fail-on, 2 usage or unreadable input, 130 "
        "interrupted (Ctrl-C: the report of the transcripts checked so far is written).",
    )
    parser.add_argument(
        "transcripts",
        nargs="+",
        metavar="TRANSCRIPT",
        help="a transcript file, a directory of them, or - for standard input",
    )
    parser.add_argument("--contracts", type=Path, metavar="DIR", help="contract set to use")
    parser.add_argument("--format", choices=sorted(FORMATS), help="override format detection")
    parser.add_argument("--output", choices=sorted(RENDERERS), default="text", help="report format")
    parser.add_argument("--output-file", type=Path, metavar="FILE")
    parser.add_argument(
        "--fail-on",
        choices=list(LEVELS),
        default="must",
        help="exit 1 when a finding is at or above this level",
    )
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="RULE",
        help="only these rule ids: shell-style patterns ('qmp-core/id-*'), 'CONTRACT/' for "
        "every rule of a contract, several with commas or the option repeated; see "
        "'qmpcontract rules'",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RULE",
        help="not these rule ids (patterns, as --select)",
    )
    check_baseline.add_arguments(parser)
    parser.add_argument(
        "--qemu-version",
        metavar="VERSION",
        help="the QEMU version, when the transcript does not show it",
    )
    parser.add_argument(
        "--contract",
        action="append",
        default=[],
        metavar="ID@VERSION",
        help="use this version of a contract instead of choosing by QEMU version",
    )
    schema = parser.add_mutually_exclusive_group()
    schema.add_argument(
        "--schema",
        type=Path,
        metavar="FILE",
        help="check against this QEMU schema instead of the transcript's own or its release's: "
        "a query-qmp-schema reply, a transcript holding one, or a snapshot contract written by "
        "'qmpcontract import'",
    )
    schema.add_argument(
        "--no-embedded-schema",
        action="store_true",
        help="do not check a transcript against a query-qmp-schema reply it contains",
    )
    parser.add_argument(
        "--no-release-data",
        action="store_true",
        help="do not check against the shipped data of the transcript's QEMU release (its "
        "commands, events, types and error classes)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="check N transcripts at a time, in N processes (0: one per CPU core)",
    )
    parser.set_defaults(func=run)


def _patterns(values: list[str]) -> tuple[str, ...]:
    return tuple(p.strip() for v in values for p in v.split(",") if p.strip())


def _options(
    args: argparse.Namespace, contracts: ContractSet
) -> tuple[CheckOptions, Contract | None]:
    """The check options of the command line, and the contract of ``--schema`` if given."""
    version = None
    if args.qemu_version:
        try:
            version = QemuVersion.parse(args.qemu_version)
        except ValueError as exc:
            raise UsageError(f"--qemu-version: {exc}") from exc
    pinned: dict[str, SemVer] = {}
    for item in args.contract:
        contract_id, _, text = item.partition("@")
        try:
            pinned[contract_id] = SemVer.parse(text)
        except ValueError as exc:
            raise UsageError(f"--contract {item}: expected ID@VERSION") from exc
        if contracts.get(contract_id, pinned[contract_id]) is None:
            raise UsageError(f"--contract {item}: no such contract version in the set")
    schema = contracts_from_file(args.schema, version) if args.schema is not None else None
    extra: ExtraContracts | None = functools.partial(
        supplement,
        use_release_data=not args.no_release_data,
        embedded=not args.no_embedded_schema,
        schema=schema,
    )
    options = CheckOptions(version, _patterns(args.select), _patterns(args.ignore), pinned, extra)
    known = rule_catalogue([*contracts, *known_rules()])
    for pattern in (*options.select, *options.ignore):
        probe = CheckOptions(select=(pattern,))
        if not any(rule_selected(rule_id, probe) for rule_id in known):
            other = " ('diff' reports it, not 'check')" if pattern.startswith("diff/") else ""
            raise UsageError(f"no rule matches {pattern!r}{other} (see 'qmpcontract rules')")
    return options, schema


def schema_mismatch(schema: Contract, result: CheckResult) -> str | None:
    """A warning when ``--schema`` is of another QEMU release than the transcript.

    Releases differ in their API; micro (stable) releases of one release do not.
    """
    versions = schema.producer.versions
    given, seen = (versions.since if versions else None), result.qemu_version
    if given is None or seen is None or (given.major, given.minor) == (seen.major, seen.minor):
        return None
    return (
        f"{result.info.name}: the transcript is of QEMU {seen}, but --schema is QEMU "
        f"{given}'s ({schema.title}): what one release has and the other lacks is reported "
        "as if QEMU broke its schema"
    )


def _inputs(values: list[str]) -> Iterator[Path | None]:
    for value in values:
        if value == "-":
            yield None
            continue
        path = Path(value)
        if path.is_dir():
            yield from files_under(path)
        elif path.exists():
            yield path
        else:
            raise InputReadError("no such file or directory", Location(value))


def _check_one(
    path: Path | None,
    args: argparse.Namespace,
    contracts: ContractSet,
    options: CheckOptions,
    from_directory: bool,
    on_read: Callable[[int], None] | None = None,
) -> CheckResult | None:
    if from_directory and path is not None and args.format is None and not is_transcript(path):
        return None  # a directory may hold other files
    transcript = open_transcript(path, args.format, on_read)
    fmt = transcript.format
    info = TranscriptInfo(
        transcript.name, fmt.name, fmt.has_greeting, fmt.has_events, fmt.pair_by_position
    )
    return check_items(transcript.items(), info, contracts, options)


def _jobs(value: int) -> int:
    if value < 0:
        raise UsageError(f"--jobs {value}: expected 0 (one per CPU core) or more")
    return value or len(os.sched_getaffinity(0))


# What worker processes check with; set before the pool forks them.
_STATE: tuple[argparse.Namespace, ContractSet, CheckOptions] | None = None


def _work(job: tuple[Path, bool]) -> CheckResult | None:
    assert _STATE is not None
    args, contracts, options = _STATE
    return _check_one(job[0], args, contracts, options, job[1])


def _in_parallel(
    jobs: list[tuple[Path, bool]], workers: int, total: int, results: list[CheckResult | None]
) -> None:
    """Check *jobs* in *workers* forked processes; *results* gets them in the order of *jobs*.

    Workers ignore SIGINT: Ctrl-C stops the parent, which keeps what is done.
    """
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i][0].stat().st_size)
    results[:] = [None] * len(jobs)
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_sigint)
    try:
        # The first submit forks every worker: before the progress bar starts its thread.
        futures = {pool.submit(_work, jobs[i]): i for i in order}  # largest first
        with byte_progress(total) as on_read:
            for future in as_completed(futures):
                index = futures[future]
                results[index] = future.result()  # re-raises a worker's InputError
                if on_read is not None:
                    on_read(jobs[index][0].stat().st_size)
    except KeyboardInterrupt:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()  # a worker may be deep in a gigabyte transcript
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        pool.shutdown(cancel_futures=True)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run(args: argparse.Namespace) -> int:
    """Run ``qmpcontract check``; return the exit code."""
    global _STATE
    contracts = contracts_for(args.contracts)
    options, schema = _options(args, contracts)
    workers = _jobs(args.jobs)
    entries = check_baseline.prepare(args)
    directories = {v for v in args.transcripts if v != "-" and Path(v).is_dir()}
    inputs = list(_inputs(args.transcripts))
    total = sum(p.stat().st_size for p in inputs if p is not None)
    jobs = [
        (path, path is not None and any(Path(d) in path.parents for d in directories))
        for path in inputs
    ]
    checked: list[CheckResult | None] = []
    files = [(p, d) for p, d in jobs if p is not None]
    interrupted = False
    parallel = workers > 1 and len(files) > 1 and len(files) == len(jobs)
    try:
        if parallel:
            _STATE = (args, contracts, options)
            try:
                _in_parallel(files, min(workers, len(files)), total, checked)
            finally:
                _STATE = None
        else:
            with byte_progress(total) as on_read:
                for path, within in jobs:
                    checked.append(_check_one(path, args, contracts, options, within, on_read))
    except KeyboardInterrupt:
        interrupted = True
    done = sum(map(bool, checked)) if parallel else len(checked)  # parallel: in any order
    results = [r for r in checked if r is not None]
    skipped = [p for (p, _), r in zip(jobs, checked, strict=False) if r is None and p is not None]
    if interrupted:
        skipped = []  # not known for what was not checked
    notes: list[str] = []
    baselined = 0
    if entries:
        today = datetime.date.today()
        adjusted = []
        for result in results:
            kept, accepted, expired = apply_baseline(result.findings, entries, today)
            baselined += accepted
            notes = expired
            adjusted.append(dataclasses.replace(result, findings=tuple(kept)))
        results = adjusted
    if skipped:
        notes.append(_skipped_note(skipped))
    if interrupted:
        notes.append(f"interrupted (Ctrl-C): {done} of {len(jobs)} transcript(s) checked")
    catalogue = rule_catalogue([*contracts, *known_rules()])
    report = CheckReport(results, catalogue, LEVELS[args.fail_on], baselined, tuple(notes))
    warnings = [schema_mismatch(schema, r) for r in results] if schema is not None else []
    for warning in filter(None, warnings):
        print(f"qmpcontract: warning: {warning}", file=sys.stderr)
    write_output(RENDERERS[args.output](report), args.output_file)
    report_written(summary_line(report), args.output_file)
    if interrupted:
        return 130
    if args.write_baseline is not None:
        check_baseline.write(args, report.findings, entries)
        return 0
    return 1 if report.failed else 0


def _skipped_note(skipped: list[Path], shown: int = 10) -> str:
    """The note naming the files of the given directories that are not transcripts."""
    names = ", ".join(str(p) for p in skipped[:shown])
    more = f" and {len(skipped) - shown} more" if len(skipped) > shown else ""
    return (
        f"{len(skipped)} file(s) in the given directories are not transcripts; "
        f"skipped: {names}{more}"
    )
