"""Write the generated pages: one per contract, the contracts index, the compatibility matrix.

A contract page is in the order a reader asks: what the contract is, its rules,
its commands, events and types (each command and event with the rules that
govern it, each rule with the elements it governs), what was removed or
deprecated by QEMU release, then every version with its QEMU range, references
and changelog, and the releases that satisfy each version.

Everything comes from the loaded contracts, the differ (changelogs), our own real
recording (example messages) and the shipped release data; nothing from outside
the repository, so the site builds anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qmpcontract.docsite.governs import Element, element_anchor, governed_by, governs
from qmpcontract.docsite.history import Life
from qmpcontract.docsite.html import anchor, badge, who
from qmpcontract.docsite.libvirt_matrix import libvirt_table
from qmpcontract.docsite.matrix import ReleaseApi, matrix_table, missing_lines
from qmpcontract.docsite.typedocs import Site, members_table, types_section
from qmpcontract.docsite.versions import party_range, versions_section
from qmpcontract.model.contract import Command, Contract, ErrorClass, Event, Lifecycle, Rule
from qmpcontract.model.contract_set import ContractSet


def _life(life: Lifecycle) -> str:
    parts = [f"since {life.since}" if life.since else "not released yet"]
    parts.append(f"status **{life.status.value}**")
    if life.deprecated:
        replacement = (
            f", use `{life.deprecated.replacement}`" if life.deprecated.replacement else ""
        )
        parts.append(f"deprecated in {life.deprecated.version}{replacement}")
    if life.removed:
        parts.append(f"removed in {life.removed.version}")
    return "; ".join(parts)


def _governs_cell(elements: Sequence[Element], contract: Contract) -> str:
    commands = {("command", c.name) for c in contract.commands}
    events = {("event", e.name) for e in contract.events}
    chosen = set(elements)
    if commands and events and chosen == commands | events:
        return "every command and event"
    if commands and chosen == commands:
        return "every command"
    if events and chosen == events:
        return "every event"
    return ", ".join(f"[`{e[1]}`](#{element_anchor(e)})" for e in elements)


def _rules(contract: Contract) -> str:
    table = governs(contract)
    lines = [
        f"## Rules ({contract.version})",
        "",
        "Each rule's id links to its entry in the [rules reference](../reference/rules.md), "
        "with what the checker prints when it is broken; *Governs* links to the commands and "
        "events it is about, whose sections link back here.",
        "",
        "| Rule | Statement | Governs |",
        "|---|---|---|",
    ]
    for rule in contract.rules:
        check = f"machine check `{rule.check.kind}`" if rule.check else "review only"
        lines.append(
            f'| <span class="qmp-rule-anchor" id="{anchor(rule.id)}"></span>'
            f"[`{rule.id}`](../reference/rules.md#{anchor(rule.id)})<br>{badge(rule.level)} "
            f"{rule.category.value}, obliges {who(rule.party)}, {check} "
            f"| {rule.statement.replace('|', '/')} "
            f"| {_governs_cell(table[rule.id], contract)} |"
        )
    return "\n".join(lines) + "\n\n"


def _rule_list(rules: Sequence[Rule]) -> list[str]:
    if not rules:
        return []
    items = ", ".join(f"{badge(r.level)} [`{r.id}`](#{anchor(r.id)})" for r in rules)
    return [f"**Rules:** {items}", ""]


def _example(title: str, texts: Sequence[str]) -> str:
    if not texts:
        return ""
    body = "\n".join(texts)
    return (
        f'??? example "{title}"\n\n    ```json\n'
        + "".join(f"    {line}\n" for line in body.splitlines())
        + "    ```\n\n"
    )


def _element_head(
    kind: str, name: str, summary: str, lifecycle: Lifecycle, rules: Sequence[Rule]
) -> list[str]:
    """A command's or an event's heading, summary, life and the rules that govern it."""
    return [
        f"### `{name}` {{ #{element_anchor((kind, name))} }}",
        "",
        summary,
        "",
        _life(lifecycle) + ".",
        "",
        *_rule_list(rules),
    ]


def _command(
    command: Command,
    rules: Sequence[Rule],
    site: Site,
    examples: Mapping[str, Sequence[str]],
) -> str:
    lines = [
        *_element_head("command", command.name, command.summary, command.lifecycle, rules),
        "**Arguments**",
        "",
        members_table(command.arguments, site, "No arguments."),
        "**Returns**",
        "",
        members_table(command.returns, site, "An empty object."),
    ]
    errors = ", ".join(f"`{e}`" for e in command.errors) or "none listed"
    lines += [f"**Error classes:** {errors}", ""]
    if command.job is not None:
        ends = ", ".join(
            f"[`{e.event}`](#{element_anchor(('event', e.event))}) (job id in `{e.id_member}`)"
            for e in command.job.terminal_events
        )
        sources = ", ".join(f"`{p}`" for p in command.job.id_from)
        lines += [
            f"**Starts a job:** its id is the first of {sources} in the arguments; it "
            f"ends with exactly one of {ends}.",
            "",
        ]
    lines.append(_example("A real exchange (QEMU 7.2)", examples.get(command.name, ())))
    return "\n".join(lines)


def _event(
    event: Event, rules: Sequence[Rule], site: Site, examples: Mapping[str, Sequence[str]]
) -> str:
    lines = [
        *_element_head("event", event.name, event.summary, event.lifecycle, rules),
        "**Data**",
        "",
        members_table(event.data, site, "No data."),
        _example("A real event (QEMU 7.2)", examples.get(event.name, ())),
    ]
    return "\n".join(lines)


def _errors(errors: Sequence[ErrorClass]) -> str:
    if not errors:
        return ""
    lines = [
        "## Error classes",
        "",
        "| Class | Since | Status | Other spellings |",
        "|---|---|---|---|",
    ]
    for error in errors:
        aliases = ", ".join(
            f"`{a.name}` ({a.origin}"
            + (f"; for {', '.join(f'`{c}`' for c in a.commands)})" if a.commands else ")")
            for a in error.aliases
        )
        removed = (
            f" (removed in {error.lifecycle.removed.version})" if error.lifecycle.removed else ""
        )
        lines.append(
            f"| `{error.name}` | {error.lifecycle.since or ''} "
            f"| {error.lifecycle.status.value}{removed} | {aliases} |"
        )
    return "\n".join(lines) + "\n\n"


def _removed(versions: Sequence[Contract], lives: Sequence[Life]) -> str:
    """The contract's commands and events that were removed or deprecated, by QEMU release."""
    latest = versions[-1]
    current = {(k, e.name): e.lifecycle for k, els in _elements(latest) for e in els}
    every = {(k, e.name): None for c in versions for k, els in _elements(c) for e in els}
    by_name = {(life.kind, life.name): life for life in lives}
    lines = [
        "## Removed and deprecated",
        "",
        "The commands and events of any version of this contract that were removed or "
        "deprecated: as the contract says, and by QEMU release as the release data shows "
        "(see [History by QEMU release](../history.md)).",
        "",
        "| Name | In the contract | QEMU releases |",
        "|---|---|---|",
    ]
    shown = 0
    for key in every:
        data = by_name.get(key)
        now = current.get(key)
        said = _life(now) if now else f"dropped after {_last_version(versions, key)}"
        ended = now is None or now.deprecated or now.removed or now.status.value == "removed"
        if not ended and (data is None or (data.deprecated is None and data.removed is None)):
            continue
        releases = data.text() if data else "in no release of the data"
        lines.append(f"| `{key[1]}` ({key[0]}) | {said} | {releases} |")
        shown += 1
    if not shown:
        lines[-2:] = ["No command or event of this contract was removed or deprecated.", ""]
    return "\n".join(lines) + "\n\n"


def _elements(contract: Contract) -> tuple[tuple[str, Sequence[Command | Event]], ...]:
    return (("command", contract.commands), ("event", contract.events))


def _last_version(versions: Sequence[Contract], key: Element) -> str:
    having = [c for c in versions for k, els in _elements(c) for e in els if (k, e.name) == key]
    return str(having[-1].version) if having else "?"


def contract_page(
    contract_id: str,
    contracts: ContractSet,
    examples: Mapping[str, Sequence[str]],
    site: Site,
    releases: Sequence[ReleaseApi],
    lives: Sequence[Life],
) -> str:
    """The page of one contract, in the order a reader asks (see the module's docstring)."""
    versions = contracts.versions(contract_id)
    latest = versions[-1]
    consumers = ", ".join(party_range(p) for p in latest.consumers)
    rules = governed_by(latest)
    parts = [
        "---",
        "hide:",
        "  - navigation",
        "---",
        "",
        f"# {latest.title}",
        "",
        f"`{latest.id}` {latest.version}: {latest.summary}",
        "",
        "| Contract | |",
        "|---|---|",
        f"| Status | {latest.status.value} |",
        f"| Producer | {party_range(latest.producer)} |",
        f"| Consumers | {consumers} |",
        f"| Versions | {', '.join(f'[{c.version}](#version-{c.version})' for c in versions)} |",
        "",
        _rules(latest),
    ]
    if latest.commands:
        parts += ["## Commands", ""]
        parts += [
            _command(c, rules.get(("command", c.name), ()), site, examples) for c in latest.commands
        ]
    if latest.events:
        parts += ["## Events", ""]
        parts += [
            _event(e, rules.get(("event", e.name), ()), site, examples) for e in latest.events
        ]
    parts.append(types_section(latest, site))
    parts.append(_errors(latest.errors))
    parts.append(_removed(versions, lives))
    parts.append(versions_section(versions, list(contracts)))
    if releases:
        parts += [
            "## Compatibility with QEMU releases",
            "",
            "Computed from the release data of each QEMU release (x86_64); see "
            "[the matrix](../compatibility.md).",
            "",
            matrix_table(versions, releases, ""),
        ]
    return "\n".join(parts)


def contracts_index(contracts: ContractSet) -> str:
    """The list of contracts."""
    lines = [
        "# Contracts",
        "",
        "Every agreed API area, newest version first.",
        "",
        "| Contract | Title | Versions | Status |",
        "|---|---|---|---|",
    ]
    for contract_id in contracts.ids():
        versions = contracts.versions(contract_id)
        latest = versions[-1]
        lines.append(
            f"| [`{contract_id}`]({contract_id}.md) | {latest.title} "
            f"| {', '.join(str(c.version) for c in reversed(versions))} "
            f"| {latest.status.value} |"
        )
    return "\n".join(lines) + "\n"


def matrix_page(
    contracts: ContractSet, releases: Sequence[ReleaseApi], libvirts: Sequence[str] = ()
) -> str:
    """Contract versions against QEMU releases, one table per contract, with what is missing.

    With *libvirts* (libvirt releases), libvirt against QEMU through the contracts too.
    """
    first, last = releases[0].label, releases[-1].label
    lines = [
        "---",
        "hide:",
        "  - navigation",
        "  - toc",
        "---",
        "",
        "# Compatibility matrix",
        "",
        f"Which QEMU releases ({len(releases)} releases, {first} to {last}, x86_64) satisfy "
        "which contract versions, computed by `qmpcontract.docsite.matrix` from the release "
        "data `qmpcontract check` uses (`qmpcontract/releases/qemu-releases.json`, made from "
        "libvirt's capability probes of each release and QEMU's QAPI sources by "
        "`qmpcontract release-data build`). Releases only: development snapshots are left "
        "out. Consecutive releases with the same verdicts share a row.",
        "",
        '<span class="qmp-cell qmp-yes">yes</span> every command, event, argument and member '
        "the contract version says exists in that release is there. "
        '<span class="qmp-cell qmp-no">no (n)</span> n of them are missing (listed below). '
        '<span class="qmp-cell qmp-unknown">not introspectable</span> every agreed name is '
        "there, but the release does not describe some of them, so their members cannot be "
        "checked: QEMU before 2.5 had no `query-qmp-schema`, and 2.5 to 2.7 leave "
        "`qmp_capabilities` out of it. "
        '<span class="qmp-cell qmp-na">n/a</span> the release is outside the contract '
        "version's producer range.",
        "",
    ]
    details: list[str] = []
    for contract_id in contracts.ids():
        versions = contracts.versions(contract_id)
        lines += [
            f"## {contract_id}",
            "",
            matrix_table(versions, releases, f"contracts/{contract_id}.md"),
        ]
        details += missing_lines(versions, releases)
    if libvirts:
        lines += [
            "## libvirt and QEMU",
            "",
            "Each libvirt release of the shipped usage data against each QEMU release, through "
            "the contracts: for each contract, the newest version whose producer range holds "
            "the QEMU release and whose consumer range holds the libvirt release (a version "
            "that names no libvirt range holds every one), and that QEMU release's verdict on "
            "all of them. The contracts do not say which QEMU releases a libvirt release "
            "supports (libvirt's own minimum): a row says what the agreed contracts promise.",
            "",
            libvirt_table(contracts, libvirts, releases),
        ]
    if details:
        lines += ["## What is missing where", "", *details]
    return "\n".join(lines) + "\n"
