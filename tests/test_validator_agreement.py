"""``jsonschema-rs`` (check's validator) decides what ``jsonschema`` decides.

``check`` asks jsonschema-rs whether a message is valid and jsonschema only to
explain one it refuses, so the two must agree; each test compares the verdicts:

- keyword by keyword, on small schemas and awkward instances (``true`` is not ``1``, ``1``
  is ``1.0``, non-BMP characters, tagged branches, QAPI unions whose discriminator is
  missing, mistyped or unknown, integers beyond 64 bits);
- every schema the checker applies (shipped contracts, real QEMU schemas, open and closed),
  on generated valid instances and on the same perturbed in one place (a few examples per
  schema with the ``ci`` profile, many with ``--hypothesis-profile=long``);
- every real message of the libvirt ``.replies`` corpus.

Values JSON cannot hold (NaN, infinities, keys that are not strings) never reach a
validator: messages are parsed from JSON.  Where jsonschema-rs refuses such a value
outright, :class:`~qmpcontract.check.validators.SchemaValidator` asks jsonschema.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from qmpcontract.check.engine import select_contracts
from qmpcontract.check.validators import SchemaValidator, Validators, first_error
from qmpcontract.cli.common import contracts_for
from qmpcontract.errors import InputError
from qmpcontract.generate.values import MemberPolicy, ValueStrategies
from qmpcontract.importers.self_described import contracts_from_file
from qmpcontract.location import join_pointer
from qmpcontract.model.check_kinds import CHECK_KINDS
from qmpcontract.model.contract import Contract
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.model.schema_registry import contract_uri, schema_document
from qmpcontract.model.session_builder import build_sessions
from qmpcontract.model.transcript import Kind, Session, qemu_version_of
from qmpcontract.read.formats import open_transcript

from .conftest import SHARED_CORPUS


def _case(then: str, d: Any = "x") -> dict[str, Any]:
    """One branch of a QAPI union: if ``d`` is *d*, member *then* is a required integer."""
    return {
        "if": {"properties": {"d": {"const": d}}, "required": ["d"]},
        "then": {"properties": {then: {"type": "integer"}}, "required": [then]},
    }


# fmt: off
# Tried against every unit schema besides the instances of its own row.
COMMON: list[Any] = [None, True, False, 0, 1, 1.0, -1, 0.5, 2**64, -(2**70), "", "a", "😀",
                     [], [1], [True], {}, {"a": 1}, {"a": True}]
# anyOf/oneOf branches tagged by member M ('b' twice: both may hold).
BRANCHES = [{"properties": {"M": {"const": "a"}, "x": {"type": "integer"}}, "required": ["M", "x"]},
            {"properties": {"M": {"const": "b"}}, "required": ["M"]},
            {"properties": {"M": {"const": "b"}, "y": {}}, "required": ["y", "M"]}]
TAGGED = [{"M": "a", "x": 1}, {"M": "a"}, {"M": "a", "x": "1"}, {"M": "b"}, {"M": "b", "y": 0},
          {"M": "c", "x": 1}, {"M": 1}, {"M": None}, {"M": ["a"]}, {"x": 1}, "a", [], None]
UNION = [_case("xa"), _case("ya", "y"), _case("xb")]  # 'x' twice: both 'then' apply
UNIONS = [{"d": "x", "xa": 1, "xb": 2}, {"d": "x", "xa": 1}, {"d": "x", "xa": "1", "xb": 2},
          {"d": "y", "ya": 1}, {"d": "y"}, {"d": "y", "ya": 1, "xa": 1}, {"d": "z"},
          {"d": "z", "xa": 1}, {"d": 1, "xa": "1"}, {"d": None}, {"xa": "1"}, {"xa": 1},
          {"d": "x", "xa": 1, "xb": 2, "c": 0}, {"c": 0, "d": "z"}, {}, "x", [], 3, None]
TREE = {"type": "object", "required": ["v"], "additionalProperties": False,
        "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#"}}}}
NESTED = [{"v": 1, "kids": [{"v": 2, "kids": [{"v": 3}]}]}, {"v": 1, "kids": [{"v": True}]},
          {"v": 1, "kids": [{"v": 2, "kids": [{}]}]}, {"v": 1, "kids": [{"v": 1, "w": 0}]}]
DEFS_TREE = {"$defs": {"t": {**TREE, "properties": {"v": {"type": "integer"}, "kids": {
    "type": "array", "items": {"$ref": "#/$defs/t"}}}}}, "$ref": "#/$defs/t"}

UNITS: list[tuple[str, Any, list[Any]]] = [
    ("true", True, []),
    ("false", False, []),
    ("type-integer", {"type": "integer"}, [1.0, 1.5, -0.0, 2**70, 1e300, True, "1"]),
    ("type-number", {"type": "number"}, [1.5, 2**70, False]),
    ("type-list", {"type": ["boolean", "null", "string"]}, [False, 0]),
    ("type-object-array", {"type": ["object", "array"]}, [{}, []]),
    ("const-1", {"const": 1}, [1, 1.0, True, "1"]),
    ("const-true", {"const": True}, [True, 1, 1.0]),
    ("const-false", {"const": False}, [False, 0, 0.0, None, []]),
    ("const-null", {"const": None}, [None, False, 0, {}]),
    ("const-string", {"const": "a"}, ["a", "b", ["a"]]),
    ("const-nested", {"const": [1, {"k": [True, None]}]}, [
        [1, {"k": [True, None]}], [1.0, {"k": [True, None]}], [True, {"k": [True, None]}],
        [1, {"k": [1, None]}], [1, {"k": [True, None], "j": 0}], [1, {"k": [True]}], [1]]),
    ("const-object", {"const": {"a": 0}}, [{"a": 0}, {"a": 0.0}, {"a": False}, {"b": 0}]),
    ("enum", {"enum": [1, "a", False, [0], {"k": None}, None]}, [
        1, 1.0, True, False, 0, "a", "b", [0], [False], [0.0], {"k": None}, {"k": False}, None]),
    ("enum-strings", {"enum": ["a", "b"]}, ["a", "c", 0]),
    ("properties", {"properties": {"a": {"type": "integer"}, "b": False}},
     [{"a": 1}, {"a": "1"}, {"b": 1}, {"c": "x"}]),
    ("properties-pattern-additional", {
        "properties": {"a": {"type": "string"}},
        "patternProperties": {"^x-": {"type": "integer"}, "y$": {"minimum": 0}},
        "additionalProperties": {"type": "boolean"}}, [
        {"a": "s"}, {"a": True}, {"x-a": 1}, {"x-a": True}, {"x-y": -1}, {"x-y": 1}, {"ay": -1},
        {"ay": True}, {"b": True}, {"b": 1}, {"bx-": True}, {"bx-": 1}, {"a": "s", "b": 0}]),
    ("pattern-additional-false", {"patternProperties": {"a": {}}, "additionalProperties": False},
     [{"ba": 1}, {"b": 1}, {"A": 1}]),
    ("required", {"required": ["a", "b"]}, [{"a": 1}, {"a": 1, "b": None}, {"b": 1, "c": 0}]),
    ("min-max-properties", {"minProperties": 1, "maxProperties": 2},
     [{"a": 1, "b": 2}, {"a": 1, "b": 2, "c": 3}]),
    ("property-names", {"propertyNames": {"pattern": "^[a-z]+$", "maxLength": 2}},
     [{"ab": 1}, {"abc": 1}, {"A": 1}, {"😀": 1}]),
    ("property-names-false", {"propertyNames": False}, [{"a": 1}]),
    ("dependent-required", {"dependentRequired": {"a": ["b", "c"], "b": []}},
     [{"a": 1, "b": 1, "c": 1}, {"a": 1, "b": 1}, {"b": 1}, {"c": 1}]),
    ("prefix-items-items", {"prefixItems": [{"type": "integer"}, {"type": "string"}],
                            "items": {"type": "boolean"}},
     [[1, "a"], [1, "a", True], [1, "a", True, 1], ["a"], [1.0, "a"], [True], [1, 2]]),
    ("prefix-items-no-more", {"prefixItems": [{}], "items": False}, [[1], [1, 2], [[]]]),
    ("items", {"items": {"type": "integer"}}, [[1, 2.0], [1, True], [[1]]]),
    ("min-max-items", {"minItems": 1, "maxItems": 2}, [[1, 2], [1, 2, 3], [[]]]),
    ("minimum-maximum", {"minimum": 1, "maximum": 2}, [1.5, 2, 2.0, 2.5, 3, True, "1"]),
    ("exclusive", {"exclusiveMinimum": 0, "exclusiveMaximum": 1}, [0.0, 1e-9, 0.9, False, True]),
    ("maximum-64-bit", {"maximum": 2**63 - 1}, [2**63 - 1, 2**63, float(2**63), -(2**70)]),
    ("min-max-length", {"minLength": 2, "maxLength": 2},
     ["ab", "😀😀", "😀", "e\u0301", "\U0010ffff", "abc", ["a", "b"], 12]),
    ("pattern-search", {"pattern": "b"}, ["abc", "xyz", "B", 1]),
    ("pattern-anchored", {"pattern": "^a$"}, ["a", "ba", "\na"]),
    ("format-not-asserted", {"format": "ipv4", "type": "string"}, ["1.2.3.4", "nope"]),
    ("all-of", {"allOf": [{"type": "integer"}, {"minimum": 2}]}, [2, 3.0, 1, "x"]),
    ("any-of", {"anyOf": [{"type": "integer"}, {"minimum": 2}]}, [2.5, 1.5, "x"]),
    ("one-of", {"oneOf": [{"type": "integer"}, {"minimum": 0}]}, [1, -1, 1.5, -1.5, "x"]),
    ("one-of-required", {"oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
     [{"a": 1}, {"b": 1}, {"a": 1, "b": 1}, {}, "x", 1]),
    ("one-of-required-alone", {"oneOf": [{"required": ["a", "b"]}]},
     [{"a": 1, "b": 2}, {"a": 1}, 3]),
    ("one-of-required-empty", {"oneOf": [{"required": []}, {"required": ["a"]}]}, [{}, {"a": 1}]),
    ("unique-items", {"uniqueItems": True},
     [[1, 1.0], [1, True], [True, False], [0, False], [[1], [1.0]], [{"a": 1}, {"a": 1.0}],
      ["a", "a"], ["a", "b"], [None, None], [], "x", [{"a": [1]}, {"a": [True]}]]),
    ("unique-items-false", {"uniqueItems": False, "minItems": 1}, [[1, 1], []]),
    ("any-of-tagged", {"anyOf": BRANCHES}, TAGGED),
    ("one-of-tagged", {"oneOf": BRANCHES}, TAGGED),
    ("one-of-tagged-objects", {"type": "object", "oneOf": BRANCHES[:2]}, TAGGED),
    ("any-of-half-tagged", {"anyOf": [BRANCHES[0], {"type": "string"}]}, TAGGED),
    ("not", {"not": {"type": "string"}}, ["a", 1]),
    ("not-required", {"not": {"required": ["a"]}}, [{"a": 1}, {"b": 1}]),
    ("if-then-else", {"if": {"type": "integer"}, "then": {"minimum": 0},
                      "else": {"type": "string"}}, [-1, 1, 1.0, -1.5, "x", None]),
    ("if-then", {"if": {"required": ["a"]}, "then": {"required": ["b"]}}, [{"a": 1}, {"b": 1}]),
    ("if-else", {"if": {"required": ["a"]}, "else": {"required": ["b"]}}, [{"a": 1}, {"c": 1}]),
    ("union", {"allOf": UNION}, UNIONS),
    ("union-closed-bare", {"allOf": UNION, "unevaluatedProperties": False}, UNIONS),
    ("union-closed", {"allOf": UNION, "properties": {"d": {}}, "unevaluatedProperties": False},
     UNIONS),
    ("union-qapi", {"type": "object", "required": ["d"], "allOf": UNION,
                    "properties": {"d": {"enum": ["x", "y", "z"]}, "c": {"type": "integer"}},
                    "unevaluatedProperties": False}, UNIONS),
    ("union-not-a-string", {"allOf": [_case("xa", 1), _case("ya", "y")]}, UNIONS),
    ("unevaluated-properties", {"properties": {"a": {}},
                                "unevaluatedProperties": {"type": "integer"}},
     [{"a": "s", "b": 1}, {"b": "s"}]),
    ("unevaluated-any-of", {
        "allOf": [{"properties": {"a": {"type": "string"}}}],
        "anyOf": [{"properties": {"b": {"type": "integer"}}},
                  {"properties": {"c": {}}, "required": ["c"]}],
        "unevaluatedProperties": False},
     [{"a": "s", "b": 1}, {"b": "s", "c": 1}, {"b": 1, "c": 1}, {"c": 1, "d": 1}, {"a": 1}]),
    ("unevaluated-all-of-in-any-of", {
        "anyOf": [{"allOf": [{"properties": {"a": {"type": "string"}}}]}, {"required": ["b"]}],
        "unevaluatedProperties": False},
     [{"a": "s"}, {"a": 1, "b": 0}, {"b": 0}, {"a": 1}, {"a": "s", "b": 0}]),
    ("unevaluated-all-of-in-not", {
        "not": {"allOf": [{"properties": {"a": {"type": "string"}}}],
                "unevaluatedProperties": False}},
     [{"a": "s"}, {"a": 1}, {"b": 0}, {}]),
    ("unevaluated-one-of", {
        "oneOf": [{"properties": {"a": {"const": 1}}, "required": ["a"]},
                  {"patternProperties": {"^p": {}}}],
        "unevaluatedProperties": False},
     [{"a": 1}, {"a": 2}, {"p1": 0}, {"a": 1, "p": 0}, {"q": 0}]),
    ("unevaluated-if", {
        "if": {"properties": {"k": {"const": 1}}}, "then": {"properties": {"t": {}}},
        "else": {"properties": {"e": {}}}, "unevaluatedProperties": False},
     [{"k": 1, "t": 0}, {"k": 1, "e": 0}, {"k": 2, "e": 0}, {"k": 2, "t": 0}, {"e": 0}]),
    ("unevaluated-additional", {
        "anyOf": [{"additionalProperties": {"type": "integer"}}, {"required": ["s"]}],
        "unevaluatedProperties": False}, [{"s": 1}, {"s": "x"}, {"s": 1, "t": "x"}]),
    ("unevaluated-ref", {
        "$defs": {"base": {"properties": {"a": {}}, "allOf": [{"properties": {"b": {}}}]}},
        "$ref": "#/$defs/base", "unevaluatedProperties": False}, [{"a": 1, "b": 2}, {"c": 1}]),
    ("ref", {"$defs": {"pos": {"type": "integer", "minimum": 0}}, "items": {"$ref": "#/$defs/pos"}},
     [[0, 1], [-1], [1.5], [True]]),
    ("ref-recursive", TREE, NESTED),
    ("ref-recursive-defs", DEFS_TREE, NESTED),
    ("ref-recursive-array", {"type": ["integer", "array"], "items": {"$ref": "#"}},
     [[1, [2, [3]]], [1, [2, ["x"]]], [[[[]]]]]),
]
# fmt: on


@pytest.mark.parametrize(("schema", "instances"), [u[1:] for u in UNITS], ids=[u[0] for u in UNITS])
def test_keyword_verdicts_are_jsonschemas(schema: Any, instances: list[Any]) -> None:
    oracle = Draft202012Validator(schema)
    expected = [oracle.is_valid(x) for x in [*instances, *COMMON]]
    fast = jsonschema_rs.validator_for(schema)
    assert [fast.is_valid(x) for x in [*instances, *COMMON]] == expected
    if not isinstance(schema, bool):
        assert set(expected) == {True, False}  # every row tells valid from invalid


def test_patterns_are_ecma_262_as_json_schema_says() -> None:
    # The one place the two differ on our schemas' keywords: Python's '$' also matches
    # before a final newline.  jsonschema-rs follows ECMA-262, as JSON Schema specifies;
    # where it refuses and jsonschema finds nothing to explain, check reports nothing.
    schema = {"pattern": "^a$"}
    assert not jsonschema_rs.validator_for(schema).is_valid("a\n")
    assert Draft202012Validator(schema).is_valid("a\n")
    fast = jsonschema_rs.validator_for(schema).is_valid
    validator = SchemaValidator(Draft202012Validator(schema), fast)
    assert first_error(validator, "a\n") is None


def test_references_resolve_in_their_own_document() -> None:
    a = {"$defs": {"pos": {"type": "string"}, "list": {"$ref": "b.json#/$defs/list"}}}
    b = {"$defs": {"pos": {"minimum": 0}, "list": {"items": {"$ref": "#/$defs/pos"}}}}
    pairs: list[tuple[str, Any]] = [("file:///t/a.json", a), ("file:///t/b.json", b)]
    registry: Registry[Any] = Registry().with_contents(pairs, default_specification=DRAFT202012)
    where = "file:///t/a.json#/$defs/list"
    fast = jsonschema_rs.validator_for({"$ref": where}, registry=jsonschema_rs.Registry(pairs))
    oracle = Draft202012Validator({"$ref": where}, registry=registry)
    for instance in ([0, 1], [-1], ["s"], [1.5], "s"):
        assert fast.is_valid(instance) == oracle.is_valid(instance), instance


def test_a_value_json_cannot_hold_is_left_to_jsonschema() -> None:
    schema = {"type": "object"}
    validator = SchemaValidator(
        Draft202012Validator(schema), jsonschema_rs.validator_for(schema).is_valid
    )
    assert validator.is_valid({1: 2})  # jsonschema-rs raises on a key that is not a string


# Real schemas: generated valid instances, and the same perturbed in one place.

SNAPSHOTS = ["caps_2.12.0.x86_64", "caps_7.2.0_x86_64", "caps_10.0.0_x86_64"]
ODD: list[Any] = [None, True, 0, -1, 1.5, 2**64, "", "x-odd", [], [0], {}, {"x-odd": 0}]
UNKNOWN = "x-unknown-to-the-schema"
ALL = list(HealthCheck)  # big generated values, filtered oneOf branches: all fine here


@cache
def _shipped() -> ContractSet:
    return contracts_for(None)


def _oracle(registry: Registry[Any]) -> Callable[[Any, str], bool]:
    """jsonschema's verdict on a value for ``uri#pointer`` (the generator's ``not``, ``oneOf``)."""
    return lambda x, where: Draft202012Validator({"$ref": where}, registry=registry).is_valid(x)


def _pointers(contract: Contract) -> Iterator[str]:
    """Every schema the checker applies: arguments, returns, event data, message envelopes."""
    for command in contract.commands:
        for part, schema in (("arguments", command.arguments), ("returns", command.returns)):
            if schema is not None:
                yield join_pointer(command.pointer, part)
    yield from (join_pointer(e.pointer, "data") for e in contract.events if e.data is not None)
    for rule in contract.rules:
        if rule.check is not None and "schema" in CHECK_KINDS[rule.check.kind].schema_params:
            yield rule.pointer + "/check/params/schema"


def _words(documents: Any) -> tuple[list[str], dict[str, list[str]]]:
    """The member names of *documents*, and the strings each is given (discriminator values)."""
    nodes = [n for _, n in _places(documents) if isinstance(n, dict)]
    found: dict[str, set[str]] = {}
    for properties in [n["properties"] for n in nodes if isinstance(n.get("properties"), dict)]:
        for name, schema in properties.items():
            options = (
                [schema.get("const"), *schema.get("enum", [])] if isinstance(schema, dict) else []
            )
            found.setdefault(name, set()).update(v for v in options if isinstance(v, str))
    return sorted(found), {name: sorted(strings) for name, strings in found.items()}


def _places(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield at, value
    if isinstance(value, dict | list):
        for key, each in value.items() if isinstance(value, dict) else enumerate(value):
            yield from _places(each, (*at, key))


def _replaced(value: Any, at: Sequence[str | int], new: Any) -> Any:
    if not at:
        return new
    if isinstance(value, dict):
        return {**value, at[0]: _replaced(value[at[0]], at[1:], new)}
    return [_replaced(v, at[1:], new) if i == at[0] else v for i, v in enumerate(value)]


@st.composite
def _perturbed(draw: st.DrawFn, value: Any, names: list[str], strings: dict[str, list[str]]) -> Any:
    """*value* changed in one place: a member or item dropped, a member added, a value of
    another type, or a member's string (a discriminator) set to another it may have, or not."""
    at, node = draw(st.sampled_from(list(_places(value))))
    changes = ["retype", *(["add"] if isinstance(node, dict) else [])]
    changes += ["drop"] if isinstance(node, dict | list) and node else []
    changes += ["swap"] if isinstance(node, str) else []
    change = draw(st.sampled_from(changes))
    if change == "retype":
        new = draw(st.sampled_from([o for o in ODD if type(o) is not type(node)]))
    elif change == "swap":
        new = draw(st.sampled_from([*strings.get(str(at[-1]) if at else "", []), UNKNOWN]))
    elif change == "add":
        new = {**node, draw(st.sampled_from([*names, UNKNOWN])): draw(st.sampled_from(ODD))}
    else:  # drop
        new = dict(node) if isinstance(node, dict) else list(node)
        del new[draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))]
    return _replaced(value, at, new)


def _same_verdict(validator: SchemaValidator, where: str, x: Any, tally: Counter[bool]) -> None:
    expected = validator.validator.is_valid(x)
    assert validator.fast is not None, f"{where}: not compiled"
    assert validator.fast(x) == expected, (where, x, expected)
    tally[expected] += 1


@pytest.mark.property
@pytest.mark.parametrize("target", ["shipped", *SNAPSHOTS])
def test_real_schemas_agree_on_generated_and_perturbed_instances(target: str) -> None:
    if target == "shipped":
        contracts = list(_shipped())
    else:
        path = SHARED_CORPUS / "libvirt-replies" / f"{target}.replies"
        if not path.is_file():
            pytest.skip(f"{path} not available")
        contracts = [contracts_from_file(path, None)]
    validators = Validators(contracts, None)
    documents = {contract_uri(c): schema_document(c) for c in contracts}
    values = ValueStrategies(documents, MemberPolicy(), 3, _oracle(validators.registry))
    words = _words(documents)
    tally: Counter[bool] = Counter()
    examples = max(4, settings().max_examples // 5)  # 5 with the 'ci' profile, 400 with 'long'

    def agree(validator: SchemaValidator, where: str, generated: st.SearchStrategy[Any]) -> None:
        @settings(max_examples=examples, database=None, deadline=None, suppress_health_check=ALL)
        @given(st.data())
        def each(data: st.DataObject) -> None:
            value = data.draw(generated, label="valid")
            _same_verdict(validator, where, value, tally)
            for _ in range(3):  # and perturbed, three times
                _same_verdict(validator, where, data.draw(_perturbed(value, *words)), tally)

        each()

    pointers = [(c, p) for c in contracts for p in _pointers(c)]
    for contract, pointer in pointers:
        uri = contract_uri(contract)
        for closed in (False, True):  # closed: as undeclared-members validates QEMU's output
            validator = validators.for_pointer(contract, pointer, closed=closed)
            agree(validator, f"{uri}#{pointer}", values.for_pointer(uri, pointer))
    assert pointers and tally[True] and tally[False], tally  # generation and perturbation work


# Real messages: every message of the corpus, for the schemas the checker would apply.

REPLIES = sorted((SHARED_CORPUS / "libvirt-replies").glob("*.replies"))


def _instances(contract: Contract, session: Session) -> Iterator[tuple[str, object]]:
    """``(pointer, instance)`` for each schema of *contract* a message of *session* meets."""
    commands = {c.name: c for c in contract.commands}
    events = {e.name: e for e in contract.events}
    for exchange in session.exchanges:
        request, response = exchange.request, exchange.response
        command = commands.get(request.name or "")
        if request.kind is not Kind.REQUEST or command is None:
            continue
        if command.arguments is not None:
            yield join_pointer(command.pointer, "arguments"), request.body.get("arguments", {})
        if command.returns is not None and response is not None and response.kind is Kind.SUCCESS:
            yield join_pointer(command.pointer, "returns"), response.body["return"]
    for message in session.of_kind(Kind.EVENT):
        event = events.get(message.name or "")
        if event is not None and event.data is not None:
            yield join_pointer(event.pointer, "data"), message.body.get("data", {})
    for rule in contract.rules:
        check = rule.check
        if check and check.kind == "message-schema" and isinstance(check.params, Mapping):
            for message in session.of_kind(Kind(str(check.params["message"]))):
                yield rule.pointer + "/check/params/schema", message.body


@pytest.mark.parametrize("path", REPLIES, ids=[p.stem for p in REPLIES])
def test_real_messages_get_jsonschemas_verdict(path: Path) -> None:
    transcript = open_transcript(path)
    by_position = transcript.format.pair_by_position
    sessions = build_sessions(transcript.items(), pair_by_position=by_position)
    version = qemu_version_of(sessions)
    try:
        extra = [contracts_from_file(path, None)]
    except InputError:  # QEMU before 2.5 has no query-qmp-schema: the shipped contracts only
        extra = []
    validators = Validators([*_shipped(), *extra], version)
    tally: Counter[bool] = Counter()
    for contract in [*select_contracts(_shipped(), version, {}), *extra]:
        for session in sessions:
            for pointer, instance in _instances(contract, session):
                validator = validators.for_pointer(contract, pointer)
                _same_verdict(validator, f"{contract.ref}#{pointer}", instance, tally)
    assert tally.total() > 0
