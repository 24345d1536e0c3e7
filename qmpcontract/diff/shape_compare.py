"""Compare two shapes in a direction: the classification of member-level changes.

Input (what clients send) may only widen; output (what QEMU sends) may gain
members but not lose them or make them optional.  :class:`ShapeComparison`
is the part of the differ that walks objects, enums, arrays and branches; the
element level (commands, events, error classes) is in ``compare.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from qmpcontract.diff.catalogue import CHANGES
from qmpcontract.diff.shape_text import IN, renamed_members, show, width_only
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

    def _shapes(
        self,
        old: Shape,
        new: Shape,
        direction: str,
        element: str,
        path: str,
        unstable: bool,
        pointer: str,
        depth: int = 0,
    ) -> Iterator[Change]:
        if old == new or depth > 40 or isinstance(old, Cycle) or isinstance(new, Cycle):
            return
        if width_only(old, new):
            return
        if isinstance(old, Obj) and isinstance(new, Obj):
            yield from self._objects(old, new, direction, element, path, unstable, pointer, depth)
        elif isinstance(old, Enum) and isinstance(new, Enum):
            yield from self._enums(old, new, direction, element, path, unstable, pointer)
        elif isinstance(old, Array) and isinstance(new, Array):
            yield from self._shapes(
                old.items, new.items, direction, element, f"{path}[]", unstable, pointer, depth + 1
            )
        elif (
            isinstance(old, Alternatives)
            and isinstance(new, Alternatives)
            and _same_kinds(old, new)
        ):
            # the same alternate (BlockdevRef: an object or a str): what changed is inside
            for before, after in zip(old.options, new.options, strict=True):
                yield from self._shapes(
                    before, after, direction, element, path, unstable, pointer, depth + 1
                )
        else:
            wider = accepts(new, old)
            narrower = accepts(old, new)
            string_to_enum = (
                isinstance(old, Scalar) and old.types == {"string"} and isinstance(new, Enum)
            )
            if direction == IN and string_to_enum:
                kind = "diff/input-string-became-enum"
            elif direction == IN and not wider:
                kind = "diff/input-type-narrowed"
            elif direction == IN:
                kind = "diff/input-type-widened"
            elif not narrower:
                kind = "diff/output-type-widened"
            else:
                kind = "diff/output-type-narrowed"
            if wider and narrower:
                return  # the same values, written differently
            yield self._change(
                kind,
                element,
                path,
                f"{element}: {path} changed from {show(old)} to {show(new)}",
                unstable,
                old=show(old),
                new=show(new),
                pointer=pointer,
            )

    def _enums(
        self,
        old: Enum,
        new: Enum,
        direction: str,
        element: str,
        path: str,
        unstable: bool,
        pointer: str,
    ) -> Iterator[Change]:
        side = "input" if direction == IN else "output"
        for value in sorted(set(old.values) - set(new.values)):
            flaky = unstable or _unstable(value, old.values[value])
            if old.values[value] == "deprecated":
                yield self._change(
                    "diff/removed-after-deprecation",
                    element,
                    f"{path}={value}",
                    f"{element}: deprecated value '{value}' of {path} was removed",
                    flaky,
                    old=value,
                    pointer=pointer,
                )
                continue
            yield self._change(
                f"diff/{side}-enum-value-removed",
                element,
                f"{path}={value}",
                f"{element}: value '{value}' of {path} was removed",
                flaky,
                old=value,
                pointer=pointer,
            )
        for value in sorted(set(new.values) - set(old.values)):
            flaky = unstable or _unstable(value, new.values[value])
            yield self._change(
                f"diff/{side}-enum-value-added",
                element,
                f"{path}={value}",
                f"{element}: value '{value}' of {path} was added",
                flaky,
                new=value,
                pointer=pointer,
            )

    def _objects(
        self,
        old: Obj,
        new: Obj,
        direction: str,
        element: str,
        path: str,
        unstable: bool,
        pointer: str,
        depth: int,
    ) -> Iterator[Change]:
        if direction == IN and old.incomplete:
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
                yield self._change(
                    "diff/member-moved-into-branches",
                    element,
                    f"{path}.{name}",
                    f"{element}: {path}.{name} moved into union branches and is absent from "
                    + ", ".join(missing),
                    unstable,
                    pointer=pointer,
                )
        kept = {n: f for n, f in old.members.items() if n not in moved}
        yield from self._members(
            kept, new.members, direction, element, path, unstable, pointer, depth
        )
        if direction == IN and old.closed != new.closed:
            kind = "diff/input-closed" if new.closed else "diff/input-opened"
            yield self._change(
                kind,
                element,
                path,
                f"{element}: {path} is now "
                + ("closed to unknown members" if new.closed else "open"),
                unstable,
                pointer=pointer,
            )
        side = "input" if direction == IN else "output"
        tags = sorted({t for t in (old.tag, new.tag) if t})
        tag = "|".join(tags)  # the same label both ways, even when the tag was renamed
        for case in sorted(old.variants.keys() | new.variants.keys()):
            branch = f"{path}({tag}={case})"
            flaky = unstable or case.startswith("x-")
            if not old.variants.get(case) and not new.variants.get(case):
                continue  # a branch without members changes nothing; the tag's enum tells
            if case not in new.variants:
                yield self._change(
                    f"diff/{side}-variant-removed",
                    element,
                    branch,
                    f"{element}: branch '{case}' of {path} was removed",
                    flaky,
                    old=case,
                    pointer=pointer,
                )
            elif case not in old.variants:
                yield self._change(
                    f"diff/{side}-variant-added",
                    element,
                    branch,
                    f"{element}: branch '{case}' of {path} was added",
                    flaky,
                    new=case,
                    pointer=pointer,
                )
            else:
                yield from self._members(
                    old.variants[case],
                    new.variants[case],
                    direction,
                    element,
                    branch,
                    flaky,
                    pointer,
                    depth,
                )

    def _members(
        self,
        old: Mapping[str, Field],
        new: Mapping[str, Field],
        direction: str,
        element: str,
        path: str,
        unstable: bool,
        pointer: str,
        depth: int,
    ) -> Iterator[Change]:
        renamed = renamed_members(old, new, direction)
        for gone, added in renamed.items():
            flaky = unstable or _unstable(gone, old[gone].status) or _unstable(added, "")
            yield self._change(
                "diff/member-renamed",
                element,
                f"{path}.{gone}",
                f"{element}: {path}.{gone} was renamed to '{added}' (same type)",
                flaky,
                old=gone,
                new=added,
                pointer=pointer,
            )
        paired = {*renamed, *renamed.values()}
        for name in sorted((old.keys() | new.keys()) - paired):
            before, after = old.get(name), new.get(name)
            where = f"{path}.{name}"
            flaky = unstable or any(
                _unstable(name, f.status) for f in (before, after) if f is not None
            )
            if after is None:
                assert before is not None
                if before.status == "deprecated":
                    kind = "diff/removed-after-deprecation"
                elif direction == IN:
                    kind = "diff/argument-removed"
                elif before.required:
                    kind = "diff/output-member-removed"
                else:
                    kind = "diff/output-optional-member-removed"
                yield self._change(
                    kind, element, where, f"{element}: {where} was removed", flaky, pointer=pointer
                )
                continue
            if before is None:
                if direction == IN:
                    kind = (
                        "diff/mandatory-argument-added" if after.required else "diff/argument-added"
                    )
                else:
                    kind = "diff/output-member-added"
                yield self._change(
                    kind, element, where, f"{element}: {where} was added", flaky, pointer=pointer
                )
                continue
            if before.required != after.required:
                if direction == IN:
                    kind = (
                        "diff/argument-became-mandatory"
                        if after.required
                        else "diff/argument-became-optional"
                    )
                else:
                    kind = (
                        "diff/output-member-became-mandatory"
                        if after.required
                        else "diff/output-member-became-optional"
                    )
                state = "mandatory" if after.required else "optional"
                yield self._change(
                    kind,
                    element,
                    where,
                    f"{element}: {where} became {state}",
                    flaky,
                    pointer=pointer,
                )
            if after.status == "deprecated" and before.status != "deprecated":
                yield self._change(
                    "diff/deprecated-added",
                    element,
                    where,
                    f"{element}: {where} is now deprecated",
                    flaky,
                    pointer=pointer,
                )
            yield from self._shapes(
                before.shape, after.shape, direction, element, where, flaky, pointer, depth + 1
            )
