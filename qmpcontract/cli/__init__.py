"""The ``qmpcontract`` command line: thin, all work happens in the layers below.

Exit codes (every subcommand): 0 clean, 1 problems or findings at or above the
failure level, 2 usage errors or unusable input, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from qmpcontract import __version__
from qmpcontract.cli import (
    check,
    diff,
    fuzz,
    history,
    imports,
    libvirt_usage,
    record,
    release_data,
    review,
    rules,
)
from qmpcontract.cli.common import report_written, write_output
from qmpcontract.cli.help import add_examples
from qmpcontract.cli.semver import semver_problems
from qmpcontract.contract.loader import lint_paths
from qmpcontract.contract.problems import ContractLoadError
from qmpcontract.errors import InputError, UsageError
from qmpcontract.model.check_kinds import CHECK_KINDS
from qmpcontract.model.frozen_json import thaw
from qmpcontract.report.problems import render_json, render_text, summary_line
from qmpcontract.resources import shipped_contracts_dir

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def _cmd_lint(args: argparse.Namespace) -> int:
    paths = args.paths or [shipped_contracts_dir()]
    result = lint_paths(paths, semver_problems)
    render = render_json if args.output == "json" else render_text
    write_output(render(result), args.output_file)
    report_written(summary_line(result), args.output_file)
    return EXIT_FINDINGS if result.problems else EXIT_CLEAN


def _cmd_kinds(args: argparse.Namespace) -> int:
    if args.output == "json":
        kinds = [
            {
                "name": k.name,
                "scope": k.scope.value,
                "summary": k.summary,
                "params_schema": thaw(k.params_schema),
            }
            for k in CHECK_KINDS.values()
        ]
        write_output(json.dumps(kinds, indent=2) + "\n", None)
        return EXIT_CLEAN
    width = max(len(name) for name in CHECK_KINDS)
    lines = [f"{k.name:<{width}}  {k.scope.value:<10}  {k.summary}" for k in CHECK_KINDS.values()]
    write_output("\n".join(lines) + "\n", None)
    return EXIT_CLEAN


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (also used to generate the CLI reference)."""
    parser = argparse.ArgumentParser(
        prog="qmpcontract",
        description="Executable, versioned contracts for the QMP interface between QEMU "
        "and libvirt.",
    )
    parser.add_argument("--version", action="version", version=f"qmpcontract {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    lint = sub.add_parser(
        "lint",
        help="validate contract files",
        description="Validate contracts against the meta-schema and the semantic rules "
        "of a contract set. Exit 0 clean, 1 problems found, 2 unusable input.",
    )
    lint.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="a contract set directory, a contract directory or a contract file "
        "(default: the shipped contracts)",
    )
    lint.add_argument("--output", choices=("text", "json"), default="text", help="report format")
    lint.add_argument("--output-file", type=Path, metavar="FILE")
    lint.set_defaults(func=_cmd_lint)

    kinds = sub.add_parser(
        "kinds",
        help="list the machine-check kinds a contract rule can name",
        description="List the check kinds of the registry, with their parameters.",
    )
    kinds.add_argument("--output", choices=("text", "json"), default="text", help="list format")
    kinds.set_defaults(func=_cmd_kinds)

    check.add_parser(sub)
    rules.add_parser(sub)
    imports.add_parser(sub)
    diff.add_parser(sub)
    history.add_parser(sub)
    review.add_parser(sub)
    release_data.add_parser(sub)
    libvirt_usage.add_parser(sub)
    record.add_parser(sub)
    fuzz.add_parser(sub)
    add_examples(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except InputError as exc:
        print(f"qmpcontract: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except UsageError as exc:
        print(f"qmpcontract: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ContractLoadError as exc:  # a contract side of diff, history: every problem, located
        print(f"qmpcontract: error: the contracts have problems:\n{exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # e.g. a file vanishing or a read failing half-way
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"qmpcontract: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("qmpcontract: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code
