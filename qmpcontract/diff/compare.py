"""Compare two versions of an API, element by element, shape by shape.

Commands and events are matched by wire name; their schemas are compared as
shapes in a direction: arguments as input (clients send them), returns and
event data as output (QEMU sends them).  A type shared by both directions is
compared in both, so it gets the stricter verdict.  Changes to an unstable or
``x-`` element (or member) are reported as ``diff/unstable-changed`` unless
``include_unstable`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from qmpcontract.diff.catalogue import CHANGES
from qmpcontract.diff.shapes import (
    Alternatives,
    AnyShape,
    Array,
    Cycle,
    Enum,
    Field,
    Obj,
    Resolver,
    Scalar,
    Shape,
)
from qmpcontract.location import join_pointer
from qmpcontract.model.contract import Command, Contract, ElementStatus, Level, Lifecycle
from qmpcontract.model.versions import releases_between

IN, OUT = "in", "out"


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


def _unstable(name: str, status: str) -> bool:
    return status == ElementStatus.UNSTABLE.value or name.startswith("x-")


def _show(shape: Shape) -> str:
    if isinstance(shape, Scalar):
        return "|".join(sorted(shape.types))
    if isinstance(shape, Enum):
        return "enum"
    if isinstance(shape, Array):
        return f"array of {_show(shape.items)}"
    if isinstance(shape, Obj):
        return "object"
    if isinstance(shape, Alternatives):
        return " or ".join(_show(o) for o in shape.options)
    return "any"


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


class Differ:
    """Compares two contracts (old and new) of possibly different sets."""

    def __init__(
        self,
        old_set: Sequence[Contract],
        new_set: Sequence[Contract],
        include_unstable: bool = False,
    ) -> None:
        self.old_resolver = Resolver(old_set)
        self.new_resolver = Resolver(new_set)
        self.include_unstable = include_unstable

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

    def diff(self, old: Contract, new: Contract) -> list[Change]:
        """Every change from *old* to *new*."""
        changes: list[Change] = []
        changes.extend(self._elements(old, new, "command"))
        changes.extend(self._elements(old, new, "event"))
        changes.extend(self._errors(old, new))
        return changes

    def _removal(
        self, what: str, name: str, life: Lifecycle, old: Contract, new: Contract, pointer: str
    ) -> Change:
        unstable = _unstable(name, life.status.value)
        deprecation = life.deprecated
        if life.status is ElementStatus.DEPRECATED and deprecation is not None:
            until = new.producer.versions.since if new.producer.versions else None
            reliable = deprecation.note != "deprecated in this build"
            count = releases_between(deprecation.version, until) if until and reliable else None
            if count is not None and count < 2:
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
            f"diff/{what}-removed",
            f"{what} {name}",
            "",
            f"{what} '{name}' was removed",
            unstable,
            pointer=pointer,
        )

    def _elements(self, old: Contract, new: Contract, what: str) -> Iterator[Change]:
        olds = {e.name: e for e in (old.commands if what == "command" else old.events)}
        news = {e.name: e for e in (new.commands if what == "command" else new.events)}
        for name in sorted(olds.keys() | news.keys()):
            before, after = olds.get(name), news.get(name)
            if after is None:
                assert before is not None
                yield self._removal(what, name, before.lifecycle, old, new, before.pointer)
                continue
            if before is None:
                unstable = _unstable(name, after.lifecycle.status.value)
                yield self._change(
                    f"diff/{what}-added",
                    f"{what} {name}",
                    "",
                    f"{what} '{name}' was added",
                    unstable,
                    pointer=after.pointer,
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
            parts = (("arguments", IN), ("returns", OUT)) if what == "command" else (("data", OUT),)
            for part, direction in parts:
                old_shape = self.old_resolver.shape(old, join_pointer(before.pointer, part))
                new_shape = self.new_resolver.shape(new, join_pointer(after.pointer, part))
                label = "return" if part == "returns" else part
                yield from self._shapes(
                    old_shape, new_shape, direction, element, label, unstable, after.pointer
                )
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
        spelled = {s for e in new.errors for s in e.spellings()}
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
        if isinstance(old, Obj) and isinstance(new, Obj):
            yield from self._objects(old, new, direction, element, path, unstable, pointer, depth)
        elif isinstance(old, Enum) and isinstance(new, Enum):
            yield from self._enums(old, new, direction, element, path, unstable, pointer)
        elif isinstance(old, Array) and isinstance(new, Array):
            yield from self._shapes(
                old.items, new.items, direction, element, f"{path}[]", unstable, pointer, depth + 1
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
                f"{element}: {path} changed from {_show(old)} to {_show(new)}",
                unstable,
                old=_show(old),
                new=_show(new),
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
        for case in sorted(old.variants.keys() | new.variants.keys()):
            branch = f"{path}({old.tag or new.tag}={case})"
            flaky = unstable or case.startswith("x-")
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
        for name in sorted(old.keys() | new.keys()):
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
