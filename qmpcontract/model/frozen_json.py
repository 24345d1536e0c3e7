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
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value
