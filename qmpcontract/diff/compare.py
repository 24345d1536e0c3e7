"""Compare two versions of an API, element by element.

Commands and events are matched by wire name; their schemas are compared as
shapes in a direction (``shape_compare.py``): arguments as input (clients send
them), returns and event data as output (QEMU sends them).  A type shared by
both directions is compared in both, so it gets the stricter verdict.  Changes
to an unstable or ``x-`` element (or member) are reported as
``diff/unstable-changed`` unless ``include_unstable`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from qmpcontract.diff.shape_compare import At, Change, ShapeComparison, _unstable
from qmpcontract.diff.shape_text import IN, OUT
from qmpcontract.diff.shapes import Resolver
from qmpcontract.location import join_pointer
from qmpcontract.model.caches import IdentityCache
from qmpcontract.model.contract import Command, Contract, ElementStatus, Event, Lifecycle
from qmpcontract.model.versions import QemuVersion, releases_between

__all__ = ["IN", "OUT", "Change", "Differ"]


_RESOLVERS: IdentityCache[Resolver] = IdentityCache(size=4)


def _resolver(contracts: Sequence[Contract]) -> Resolver:
    """The resolver of a contract set, shared by the diffs of one run.

    Comparing adjacent releases compares each one twice (as new, then as old);
    its shapes are worked out once.
    """
    return _RESOLVERS.get(tuple(contracts), None, lambda: Resolver(contracts))


_KINDS = {
    ("command", "removed"): "diff/command-removed",
    ("command", "renamed"): "diff/command-renamed",
    ("command", "added"): "diff/command-added",
    ("event", "removed"): "diff/event-removed",
    ("event", "renamed"): "diff/event-renamed",
    ("event", "added"): "diff/event-added",
}
"""The kind of each change to a whole command or event, written out so ids can be grepped."""


def _renamed(gone: set[str], added: set[str]) -> dict[str, str]:
    """Names removed and added in one change that differ only in ``_`` against ``-``.

    ``block_stream`` -> ``block-stream`` (db58f9c060, 2012): one element renamed,
    not one removed and another added.
    """
    spelled = {name.replace("_", "-").lower(): name for name in added}
    pairs = {}
    for name in sorted(gone):
        twin = spelled.get(name.replace("_", "-").lower())
        if twin is not None:
            pairs[name] = twin
    return pairs


class Differ(ShapeComparison):
    """Compares two contracts (old and new) of possibly different sets."""

    def __init__(
        self,
        old_set: Sequence[Contract],
        new_set: Sequence[Contract],
        include_unstable: bool = False,
    ) -> None:
        self.old_resolver = _resolver(old_set)
        self.new_resolver = _resolver(new_set)
        self.include_unstable = include_unstable

    def diff(self, old: Contract, new: Contract) -> list[Change]:
        """Every change from *old* to *new*."""
        changes: list[Change] = []
        changes.extend(self._elements(old, new, "command"))
        changes.extend(self._elements(old, new, "event"))
        changes.extend(self._errors(old, new))
        return changes

    def _removal(
        self,
        what: str,
        name: str,
        life: Lifecycle,
        new: Contract,
        pointer: str,
        removed_in: QemuVersion | None = None,
    ) -> Change:
        """Classify a removal; the deprecation window is checked where both ends are known.

        The removal release is the element's own ``removed`` version, or else the first
        release the new side describes (a snapshot's build).  A snapshot's 'deprecated'
        only says the element was deprecated by then, so it is no start of a window.
        """
        unstable = _unstable(name, life.status.value)
        deprecation = life.deprecated
        if life.status is ElementStatus.DEPRECATED and deprecation is not None:
            until = removed_in or (new.producer.versions.since if new.producer.versions else None)
            reliable = deprecation.note != "deprecated in this build"
            count = releases_between(deprecation.version, until) if until and reliable else None
            if count is not None and 0 <= count < 2:
                return self._change(
                    "diff/removed-before-window",
                    f"{what} {name}",
                    "",
                    f"{what} '{name}' was removed {count} release(s) after its deprecation in "
                    f"{deprecation.version}; the policy keeps it for two",
                    unstable,
                    old=str(deprecation.version),
                    new=str(until),
                    pointer=pointer,
                )
            return self._change(
                "diff/removed-after-deprecation",
                f"{what} {name}",
                "",
                f"deprecated {what} '{name}' was removed (deprecated in {deprecation.version})",
                unstable,
                pointer=pointer,
            )
        return self._change(
            _KINDS[what, "removed"],
            f"{what} {name}",
            "",
            f"{what} '{name}' was removed",
            unstable,
            pointer=pointer,
        )

    def _elements(self, old: Contract, new: Contract, what: str) -> Iterator[Change]:
        olds = {e.name: e for e in (old.commands if what == "command" else old.events)}
        news = {e.name: e for e in (new.commands if what == "command" else new.events)}
        renamed = _renamed(olds.keys() - news.keys(), news.keys() - olds.keys())
        for gone, added in renamed.items():
            was, now = olds[gone], news[added]
            unstable = _unstable(gone, was.lifecycle.status.value)
            yield self._change(
                _KINDS[what, "renamed"],
                f"{what} {gone}",
                "",
                f"{what} '{gone}' was renamed to '{added}'",
                unstable,
                old=gone,
                new=added,
                pointer=now.pointer,
            )
            yield from self._parts(old, new, what, was, now, f"{what} {added}", unstable)
        paired = {*renamed, *renamed.values()}
        for name in sorted((olds.keys() | news.keys()) - paired):
            before, after = olds.get(name), news.get(name)
            if after is None:
                assert before is not None
                yield self._removal(what, name, before.lifecycle, new, before.pointer)
                continue
            if before is None:
                unstable = _unstable(name, after.lifecycle.status.value)
                yield self._change(
                    _KINDS[what, "added"],
                    f"{what} {name}",
                    "",
                    f"{what} '{name}' was added",
                    unstable,
                    pointer=after.pointer,
                )
                continue
            if (
                after.lifecycle.status is ElementStatus.REMOVED
                and before.lifecycle.status is not ElementStatus.REMOVED
            ):
                # A contract keeps a removed element, marked removed: it is still a removal.
                removed = after.lifecycle.removed
                yield self._removal(
                    what,
                    name,
                    before.lifecycle,
                    new,
                    after.pointer,
                    removed.version if removed else None,
                )
                continue
            unstable = _unstable(name, before.lifecycle.status.value) or _unstable(
                name, after.lifecycle.status.value
            )
            element = f"{what} {name}"
            if (
                after.lifecycle.status is ElementStatus.DEPRECATED
                and before.lifecycle.status is not ElementStatus.DEPRECATED
            ):
                replacement = (
                    after.lifecycle.deprecated.replacement if after.lifecycle.deprecated else None
                )
                yield self._change(
                    "diff/deprecated-added",
                    element,
                    "",
                    f"{what} '{name}' is now deprecated"
                    + (f"; the replacement is '{replacement}'" if replacement else ""),
                    unstable,
                    pointer=after.pointer,
                )
            yield from self._parts(old, new, what, before, after, element, unstable)

    def _parts(
        self,
        old: Contract,
        new: Contract,
        what: str,
        before: Command | Event,
        after: Command | Event,
        element: str,
        unstable: bool,
    ) -> Iterator[Change]:
        """The changes inside one element: its arguments, return or data, its errors."""
        parts = (("arguments", IN), ("returns", OUT)) if what == "command" else (("data", OUT),)
        for part, direction in parts:
            old_shape = self.old_resolver.shape(old, join_pointer(before.pointer, part))
            new_shape = self.new_resolver.shape(new, join_pointer(after.pointer, part))
            label = "return" if part == "returns" else part
            at = At(element, direction, after.pointer, unstable)
            yield from self._shapes(old_shape, new_shape, at, label)
        if isinstance(before, Command) and isinstance(after, Command):
            yield from self._command_errors(
                before.errors, after.errors, element, unstable, after.pointer
            )

    def _command_errors(
        self,
        before: Sequence[str],
        after: Sequence[str],
        element: str,
        unstable: bool,
        pointer: str,
    ) -> Iterator[Change]:
        for name in sorted(set(before) - set(after)):
            yield self._change(
                "diff/error-class-dropped",
                element,
                "errors",
                f"{element} no longer lists error class '{name}'",
                unstable,
                old=name,
                pointer=pointer,
            )
        for name in sorted(set(after) - set(before)):
            yield self._change(
                "diff/error-class-added",
                element,
                "errors",
                f"{element} now lists error class '{name}'",
                unstable,
                new=name,
                pointer=pointer,
            )

    def _errors(self, old: Contract, new: Contract) -> Iterator[Change]:
        live = [e for e in new.errors if e.lifecycle.status is not ElementStatus.REMOVED]
        spelled = {s for e in live for s in e.spellings()}
        for error in old.errors:
            if error.lifecycle.status is ElementStatus.REMOVED:
                continue
            if not set(error.spellings()) & spelled and new.errors:
                yield self._change(
                    "diff/error-class-removed",
                    f"error class {error.name}",
                    "",
                    f"error class '{error.name}' is gone",
                    pointer=error.pointer,
                )
