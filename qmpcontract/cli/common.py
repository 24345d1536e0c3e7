"""Small helpers every subcommand shares: help, writing output, parsing a version option."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from qmpcontract.contract import ContractLoadError, load_contracts
from qmpcontract.errors import UsageError
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.versions import QemuVersion


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help that shows every default, and keeps the lines of examples as written.

    Paragraphs are wrapped as usual; a line indented by two spaces (an example
    command) is kept as it is.  A default is shown for every option that has one
    (not for flags, nor where the help already says it).
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for block in text.split("\n"):
            if block.startswith("  ") or not block.strip():
                lines.append(indent + block)
            else:
                wrapped = textwrap.fill(
                    " ".join(block.split()), width, initial_indent=indent, subsequent_indent=indent
                )
                lines.append(wrapped)
        return "\n".join(lines)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if "default" in text or default in (None, False, [], argparse.SUPPRESS):
            return text
        return super()._get_help_string(action)


def examples(*commands: str) -> str:
    """An epilog listing example command lines, for :class:`HelpFormatter`."""
    return "examples:\n" + "\n".join(f"  {command}" for command in commands)


def write_output(text: str, output_file: Path | None) -> None:
    """Write *text* to *output_file*, or to standard output when it is None.

    :raise UsageError: if the file cannot be written.
    """
    if output_file is None:
        sys.stdout.write(text)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output_file}: {exc.strerror or exc}") from exc


def report_written(summary: str, output_file: Path | None) -> None:
    """With ``--output-file``, still say on the terminal (standard error) how it went."""
    if output_file is not None:
        print(f"{summary} (report written to {output_file})", file=sys.stderr)


def parse_version(text: str | None, flag: str) -> QemuVersion | None:
    """The QEMU version given to option *flag*, or None if it was not given.

    :raise UsageError: if *text* is not a QEMU version.
    """
    if text is None:
        return None
    try:
        return QemuVersion.parse(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from exc


def contracts_for(directory: Path | None) -> ContractSet:
    """The contract set in *directory* (default: the shipped one).

    :raise UsageError: if the contracts have problems.
    """
    try:
        return load_contracts(directory)
    except ContractLoadError as exc:
        raise UsageError(f"the contracts have problems (run 'qmpcontract lint'):\n{exc}") from exc
