"""The meta-schema's fast check decides what jsonschema decides.

``lint`` (and every ``check``, which lints the contracts it loads) asks
:func:`fast_meta_schema` first and :mod:`jsonschema` only for a contract it
rejects.  So the two must agree on every document: here on every contract we
have (shipped, and the broken ones of our test corpus) and on random
mutations of the shipped ones.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from qmpcontract.contract.metaschema import fast_meta_schema
from qmpcontract.resources import meta_schema

from .conftest import REPO

CONTRACTS = sorted((REPO / "contracts").glob("*/*.json"))


def _parses(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False  # the loader reports it before the meta-schema
    return True


CORPUS = [
    p for p in sorted((REPO / "tests" / "corpus" / "contracts").rglob("*.json")) if _parses(p)
]
VALIDATOR = Draft202012Validator(meta_schema())


def _agree(document: object) -> None:
    fast = fast_meta_schema()
    assert fast is not None
    assert fast(document) == VALIDATOR.is_valid(document)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", CONTRACTS + CORPUS, ids=lambda p: str(p.relative_to(REPO)))
def test_the_fast_check_agrees_on_every_contract_we_have(path: Path) -> None:
    _agree(_load(path))


def test_the_shipped_contracts_are_valid_and_the_corpus_has_invalid_ones() -> None:
    fast = fast_meta_schema()
    assert fast is not None
    assert all(fast(_load(p)) for p in CONTRACTS)
    assert not all(fast(_load(p)) for p in CORPUS)


def _paths(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


SHIPPED = [json.loads(p.read_text()) for p in CONTRACTS]
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.text(max_size=3),
    st.sampled_from(["object", "string", "integer", "#/types/X", "MUST", "1.0.0", "^(", "7.2"]),
    st.lists(st.sampled_from(["a", "b", 1]), max_size=2),
    st.dictionaries(st.sampled_from(["type", "$ref", "a", "required"]), st.just("x"), max_size=2),
    st.sampled_from([{"type": "nope"}, {"$ref": 1}, {"required": ["a", "a"]}, {"pattern": 5},
                     {"properties": []}, {"type": ["string", "string"]}, {"items": 3},
                     {"minimum": "x"}, {"enum": []}]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_fast_check_agrees_on_mutated_contracts(data: st.DataObject) -> None:
    document = copy.deepcopy(data.draw(st.sampled_from(SHIPPED)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)[1:]))
        *parents, last = path
        holder: Any = document
        for step in parents:
            holder = holder[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            holder[last] = copy.deepcopy(data.draw(JUNK))  # never the shared sample itself
        elif action == "delete":
            del holder[last]
        elif isinstance(holder[last], dict):
            key = data.draw(st.sampled_from(["x-new", "type", "since", "$id"]))
            holder[last][key] = copy.deepcopy(data.draw(JUNK))
        if not _paths(document)[1:]:
            break
    _agree(document)
