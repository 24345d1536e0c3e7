"""Named types on the contract pages: readable type names that link to their tables.

Every named type of a contract (``types`` in the contract file) gets a section
on its contract's page (anchor ``type-NAME``) with its member table (name,
type, optional, since, status) or its values; every schema that refers to it,
in the same contract or another, links there, and the section lists who uses it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qmpcontract.model.contract import Contract
from qmpcontract.model.frozen_json import thaw


def type_anchor(name: str) -> str:
    """The anchor of a type's section: ``type-BlockJobInfo``."""
    return f"type-{name}"


@dataclass(frozen=True)
class Site:
    """Where each named type is documented, and who uses it, for the page of one contract."""

    page: str  # the contract id of the page being written
    types: Mapping[str, Mapping[str, Any]]  # contract id -> name -> schema (newest versions)
    users: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def target(self, ref: str) -> tuple[str, str]:
        """The contract and type name a ``$ref`` of this page's contract names."""
        path, _, pointer = ref.partition("#")
        name = pointer.rsplit("/", 1)[-1]
        contract = path.rsplit("/", 2)[-2] if path else self.page
        return contract, name

    def link(self, ref: str) -> str:
        """A markdown link to the type's section (on this page or another contract's)."""
        contract, name = self.target(ref)
        page = "" if contract == self.page else f"{contract}.md"
        if name not in self.types.get(contract, {}):
            return f"`{name}`"
        return f"[`{name}`]({page}#{type_anchor(name)})"

    def resolve(self, schema: object) -> object:
        """*schema*, or the schema its ``$ref`` names."""
        if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            contract, name = self.target(schema["$ref"])
            return self.types.get(contract, {}).get(name, schema)
        return schema


def type_text(schema: object, site: Site, depth: int = 0) -> str:
    """A short, readable type: ``string``, a linked ``JobType``, ``array of BlockJobInfo``..."""
    if depth > 6 or not isinstance(schema, Mapping):
        return "any"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return site.link(ref)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        return type_text(all_of[0], site, depth + 1)
    if "enum" in schema and isinstance(schema["enum"], list):
        values = [str(v) for v in schema["enum"]]
        shown = ", ".join(f"`{v}`" for v in values[:6])
        return f"enum: {shown}" + (", ..." if len(values) > 6 else "")
    if "const" in schema:
        return f"`{schema['const']}`"
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list) and options:
        return " or ".join(type_text(o, site, depth + 1) for o in options)
    kind = schema.get("type")
    if kind == "array":
        return f"array of {type_text(schema.get('items'), site, depth + 1)}"
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if isinstance(kind, str):
        return kind
    return "any" if not schema else "object"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _annotation(schema: object) -> Mapping[str, Any]:
    note = schema.get("x-qmp") if isinstance(schema, Mapping) else None
    return note if isinstance(note, Mapping) else {}


def members_table(schema: object, site: Site, empty: str) -> str:
    """A markdown table of an object schema's members (a named type is linked, not expanded)."""
    plain: Any = thaw(schema)
    if not isinstance(plain, dict):
        return f"{empty}\n"
    if "$ref" in plain:
        resolved = site.resolve(plain)
        kind = "an object" if isinstance(resolved, Mapping) and "properties" in resolved else "a"
        return f"{kind.capitalize()} {type_text(plain, site)}.\n"
    if plain.get("type") == "array":
        return f"An array of {type_text(plain.get('items'), site)}.\n"
    properties = plain.get("properties")
    if not isinstance(properties, dict) or not properties:
        return f"{empty}\n" if plain.get("type") == "object" else f"A {type_text(plain, site)}.\n"
    required = set(plain.get("required", []))
    notes = any("note" in _annotation(sub) for sub in properties.values())
    head = "| Name | Type | Optional | Since | Status |" + (" Note |" if notes else "")
    lines = [head, "|---|---|---|---|---|" + ("---|" if notes else "")]
    for name, sub in properties.items():
        annotation = _annotation(sub)
        row = (
            f"| `{name}` | {_cell(type_text(sub, site))} "
            f"| {'no' if name in required else 'yes'} | {annotation.get('since', '')} "
            f"| {annotation.get('status', 'stable')} |"
        )
        lines.append(row + (f" {_cell(annotation.get('note', ''))} |" if notes else ""))
    lines.append("")
    if plain.get("additionalProperties") is False:
        lines += ["No other member is accepted.", ""]
    return "\n".join(lines) + "\n"


def _values_table(schema: Mapping[str, Any]) -> str:
    values = _annotation(schema).get("values", {})
    since = _annotation(schema).get("since", "")
    lines = ["| Value | Since | Status |", "|---|---|---|"]
    for value in schema["enum"]:
        entry = values.get(value, {}) if isinstance(values, Mapping) else {}
        lines.append(
            f"| `{value}` | {entry.get('since', since)} | {entry.get('status', 'stable')} |"
        )
    return "\n".join(lines) + "\n"


def refs_in(schema: object) -> Iterator[str]:
    """Every ``$ref`` in *schema*, in order."""
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(schema, list | tuple):
        for value in schema:
            yield from refs_in(value)


def usage(contracts: Sequence[Contract]) -> dict[tuple[str, str], tuple[str, ...]]:
    """(contract, type) -> markdown links to every command, event and type that uses it."""
    found: dict[tuple[str, str], list[str]] = {}
    for contract in contracts:
        site = Site(contract.id, {})
        places: list[tuple[str, str, object]] = []
        for command in contract.commands:
            places.append(("command", command.name, (command.arguments, command.returns)))
        places += [("event", event.name, event.data) for event in contract.events]
        types = thaw(contract.types)
        if isinstance(types, dict):
            places += [("type", name, schema) for name, schema in types.items()]
        for kind, name, schema in places:
            for ref in dict.fromkeys(refs_in(thaw(schema))):
                target = site.target(ref)
                link = f"[`{name}`]({contract.id}.md#{kind}-{name})"
                users = found.setdefault(target, [])
                if link not in users and (kind, name) != ("type", target[1]):
                    users.append(link)
    return {key: tuple(value) for key, value in found.items()}


def sites_of(contracts: Sequence[Contract]) -> dict[str, Site]:
    """The :class:`Site` of each contract's page, for the newest versions *contracts*."""
    types: dict[str, Mapping[str, Any]] = {}
    for contract in contracts:
        plain = thaw(contract.types)
        types[contract.id] = plain if isinstance(plain, dict) else {}
    users = usage(contracts)
    return {c.id: Site(c.id, types, users) for c in contracts}


def types_section(contract: Contract, site: Site) -> str:
    """The section of every named type of *contract*: what it is, its table, who uses it."""
    types = site.types.get(contract.id, {})
    if not types:
        return ""
    lines = ["## Types", ""]
    for name, schema in types.items():
        annotation = _annotation(schema)
        lines += [f"### `{name}` {{ #{type_anchor(name)} }}", ""]
        about = [f"Since {annotation['since']}" if "since" in annotation else ""]
        about.append(str(annotation.get("note", "")).rstrip("."))
        text = "; ".join(x for x in about if x)
        if text:
            lines += [text[:1].upper() + text[1:] + ".", ""]
        if isinstance(schema, Mapping) and isinstance(schema.get("enum"), list):
            lines.append(_values_table(schema))
        else:
            lines.append(members_table(schema, site, "An object without members."))
        users = site.users.get((contract.id, name), ())
        if users:
            lines += ["Used by " + ", ".join(users) + ".", ""]
    return "\n".join(lines) + "\n"
