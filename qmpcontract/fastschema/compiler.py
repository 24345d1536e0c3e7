"""JSON Schema (Draft 2020-12) compiled to Python closures that only say valid or not.

``jsonschema`` builds a validation error tree for every instance, which costs
about 150 times parsing the message.  The checker only needs to know whether a
message is valid; for the rare one that is not, ``jsonschema`` explains why.
:func:`compile_schema` turns a schema into one closure per schema node, with
``$ref`` resolved once at compile time through the same :mod:`referencing`
registry, so validating a message is a walk of the message, not of the schema.

The closures decide exactly what ``Draft202012Validator`` (without a format
checker) decides, keyword by keyword; ``tests/test_fastschema.py`` compares the
two on every schema of the shipped contracts and of real QEMU schemas, with
generated valid and broken instances.  A keyword this module does not
implement (``$dynamicRef``, ``uniqueItems``, ``contains``, ...) raises
:class:`Unsupported` at compile time, and the caller keeps ``jsonschema``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing._core import Resolver
from referencing.jsonschema import DRAFT202012

from qmpcontract.fastschema.annotate import Annotations, discriminated
from qmpcontract.fastschema.closures import (
    TYPES,
    Check,
    Unsupported,
    all_of,
    is_number,
    joined,
    json_equal,
    one_required,
    only,
    properties_only,
    required_only,
    tagged_branches,
    unique,
)

IMPLEMENTED = frozenset(
    {
        "$ref", "additionalProperties", "allOf", "anyOf", "const", "dependentRequired",
        "else", "enum", "exclusiveMaximum", "exclusiveMinimum", "format", "if", "items",
        "maxItems", "maxLength", "maxProperties", "maximum", "minItems", "minLength",
        "minProperties", "minimum", "not", "oneOf", "pattern", "patternProperties",
        "prefixItems", "properties", "propertyNames", "required", "then", "type",
        "unevaluatedProperties", "uniqueItems",
    }
)  # fmt: skip
# Keywords jsonschema acts on that are not implemented here ("format" is an annotation
# without a format checker, as the checker uses it).
UNSUPPORTED = frozenset(Draft202012Validator.VALIDATORS) - IMPLEMENTED


class Compiler:
    """Compiles schemas of one registry; each schema node once."""

    def __init__(self, registry: Registry[Any]) -> None:
        self._registry = registry
        self._done: dict[int, Check] = {}
        self._keep: list[object] = []  # nodes must outlive the ids they are cached by
        self.annotations = Annotations(self)
        self._depth = 0  # compile calls under way (nested through subschemas and refs)

    def compile_uri(self, uri: str) -> Check:
        """The check of the schema at *uri* (``base#pointer``)."""
        resolved = self._registry.resolver().lookup(uri)
        return self.compile(resolved.contents, resolved.resolver)

    def compile(self, node: object, resolver: Resolver[Any] | None = None) -> Check:
        """The check of one schema node (recursive schemas compile to a cycle).

        A ``$id`` is allowed only at the root, which *resolver* must resolve
        against; by default *node* is the root resource (as for
        ``Draft202012Validator(node, registry=...)``), so ``#/...`` is within it.
        """
        if resolver is None:
            resolver = self._registry.resolver_with_root(DRAFT202012.create_resource(node))
        key = id(node)
        done = self._done.get(key)
        if done is not None:
            return done
        marks = (len(self._done), len(self.annotations.done)) if not self._depth else None
        cell: list[Check] = []
        self._done[key] = lambda x: cell[0](x)  # a reference back to a node being built
        self._keep.append(node)
        self._depth += 1
        try:
            check = self._build(node, resolver)
        except BaseException:
            if marks is not None:  # forget every node of the failed attempt: some of them
                self._forget(*marks)  # refer to nodes that will never be built
            raise
        finally:
            self._depth -= 1
        cell.append(check)
        self._done[key] = check
        return check

    def _forget(self, checks: int, keys: int) -> None:
        for cache, mark in ((self._done, checks), (self.annotations.done, keys)):
            for key in list(cache)[mark:]:
                del cache[key]

    def sub(self, node: object, resolver: Resolver[Any]) -> Check:
        """The check of a subschema (which may not set its own ``$id``)."""
        if isinstance(node, Mapping) and "$id" in node:
            raise Unsupported("$id inside a schema")
        return self.compile(node, resolver)

    def _build(self, node: object, resolver: Resolver[Any]) -> Check:
        if node is True:
            return lambda x: True
        if node is False:
            return lambda x: False
        if not isinstance(node, Mapping):
            raise Unsupported(f"a schema that is {type(node).__name__}")
        unsupported = UNSUPPORTED.intersection(node)
        if unsupported:
            raise Unsupported(", ".join(sorted(unsupported)))
        checks: list[Check] = []
        if "type" in node:
            checks.append(self._type(node["type"]))
        if "$ref" in node:
            resolved = resolver.lookup(node["$ref"])
            checks.append(self.sub(resolved.contents, resolved.resolver))
        checks.extend(self._values(node))
        objects = self._object(node, resolver)
        if objects is not None:
            checks.append(only(TYPES["object"], objects))
        checks.extend(self._arrays(node, resolver))
        checks.extend(self._scalars(node))
        checks.extend(self._logic(node, resolver))
        if "unevaluatedProperties" in node:
            unevaluated = self.annotations.unevaluated(node, resolver)
            checks.append(only(TYPES["object"], unevaluated))
        if objects is not None and len(checks) == 2 and node.get("type") == "object":
            # The commonest node, an object type with object keywords: one closure.
            return lambda x: isinstance(x, dict) and objects(x)
        return all_of(checks)

    def _type(self, expected: object) -> Check:
        names = [expected] if isinstance(expected, str) else list(expected)  # type: ignore[call-overload]
        tests = [TYPES[n] for n in names]
        if len(tests) == 1:
            return tests[0]
        return lambda x: any(test(x) for test in tests)

    def _values(self, node: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "const" in node:
            const = node["const"]
            checks.append(lambda x: json_equal(const, x))
        if "enum" in node:
            options = list(node["enum"])
            strings = frozenset(o for o in options if isinstance(o, str))
            others = [o for o in options if not isinstance(o, str)]
            checks.append(
                lambda x: (
                    x in strings if isinstance(x, str) else any(json_equal(o, x) for o in others)
                )
            )
        return checks

    def _object(self, node: Mapping[str, Any], resolver: Resolver[Any]) -> Check | None:
        keys = (
            "properties", "patternProperties", "additionalProperties", "required",
            "minProperties", "maxProperties", "propertyNames", "dependentRequired",
        )  # fmt: skip
        if not any(k in node for k in keys):
            return None
        props = {k: self.sub(v, resolver) for k, v in node.get("properties", {}).items()}
        patterns = [
            (re.compile(p), self.sub(v, resolver))
            for p, v in node.get("patternProperties", {}).items()
        ]
        additional = node.get("additionalProperties")
        extra = None if additional is None else self.sub(additional, resolver)
        joined_patterns = joined(node.get("patternProperties", {})) if extra is not None else None
        required = tuple(node.get("required", ()))
        low, high = node.get("minProperties"), node.get("maxProperties")
        names = node.get("propertyNames")
        name_check = None if names is None else self.sub(names, resolver)
        depends = {k: tuple(v) for k, v in node.get("dependentRequired", {}).items()}
        plain = not patterns and extra is None
        simple = low is None and high is None and name_check is None and not depends
        if simple and not patterns and (additional is None or additional is False):
            return properties_only(props, required, closed=additional is False)

        def check(x: dict[str, Any]) -> bool:
            for name in required:
                if name not in x:
                    return False
            if plain:
                for key, value in x.items():
                    each = props.get(key)
                    if each is not None and not each(value):
                        return False
            else:
                for key, value in x.items():
                    each = props.get(key)
                    if each is not None and not each(value):
                        return False
                    for regex, sub in patterns:
                        if regex.search(key) and not sub(value):
                            return False
                    if extra is None or each is not None:
                        continue
                    if (joined_patterns is None or not joined_patterns.search(key)) and not extra(
                        value
                    ):
                        return False
            if (low is not None and len(x) < low) or (high is not None and len(x) > high):
                return False
            if name_check is not None and not all(name_check(k) for k in x):
                return False
            for key, needed in depends.items():
                if key in x and any(n not in x for n in needed):
                    return False
            return True

        return check

    def _arrays(self, node: Mapping[str, Any], resolver: Resolver[Any]) -> list[Check]:
        checks: list[Check] = []
        prefix = [self.sub(s, resolver) for s in node.get("prefixItems", ())]
        rest = self.sub(node["items"], resolver) if "items" in node else None
        if prefix or rest is not None:

            def items(x: list[Any]) -> bool:
                for sub, value in zip(prefix, x, strict=False):  # x may be shorter
                    if not sub(value):
                        return False
                if rest is not None:
                    for value in x[len(prefix) :]:
                        if not rest(value):
                            return False
                return True

            checks.append(only(TYPES["array"], items))
        low, high = node.get("minItems"), node.get("maxItems")
        if low is not None:
            checks.append(only(TYPES["array"], lambda x: not len(x) < low))
        if high is not None:
            checks.append(only(TYPES["array"], lambda x: not len(x) > high))
        if node.get("uniqueItems") is True:
            checks.append(only(TYPES["array"], unique))
        return checks

    def _scalars(self, node: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        # jsonschema's failure conditions, negated: NaN fails none of them, so it is valid.
        bounds: list[tuple[str, Callable[[Any, Any], bool]]] = [
            ("minimum", lambda x, b: not x < b),
            ("maximum", lambda x, b: not x > b),
            ("exclusiveMinimum", lambda x, b: not x <= b),
            ("exclusiveMaximum", lambda x, b: not x >= b),
        ]
        for keyword, compare in bounds:
            if keyword in node:
                bound = node[keyword]
                checks.append(
                    only(is_number, lambda x, b=bound, c=compare: bool(c(x, b)))  # type: ignore[misc]
                )
        string = TYPES["string"]
        if "minLength" in node:
            low = node["minLength"]
            checks.append(only(string, lambda x: not len(x) < low))
        if "maxLength" in node:
            high = node["maxLength"]
            checks.append(only(string, lambda x: not len(x) > high))
        if "pattern" in node:
            regex = re.compile(node["pattern"])
            checks.append(only(string, lambda x: regex.search(x) is not None))
        return checks

    def _all_of(self, schemas: Sequence[object], resolver: Resolver[Any]) -> Check:
        every = all_of([self.sub(s, resolver) for s in schemas])
        found = discriminated(schemas)
        if found is None:
            return every
        member, branches = found
        table = {
            value: all_of([self.sub(then, resolver) for then in thens])
            for value, thens in branches.items()
        }

        def dispatch(x: Any) -> bool:
            if not isinstance(x, dict):
                return every(x)  # each 'if' holds vacuously: every 'then' applies
            value = x.get(member)
            if isinstance(value, str):  # only the branch whose constant it is applies
                branch = table.get(value)
                return branch is None or branch(x)
            return True  # absent or not a string: no 'if' holds

        return dispatch

    def _logic(self, node: Mapping[str, Any], resolver: Resolver[Any]) -> list[Check]:
        checks: list[Check] = []
        if "allOf" in node:
            checks.append(self._all_of(node["allOf"], resolver))
        if "anyOf" in node:
            anyof = [self.sub(s, resolver) for s in node["anyOf"]]
            checks.append(tagged_branches(node["anyOf"], anyof, lambda x: any(s(x) for s in anyof)))
        if "oneOf" in node and (names := required_only(node["oneOf"])) is not None:
            checks.append(one_required(names))  # QMP's request: execute or exec-oob
        elif "oneOf" in node:
            oneof = [self.sub(s, resolver) for s in node["oneOf"]]
            checks.append(
                tagged_branches(node["oneOf"], oneof, lambda x: sum(1 for s in oneof if s(x)) == 1)
            )
        if "not" in node:
            negated = self.sub(node["not"], resolver)
            checks.append(lambda x: not negated(x))
        if "if" in node:
            condition = self.sub(node["if"], resolver)
            then = self.sub(node["then"], resolver) if "then" in node else None
            other = self.sub(node["else"], resolver) if "else" in node else None

            def branch(x: Any) -> bool:
                chosen = then if condition(x) else other
                return chosen is None or chosen(x)

            checks.append(branch)
        return checks
