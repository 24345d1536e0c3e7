"""QEMU's ``tests/qapi-schema/<case>.out``, read and compared with a snapshot.

The ``.out`` file is what QEMU's test visitor prints for a schema it accepts:
one line per entity (``object``, ``enum``, ``array``, ``alternate``,
``command``, ``event``), with its members, branches, conditions, features and
flags indented below.  Objects list their own members after a ``base`` line;
a snapshot lists them flattened, base first.  What the snapshot model does not
hold (an enum's C prefix, conditions of types and features) is not compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qmpcontract.model.qemu_api import (
    AlternateType,
    ApiSnapshot,
    ArrayType,
    EnumType,
    ObjectType,
)


@dataclass
class _Entry:
    """One line of a .out and the lines indented below it."""

    words: list[str]
    condition: str | None = None
    features: list[str] = field(default_factory=list)
    items: list[_Entry] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)

    def of(self, kind: str) -> list[_Entry]:
        return [item for item in self.items if item.words[0] == kind]

    @property
    def name(self) -> str:
        return self.words[1].rstrip(":")


def _out_entities(text: str) -> dict[str, _Entry]:
    """``object``/``enum``/``array``/``alternate``/``command``/``event`` entries of a .out."""
    entities: dict[str, _Entry] = {}
    current = last = _Entry(["module"])
    for line in text.splitlines():
        words = line.split()
        if not line.startswith(" "):
            if words[0] == "doc":
                break  # the doc comments come last
            current = last = _Entry(words)
            if words[0] not in ("module", "include"):
                entities[words[1]] = current
            continue
        target = last if line.startswith("        ") else current
        if words[0] == "if":
            target.condition = line.strip()[3:]
        elif words[0] == "feature":
            target.features.append(words[1])
            if target is current:
                last = _Entry(words)  # a feature's own 'if': not in the model
        elif words[0] in ("member", "case", "base", "tag"):
            last = _Entry(words)
            current.items.append(last)
        elif words[0] != "prefix":  # an enum's C prefix: not in the model
            current.flags = dict(w.split("=", 1) for w in words)
    return entities


def _cond(condition: object) -> str | None:
    return None if condition is None else str(condition)


def _flattened(entities: dict[str, _Entry], name: str) -> list[tuple[str, str, str, str | None]]:
    entry = entities[name]
    bases = entry.of("base")
    members = _flattened(entities, bases[0].words[1]) if bases else []
    for item in entry.of("member"):
        members.append((item.name, item.words[2], item.words[3], item.condition))
    return members


def check_against_out(snapshot: ApiSnapshot, out: str) -> int:
    """Assert that *snapshot* has what the ``.out`` text lists; returns how many entities."""
    entities = _out_entities(out)
    for name, entry in entities.items():
        kind, words = entry.words[0], entry.words
        if kind == "command":
            command = snapshot.commands[name]
            expected = tuple(None if w == "None" else w for w in (words[2], words[4]))
            assert (command.arguments, command.returns) == expected, name
            assert _cond(command.condition) == entry.condition, name
            assert entry.flags == {
                "gen": str(command.gen),
                "success_response": str(command.success_response),
                "boxed": str(command.boxed),
                "oob": str(command.allow_oob),
                "preconfig": str(command.allow_preconfig),
                **({"coroutine": "True"} if command.coroutine else {}),
            }, name
            assert list(command.features) == entry.features, name
        elif kind == "event":
            event = snapshot.events[name]
            assert event.data == (None if words[2] == "None" else words[2]), name
            assert _cond(event.condition) == entry.condition, name
            assert entry.flags == {"boxed": str(event.boxed)}, name
            assert list(event.features) == entry.features, name
        elif kind == "array":
            assert snapshot.type(name) == ArrayType(name, words[2])
        elif kind == "enum":
            enum = snapshot.type(name)
            assert isinstance(enum, EnumType)
            got = [(v.name, _cond(v.condition), list(v.features)) for v in enum.values]
            assert got == [(i.name, i.condition, i.features) for i in entry.of("member")], name
            assert list(enum.features) == entry.features, name
        elif kind == "alternate":
            alternate = snapshot.type(name)
            assert isinstance(alternate, AlternateType)
            branches = [(m.name, m.type, _cond(m.condition)) for m in alternate.members]
            assert branches == [(i.name, i.words[2], i.condition) for i in entry.of("case")]
        elif kind == "object":
            obj = snapshot.type(name)
            assert isinstance(obj, ObjectType)
            members = [
                (m.name, m.type, f"optional={m.optional}", _cond(m.condition)) for m in obj.members
            ]
            assert members == _flattened(entities, name), name
            tags = entry.of("tag")
            if tags:
                assert obj.variants is not None
                assert obj.variants.tag == tags[0].words[1]
                cases = {i.name: i.words[2] for i in entry.of("case")}
                assert dict(obj.variants.branches) == cases, name
            else:
                assert obj.variants is None, name
            assert list(obj.features) == entry.features, name
    return len(entities)
