"""Small helpers every subcommand shares: writing output, parsing a version option."""

from __future__ import annotations

import sys
from pathlib import Path

from qmpcontract.contract import ContractLoadError, load_contracts
from qmpcontract.errors import UsageError
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.versions import QemuVersion


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
