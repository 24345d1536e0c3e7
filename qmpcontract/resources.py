"""Where the shipped contracts and the contract meta-schema are.

In an installed package the contracts live in ``qmpcontract/contracts`` (the
wheel copies the repository's top-level ``contracts/`` there); in a source
checkout they are the repository's ``contracts/`` directory itself.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

META_SCHEMA_NAME = "contract.schema.json"


def shipped_contracts_dir() -> Path:
    """Return the directory of the contracts shipped with this package."""
    installed = Path(__file__).resolve().parent / "contracts"
    if (installed / META_SCHEMA_NAME).is_file():
        return installed
    return Path(__file__).resolve().parent.parent / "contracts"


@cache
def meta_schema() -> dict[str, object]:
    """Return the contract meta-schema (JSON Schema Draft 2020-12)."""
    path = shipped_contracts_dir() / META_SCHEMA_NAME
    value = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value
