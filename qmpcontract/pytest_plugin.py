"""The pytest plugin (entry point ``pytest11``): transcripts as test items, and fixtures.

``pytest --qmp-transcripts PATH [--qmp-contracts DIR] [--qmp-fail-on LEVEL]``
adds one test item per transcript (a file, or every transcript in a
directory); an item fails when the transcript has findings at or above the
failure level (default ``must``), and its failure text is the rendered
findings, exactly as ``qmpcontract check`` prints them.  Findings below the
level are attached to the item's report as a section.  A transcript that
cannot be read fails with its located error, never a traceback.

For your own tests, the fixtures:

- ``qmp_contracts``: the contract set (``--qmp-contracts`` or the shipped one);
- ``qmp_check``: ``qmp_check(path, fail_on="must") -> CheckResult``;
- ``assert_qmp_clean``: ``assert_qmp_clean(path, fail_on="must")`` raises
  ``AssertionError`` with the rendered findings if any is at or above the level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from qmpcontract.errors import QmpContractError

if TYPE_CHECKING:  # the plugin loads in every pytest run: import the checker lazily
    from qmpcontract.check import CheckResult
    from qmpcontract.model.contract_set import ContractSet

LEVELS = ("must", "should", "may")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the ``--qmp-*`` options."""
    group = parser.getgroup("qmpcontract", "QMP transcripts checked against contracts")
    group.addoption(
        "--qmp-transcripts",
        action="append",
        default=[],
        metavar="PATH",
        help="check this transcript (or every transcript in this directory) as a test item",
    )
    group.addoption("--qmp-contracts", metavar="DIR", help="the contract set (default: shipped)")
    group.addoption(
        "--qmp-fail-on",
        choices=LEVELS,
        default="must",
        help="fail a transcript item on findings at or above this level (default: must)",
    )


def _contracts(config: pytest.Config) -> ContractSet:
    from qmpcontract.contract import ContractLoadError, load_contracts

    cached: ContractSet | None = getattr(config, "_qmpcontract_set", None)
    if cached is None:
        directory = config.getoption("qmp_contracts")
        try:
            cached = load_contracts(Path(directory) if directory else None)
        except ContractLoadError as exc:
            raise pytest.UsageError(
                f"--qmp-contracts: the contracts have problems:\n{exc}"
            ) from exc
        config._qmpcontract_set = cached  # type: ignore[attr-defined]
    return cached


def check_path(path: Path, contracts: ContractSet) -> CheckResult:
    """Check one transcript file against *contracts* (its own schema, or its release's data)."""
    from qmpcontract.check import CheckOptions, check_items
    from qmpcontract.model.transcript import TranscriptInfo
    from qmpcontract.read.formats import open_transcript
    from qmpcontract.releases.contract import supplement

    transcript = open_transcript(path)
    fmt = transcript.format
    info = TranscriptInfo(
        transcript.name, fmt.name, fmt.has_greeting, fmt.has_events, fmt.pair_by_position
    )
    return check_items(transcript.items(), info, contracts, CheckOptions(extra=supplement))


def render(result: CheckResult, contracts: ContractSet, fail_on: str) -> str:
    """The findings of *result* as ``qmpcontract check`` prints them."""
    from qmpcontract.check.registry import rule_catalogue
    from qmpcontract.model.contract import Level
    from qmpcontract.releases.contract import known_rules
    from qmpcontract.report.findings import CheckReport, render_text

    catalogue = rule_catalogue([*contracts, *known_rules()])
    return render_text(CheckReport([result], catalogue, Level(fail_on.upper())))


def failing(result: CheckResult, fail_on: str) -> bool:
    """True if *result* has a finding at or above *fail_on* (``must``, ``should``, ``may``)."""
    from qmpcontract.model.contract import Level

    return any(f.level.fails(Level(fail_on.upper())) for f in result.findings)


class QmpFindings(Exception):
    """A transcript has findings at or above the failure level."""


class TranscriptItem(pytest.Item):
    """One transcript, checked against the contracts."""

    def __init__(self, *, transcript: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transcript = transcript

    def runtest(self) -> None:
        """Check the transcript; raise :class:`QmpFindings` if it fails."""
        contracts = _contracts(self.config)
        fail_on = self.config.getoption("qmp_fail_on")
        result = check_path(self.transcript, contracts)
        text = render(result, contracts, fail_on)
        if failing(result, fail_on):
            raise QmpFindings(text)
        if result.findings:
            self.add_report_section("call", "qmpcontract", text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The rendered findings, or the located input error, without a traceback."""
        if isinstance(excinfo.value, QmpFindings | QmpContractError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the item comes from, for pytest's report."""
        return self.transcript, 0, f"qmp transcript {self.transcript}"


def _transcripts(value: str) -> Iterator[Path]:
    path = Path(value)
    if not path.is_dir():
        yield path  # a missing file fails as an item, with its error
        return
    from qmpcontract.read.formats import files_under, is_transcript

    yield from (child for child in files_under(path) if is_transcript(child))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add one item per transcript named by ``--qmp-transcripts`` (before -k/-m apply)."""
    for value in config.getoption("qmp_transcripts"):
        for path in _transcripts(value):
            items.append(TranscriptItem.from_parent(session, name=f"qmp[{path}]", transcript=path))


@pytest.fixture(scope="session")
def qmp_contracts(pytestconfig: pytest.Config) -> ContractSet:
    """The contract set: ``--qmp-contracts DIR`` or the shipped contracts."""
    return _contracts(pytestconfig)


@pytest.fixture
def qmp_check(qmp_contracts: ContractSet) -> Callable[[Path | str], CheckResult]:
    """``qmp_check(path)``: check a transcript, return the :class:`CheckResult`."""
    return lambda path: check_path(Path(path), qmp_contracts)


@pytest.fixture
def assert_qmp_clean(qmp_contracts: ContractSet) -> Callable[..., None]:
    """``assert_qmp_clean(path, fail_on="must")``: fail with the findings, if any."""

    def check(path: Path | str, fail_on: str = "must") -> None:
        result = check_path(Path(path), qmp_contracts)
        if failing(result, fail_on):
            raise AssertionError(render(result, qmp_contracts, fail_on))

    return check
