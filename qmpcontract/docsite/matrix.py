"""Which QEMU releases satisfy which contract versions, from the shipped release data.

A release satisfies a contract version when every command and event the
contract says exists in that release (its lifecycle: from ``since``, until
``removed``; declared elements excepted) is there, with every argument, return
member and event data member the contract says exists in that release,
arguments required no more than agreed.  Releases outside a contract's producer
range are "n/a".  A release that names an element without describing it
(every element before QEMU 2.5, which had no ``query-qmp-schema``;
``qmp_capabilities`` in 2.5 to 2.7) cannot show its members: where that is all
that is unknown, the cell says "not introspectable".

The releases are the series of :mod:`qmpcontract.docsite.history`: one per
release, development snapshots left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from qmpcontract.check.validators import member_available
from qmpcontract.docsite.history import names, series
from qmpcontract.model.contract import Contract, ElementStatus
from qmpcontract.model.frozen_json import thaw
from qmpcontract.model.qemu_api import ApiSnapshot, ArrayType, ObjectType
from qmpcontract.model.versions import QemuVersion
from qmpcontract.releases.data import ReleaseData

Members = dict[str, bool]  # member name -> required


@dataclass(frozen=True)
class ReleaseApi:
    """What the matrix needs of one release: names, and members where they are described."""

    version: QemuVersion
    label: str
    commands: Mapping[str, tuple[Members, frozenset[str]] | None]  # None: not described
    events: Mapping[str, Members | None]

    @property
    def introspected(self) -> bool:
        """True if the release describes its elements (QEMU 2.5 and later)."""
        return any(v is not None for v in self.commands.values())


@dataclass(frozen=True)
class Verdict:
    """One cell of the matrix."""

    applies: bool
    missing: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # named by the release, not described by it

    @property
    def symbol(self) -> str:
        """What the table shows."""
        if not self.applies:
            return "n/a"
        if self.missing:
            return f"no ({len(self.missing)})"
        return "not introspectable" if self.unknown else "yes"

    @property
    def css(self) -> str:
        """The cell's class in extra.css."""
        return {"n/a": "na", "yes": "yes", "not introspectable": "unknown"}.get(self.symbol, "no")


def _members(snapshot: ApiSnapshot, type_id: str | None) -> Members:
    found = snapshot.types.get(type_id) if type_id else None
    if isinstance(found, ArrayType):
        found = snapshot.types.get(found.element)
    if not isinstance(found, ObjectType):
        return {}
    members = {m.name: not m.optional for m in found.members}
    for branch in found.variants.branches.values() if found.variants else ():
        for name in _members(snapshot, branch):
            members.setdefault(name, False)
    return members


def release_apis(data: ReleaseData) -> list[ReleaseApi]:
    """Every release of the series, oldest first."""
    out = []
    for release in series(data):
        snapshot = data.snapshot(release)
        present = names(data, release)
        commands: dict[str, tuple[Members, frozenset[str]] | None] = {}
        events: dict[str, Members | None] = {}
        for kind, name in present:
            if kind == "command" and name in snapshot.commands:
                command = snapshot.commands[name]
                returns = frozenset(_members(snapshot, command.returns))
                commands[name] = (_members(snapshot, command.arguments), returns)
            elif kind == "command":
                commands[name] = None
            elif name in snapshot.events:
                events[name] = _members(snapshot, snapshot.events[name].data)
            else:
                events[name] = None
        version = release.version
        label = f"{version.major}.{version.minor}"
        out.append(ReleaseApi(version, label, commands, events))
    return out


def _agreed(schema: object, types: object, version: QemuVersion) -> Members:
    plain = thaw(schema)
    if isinstance(plain, dict) and isinstance(plain.get("$ref"), str):
        resolved = thaw(types)
        name = plain["$ref"].rsplit("/", 1)[-1]
        plain = resolved.get(name) if isinstance(resolved, dict) else None
    if isinstance(plain, dict) and plain.get("type") == "array":
        return _agreed(plain.get("items"), types, version)
    if not isinstance(plain, dict):
        return {}
    required = set(plain.get("required", []))
    available = {
        name
        for name, sub in (plain.get("properties") or {}).items()
        if member_available(sub.get("x-qmp") if isinstance(sub, dict) else None, version)
    }  # not yet, or no longer, in that release: the checker's own judgement
    # "exactly one of uri and channels": in a release without channels, uri is mandatory
    choices = [
        set(alt.get("required", []))
        for alt in plain.get("oneOf", [])
        if isinstance(alt, dict)
        and set(alt.get("required", [])) <= available
        and member_available(alt.get("x-qmp"), version)  # an alternative with its own since
    ]
    if choices:
        required |= set.intersection(*choices)
    return {name: name in required for name in plain.get("properties") or {} if name in available}


def _incomplete(schema: object) -> bool:
    """True for arguments QEMU's schema lists only in part ('gen': false, device_add)."""
    plain = thaw(schema)
    annotation = plain.get("x-qmp") if isinstance(plain, dict) else None
    return isinstance(annotation, dict) and annotation.get("incomplete") is True


def verdict(contract: Contract, release: ReleaseApi) -> Verdict:
    """Whether *release* satisfies *contract*."""
    version = release.version
    span = contract.producer.versions
    if span is not None and version not in span:
        return Verdict(False)
    missing: list[str] = []
    unknown: list[str] = []
    for command in contract.commands:
        life = command.lifecycle
        if life.status is ElementStatus.DECLARED or not life.available_in(version):
            continue
        if command.name not in release.commands:
            missing.append(f"command {command.name}")
            continue
        have = release.commands[command.name]
        if have is None:
            unknown.append(f"command {command.name}")
            continue
        arguments, returned = have
        agreed = (
            {}
            if _incomplete(command.arguments)
            else _agreed(command.arguments, contract.types, version)
        )
        for name, required in agreed.items():
            if name not in arguments:
                missing.append(f"{command.name}: argument {name}")
            elif arguments[name] and not required:
                missing.append(f"{command.name}: argument {name} is mandatory")
        for name in _agreed(command.returns, contract.types, version):
            if returned and name not in returned:
                missing.append(f"{command.name}: returns no {name}")
    for event in contract.events:
        life = event.lifecycle
        if life.status is ElementStatus.DECLARED or not life.available_in(version):
            continue
        if event.name not in release.events:
            missing.append(f"event {event.name}")
            continue
        data = release.events[event.name]
        if data is None:
            unknown.append(f"event {event.name}")
            continue
        for name in _agreed(event.data, contract.types, version):
            if name not in data:
                missing.append(f"{event.name}: no data member {name}")
    return Verdict(True, tuple(missing), tuple(unknown))


@dataclass(frozen=True)
class Row:
    """Consecutive releases with the same verdicts, shown as one row."""

    first: ReleaseApi
    last: ReleaseApi
    cells: tuple[Verdict, ...]

    @property
    def label(self) -> str:
        """``2.8`` or ``2.8 to 4.2``."""
        if self.first is self.last:
            return self.first.label
        return f"{self.first.label} to {self.last.label}"


def rows(columns: Sequence[Contract], releases: Sequence[ReleaseApi]) -> list[Row]:
    """The matrix's rows: neighbours that show the same cells collapsed into one."""
    out: list[Row] = []
    for release in releases:
        cells = tuple(verdict(c, release) for c in columns)
        if out and [c.symbol for c in out[-1].cells] == [c.symbol for c in cells]:
            out[-1] = Row(out[-1].first, release, out[-1].cells)
        else:
            out.append(Row(release, release, cells))
    return out


def _cell(result: Verdict) -> str:
    return f'<span class="qmp-cell qmp-{result.css}">{result.symbol}</span>'


def matrix_table(columns: Sequence[Contract], releases: Sequence[ReleaseApi], link: str) -> str:
    """One contract's versions (columns) against the releases (rows, collapsed), markdown.

    *link* is the page of the contract versions' sections (``""`` on their own page).
    """
    head = " | ".join(f"[{c.version}]({link}#version-{c.version})" for c in columns)
    lines = [f"| QEMU | {head} |", "|---|" + ":-:|" * len(columns)]
    for row in rows(columns, releases):
        lines.append(f"| {row.label} | " + " | ".join(_cell(v) for v in row.cells) + " |")
    return "\n".join(lines) + "\n"


def missing_lines(columns: Sequence[Contract], releases: Sequence[ReleaseApi]) -> Iterator[str]:
    """What is missing where (and what an introspected release names without describing).

    One line per contract version and run of neighbouring releases with the same gaps.
    """
    for contract in columns:
        runs: list[tuple[ReleaseApi, ReleaseApi, Verdict]] = []
        for release in releases:
            result = verdict(contract, release)
            if runs and runs[-1][2] == result:
                runs[-1] = (runs[-1][0], release, result)
            else:
                runs.append((release, release, result))
        for first, last, result in runs:
            span = first.label if first is last else f"{first.label} to {last.label}"
            if result.missing:
                yield f"- QEMU {span}, {contract.ref}: " + "; ".join(result.missing)
            elif result.unknown and first.introspected:
                yield (
                    f"- QEMU {span}, {contract.ref}: named without a schema: "
                    + "; ".join(result.unknown)
                )
