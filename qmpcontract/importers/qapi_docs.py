"""Documentation comments against the definitions they document (QEMU 10's rules).

Definition documentation must describe exactly what is there
(docs/devel/qapi-code-gen.rst, "Definition documentation"): every member of a
struct (and of a union's or command's implicit type), value of an enum,
branch of an alternate and every feature needs a description, unless the
definition is listed in pragma ``documentation-exceptions``; and every
description must be of something that exists.  Members of a named base type or
of a boxed command's type are documented where that type is defined.
"""

from __future__ import annotations

from collections.abc import Iterable

from qmpcontract.importers import qapi_entities as ent
from qmpcontract.read.qapi import QapiDoc
from qmpcontract.read.qapi_source import QapiError, SourceInfo


class DocChecker:
    """Connects each definition to its documentation, then finds what is left over."""

    def __init__(self, exceptions: Iterable[str]) -> None:
        self.exceptions = set(exceptions)
        self.members: dict[int, set[str]] = {}  # id(doc) -> described members that exist
        self.features: dict[int, set[str]] = {}

    def connect(self, entity: ent.Entity) -> None:
        """Check that *entity*'s documentation describes its members and features.

        :raise QapiError: ``member 'x' lacks documentation`` and the like.
        """
        doc = entity.doc
        if doc is None or entity.is_implicit():
            return
        for feature in entity.features:
            self._describe(doc, feature, self.features, doc.features)
        members: list[ent.Member] = []
        if isinstance(entity, ent.Enum):
            members = entity.values
        elif isinstance(entity, ent.Object):
            if entity.base is not None and entity.base.is_implicit():
                members = list(entity.base.local_members)
            members += entity.local_members
        elif isinstance(entity, ent.Alternate):
            members = entity.branches
        elif isinstance(entity, ent.Command | ent.Event):
            arguments = entity.arg_type
            if arguments is not None and arguments.is_implicit() and not entity.boxed:
                members = arguments.local_members
        for member in members:
            self._describe(doc, member, self.members, doc.members)
            for feature in member.features:
                self._describe(doc, feature, self.features, doc.features)

    def _describe(
        self,
        doc: QapiDoc,
        what: ent.Member,
        connected: dict[int, set[str]],
        described: Iterable[str],
    ) -> None:
        if what.name not in described and doc.symbol not in self.exceptions:
            raise QapiError(
                f"{what.role} '{what.name}' lacks documentation",
                what.info or SourceInfo("<built-in>"),
            )
        connected.setdefault(id(doc), set()).add(what.name)

    def finish(self, docs: Iterable[QapiDoc]) -> None:
        """Every description is of something that exists.

        :raise QapiError: ``documented member 'x' does not exist`` and the like.
        """
        for doc in docs:
            if doc.symbol is None:
                continue
            for kind, described, connected in (
                ("member", doc.members, self.members),
                ("feature", doc.features, self.features),
            ):
                bogus = [n for n in described if n not in connected.get(id(doc), set())]
                if bogus:
                    many = len(bogus) > 1
                    raise QapiError(
                        f"documented {kind}{'s' if many else ''} "
                        + ", ".join(f"'{name}'" for name in bogus)
                        + (" do not exist" if many else " does not exist"),
                        described[bogus[0]].info,
                    )
