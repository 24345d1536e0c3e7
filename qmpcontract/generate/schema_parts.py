"""The building blocks of the value strategies: JSON scalars, any JSON, keyword sets.

Split from :mod:`qmpcontract.generate.values`, which builds strategies for whole
schemas out of these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from qmpcontract.model.schema_walk import ANNOTATION_KEYWORD

Json = Any
INT64 = (-(2**63), 2**64 - 1)  # QAPI int and uint64 together
# Unicode noncharacters: U+FDD0..U+FDEF and the last two code points of every plane.
NONCHARACTERS = "".join(chr(c) for c in range(0xFDD0, 0xFDF0)) + "".join(
    chr(plane * 0x10000 + last) for plane in range(17) for last in (0xFFFE, 0xFFFF)
)
# Every code point QMP strings can hold.  JSON (RFC 8259) allows noncharacters, but
# QEMU's parser refuses them (measured on 7.2: "JSON parse error, \ufdec is not a
# valid Unicode character", an error without id); surrogates cannot be UTF-8.
CHARACTERS = st.characters(codec="utf-8", exclude_characters=NONCHARACTERS)
TEXT = st.text(CHARACTERS, max_size=12)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(*INT64),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)


def any_json(depth: int) -> st.SearchStrategy[Json]:
    """Any JSON value (QAPI's ``any``), nested at most *depth* levels."""
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)
        ),
        max_leaves=max(1, depth * 3),
    )


@dataclass(frozen=True)
class MemberPolicy:
    """Which annotated members and enum values may be generated.

    *allowed* is given a member's (or enum value's) ``x-qmp`` annotation, or
    None when it has none.
    """

    allowed: Callable[[Mapping[str, Any] | None], bool] = lambda _: True


class UnsupportedSchema(ValueError):
    """A schema uses a keyword the generator does not implement."""


IGNORED = {
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "examples",
    "default",
    ANNOTATION_KEYWORD,
    "deprecated",
    "readOnly",
    "writeOnly",
}
HANDLED = {
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "unevaluatedProperties",
    "enum",
    "const",
    "items",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "anyOf",
    "oneOf",
    "allOf",
    "if",
    "then",
    "else",
    "not",
    "minProperties",
    "maxProperties",
}


def escape(name: str) -> str:
    """*name* as one JSON pointer token."""
    return name.replace("~", "~0").replace("/", "~1")


def as_dict(schema: Any) -> dict[str, Any]:
    """A schema as a dict (``true`` is ``{}``).

    :raise UnsupportedSchema: for anything else.
    """
    if schema is True:
        return {}
    if isinstance(schema, Mapping):
        return dict(schema)
    raise UnsupportedSchema(f"not a schema: {schema!r}")


def selects(condition: Any, value: Mapping[str, Any]) -> bool:
    """Whether *value* satisfies an ``if`` of discriminator ``const``/``enum`` checks."""
    if not isinstance(condition, Mapping):
        return bool(condition)
    for name in condition.get("required", ()):
        if name not in value:
            return False
    for name, sub in condition.get("properties", {}).items():
        if name not in value or not isinstance(sub, Mapping):
            continue
        if "const" in sub and value[name] != sub["const"]:
            return False
        if "enum" in sub and value[name] not in sub["enum"]:
            return False
    return True


def string_values(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    """Strings within the schema's lengths, matching its pattern if it has one."""
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, 12)))
    if "pattern" in schema:
        pattern = schema["pattern"]
        return st.from_regex(pattern, fullmatch=False).filter(lambda s: low <= len(s) <= high)
    return st.text(CHARACTERS, min_size=low, max_size=high)


def number_values(schema: Mapping[str, Any], kind: str) -> st.SearchStrategy[Json]:
    """Integers (or, for ``number``, integers and floats) within the schema's bounds."""
    low = schema.get("minimum")
    high = schema.get("maximum")
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + 1
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - 1
    low = INT64[0] if low is None else low
    high = INT64[1] if high is None else high
    integers = st.integers(int(low), int(high))
    if kind == "integer":
        return integers
    floats = st.floats(float(low), float(high), allow_nan=False, allow_infinity=False)
    return st.one_of(integers, floats)
