"""Semantic checks of a contract file against the rest of its set.

These run after the meta-schema and find what a schema cannot express: the
path agrees with the contract id and version, rule ids are unique and check
kinds exist with valid parameters, lifecycles are in order, names refer to
elements that exist, error spellings do not collide, required contracts exist,
each rule's level is the one its category gets under the level policy.
The checks read raw JSON defensively, so they still run (and report) when the
meta-schema found problems elsewhere in the file.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from qmpcontract.contract.index import ContractFile, SetIndex, as_list, as_map, as_str
from qmpcontract.contract.metaschema import problems_of
from qmpcontract.contract.problems import Problem, ProblemCode
from qmpcontract.contract.semantic_jobs import job_problems
from qmpcontract.contract.visible import Reporter, Visible
from qmpcontract.location import join_pointer, split_pointer
from qmpcontract.model.check_kinds import CHECK_KINDS
from qmpcontract.model.contract import Category, ElementKind, Level
from qmpcontract.model.frozen_json import thaw
from qmpcontract.model.policy import disagreement
from qmpcontract.model.versions import QemuVersion, VersionRequirement


def semantic_problems(file: ContractFile, index: SetIndex) -> list[Problem]:
    """Return every semantic problem of *file* (which must have parsed)."""
    report = Reporter(file)
    _check_path(file, index.root, report)
    _check_lifecycles(file, report)
    _check_requires(file, index, report)
    visible = Visible(file, index)
    _check_error_spellings(file, visible, report)
    _check_commands(file, visible, report)
    _check_rules(file, index, visible, report)
    return report.problems


def _check_path(file: ContractFile, root: Path, report: Reporter) -> None:
    raw = file.raw
    contract_id, version = as_str(raw.get("contract")), as_str(raw.get("version"))
    try:
        relative = file.path.relative_to(root.resolve())
    except ValueError:
        relative = Path(file.path.name)
    if len(relative.parts) != 2:
        report(
            ProblemCode.FILE_NAME,
            "",
            "a contract file must be <contract>/<version>.json in the contract set directory",
        )
        return
    if contract_id is not None and relative.parts[0] != contract_id:
        report(
            ProblemCode.FILE_NAME,
            "/contract",
            f"contract id '{contract_id}' does not match its directory '{relative.parts[0]}'",
        )
    if version is not None and file.path.name != f"{version}.json":
        report(
            ProblemCode.FILE_NAME,
            "/version",
            f"version '{version}' does not match the file name '{file.path.name}' "
            f"(expected '{version}.json')",
        )


def _version(value: object) -> QemuVersion | None:
    try:
        return QemuVersion.parse(value) if isinstance(value, str) else None
    except ValueError:
        return None


def check_order(
    item: Mapping[str, object], pointer: str, report: Callable[[ProblemCode, str, str], None]
) -> None:
    """Report ``since`` > ``deprecated.version`` > ``removed.version`` inversions."""
    since = _version(item.get("since"))
    deprecated = _version(as_map(item.get("deprecated")).get("version"))
    removed = _version(as_map(item.get("removed")).get("version"))
    steps = [
        ("since", since, "/since"),
        ("deprecated in", deprecated, "/deprecated/version"),
        ("removed in", removed, "/removed/version"),
    ]
    present = [(label, v, p) for label, v, p in steps if v is not None]
    for (label_a, a, _), (label_b, b, at) in itertools.pairwise(present):
        if a is not None and b is not None and b < a:
            report(
                ProblemCode.LIFECYCLE,
                pointer + at,
                f"{label_b} {b} is before {label_a} {a}; the order must be "
                "since <= deprecated <= removed",
            )


def _check_lifecycles(file: ContractFile, report: Reporter) -> None:
    raw = file.raw
    for section in ("commands", "events", "errors"):
        for name, element in as_map(raw.get(section)).items():
            pointer = join_pointer("", section, name)
            check_order(as_map(element), pointer, report)
            for i, alias in enumerate(as_list(as_map(element).get("aliases"))):
                item = as_map(alias)
                since, until = _version(item.get("since")), _version(item.get("until"))
                if since is not None and until is not None and until < since:
                    report(
                        ProblemCode.LIFECYCLE,
                        join_pointer(pointer, "aliases", i, "until"),
                        f"alias '{item.get('name')}' appears until {until}, "
                        f"before its since {since}",
                    )
    versions = as_map(as_map(raw.get("producer")).get("versions"))
    since, until = _version(versions.get("since")), _version(versions.get("until"))
    if since is not None and until is not None and until <= since:
        report(
            ProblemCode.LIFECYCLE,
            "/producer/versions/until",
            f"producer versions are empty: until {until} is not after since {since}",
        )


def _check_requires(file: ContractFile, index: SetIndex, report: Reporter) -> None:
    for i, entry in enumerate(as_list(file.raw.get("requires"))):
        item = as_map(entry)
        contract_id, text = as_str(item.get("contract")), as_str(item.get("version"))
        pointer = join_pointer("", "requires", i)
        if contract_id is None or text is None:
            continue
        if contract_id == file.contract_id:
            report(ProblemCode.REQUIRES, pointer, "a contract cannot require itself")
            continue
        try:
            requirement = VersionRequirement.parse(text)
        except ValueError:
            continue
        if not index.versions_of(contract_id):
            report(
                ProblemCode.REQUIRES,
                pointer + "/contract",
                f"requires contract '{contract_id}', which is not in the contract set",
            )
        elif index.resolve(contract_id, requirement) is None:
            have = ", ".join(str(f.version) for f in index.versions_of(contract_id))
            report(
                ProblemCode.REQUIRES,
                pointer + "/version",
                f"requires {contract_id} {requirement}, but the set has only {have}",
            )


def _check_error_spellings(file: ContractFile, visible: Visible, report: Reporter) -> None:
    own = as_map(file.raw.get("errors"))
    seen: dict[str, str] = {}
    for name, element in own.items():
        for required in visible.required:
            if name in as_map(required.raw.get("errors")):
                report(
                    ProblemCode.ERROR_ALIAS,
                    join_pointer("", "errors", name),
                    f"error class '{name}' is already defined by "
                    f"{required.contract_id}@{required.version}",
                )
        for i, alias in enumerate(as_list(as_map(element).get("aliases"))):
            alias_name = as_str(as_map(alias).get("name"))
            if alias_name is None:
                continue
            pointer = join_pointer("", "errors", name, "aliases", i, "name")
            if alias_name == name:
                report(ProblemCode.ERROR_ALIAS, pointer, f"alias '{alias_name}' repeats the name")
            elif alias_name in own or visible.has(ElementKind.ERROR, alias_name):
                report(
                    ProblemCode.ERROR_ALIAS,
                    pointer,
                    f"alias '{alias_name}' collides with the error class '{alias_name}'",
                )
            elif alias_name in seen:
                report(
                    ProblemCode.ERROR_ALIAS,
                    pointer,
                    f"alias '{alias_name}' is already an alias of '{seen[alias_name]}'",
                )
            else:
                canonical, owner_name = visible.aliases.get(alias_name, (name, ""))
                if owner_name and owner_name != "this contract":
                    report(
                        ProblemCode.ERROR_ALIAS,
                        pointer,
                        f"alias '{alias_name}' is already an alias of '{canonical}' "
                        f"in {owner_name}",
                    )
            seen.setdefault(alias_name, name)
            _check_alias_commands(
                file, join_pointer("", "errors", name, "aliases", i), alias, report
            )


def _check_alias_commands(
    file: ContractFile, pointer: str, alias: object, report: Reporter
) -> None:
    """An alias's ``commands`` are commands of this contract."""
    commands = as_map(file.raw.get("commands"))
    for i, command in enumerate(as_list(as_map(alias).get("commands"))):
        if isinstance(command, str) and command not in commands:
            report(
                ProblemCode.ELEMENT_REF,
                join_pointer(pointer, "commands", i),
                f"alias '{as_str(as_map(alias).get('name'))}' names '{command}', "
                "which is not a command of this contract",
            )


def _check_commands(file: ContractFile, visible: Visible, report: Reporter) -> None:
    for name, element in as_map(file.raw.get("commands")).items():
        command = as_map(element)
        base = join_pointer("", "commands", name)
        for i, error in enumerate(as_list(command.get("errors"))):
            if not isinstance(error, str) or visible.has(ElementKind.ERROR, error):
                continue
            pointer = join_pointer(base, "errors", i)
            if error in visible.aliases:
                canonical = visible.aliases[error][0]
                report(
                    ProblemCode.ELEMENT_REF,
                    pointer,
                    f"'{error}' is an alias of '{canonical}'; list the canonical class",
                )
            else:
                report(ProblemCode.ELEMENT_REF, pointer, f"unknown error class '{error}'")
        job_problems(base, command, visible, report)


def _check_rules(file: ContractFile, index: SetIndex, visible: Visible, report: Reporter) -> None:
    first: dict[str, str] = {}
    others: dict[str, ContractFile] = {}
    for other in index.files.values():
        if other.contract_id != file.contract_id:
            for rule in as_list(other.raw.get("rules")):
                rule_id = as_str(as_map(rule).get("id"))
                if rule_id is not None:
                    others.setdefault(rule_id, other)
    for i, entry in enumerate(as_list(file.raw.get("rules"))):
        rule = as_map(entry)
        pointer = join_pointer("", "rules", i)
        rule_id = as_str(rule.get("id"))
        if rule_id is not None:
            prefix = rule_id.split("/", 1)[0]
            if file.contract_id is not None and prefix != file.contract_id:
                report(
                    ProblemCode.RULE_ID,
                    pointer + "/id",
                    f"rule id '{rule_id}' must start with the contract id '{file.contract_id}/'",
                )
            if rule_id in first:
                report(
                    ProblemCode.RULE_ID,
                    pointer + "/id",
                    f"duplicate rule id '{rule_id}'",
                    ((first[rule_id], "first used here"),),
                )
            elif rule_id in others:
                report(
                    ProblemCode.RULE_ID,
                    pointer + "/id",
                    f"rule id '{rule_id}' is already used by contract "
                    f"'{others[rule_id].contract_id}' ({others[rule_id].display})",
                )
            first.setdefault(rule_id, pointer + "/id")
        _check_policy(rule, pointer, report)
        _check_check(as_map(rule.get("check")), pointer + "/check", visible, report)


def _check_policy(rule: Mapping[str, Any], pointer: str, report: Reporter) -> None:
    level, category = as_str(rule.get("level")), as_str(rule.get("category"))
    if level is not None and category is not None and level in set(Level):
        if category not in set(Category):
            return
        why = disagreement(Level(level), Category(category))
        if why is not None:
            report(ProblemCode.POLICY, pointer + "/level", why)


def _check_check(
    check: Mapping[str, object], pointer: str, visible: Visible, report: Reporter
) -> None:
    kind_name = as_str(check.get("kind"))
    if kind_name is None:
        return
    kind = CHECK_KINDS.get(kind_name)
    if kind is None:
        known = ", ".join(sorted(CHECK_KINDS))
        report(
            ProblemCode.CHECK_KIND,
            pointer + "/kind",
            f"unknown check kind '{kind_name}' (known kinds: {known})",
        )
        return
    params = check.get("params", {})
    schema = thaw(kind.params_schema)
    assert isinstance(schema, dict)
    validator = Draft202012Validator(schema)
    for error in validator.iter_errors(params):
        for problem in problems_of(
            error, report.document, split_pointer(pointer + "/params"), ProblemCode.CHECK_PARAMS
        ):
            report.problems.append(problem)
    for name, element_kind in kind.element_params:
        value = as_map(params).get(name)
        names = [value] if isinstance(value, str) else as_list(value)
        for i, item in enumerate(names):
            if isinstance(item, str) and not visible.has(element_kind, item):
                at = join_pointer(pointer, "params", name)
                if not isinstance(value, str):
                    at = join_pointer(at, i)
                report(
                    ProblemCode.CHECK_PARAMS,
                    at,
                    f"check '{kind_name}' names unknown {element_kind.value} '{item}'",
                )
