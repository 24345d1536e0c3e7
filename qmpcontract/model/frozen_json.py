"""Deeply immutable JSON values for the frozen model.

Schemas and check parameters are kept as JSON inside the model.  They are
frozen (objects become read-only mappings, arrays become tuples) so that no
consumer can change a loaded contract, and thawed back into plain ``dict`` and
``list`` for libraries that need them (validators, serialisers).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeAlias

FrozenJson: TypeAlias = (
    "Mapping[str, FrozenJson] | tuple[FrozenJson, ...] | str | int | float | bool | None"
)


def freeze(value: object) -> FrozenJson:
    """Return a deeply immutable copy of a JSON value.

    >>> frozen = freeze({"a": [1, {"b": True}]})
    >>> frozen["a"][1]["b"]
    True
    >>> frozen["a"] = 2
    Traceback (most recent call last):
    TypeError: 'mappingproxy' object does not support item assignment

    :raise TypeError: if *value* contains something that is not JSON.
    """
    kind = type(value)
    if kind is dict:  # the common cases first, without ABC checks (contracts are large)
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})  # type: ignore[attr-defined]
    if kind is str or kind is int or kind is bool or value is None:
        return value  # type: ignore[return-value]
    if kind is list:
        return tuple(freeze(v) for v in value)  # type: ignore[attr-defined]
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def thaw(value: object) -> object:
    """Return a plain, mutable JSON copy (``dict``/``list``) of a frozen value.

    >>> thaw(freeze({"a": (1, 2)}))
    {'a': [1, 2]}
    """
    kind = type(value)
    if kind is MappingProxyType:  # the common cases first, without ABC checks
        return {k: thaw(v) for k, v in value.items()}  # type: ignore[attr-defined]
    if kind is tuple:
        return [thaw(v) for v in value]  # type: ignore[attr-defined]
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value


def copy_json(value: object) -> object:
    """A deep copy of a plain JSON value (``dict``, ``list``, scalars), faster than deepcopy.

    >>> original = {"a": [{"b": 1}]}
    >>> copied = copy_json(original)
    >>> copied == original and copied["a"][0] is not original["a"][0]
    True
    """
    kind = type(value)
    if kind is dict:
        return {k: copy_json(v) for k, v in value.items()}  # type: ignore[attr-defined]
    if kind is list:
        return [copy_json(v) for v in value]  # type: ignore[attr-defined]
    return value
