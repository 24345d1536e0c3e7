"""Error-class aliases apply to the commands where both spellings mean the same class.

QEMU 1.1's ``block-stream`` and ``block-job-set-speed`` report ``NotSupported``
(QERR_NOT_SUPPORTED), whose respelling ``Unsupported`` one revision of the 2012 draft
asked for; ``block_resize`` reports QEMU's own, older class ``Unsupported``
(QERR_UNSUPPORTED, commit 939a1cc399adb92640d156097d528b6471c136ae). The golden cases
``block-jobs/error-spelling--*1.1*`` check whole transcripts of both.
"""

from __future__ import annotations

import pytest

from qmpcontract.contract import load_contracts
from qmpcontract.model.contract import Command, Contract, ElementStatus, Lifecycle, Spelling
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.versions import QemuVersion

from .conftest import CONTRACTS


@pytest.fixture(scope="module")
def contracts() -> ContractSet:
    return load_contracts(CONTRACTS)


def _version(contracts: ContractSet, version: str) -> Contract:
    found = contracts.get("block-jobs", version)
    assert found is not None
    return found


def _command(contract: Contract, name: str) -> Command:
    found = contract.command(name)
    assert found is not None
    return found


def _foreign(name: str) -> Command:
    """A command of no block-jobs contract (QEMU 1.1's block_resize)."""
    life = Lifecycle(ElementStatus.STABLE, QemuVersion(0, 15))
    return Command(name, "", life, None, None, ("Unsupported",))


@pytest.mark.parametrize(
    ("version", "scoped", "outside"),
    [
        ("0.1.0", ["block_stream", "block_job_set_speed"], ["block_job_cancel"]),
        ("1.0.0", ["block-stream", "block-job-set-speed"], ["block-job-cancel"]),
        ("2.4.1", ["block-stream", "block-job-set-speed"], ["block-job-cancel", "block-commit"]),
    ],
)
def test_unsupported_means_not_supported_only_for_stream_and_set_speed(
    contracts: ContractSet, version: str, scoped: list[str], outside: list[str]
) -> None:
    contract = _version(contracts, version)
    not_supported = contract.error("Unsupported")
    assert not_supported is not None and not_supported.name == "NotSupported"
    for name in scoped:
        assert not_supported.means("Unsupported", _command(contract, name), QemuVersion(1, 1))
    for name in outside:
        assert not not_supported.means("Unsupported", _command(contract, name), None)
    assert not not_supported.means("Unsupported", _foreign("block_resize"), QemuVersion(1, 1))
    assert not_supported.means("NotSupported", _foreign("block_resize"), None)  # its own name


def test_released_versions_use_the_default_scope_and_2_4_1_names_it(
    contracts: ContractSet,
) -> None:
    # 1.0.0 is published: its alias has no 'commands', and the default (the commands that
    # list the class) gives the same scope; 2.x lists no command with the removed class, so
    # 2.4.1 names the commands.
    released = _version(contracts, "1.0.0").error("NotSupported")
    named = _version(contracts, "2.4.1").error("NotSupported")
    assert released is not None and named is not None
    assert released.aliases[0].commands is None
    assert named.aliases[0].commands == ("block-stream", "block-job-set-speed")
    old = _version(contracts, "2.4.0").error("NotSupported")
    assert old is not None
    assert not any(old.means("Unsupported", c, None) for c in _version(contracts, "2.4.0").commands)


def test_alias_releases_limit_it_too() -> None:
    alias = Spelling("Unsupported", "draft", since=QemuVersion(1, 0, 50), until=QemuVersion(1, 2))
    stream = Command(
        "block-stream",
        "",
        Lifecycle(ElementStatus.STABLE, QemuVersion(1, 1)),
        None,
        None,
        ("NotSupported",),
    )
    assert alias.applies_to(stream, "NotSupported", QemuVersion(1, 1))
    assert not alias.applies_to(stream, "NotSupported", QemuVersion(1, 2))
    assert alias.applies_to(stream, "NotSupported", None)  # version unknown: the command decides
