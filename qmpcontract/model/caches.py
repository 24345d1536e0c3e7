"""Remembering what was worked out: the one way the engines cache.

Two kinds of cache, one helper each:

- :func:`remember`: a value by a plain key, in a store whose life is the cache's
  (a transcript's ``RuleContext.shared``, a session's ``memo``);
- :class:`IdentityCache`: a value worked out from objects that are not
  hashable by value (a contract, a set of them), found again by their identity.
  It keeps the objects alive with the value, so an ``id()`` is never reused
  while its entry lives, and it holds at most *size* entries (the oldest goes).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from typing import Generic, TypeVar, TypeVarTuple

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
V = TypeVar("V")
Ts = TypeVarTuple("Ts")

_MISSING = object()


def remember(store: MutableMapping[K, object], key: K, make: Callable[[*Ts], T], *args: *Ts) -> T:
    """``store[key]``, made by ``make(*args)`` the first time it is asked for.

    Passing *args* rather than a closure keeps a hit to one lookup (the rules ask
    once per session each).

    >>> store: dict[str, object] = {}
    >>> remember(store, "k", list, "ab") is remember(store, "k", list, "cd")
    True
    >>> store["k"]
    ['a', 'b']
    """
    found = store.get(key, _MISSING)
    if found is _MISSING:
        found = store[key] = make(*args)
    return found  # type: ignore[return-value]  # what make() gave for this key


class IdentityCache(Generic[V]):
    """Values worked out from objects, found again by the objects' identity.

    >>> cache: IdentityCache[str] = IdentityCache(size=2)
    >>> a, b = object(), object()
    >>> cache.get((a,), "x", lambda: "first")
    'first'
    >>> cache.get((a,), "x", lambda: "again")
    'first'
    >>> cache.get((b,), "x", lambda: "other")
    'other'
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: dict[tuple[tuple[int, ...], Hashable], tuple[tuple[object, ...], V]] = {}

    def get(self, objects: tuple[object, ...], extra: Hashable, make: Callable[[], V]) -> V:
        """The value of *objects* (and the plain key *extra*), made by *make* the first time."""
        key = (tuple(id(o) for o in objects), extra)
        hit = self._entries.get(key)
        if hit is not None and all(x is y for x, y in zip(hit[0], objects, strict=True)):
            return hit[1]
        value = make()
        if len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (objects, value)
        return value
