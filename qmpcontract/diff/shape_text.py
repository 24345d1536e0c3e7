"""What the differ says of shapes: their names, and which changes are no change at all.

``show`` names a shape as a reviewer reads it (``uint64``, not "integer";
``BlockdevOptions``, not "object");
``width_only`` tells the integer-width artefacts of introspection (which says
``int`` for every integer type) from real changes; ``renamed_members`` pairs a
removed and an added member of the same type as one rename.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from qmpcontract.diff import shapes
from qmpcontract.diff.shapes import Alternatives, Array, Cycle, Field, Obj, Scalar, Shape


class Direction(Enum):
    """Which way a shape travels, which decides what a change of it breaks."""

    IN = "in"  # what clients send (command arguments): may only widen
    OUT = "out"  # what QEMU sends (returns, event data): may gain members, not lose them


IN, OUT = Direction.IN, Direction.OUT


_INTEGERS = {
    (-(2**7), 2**7 - 1): "int8",
    (-(2**15), 2**15 - 1): "int16",
    (-(2**31), 2**31 - 1): "int32",
    (-(2**63), 2**63 - 1): "int",  # QAPI's int (its int64 is the same type)
    (0, 2**8 - 1): "uint8",
    (0, 2**16 - 1): "uint16",
    (0, 2**32 - 1): "uint32",
    (0, 2**64 - 1): "uint64",
}


def integer_name(shape: Scalar) -> str:
    """An integer type by its QAPI name where its range is one (``int`` for int64's).

    Without a range (introspection's ``int``) it is ``integer``; a range of no QAPI
    type is written out.
    """
    if shape.minimum is None and shape.maximum is None:
        return "integer"
    low, high = shape.minimum, shape.maximum
    if low is not None and high is not None:
        # the range may come as floats (2**64 - 1 is 2.0**64 then): compare as floats
        bounds = (float(low), float(high))
        name = next((n for (a, b), n in _INTEGERS.items() if (float(a), float(b)) == bounds), None)
        if name is not None:
            return name
    return f"integer {'' if low is None else int(low)}..{'' if high is None else int(high)}"


def width_only(old: Shape, new: Shape) -> bool:
    """True for integers where one side has no range: introspection's ``int``.

    Introspection says ``int`` for every integer type, so a width seen against
    it is an artefact, not a change a client can see.
    """
    if not (_unranged_integer(old) or _unranged_integer(new)):
        return False
    return _unranged(old) == _unranged(new)


def _unranged(shape: Shape) -> Shape:
    """*shape* with every integer's range left out (inside arrays and alternatives too)."""
    if isinstance(shape, Scalar) and "integer" in shape.types:
        return Scalar(shape.types)
    if isinstance(shape, Array):
        return Array(_unranged(shape.items))
    if isinstance(shape, Alternatives):
        return Alternatives(tuple(_unranged(option) for option in shape.options))
    return shape


def _unranged_integer(shape: Shape) -> bool:
    """True if *shape* holds an integer without a range (introspection's ``int``)."""
    if isinstance(shape, Scalar):
        return "integer" in shape.types and shape.minimum is None and shape.maximum is None
    if isinstance(shape, Array):
        return _unranged_integer(shape.items)
    if isinstance(shape, Alternatives):
        return any(_unranged_integer(option) for option in shape.options)
    return False


_SCALARS = {"string": "str", "boolean": "bool", "number": "number", "null": "null"}


def show(shape: Shape) -> str:
    """A shape as a QAPI reviewer names it.

    Built-in types by their QAPI names (``str``, ``bool``, ``uint64``), named types by
    their names (``BlockdevOptions``, ``enum JobType``, ``alternate BlockdevRef
    (BlockdevOptions or str)``), anonymous ones by what they are (``object``, ``array
    of str``).
    """
    if isinstance(shape, Scalar):
        names = [
            integer_name(shape) if kind == "integer" else _SCALARS.get(kind, kind)
            for kind in sorted(shape.types)
        ]
        return " or ".join(names)
    if isinstance(shape, shapes.Enum):
        return f"enum {shape.name}" if shape.name else "enum"
    if isinstance(shape, Array):
        return f"array of {show(shape.items)}"
    if isinstance(shape, Obj):
        return shape.name or "object"
    if isinstance(shape, Alternatives):
        options = " or ".join(show(o) for o in shape.options)
        return f"alternate {shape.name} ({options})" if shape.name else options
    if isinstance(shape, Cycle):
        return shape.at.rsplit("/", 1)[-1].removeprefix("in.").removeprefix("out.")
    return "any"


def renamed_members(
    old: Mapping[str, Field], new: Mapping[str, Field], direction: Direction
) -> dict[str, str]:
    """Members removed and added in one change with the same shape, paired: renamed.

    A pair counts only where it is the only one of its shape on both sides (a
    removed ``value`` and an added ``speed``, both integers), so that two
    unrelated changes are never taken for a rename; and only where the removal
    alone breaks clients (an argument, or a member QEMU always sent).
    """
    gone = [
        n
        for n in old
        if n not in new
        and old[n].status != "deprecated"
        and (direction is Direction.IN or old[n].required)
    ]
    added = [n for n in new if n not in old]
    pairs: dict[str, str] = {}
    for name in gone:
        same = [a for a in added if new[a].shape == old[name].shape]
        twins = [g for g in gone if old[g].shape == old[name].shape]
        if len(same) == 1 and len(twins) == 1:
            pairs[name] = same[0]
    return pairs
