"""The closures a compiled schema is made of: type tests, JSON equality, combinators.

Each is a plain function of one instance answering valid or not; the
compiler (:mod:`qmpcontract.fastschema.compiler`) builds schemas out of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qmpcontract.fastschema.annotate import tagged

Check = Callable[[Any], bool]


class Unsupported(Exception):
    """The schema uses a keyword the compiler does not implement."""


def is_number(x: object) -> bool:
    """True for a JSON number (not a boolean)."""
    return isinstance(x, int | float) and not isinstance(x, bool)


def is_integer(x: object) -> bool:
    """True for a JSON integer, as jsonschema decides (1.0 is one)."""
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": is_integer,
    "number": is_number,
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def json_equal(one: object, two: object) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` is ``1.0`` (as jsonschema decides)."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(json_equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) != isinstance(two, bool):
        return False
    return bool(one == two)


def all_of(checks: Sequence[Check]) -> Check:
    """One check passing what passes every one of *checks*."""
    if not checks:
        return lambda x: True
    if len(checks) == 1:
        return checks[0]

    def check(x: Any) -> bool:
        for each in checks:  # noqa: SIM110 - a loop is faster than all() over a generator
            if not each(x):
                return False
        return True

    return check


def tagged_branches(schemas: Sequence[object], subs: list[Check], generic: Check) -> Check:
    """anyOf/oneOf of branches tagged by a constant member: test only the tag's branch."""
    found = tagged(schemas)
    if found is None:
        return generic
    member, table = found
    branches = {value: [subs[i] for i in indexes] for value, indexes in table.items()}

    def check(x: Any) -> bool:
        if not isinstance(x, dict):
            return generic(x)
        value = x.get(member)
        candidates = branches.get(value) if isinstance(value, str) else None
        if candidates is None:
            return False  # every branch requires another value of the tag
        if len(candidates) == 1:
            return candidates[0](x)
        return generic(x)

    return check


def joined(patterns: Mapping[str, object]) -> re.Pattern[str] | None:
    """The patterns as one: jsonschema's ``additionalProperties`` searches names with that."""
    # Not the same as each in turn: (a)\1|^(b)\1$ does not match "bb".
    try:
        return re.compile("|".join(patterns)) if patterns else None
    except re.error as exc:  # e.g. a group name twice: jsonschema fails too
        raise Unsupported(f"patternProperties that do not join: {exc}") from exc


def properties_only(props: Mapping[str, Check], required: Sequence[str], closed: bool) -> Check:
    """The commonest object keywords alone, in one closure.

    ``properties`` and ``required``, with ``additionalProperties: false`` if *closed*.
    """
    if closed:

        def closed_check(x: dict[str, Any]) -> bool:
            for name in required:
                if name not in x:
                    return False
            for key, value in x.items():
                each = props.get(key)
                if each is None or not each(value):
                    return False
            return True

        return closed_check

    def open_check(x: dict[str, Any]) -> bool:
        for name in required:
            if name not in x:
                return False
        for key, value in x.items():
            each = props.get(key)
            if each is not None and not each(value):
                return False
        return True

    return open_check


def only(test: Check, check: Check) -> Check:
    """*check* applied only to instances passing *test* (others are valid)."""
    return lambda x: not test(x) or check(x)


def required_only(branches: object) -> list[tuple[str, ...]] | None:
    """The member names of branches that are each ``{"required": [...]}`` alone, else None."""
    if not isinstance(branches, list) or not branches:
        return None
    names: list[tuple[str, ...]] = []
    for branch in branches:
        if not isinstance(branch, dict) or set(branch) != {"required"}:
            return None
        required = branch["required"]
        if not isinstance(required, list) or not all(isinstance(n, str) for n in required):
            return None
        names.append(tuple(required))
    return names


def one_required(branches: Sequence[tuple[str, ...]]) -> Check:
    """``oneOf`` of ``required``-only branches: exactly one branch's members all present.

    ``required`` holds for anything but an object, so a non-object passes every branch.
    """
    alone = len(branches) == 1

    def check(x: Any) -> bool:
        if not isinstance(x, dict):
            return alone
        passed = 0
        for names in branches:
            for name in names:
                if name not in x:
                    break
            else:
                passed += 1
        return passed == 1

    return check


def unique(x: list[Any]) -> bool:
    """``uniqueItems``: no two items JSON-equal (``1`` equals ``1.0``, not ``true``)."""
    if all(isinstance(item, str) for item in x):
        return len(set(x)) == len(x)
    for i, one in enumerate(x):
        for two in x[i + 1 :]:
            if json_equal(one, two):
                return False
    return True
