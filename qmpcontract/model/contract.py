"""The contract model: what QEMU and libvirt agreed, as frozen typed objects.

One :class:`Contract` is one file ``contracts/<id>/<version>.json``.  Its wire
names (``block-stream``, ``BLOCK_JOB_COMPLETED``, ``GenericError``) are the
canonical spelling everywhere.  Schemas are JSON Schema (Draft 2020-12) kept as
frozen JSON.  Objects are built by :mod:`qmpcontract.contract` after the file
passed both the meta-schema and the semantic checks, so every field here can be
trusted by its consumers.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from qmpcontract.model.frozen_json import FrozenJson
from qmpcontract.model.versions import QemuRange, QemuVersion, SemVer, VersionRequirement


class Level(enum.StrEnum):
    """RFC 2119 requirement level of a rule."""

    MUST = "MUST"  # ABI: names and wire format that existing clients rely on
    SHOULD = "SHOULD"  # backward compatibility: keep old clients working
    MAY = "MAY"  # advice

    @property
    def rank(self) -> int:
        """0 for MUST, 1 for SHOULD, 2 for MAY: lower is more severe."""
        return list(Level).index(self)

    def fails(self, fail_on: Level | None) -> bool:
        """The verdict: True if this level is at or above *fail_on* (None: never fails).

        >>> Level.SHOULD.fails(Level.MUST), Level.SHOULD.fails(Level.SHOULD)
        (False, True)
        """
        return fail_on is not None and self.rank <= fail_on.rank


class Category(enum.StrEnum):
    """What a rule protects."""

    ABI = "abi"
    COMPAT = "compat"
    PROTOCOL = "protocol"
    LIFECYCLE = "lifecycle"
    ADVICE = "advice"


class Obliged(enum.StrEnum):
    """Whom a rule obliges: QEMU, its clients (libvirt), or both sides."""

    PRODUCER = "producer"
    CONSUMER = "consumer"
    BOTH = "both"

    def subject(self, producer: str = "QEMU") -> str:
        """Who must act, in a sentence: "QEMU", "the client", "QEMU and the client"."""
        return {"producer": producer, "consumer": "the client"}.get(
            self.value, f"{producer} and the client"
        )


class ContractStatus(enum.StrEnum):
    """Where a contract version stands between the two projects."""

    DRAFT = "draft"
    AGREED = "agreed"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class ElementStatus(enum.StrEnum):
    """The status of a command, event, error class or member."""

    DECLARED = "declared"  # agreed but not implemented yet (QAPI's 'gen': false)
    STABLE = "stable"
    DEPRECATED = "deprecated"
    REMOVED = "removed"
    UNSTABLE = "unstable"


class ElementKind(enum.StrEnum):
    """The kinds of contract elements."""

    COMMAND = "command"
    EVENT = "event"
    ERROR = "error"


@dataclass(frozen=True)
class Reference:
    """Where something was agreed or specified: a thread, commit, spec section."""

    kind: str
    title: str
    url: str | None = None
    date: str | None = None
    commit: str | None = None
    repo: str | None = None
    section: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Deprecation:
    """Deprecated in a producer version, with what to use instead."""

    version: QemuVersion
    replacement: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Removal:
    """Removed in a producer version."""

    version: QemuVersion
    note: str | None = None


@dataclass(frozen=True)
class Lifecycle:
    """``since``, status, and the deprecation and removal of an element."""

    status: ElementStatus
    since: QemuVersion | None = None
    deprecated: Deprecation | None = None
    removed: Removal | None = None

    def available_in(self, version: QemuVersion) -> bool:
        """True if the producer offers the element in *version*.

        >>> life = Lifecycle(ElementStatus.REMOVED, QemuVersion(1, 1),
        ...                  removed=Removal(QemuVersion(1, 2)))
        >>> life.available_in(QemuVersion(1, 1, 5)), life.available_in(QemuVersion(1, 2))
        (True, False)
        """
        if self.status is ElementStatus.DECLARED or self.since is None:
            return False
        return version in QemuRange(self.since, self.removed.version if self.removed else None)


@dataclass(frozen=True)
class JobEnd:
    """An event about a job: its name, the data member holding the job id, what it must say.

    *when* lists data members and the values they must have for the event to
    count (``JOB_STATUS_CHANGE`` with ``status`` ``concluded``).
    """

    event: str
    id_member: str
    when: tuple[tuple[str, str], ...] = ()

    def about(self, name: str | None, data: Mapping[str, object], job: str) -> bool:
        """True if an event called *name* with *data* is this event, for *job*."""
        if name != self.event or data.get(self.id_member) != job:
            return False
        return all(data.get(key) == value for key, value in self.when)

    def __str__(self) -> str:
        when = "".join(f" {k} '{v}'" for k, v in self.when)
        return f"{self.event}{when}"


@dataclass(frozen=True)
class CancelAfterReady:
    """A job that may become ready; cancelled with *command* after that, it ends with *ends_with*.

    The mirror rule: ``block-job-cancel`` after ``BLOCK_JOB_READY`` completes the
    job (the target holds a point-in-time copy), unless *unless* (``force``) is true.
    """

    ready: JobEnd
    command: str
    id_argument: str
    ends_with: str
    unless: str | None = None


@dataclass(frozen=True)
class JobEnding:
    """A terminal event an aborting job may end with, and the data member it must carry."""

    event: str
    carrying: str | None = None

    def __str__(self) -> str:
        return self.event + (f" carrying '{self.carrying}'" if self.carrying else "")


@dataclass(frozen=True)
class Aborting:
    """A job that reports *signal* (its status 'aborting') ends with one of *ends_with*."""

    signal: JobEnd
    ends_with: tuple[JobEnding, ...]


@dataclass(frozen=True)
class JobSpec:
    """A command that starts a job which finishes later with a terminal event."""

    id_from: tuple[str, ...]  # JSON pointers into the arguments; the first present wins
    terminal_events: tuple[JobEnd, ...]
    note: str | None = None
    type: str | None = None  # QEMU's JobType value ('mirror'), for messages and docs
    cancel_after_ready: CancelAfterReady | None = None
    aborting: Aborting | None = None


@dataclass(frozen=True)
class Command:
    """A QMP command: arguments in, a return value or an error out."""

    name: str
    summary: str
    lifecycle: Lifecycle
    arguments: FrozenJson | None
    returns: FrozenJson | None
    errors: tuple[str, ...]
    job: JobSpec | None = None
    allow_oob: bool = False
    agreed: tuple[Reference, ...] = ()
    pointer: str = ""
    safe: bool = False  # read-only whatever the arguments: the fuzzer may send it


@dataclass(frozen=True)
class Event:
    """An asynchronous QMP event."""

    name: str
    summary: str
    lifecycle: Lifecycle
    data: FrozenJson | None
    agreed: tuple[Reference, ...] = ()
    pointer: str = ""


@dataclass(frozen=True)
class Spelling:
    """An alternative spelling of an error class, and where it appears."""

    name: str
    origin: str  # "off-tree" (downstream, unmerged), "draft" (a draft's spelling), "legacy"
    since: QemuVersion | None = None
    until: QemuVersion | None = None
    seen_in: str | None = None
    note: str | None = None
    # the commands whose errors may carry this spelling; None: every command listing the class
    commands: tuple[str, ...] | None = None

    def applies_to(self, command: Command, canonical: str, version: QemuVersion | None) -> bool:
        """True if *command*'s error spelled this way means the class *canonical*.

        An alias names the commands where both spellings mean the same class (by default,
        every command that lists the class) and, with ``since``/``until``, the releases.

        >>> life = Lifecycle(ElementStatus.STABLE, QemuVersion(1, 1))
        >>> stream = Command("block-stream", "", life, None, None, ("NotSupported",))
        >>> resize = Command("block_resize", "", life, None, None, ("Unsupported",))
        >>> alias = Spelling("Unsupported", "draft")
        >>> [alias.applies_to(c, "NotSupported", None) for c in (stream, resize)]
        [True, False]
        >>> scoped = Spelling("Unsupported", "draft", commands=("block_job_set_speed",))
        >>> scoped.applies_to(stream, "NotSupported", None)
        False
        """
        if self.commands is not None:
            scoped = command.name in self.commands
        else:
            scoped = canonical in command.errors
        if not scoped or version is None or (self.since is None and self.until is None):
            return scoped
        return version in QemuRange(self.since, self.until)


@dataclass(frozen=True)
class ErrorClass:
    """An error ``class`` value, with accepted alternative spellings."""

    name: str
    summary: str
    lifecycle: Lifecycle
    aliases: tuple[Spelling, ...] = ()
    agreed: tuple[Reference, ...] = ()
    pointer: str = ""

    def spellings(self) -> tuple[str, ...]:
        """The canonical name followed by every accepted alias."""
        return (self.name, *(a.name for a in self.aliases))

    def alias(self, name: str) -> Spelling | None:
        """The alias spelled *name*, if the class has one."""
        return next((a for a in self.aliases if a.name == name), None)

    def means(self, name: str, command: Command, version: QemuVersion | None) -> bool:
        """True if *command*'s error class *name* is this class (its name, or an alias there)."""
        if name == self.name:
            return True
        alias = self.alias(name)
        return alias is not None and alias.applies_to(command, self.name, version)


@dataclass(frozen=True)
class CheckSpec:
    """A machine check: a kind from the check-kind catalogue and its parameters."""

    kind: str
    params: FrozenJson


@dataclass(frozen=True)
class Rule:
    """One agreed rule: an RFC 2119 statement, where it comes from, how to check it."""

    id: str
    level: Level
    category: Category
    statement: str
    sources: tuple[Reference, ...]
    party: Obliged = Obliged.PRODUCER
    check: CheckSpec | None = None
    rationale: str | None = None
    pointer: str = ""


@dataclass(frozen=True)
class Party:
    """A producer or consumer project and the versions of it the contract covers."""

    name: str
    versions: QemuRange | None = None  # release numbers of *this* party
    role: str | None = None
    agreed: tuple[Reference, ...] = ()  # where those versions are shown to rely on it


@dataclass(frozen=True)
class Requirement:
    """Another contract this one builds on (for shared error classes and types)."""

    contract: str
    version: VersionRequirement


@dataclass(frozen=True)
class Contract:
    """One version of one agreed API area."""

    id: str
    version: SemVer
    title: str
    summary: str
    status: ContractStatus
    producer: Party
    consumers: tuple[Party, ...]
    agreed: tuple[Reference, ...]
    requires: tuple[Requirement, ...] = ()
    types: FrozenJson = None
    commands: tuple[Command, ...] = ()
    events: tuple[Event, ...] = ()
    errors: tuple[ErrorClass, ...] = ()
    rules: tuple[Rule, ...] = ()
    changes: str | None = None
    path: str = field(default="", compare=False)

    @property
    def ref(self) -> str:
        """``id@version``, the way findings name a contract."""
        return f"{self.id}@{self.version}"

    def command(self, name: str) -> Command | None:
        """The command called *name*, if this contract defines it."""
        return next((c for c in self.commands if c.name == name), None)

    def event(self, name: str) -> Event | None:
        """The event called *name*, if this contract defines it."""
        return next((e for e in self.events if e.name == name), None)

    def error(self, name: str) -> ErrorClass | None:
        """The error class whose canonical name or alias is *name*."""
        return next((e for e in self.errors if name in e.spellings()), None)

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with id *rule_id*, if this contract states it."""
        return next((r for r in self.rules if r.id == rule_id), None)
