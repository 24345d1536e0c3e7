"""Find, parse, check and build contract files.

The pipeline for each file: read UTF-8 text, parse located JSON, report
duplicate members, validate against the meta-schema, run the semantic and
embedded-schema checks against the whole set, and only when nothing is wrong
anywhere build the frozen :class:`~qmpcontract.model.contract_set.ContractSet`.
Every problem of every named file is collected; nothing stops at the first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qmpcontract.contract.build import build_contract
from qmpcontract.contract.embedded import embedded_schema_problems
from qmpcontract.contract.index import ContractFile, SetIndex
from qmpcontract.contract.metaschema import meta_schema_problems
from qmpcontract.contract.problems import ContractLoadError, Problem, ProblemCode
from qmpcontract.contract.semantic import semantic_problems
from qmpcontract.errors import InputError, InputReadError
from qmpcontract.location import Location
from qmpcontract.model.contract_set import ContractSet
from qmpcontract.read.located_json import parse_quickly, read_text
from qmpcontract.resources import META_SCHEMA_NAME, shipped_contracts_dir


@dataclass(frozen=True)
class LintResult:
    """What linting found: the files checked, their problems, the loaded sets."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    sets: tuple[ContractSet, ...]


def display_path(path: Path) -> str:
    """*path* relative to the working directory when below it, else absolute."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _contract_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.json") if p.is_file() and p.name != META_SCHEMA_NAME)


def _targets(path: Path) -> tuple[Path, list[Path]]:
    """Return (set root, named files) for a path given by the user.

    :raise InputReadError: if *path* does not exist or holds no contracts.
    """
    if not path.exists():
        raise InputReadError("no such file or directory", Location(str(path)))
    if path.is_file():
        return path.resolve().parent.parent, [path.resolve()]
    if not path.is_dir():
        raise InputReadError("not a file or directory", Location(str(path)))
    areas = sorted(d for d in path.iterdir() if d.is_dir() and _contract_files(d))
    if areas:
        return path.resolve(), [f.resolve() for d in areas for f in _contract_files(d)]
    own = _contract_files(path)
    if own:
        return path.resolve().parent, [f.resolve() for f in own]
    raise InputReadError(
        "no contract files found (expected <contract>/<version>.json)", Location(str(path))
    )


def _parse(path: Path) -> tuple[ContractFile, list[Problem]]:
    file = ContractFile(path, display_path(path))
    try:
        text = read_text(path, file.display)
        file.document = parse_quickly(text, file.display)
    except InputReadError as exc:
        return file, [Problem(exc.location, ProblemCode.FILE_READ, exc.message)]
    except InputError as exc:
        return file, [Problem(exc.location, ProblemCode.JSON_SYNTAX, exc.message)]
    problems = [
        Problem(
            file.document.source.locate(d.pointer),
            ProblemCode.DUPLICATE_MEMBER,
            f"duplicate member '{d.pointer.rsplit('/', 1)[-1]}' (the last one would win)",
            (
                (
                    Location(file.display, d.first.line, d.first.column, d.first.offset),
                    "first defined here",
                ),
            ),
        )
        for d in file.document.duplicates
    ]
    problems.extend(meta_schema_problems(file.document))
    return file, problems


SetCheck = Callable[[ContractSet, Callable[[str, str], Location]], list[Problem]]
"""A check of a whole, loaded set: given the set and a locator (file, pointer) -> Location."""


def _check_root(
    root: Path, named: Sequence[Path], set_check: SetCheck | None = None
) -> tuple[list[Problem], ContractSet | None]:
    index = SetIndex(root)
    parse_problems: dict[Path, list[Problem]] = {}
    for path in sorted({*named, *(f.resolve() for d in _areas(root) for f in _contract_files(d))}):
        file, problems = _parse(path)
        index.add(file)
        parse_problems[path] = problems
    all_problems: dict[Path, list[Problem]] = {}
    for path, file in index.files.items():
        problems = list(parse_problems[path])
        if file.document is not None and isinstance(file.document.value, dict):
            problems.extend(semantic_problems(file, index))
            problems.extend(embedded_schema_problems(file, index))
        all_problems[path] = problems
    reported = sorted({p for path in named for p in all_problems[path]}, key=Problem.sort_key)
    if any(all_problems.values()):
        return reported, None
    contracts = tuple(build_contract(f.raw, f.display) for f in index.files.values())
    contract_set = ContractSet(contracts, display_path(root))
    if set_check is not None:
        sources = {f.display: f.document.source for f in index.files.values() if f.document}
        displays = {f.display for f in index.files.values() if f.path in named}

        def locate(file: str, pointer: str) -> Location:
            source = sources.get(file)
            return source.locate(pointer) if source else Location(file, pointer=pointer)

        extra = set_check(contract_set, locate)
        reported = sorted(
            {*reported, *(p for p in extra if p.location.file in displays)}, key=Problem.sort_key
        )
        if extra:
            return reported, None
    return reported, contract_set


def _areas(root: Path) -> list[Path]:
    return sorted(d for d in root.iterdir() if d.is_dir()) if root.is_dir() else []


def lint_paths(paths: Iterable[Path], set_check: SetCheck | None = None) -> LintResult:
    """Check the contracts at *paths* (files or directories) and report all problems.

    *set_check*, if given, runs on every set that loaded without problems (the
    CLI passes the semantic-versioning check, which needs the differ).

    :raise InputReadError: if a path does not exist or holds no contract files.
    """
    groups: dict[Path, list[Path]] = {}
    for path in paths:
        root, named = _targets(path)
        groups.setdefault(root, []).extend(named)
    files: list[str] = []
    problems: list[Problem] = []
    sets: list[ContractSet] = []
    for root, named in groups.items():
        unique = sorted(set(named))
        files.extend(display_path(p) for p in unique)
        found, contract_set = _check_root(root, unique, set_check)
        problems.extend(found)
        if contract_set is not None:
            sets.append(contract_set)
    return LintResult(tuple(files), tuple(problems), tuple(sets))


_LOADED: dict[tuple[tuple[str, int, int], ...], ContractSet] = {}


def _fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    files = [f for d in _areas(root) for f in _contract_files(d)]
    stats = [(str(f.resolve()), f.stat().st_mtime_ns, f.stat().st_size) for f in files]
    return tuple(sorted(stats))


def load_contracts(path: Path | None = None) -> ContractSet:
    """Load the contract set at *path* (default: the shipped contracts).

    A set already loaded in this process is reused while none of its files
    changed (same paths, sizes and modification times).

    :raise ContractLoadError: with every problem, if any file has one.
    :raise InputReadError: if *path* does not exist or holds no contract files.
    """
    root = path if path is not None else shipped_contracts_dir()
    key = _fingerprint(root) if root.is_dir() else ()
    if key and key in _LOADED:
        return _LOADED[key]
    result = lint_paths([root])
    if result.problems or not result.sets:
        raise ContractLoadError(result.problems)
    if key:
        _LOADED[key] = result.sets[0]
    return result.sets[0]
