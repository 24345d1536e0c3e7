"""Problems of the JSON Schemas embedded in a contract file.

Finds every embedded schema (``types``, ``arguments``, ``returns``, ``data``
and the schema parameters of checks) and reports, located at the keyword:
``$ref`` that leaves the contract set or does not resolve, ``$id`` (which would
re-base references), regular expressions that do not compile, and malformed
``x-qmp`` member annotations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from qmpcontract.contract.index import ContractFile, SetIndex, as_list, as_map, as_str
from qmpcontract.contract.metaschema import annotation_problems, describe_element
from qmpcontract.contract.problems import Problem, ProblemCode
from qmpcontract.contract.schemas import RefError, regex_error, resolve_ref
from qmpcontract.contract.semantic import check_order
from qmpcontract.location import join_pointer, resolve_pointer, split_pointer
from qmpcontract.model.check_kinds import CHECK_KINDS
from qmpcontract.model.schema_walk import ANNOTATION_KEYWORD, walk_schema


def embedded_schemas(raw: Mapping[str, object]) -> Iterator[tuple[str, object]]:
    """Yield ``(pointer, schema)`` for every schema embedded in a contract."""
    for name, schema in as_map(raw.get("types")).items():
        yield join_pointer("", "types", name), schema
    for name, command in as_map(raw.get("commands")).items():
        for member in ("arguments", "returns"):
            if member in as_map(command):
                yield join_pointer("", "commands", name, member), as_map(command)[member]
    for name, event in as_map(raw.get("events")).items():
        if "data" in as_map(event):
            yield join_pointer("", "events", name, "data"), as_map(event)["data"]
    for i, rule in enumerate(as_list(raw.get("rules"))):
        check = as_map(as_map(rule).get("check"))
        kind = CHECK_KINDS.get(as_str(check.get("kind")) or "")
        params = as_map(check.get("params"))
        for param in kind.schema_params if kind else ():
            if param in params:
                yield join_pointer("", "rules", i, "check", "params", param), params[param]


class _Problems:
    def __init__(self, file: ContractFile) -> None:
        assert file.document is not None
        self.document = file.document
        self.items: list[Problem] = []

    def add(self, code: ProblemCode, pointer: str, message: str) -> None:
        where = describe_element(split_pointer(pointer), self.document.value)
        self.items.append(
            Problem(self.document.source.locate(pointer), code, f"{where}: {message}")
        )


def embedded_schema_problems(file: ContractFile, index: SetIndex) -> list[Problem]:
    """Return the problems of every schema embedded in *file*."""
    found = _Problems(file)
    for pointer, schema in embedded_schemas(file.raw):
        for at, node in walk_schema(schema, pointer):
            if "$id" in node:
                found.add(
                    ProblemCode.SCHEMA_INVALID,
                    at + "/$id",
                    "'$id' is not allowed in a contract schema; share schemas through "
                    "'types' and reference them with '#/types/<name>'",
                )
            for keyword in ("$dynamicRef", "$recursiveRef"):
                if keyword in node:
                    found.add(
                        ProblemCode.SCHEMA_INVALID,
                        join_pointer(at, keyword),
                        f"'{keyword}' is not supported in contract schemas; use '$ref'",
                    )
            ref = node.get("$ref")
            if isinstance(ref, str):
                _check_ref(ref, at + "/$ref", file, index, found)
            pattern = node.get("pattern")
            if isinstance(pattern, str) and (reason := regex_error(pattern)):
                found.add(
                    ProblemCode.SCHEMA_INVALID,
                    at + "/pattern",
                    f"'pattern' {pattern!r} is not a usable regular expression: {reason}",
                )
            for key in as_map(node.get("patternProperties")):
                if reason := regex_error(key):
                    found.add(
                        ProblemCode.SCHEMA_INVALID,
                        join_pointer(at, "patternProperties", key),
                        f"'patternProperties' key {key!r} is not a usable regular "
                        f"expression: {reason}",
                    )
            if ANNOTATION_KEYWORD in node:
                annotation = node[ANNOTATION_KEYWORD]
                where = join_pointer(at, ANNOTATION_KEYWORD)
                found.items.extend(annotation_problems(annotation, where, found.document))
                if isinstance(annotation, Mapping):
                    check_order(annotation, where, found.add)
                    _check_values(node, annotation, where, found)
    return found.items


def _check_values(
    node: Mapping[str, object], annotation: Mapping[str, object], pointer: str, found: _Problems
) -> None:
    values = as_map(annotation.get("values"))
    enum = node.get("enum")
    for value, item in values.items():
        at = join_pointer(pointer, "values", value)
        if not isinstance(enum, list):
            found.add(ProblemCode.SCHEMA_INVALID, at, "'values' annotates a schema without 'enum'")
            return
        if value not in enum:
            found.add(ProblemCode.SCHEMA_INVALID, at, f"'{value}' is not a value of the enum")
        if isinstance(item, Mapping):
            check_order(item, at, found.add)


def _check_ref(
    ref: str, pointer: str, file: ContractFile, index: SetIndex, found: _Problems
) -> None:
    try:
        target = resolve_ref(ref, file.path, index.root)
    except RefError as exc:
        found.add(ProblemCode.SCHEMA_REF, pointer, str(exc))
        return
    target_file = index.files.get(target.path)
    if target_file is None:
        found.add(
            ProblemCode.SCHEMA_REF,
            pointer,
            f"'$ref' {ref!r} names no contract file of the set",
        )
        return
    if target_file.document is None:
        return  # that file's own problems are reported with it
    ok, value = resolve_pointer(target_file.document.value, target.pointer)
    if not ok:
        found.add(ProblemCode.SCHEMA_REF, pointer, f"'$ref' {ref!r} does not resolve")
    elif not isinstance(value, Mapping | bool):
        found.add(
            ProblemCode.SCHEMA_REF, pointer, f"'$ref' {ref!r} points to something not a schema"
        )
