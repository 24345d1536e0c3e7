"""What the semantic checks of one contract file share: where problems go, what it can name."""

from __future__ import annotations

from qmpcontract.contract.index import ContractFile, SetIndex, as_list, as_map, as_str
from qmpcontract.contract.metaschema import describe_element
from qmpcontract.contract.problems import Problem, ProblemCode
from qmpcontract.location import split_pointer
from qmpcontract.model.contract import ElementKind

SECTIONS = {
    ElementKind.COMMAND: "commands",
    ElementKind.EVENT: "events",
    ElementKind.ERROR: "errors",
}


class Reporter:
    """Collects the problems of one contract file, each located by its JSON pointer."""

    def __init__(self, file: ContractFile) -> None:
        assert file.document is not None
        self.file = file
        self.document = file.document
        self.problems: list[Problem] = []

    def __call__(
        self,
        code: ProblemCode,
        pointer: str,
        message: str,
        related: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Report a problem with the element at *pointer* (and places *related* to it)."""
        where = describe_element(split_pointer(pointer), self.document.value)
        located = tuple((self.document.source.locate(p), note) for p, note in related)
        self.problems.append(
            Problem(self.document.source.locate(pointer), code, f"{where}: {message}", located)
        )


class Visible:
    """The elements a contract can name: its own and those of contracts it requires."""

    def __init__(self, file: ContractFile, index: SetIndex) -> None:
        self.own = file.raw
        self.required = index.required_files(file)
        self.names: dict[ElementKind, dict[str, str]] = {}
        self.aliases: dict[str, tuple[str, str]] = {}  # alias -> (canonical, owner)
        for source, owner in [(self.own, "this contract")] + [
            (f.raw, f"{f.contract_id}@{f.version}") for f in self.required
        ]:
            for kind, section in SECTIONS.items():
                for name in as_map(source.get(section)):
                    self.names.setdefault(kind, {}).setdefault(name, owner)
            for name, element in as_map(source.get("errors")).items():
                for alias in as_list(as_map(element).get("aliases")):
                    alias_name = as_str(as_map(alias).get("name"))
                    if alias_name is not None:
                        self.aliases.setdefault(alias_name, (name, owner))

    def has(self, kind: ElementKind, name: str) -> bool:
        """True if the contract or one it requires has element *name* of *kind*."""
        return name in self.names.get(kind, {})

    def schema_of(self, kind: ElementKind, name: str, member: str) -> tuple[object, object]:
        """The schema *member* of element *name* and the document it lives in."""
        for source in [self.own, *(f.raw for f in self.required)]:
            element = as_map(source.get(SECTIONS[kind])).get(name)
            if element is not None:
                return as_map(element).get(member), source
        return None, None
