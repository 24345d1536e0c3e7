"""Names, conditions and features of the QAPI schema language, checked like QEMU checks them.

docs/devel/qapi-code-gen.rst, "Naming rules and reserved names": names start
with a letter and use ASCII letters, digits, ``-`` and ``_``; a downstream
extension starts with ``__RFQDN_``; ``q_`` is reserved for the generator;
types are CamelCase, commands and members lower-case with ``-``, events
upper-case with ``_``; a member may not be ``u`` or start with ``has-``.
"Configuring the schema": a condition is a config symbol, or ``{'all': [...]}``,
``{'any': [...]}`` or ``{'not': COND}``.

Each function raises :class:`~qmpcontract.read.qapi_source.QapiError` with
QEMU's message on the first problem.  ``legacy`` relaxes what older schemas
did differently (C expressions and lists as conditions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qmpcontract.importers.qapi_defs import Feature
from qmpcontract.read.qapi_source import QapiError, SourceInfo

_VALID_NAME = re.compile(r"(__[a-z0-9.-]+_)?(x-)?([a-z][a-z0-9_-]*)$", re.IGNORECASE)
_C_NAME = re.compile(r"[^A-Za-z0-9_]")
_CONDITION_SYMBOL = re.compile(r"[A-Z][A-Z0-9_]*")
_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$")
SPECIAL_FEATURES = ("deprecated", "unstable")


def c_name(name: str) -> str:
    """The C identifier QEMU derives from a name (used to detect clashes).

    >>> c_name("__org.qemu_x-member")
    '__org_qemu_x_member'
    """
    return _C_NAME.sub("_", name)


def quoted(names: Iterable[str]) -> str:
    """``'a', 'b'``, sorted, as QEMU lists keys."""
    return ", ".join(f"'{name}'" for name in sorted(names))


def check_keys(
    value: dict[str, object],
    info: SourceInfo,
    source: str,
    required: Iterable[str],
    optional: Iterable[str],
) -> None:
    """*value* has every *required* key and only *required* or *optional* ones."""
    required = list(required)
    missing = [key for key in required if key not in value]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise QapiError(f"{source} misses key{plural} {quoted(missing)}", info)
    allowed = set(required) | set(optional)
    unknown = [key for key in value if key not in allowed]
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise QapiError(
            f"{source} has unknown key{plural} {quoted(unknown)}\n"
            f"Valid keys are {quoted(allowed)}.",
            info,
        )


def check_name_is_str(name: object, info: SourceInfo, source: str) -> str:
    """*name* is a string."""
    if not isinstance(name, str):
        raise QapiError(f"{source} requires a string name", info)
    return name


def check_name_str(name: str, info: SourceInfo, source: str) -> str:
    """*name* is well-formed and not reserved; returns it without prefixes."""
    match = _VALID_NAME.match(name)
    if match is None or c_name(name).startswith("q_"):
        raise QapiError(f"{source} has an invalid name", info)
    return match.group(3)


def check_name_upper(name: str, info: SourceInfo, source: str) -> None:
    """An event name: upper case, words separated by ``_``."""
    stem = check_name_str(name, info, source)
    if re.search(r"[a-z-]", stem):
        raise QapiError(f"name of {source} must not use lowercase or '-'", info)


def check_name_lower(
    name: str,
    info: SourceInfo,
    source: str,
    permit_upper: bool = False,
    permit_underscore: bool = False,
) -> None:
    """A command, member or value name: lower case, words separated by ``-``."""
    stem = check_name_str(name, info, source)
    if (not permit_upper and re.search(r"[A-Z]", stem)) or (not permit_underscore and "_" in stem):
        raise QapiError(f"name of {source} must not use uppercase or '_'", info)


def check_name_camel(name: str, info: SourceInfo, source: str) -> None:
    """A type name: CamelCase."""
    stem = check_name_str(name, info, source)
    if not _CAMEL.match(stem):
        raise QapiError(f"name of {source} must use CamelCase", info)


def normalize_if(value: object, legacy: bool) -> object:
    """A condition as today's language writes it (older schemas: lists meant 'all')."""
    if legacy and isinstance(value, list):
        return {"all": value}
    return value


def check_if(cond: object, info: SourceInfo, source: str, legacy: bool = False) -> None:
    """*cond* is a condition: ``STR | {'all': [...]} | {'any': [...]} | {'not': COND}``."""
    if isinstance(cond, str):
        if not legacy and not _CONDITION_SYMBOL.fullmatch(cond):
            raise QapiError(f"'if' condition '{cond}' of {source} is not a valid identifier", info)
        return
    if not isinstance(cond, dict):
        raise QapiError(f"'if' condition of {source} must be a string or an object", info)
    check_keys(cond, info, f"'if' condition of {source}", [], ["all", "any", "not"])
    if len(cond) != 1:
        raise QapiError(f"'if' condition of {source} has conflicting keys", info)
    operator, operand = next(iter(cond.items()))
    if operator == "not":
        check_if(operand, info, source, legacy)
        return
    if not isinstance(operand, list):
        raise QapiError(f"'{operator}' condition of {source} must be an array", info)
    if not operand:
        raise QapiError(f"'if' condition [] of {source} is useless", info)
    for item in operand:
        check_if(item, info, source, legacy)


def check_features(value: object, info: SourceInfo, legacy: bool = False) -> tuple[Feature, ...]:
    """A ``features`` list (None: absent), checked and normalized."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise QapiError("'features' must be an array", info)
    features = []
    for raw in value:
        feature = raw if isinstance(raw, dict) else {"name": raw}
        source = "'features' member"
        check_keys(feature, info, source, ["name"], ["if"])
        name = check_name_is_str(feature["name"], info, source)
        source = f"{source} '{name}'"
        check_name_lower(name, info, source)
        ifcond = normalize_if(feature.get("if"), legacy)
        if "if" in feature:
            check_if(ifcond, info, source, legacy)
        features.append(Feature(name, ifcond))
    return tuple(features)
