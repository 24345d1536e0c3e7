"""Does a QAPI snapshot describe what a build's introspection reports?  Shape for shape.

Introspection names types by meaningless numbers, so the two snapshots are
walked side by side from each command and event: every member introspection
lists must be in the QAPI type (same name, same optionality, compatible type),
every enum value and union branch too.  The QAPI schema may have more: members
and values under conditions the build did not meet.
"""

from __future__ import annotations

from qmpcontract.model.qemu_api import (
    AlternateType,
    ApiSnapshot,
    ArrayType,
    BuiltinType,
    EnumType,
    ObjectType,
)


class _Walk:
    def __init__(self, ours: ApiSnapshot, theirs: ApiSnapshot) -> None:
        self.ours = ours
        self.theirs = theirs
        self.seen: set[tuple[str, str]] = set()
        self.problems: list[str] = []

    def type(self, ours_id: str, theirs_id: str, path: str) -> None:
        if (ours_id, theirs_id) in self.seen:
            return
        self.seen.add((ours_id, theirs_id))
        ours, theirs = self.ours.type(ours_id), self.theirs.type(theirs_id)
        if isinstance(theirs, BuiltinType):
            if not isinstance(ours, BuiltinType) or ours.json_type != theirs.json_type:
                self.problems.append(f"{path}: {ours_id} is not a {theirs.json_type}")
        elif type(ours) is not type(theirs):
            self.problems.append(f"{path}: {type(ours).__name__} vs {type(theirs).__name__}")
        elif isinstance(theirs, EnumType) and isinstance(ours, EnumType):
            missing = {v.name for v in theirs.values} - {v.name for v in ours.values}
            if missing:
                self.problems.append(f"{path}: values {sorted(missing)} missing")
        elif isinstance(theirs, ArrayType) and isinstance(ours, ArrayType):
            self.type(ours.element, theirs.element, path + "[]")
        elif isinstance(theirs, AlternateType) and isinstance(ours, AlternateType):
            if len(theirs.members) > len(ours.members):
                self.problems.append(f"{path}: alternate with fewer branches")
        elif isinstance(theirs, ObjectType) and isinstance(ours, ObjectType):
            self.object(ours, theirs, path)

    def object(self, ours: ObjectType, theirs: ObjectType, path: str) -> None:
        members = {m.name: m for m in ours.members}
        for member in theirs.members:
            mine = members.get(member.name)
            if mine is None:
                self.problems.append(f"{path}.{member.name}: missing")
                continue
            if mine.optional != member.optional:
                self.problems.append(f"{path}.{member.name}: optional differs")
            self.type(mine.type, member.type, f"{path}.{member.name}")
        if theirs.variants is None or ours.variants is None:
            if (theirs.variants is None) != (ours.variants is None):
                self.problems.append(f"{path}: union vs struct")
            return
        if theirs.variants.tag != ours.variants.tag:
            self.problems.append(f"{path}: tag differs")
        for case, branch in theirs.variants.branches.items():
            if case not in ours.variants.branches:
                self.problems.append(f"{path}({case}): branch missing")
            else:
                self.type(ours.variants.branches[case], branch, f"{path}({case})")


def compatible_with_introspection(ours: ApiSnapshot, theirs: ApiSnapshot) -> list[str]:
    """The differences that matter (empty: *ours* describes everything *theirs* reports)."""
    walk = _Walk(ours, theirs)
    for name, command in theirs.commands.items():
        mine = ours.commands.get(name)
        if mine is None:
            walk.problems.append(f"command {name}: missing")
            continue
        if command.arguments is not None:
            if mine.arguments is not None:
                walk.type(mine.arguments, command.arguments, name)
            elif walk.theirs.type(command.arguments) != ObjectType(command.arguments, ()):
                walk.problems.append(f"{name}: arguments missing")
        if command.returns is not None and mine.returns is not None:
            walk.type(mine.returns, command.returns, name + ".return")
    for name, event in theirs.events.items():
        mine_event = ours.events.get(name)
        if mine_event is None:
            walk.problems.append(f"event {name}: missing")
        elif event.data is not None and mine_event.data is not None:
            walk.type(mine_event.data, event.data, name)
    return walk.problems
