"""Validate a contract document against the published meta-schema.

``contracts/contract.schema.json`` is the format's specification.  This module
runs it with :mod:`jsonschema` (Draft 2020-12; the only ``$ref`` outside the
meta-schema is the Draft 2020-12 meta-schema itself, which ``jsonschema``
ships, so nothing is fetched) and turns each validation error into a
:class:`~qmpcontract.contract.problems.Problem` located at the offending member,
with a message written for a contract author rather than ``jsonschema``'s
debugging text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from qmpcontract.contract.problems import Problem, ProblemCode
from qmpcontract.location import split_pointer
from qmpcontract.model import schema_errors
from qmpcontract.read.located_json import LocatedJson
from qmpcontract.resources import meta_schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(meta_schema())


@cache
def fast_meta_schema() -> Callable[[object], bool]:
    """The meta-schema as a fast valid-or-not check (jsonschema-rs).

    Only a contract it rejects is validated again by :mod:`jsonschema`, for the
    problems; most of ``lint``'s time (and of every ``check``'s start) went there.
    The Draft 2020-12 meta-schema it refers to ships with jsonschema-rs, as with
    :mod:`jsonschema`: nothing is fetched.
    """
    check: Callable[[object], bool] = jsonschema_rs.Draft202012Validator(meta_schema()).is_valid
    return check


def describe_element(tokens: Sequence[str | int], document: object) -> str:
    """Name the contract element a pointer is inside, for message context.

    >>> describe_element(["commands", "block-stream", "since"], {})
    "command 'block-stream'"
    >>> describe_element(["rules", "0", "level"], {"rules": [{"id": "x/y"}]})
    "rule 'x/y'"
    """
    if len(tokens) < 2:
        return "the contract"
    section, name = str(tokens[0]), str(tokens[1])
    labels = {"commands": "command", "events": "event", "errors": "error class", "types": "type"}
    if section in labels:
        return f"{labels[section]} '{name}'"
    if section == "rules" and name.isdigit() and isinstance(document, Mapping):
        rules = document.get("rules")
        if isinstance(rules, list) and int(name) < len(rules):
            rule = rules[int(name)]
            if isinstance(rule, Mapping) and isinstance(rule.get("id"), str):
                return f"rule '{rule['id']}'"
        return f"rule #{int(name) + 1}"
    return "the contract"


def meta_schema_problems(document: LocatedJson) -> Iterator[Problem]:
    """Yield a located problem for every way *document* breaks the meta-schema."""
    try:
        if fast_meta_schema()(document.value):
            return
    except ValueError:  # not JSON (a key that is not a string): jsonschema says why
        pass
    for error in _validator().iter_errors(document.value):
        yield from problems_of(schema_errors.leaf(error), document)


@cache
def _annotation_validator() -> Draft202012Validator:
    root = meta_schema()
    return Draft202012Validator({"$ref": "#/$defs/memberAnnotation", "$defs": root["$defs"]})


def annotation_problems(value: object, pointer: str, document: LocatedJson) -> Iterator[Problem]:
    """Yield problems of an ``x-qmp`` member annotation found at *pointer*.

    The annotation is validated against the meta-schema's
    ``#/$defs/memberAnnotation``, so the format has one definition.
    """
    base = split_pointer(pointer)
    for error in _annotation_validator().iter_errors(value):
        error = schema_errors.leaf(error)
        yield from problems_of(error, document, base, ProblemCode.SCHEMA_INVALID)


def problems_of(
    error: ValidationError,
    document: LocatedJson,
    base: Sequence[str] = (),
    code: ProblemCode = ProblemCode.META_SCHEMA,
) -> Iterator[Problem]:
    """Turn one validation error into located problems (:func:`schema_errors.explain`).

    *base* holds the (unescaped) pointer tokens of the validated value inside
    *document*; *code* is the problem code to report.  Each message is prefixed
    with the contract element it is in.
    """
    for explanation in schema_errors.explain(error, base):
        where = describe_element(explanation.path, document.value)
        location = document.source.locate(explanation.pointer)
        yield Problem(location, code, f"{where}: {explanation.message}")
