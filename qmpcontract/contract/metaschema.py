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

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from qmpcontract.contract.problems import Problem, ProblemCode
from qmpcontract.location import join_pointer, split_pointer
from qmpcontract.read.located_json import LocatedJson
from qmpcontract.resources import meta_schema
from qmpcontract.text import shorten

_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


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
        yield from explain(_leaf(error), document)


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
        yield from explain(_leaf(error), document, base, ProblemCode.SCHEMA_INVALID)


def _leaf(error: ValidationError) -> ValidationError:
    while error.context and error.validator in ("anyOf", "oneOf"):
        best = best_match(error.context)
        if best is None:
            break
        error = best
    return error


def _type_name(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _quote(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    return shorten(repr(value))


def _then_context(error: ValidationError) -> str | None:
    """The description of the 'then' branch an error comes from, if any."""
    if "then" not in error.absolute_schema_path or not isinstance(error.schema, Mapping):
        return None
    description = error.schema.get("description")
    return description if isinstance(description, str) else None


def _forbidden_members(error: ValidationError) -> list[str]:
    """The members present in the instance that a ``not: {required}`` forbids."""
    names: list[str] = []
    stack: list[object] = [error.validator_value]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            names.extend(n for n in node.get("required", []) if isinstance(n, str))
            stack.extend(node.get("anyOf", []))
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    return sorted(n for n in set(names) if n in instance)


def explain(
    error: ValidationError,
    document: LocatedJson,
    base: Sequence[str] = (),
    code: ProblemCode = ProblemCode.META_SCHEMA,
) -> Iterator[Problem]:
    """Turn one validation error into located problems with readable messages.

    *base* holds the (unescaped) pointer tokens of the validated value inside
    *document*; *code* is the problem code to report.
    """
    tokens = [*base, *error.absolute_path]
    if "propertyNames" in error.relative_schema_path:
        # jsonschema validates a member *name* with the object's path; point at the name.
        tokens.append(str(error.instance))
    pointer = join_pointer("", *tokens)
    where = describe_element(tokens, document.value)
    instance = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    description = schema.get("description") if isinstance(schema, Mapping) else None
    context = _then_context(error)
    suffix = f" (with {context})" if context else ""

    def problem(message: str, at: str = pointer) -> Problem:
        return Problem(document.source.locate(at), code, f"{where}: {message}")

    validator = error.validator
    if validator == "required":
        match = re.match(r"^'(.*)' is a required property$", error.message)
        name = match.group(1) if match else error.message
        yield problem(f"missing required member '{name}'{suffix}")
    elif validator == "additionalProperties" and isinstance(instance, Mapping):
        known = set(schema.get("properties", {}))
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        for key in instance:
            if key not in known and not any(p.search(key) for p in patterns):
                yield problem(f"unknown member '{key}'", join_pointer(pointer, key))
    elif validator == "not" and _forbidden_members(error):
        for name in _forbidden_members(error):
            yield problem(f"member '{name}' is not allowed{suffix}", join_pointer(pointer, name))
    elif validator == "enum" and isinstance(error.validator_value, list):
        options = ", ".join(_quote(v) for v in error.validator_value)
        yield problem(f"{_quote(instance)} is not one of {options}")
    elif validator == "const":
        yield problem(f"{_quote(instance)} must be {_quote(error.validator_value)}")
    elif validator == "type":
        expected = error.validator_value
        names = [str(n) for n in expected] if isinstance(expected, list) else [str(expected)]
        yield problem(f"expected {' or '.join(names)}, found {_type_name(instance)}")
    elif validator == "pattern":
        what = description if isinstance(description, str) else f"matching {error.validator_value}"
        yield problem(f"{_quote(instance)} is not {what}")
    elif validator in ("minItems", "minProperties", "minLength"):
        unit = {"minItems": "item", "minProperties": "member", "minLength": "character"}
        count = error.validator_value
        plural = "" if count == 1 else "s"
        yield problem(f"needs at least {count} {unit[str(validator)]}{plural}")
    elif validator == "uniqueItems":
        yield problem("lists the same item twice")
    else:
        message = shorten(error.message)
        yield problem(message)
