"""The model loses nothing: dump(load(file)) is the file, load(dump(model)) is the model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qmpcontract.contract import contract_to_json, load_contracts
from qmpcontract.model.contract_set import ContractSet

from .conftest import CONTRACTS


@pytest.fixture(scope="module")
def contracts() -> ContractSet:
    return load_contracts(CONTRACTS)


def test_dump_reproduces_every_shipped_file(contracts: ContractSet) -> None:
    for contract in contracts:
        raw = json.loads((CONTRACTS / contract.id / f"{contract.version}.json").read_text())
        raw.pop("$schema", None)
        assert contract_to_json(contract) == raw, contract.ref


def test_load_of_dump_is_the_same_model(contracts: ContractSet, tmp_path: Path) -> None:
    shutil.copy(CONTRACTS / "contract.schema.json", tmp_path)
    for contract in contracts:
        target = tmp_path / contract.id / f"{contract.version}.json"
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(contract_to_json(contract), indent=1))
    again = load_contracts(tmp_path)
    assert again.contracts == contracts.contracts


def test_model_is_immutable(contracts: ContractSet) -> None:
    contract = contracts.contracts[0]
    with pytest.raises(AttributeError):
        contract.title = "changed"  # type: ignore[misc]
    command = next(c for c in contracts.current()[0].commands if c.arguments)
    with pytest.raises(TypeError):
        command.arguments["type"] = "array"  # type: ignore[index]
