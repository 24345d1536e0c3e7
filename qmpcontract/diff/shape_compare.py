"""Compare two shapes in a direction: the classification of member-level changes.

Input (what clients send) may only widen; output (what QEMU sends) may gain
members but not lose them or make them optional.  :class:`ShapeComparison`
is the part of the differ that walks objects, enums, arrays and branches; the
element level (commands, events, error classes) is in ``compare.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from qmpcontract.diff.catalogue import CHANGES
from qmpcontract.diff.shape_text import Direction, renamed_members, show, width_only
from qmpcontract.diff.shapes import (
    Alternatives,
    AnyShape,
    Array,
    Cycle,
    Enum,
    Field,
    Obj,
    Scalar,
    Shape,
)
from qmpcontract.location import Location
from qmpcontract.model.contract import ElementStatus, Level


@dataclass(frozen=True)
class Change:
    """One classified change."""

    rule_id: str
    level: Level
    element: str  # "command block-stream", "event BLOCK_JOB_READY", "error class X"
    path: str  # where inside it: "arguments.job-id", "return[].status", ""
    message: str
    old: str | None = None
    new: str | None = None
    pointer: str = ""  # JSON pointer of the element in the contract that has it
    defined_at: Location | None = None  # the element's definition in QAPI sources (file, line)


def _unstable(name: str, status: str) -> bool:
    return status == ElementStatus.UNSTABLE.value or name.startswith("x-")


def _kind(shape: Shape) -> tuple[str, ...]:
    """What a shape is, whatever its details: the class, and a scalar's JSON types."""
    if isinstance(shape, Scalar):
        return ("Scalar", *sorted(shape.types))
    return (type(shape).__name__,)


def _same_kinds(old: Alternatives, new: Alternatives) -> bool:
    """True for two alternatives whose options are of the same kinds, in order."""
    return [_kind(o) for o in old.options] == [_kind(o) for o in new.options]


def accepts(big: Shape, small: Shape, depth: int = 0) -> bool:
    """True if every value *small* allows, *big* allows too (as far as can be told)."""
    if depth > 30 or isinstance(big, AnyShape | Cycle) or isinstance(small, Cycle):
        return True
    if isinstance(small, AnyShape):
        return False
    if isinstance(small, Alternatives):
        return all(accepts(big, option, depth + 1) for option in small.options)
    if isinstance(big, Alternatives):
        return any(accepts(option, small, depth + 1) for option in big.options)
    if isinstance(big, Scalar):
        kinds = set(big.types) | ({"integer"} if "number" in big.types else set())
        if isinstance(small, Scalar):
            within = (
                big.minimum is None or (small.minimum is not None and small.minimum >= big.minimum)
            ) and (
                big.maximum is None or (small.maximum is not None and small.maximum <= big.maximum)
            )
            return small.types <= kinds and within
        if isinstance(small, Enum):
            return "string" in kinds
        if isinstance(small, Obj):
            return "object" in kinds
        return isinstance(small, Array) and "array" in kinds
    if isinstance(big, Enum):
        return isinstance(small, Enum) and set(small.values) <= set(big.values)
    if isinstance(big, Array):
        return isinstance(small, Array) and accepts(big.items, small.items, depth + 1)
    if isinstance(big, Obj) and isinstance(small, Obj):
        if big.closed and not set(small.members) <= set(big.members):
            return False
        required = {n for n, f in big.members.items() if f.required}
        given = {n for n, f in small.members.items() if f.required}
        return required <= given
    return False


@dataclass(frozen=True)
class At:
    """What a comparison is about, the same all the way down a shape.

    *element* (``command block-stream``) is compared in *direction*; *pointer* is
    its place in the contract; *unstable* says that a change there is reported
    as ``diff/unstable-changed`` (an unstable or ``x-`` element, member or branch).
    """

    element: str
    direction: Direction
    pointer: str
    unstable: bool = False

    def within(self, unstable: bool) -> At:
        """The same context, unstable from here on if *unstable*."""
        return replace(self, unstable=True) if unstable and not self.unstable else self


class ShapeComparison:
    """Member-level comparison; subclasses provide the reporting policy."""

    include_unstable: bool = False

    def _change(
        self,
        kind: str,
        element: str,
        path: str,
        message: str,
        unstable: bool = False,
        old: str | None = None,
        new: str | None = None,
        pointer: str = "",
    ) -> Change:
        if unstable and not self.include_unstable:
            kind = "diff/unstable-changed"
            message = f"(unstable) {message}"
        return Change(kind, CHANGES[kind].level, element, path, message, old, new, pointer)

    def _at(
        self,
        at: At,
        kind: str,
        path: str,
        message: str,
        old: str | None = None,
        new: str | None = None,
    ) -> Change:
        """A change of *kind* at *path* inside the element *at* is about."""
        return self._change(
            kind, at.element, path, f"{at.element}: {message}", at.unstable, old, new, at.pointer
        )

    def _shapes(
        self, old: Shape, new: Shape, at: At, path: str, depth: int = 0
    ) -> Iterator[Change]:
        if old == new or depth > 40 or isinstance(old, Cycle) or isinstance(new, Cycle):
            return
        if width_only(old, new):
            return
        if isinstance(old, Obj) and isinstance(new, Obj):
            yield from self._objects(old, new, at, path, depth)
        elif isinstance(old, Enum) and isinstance(new, Enum):
            yield from self._enums(old, new, at, path)
        elif isinstance(old, Array) and isinstance(new, Array):
            yield from self._shapes(old.items, new.items, at, f"{path}[]", depth + 1)
        elif (
            isinstance(old, Alternatives)
            and isinstance(new, Alternatives)
            and _same_kinds(old, new)
        ):
            # the same alternate (BlockdevRef: an object or a str): what changed is inside
            for before, after in zip(old.options, new.options, strict=True):
                yield from self._shapes(before, after, at, path, depth + 1)
        else:
            yield from self._retyped(old, new, at, path)

    def _retyped(self, old: Shape, new: Shape, at: At, path: str) -> Iterator[Change]:
        """A member whose type changed: wider or narrower, in the direction of *at*."""
        wider = accepts(new, old)
        narrower = accepts(old, new)
        if wider and narrower:
            return  # the same values, written differently
        string_to_enum = (
            isinstance(old, Scalar) and old.types == {"string"} and isinstance(new, Enum)
        )
        if at.direction is Direction.IN:
            if string_to_enum:
                kind = "diff/input-string-became-enum"
            elif not wider:
                kind = "diff/input-type-narrowed"
            else:
                kind = "diff/input-type-widened"
        elif not narrower:
            kind = "diff/output-type-widened"
        else:
            kind = "diff/output-type-narrowed"
        was, now = show(old), show(new)
        yield self._at(at, kind, path, f"{path} changed from {was} to {now}", was, now)

    def _enums(self, old: Enum, new: Enum, at: At, path: str) -> Iterator[Change]:
        into = at.direction is Direction.IN
        for value in sorted(set(old.values) - set(new.values)):
            here = at.within(_unstable(value, old.values[value]))
            if old.values[value] == "deprecated":
                kind = "diff/removed-after-deprecation"
                message = f"deprecated value '{value}' of {path} was removed"
            else:
                kind = "diff/input-enum-value-removed" if into else "diff/output-enum-value-removed"
                message = f"value '{value}' of {path} was removed"
            yield self._at(here, kind, f"{path}={value}", message, old=value)
        for value in sorted(set(new.values) - set(old.values)):
            here = at.within(_unstable(value, new.values[value]))
            kind = "diff/input-enum-value-added" if into else "diff/output-enum-value-added"
            message = f"value '{value}' of {path} was added"
            yield self._at(here, kind, f"{path}={value}", message, new=value)

    def _objects(self, old: Obj, new: Obj, at: At, path: str, depth: int) -> Iterator[Change]:
        into = at.direction is Direction.IN
        if into and old.incomplete:
            # The old schema listed only part of what was accepted ('gen': false): a new,
            # complete schema is the description catching up, not a narrowing.
            return
        moved = {
            name
            for name in old.members.keys() - new.members.keys()
            if new.variants and any(name in b for b in new.variants.values())
        }
        for name in sorted(moved):
            missing = sorted(c for c, b in new.variants.items() if name not in b)
            if missing:
                yield self._at(
                    at,
                    "diff/member-moved-into-branches",
                    f"{path}.{name}",
                    f"{path}.{name} moved into union branches and is absent from "
                    + ", ".join(missing),
                )
        kept = {n: f for n, f in old.members.items() if n not in moved}
        yield from self._members(kept, new.members, at, path, depth)
        if into and old.closed != new.closed:
            kind = "diff/input-closed" if new.closed else "diff/input-opened"
            state = "closed to unknown members" if new.closed else "open"
            yield self._at(at, kind, path, f"{path} is now {state}")
        tags = sorted({t for t in (old.tag, new.tag) if t})
        tag = "|".join(tags)  # the same label both ways, even when the tag was renamed
        for case in sorted(old.variants.keys() | new.variants.keys()):
            branch = f"{path}({tag}={case})"
            here = at.within(case.startswith("x-"))
            if not old.variants.get(case) and not new.variants.get(case):
                continue  # a branch without members changes nothing; the tag's enum tells
            if case not in new.variants:
                kind = "diff/input-variant-removed" if into else "diff/output-variant-removed"
                message = f"branch '{case}' of {path} was removed"
                yield self._at(here, kind, branch, message, old=case)
            elif case not in old.variants:
                kind = "diff/input-variant-added" if into else "diff/output-variant-added"
                message = f"branch '{case}' of {path} was added"
                yield self._at(here, kind, branch, message, new=case)
            else:
                yield from self._members(
                    old.variants[case], new.variants[case], here, branch, depth
                )

    def _members(
        self,
        old: Mapping[str, Field],
        new: Mapping[str, Field],
        at: At,
        path: str,
        depth: int,
    ) -> Iterator[Change]:
        renamed = renamed_members(old, new, at.direction)
        for gone, added in renamed.items():
            here = at.within(_unstable(gone, old[gone].status) or _unstable(added, ""))
            yield self._at(
                here,
                "diff/member-renamed",
                f"{path}.{gone}",
                f"{path}.{gone} was renamed to '{added}' (same type)",
                old=gone,
                new=added,
            )
        paired = {*renamed, *renamed.values()}
        for name in sorted((old.keys() | new.keys()) - paired):
            before, after = old.get(name), new.get(name)
            where = f"{path}.{name}"
            here = at.within(
                any(_unstable(name, f.status) for f in (before, after) if f is not None)
            )
            if after is None:
                assert before is not None
                yield self._at(here, _removed(before, at.direction), where, f"{where} was removed")
            elif before is None:
                yield self._at(here, _added(after, at.direction), where, f"{where} was added")
            else:
                yield from self._member(before, after, here, where, depth)

    def _member(
        self, before: Field, after: Field, at: At, where: str, depth: int
    ) -> Iterator[Change]:
        """The changes of one member both sides have."""
        if before.required != after.required:
            yield self._at(
                at,
                _required(after.required, at.direction),
                where,
                f"{where} became {'mandatory' if after.required else 'optional'}",
            )
        if after.status == "deprecated" and before.status != "deprecated":
            yield self._at(at, "diff/deprecated-added", where, f"{where} is now deprecated")
        yield from self._shapes(before.shape, after.shape, at, where, depth + 1)


def _removed(before: Field, direction: Direction) -> str:
    """The kind of a member's removal."""
    if before.status == "deprecated":
        return "diff/removed-after-deprecation"
    if direction is Direction.IN:
        return "diff/argument-removed"
    return (
        "diff/output-member-removed" if before.required else "diff/output-optional-member-removed"
    )


def _added(after: Field, direction: Direction) -> str:
    """The kind of a member's addition."""
    if direction is Direction.IN:
        return "diff/mandatory-argument-added" if after.required else "diff/argument-added"
    return "diff/output-member-added"


def _required(now: bool, direction: Direction) -> str:
    """The kind of a member becoming mandatory (*now*) or optional."""
    if direction is Direction.IN:
        return "diff/argument-became-mandatory" if now else "diff/argument-became-optional"
    return "diff/output-member-became-mandatory" if now else "diff/output-member-became-optional"
