"""Write the generated pages: one per contract, the contracts index, the compatibility matrix.

Everything comes from the loaded contracts, the differ (changelogs), our own real
recording (example messages) and the compact API index; nothing from outside the
repository, so the site builds anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qmpcontract.diff.compare import Differ
from qmpcontract.docsite.matrix import verdict
from qmpcontract.docsite.tables import members_table
from qmpcontract.model.contract import Command, Contract, ErrorClass, Event, Level, Lifecycle
from qmpcontract.model.contract_set import ContractSet

BADGE = {Level.MUST: "must", Level.SHOULD: "should", Level.MAY: "may"}


def badge(level: Level) -> str:
    """An inline badge for a requirement level (styled by docs/stylesheets/extra.css)."""
    label = "INFO" if level is Level.MAY else level.value
    return f'<span class="qmp-badge qmp-{BADGE[level]}">{label}</span>'


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


def _references(contract: Contract) -> str:
    out = []
    for ref in contract.agreed:
        title = f"[{ref.title}]({ref.url})" if ref.url else ref.title
        extra = ", ".join(x for x in (ref.date, ref.commit and f"commit `{ref.commit[:12]}`") if x)
        out.append(f"- {ref.kind}: {title}" + (f" ({extra})" if extra else ""))
    return "\n".join(out)


def _versions(versions: Sequence[Contract], context: list[Contract]) -> str:
    lines = ["## Versions", ""]
    previous: Contract | None = None
    for contract in versions:
        span = contract.producer.versions
        producer = ""
        if span is not None:
            producer = " ".join(
                x
                for x in (
                    span.since and f"QEMU {span.since}",
                    span.until and f"until QEMU {span.until} (excluded)",
                )
                if x
            )
        lines += [f"### {contract.version} ({contract.status.value})", ""]
        if producer:
            lines += [f"Applies from {producer}.", ""]
        if contract.changes:
            lines += [contract.changes, ""]
        if previous is None:
            lines += ["First version.", ""]
        else:
            changes = Differ(context, context).diff(previous, contract)
            lines += [
                f"Changes from {previous.version}, as `qmpcontract diff` classifies them:",
                "",
            ]
            for change in sorted(changes, key=lambda c: (c.level.rank, c.element, c.path)):
                lines.append(f"- {badge(change.level)} `{change.rule_id}` {change.message}")
            if not changes:
                lines.append("- no wire-visible change")
            lines.append("")
        previous = contract
    return "\n".join(lines) + "\n"


def _rules(contract: Contract) -> str:
    lines = [
        f"## Rules ({contract.version})",
        "",
        "| Rule | Level | Category | Obliges | Statement | Checked by |",
        "|---|---|---|---|---|---|",
    ]
    for rule in contract.rules:
        check = f"machine: `{rule.check.kind}`" if rule.check else "review only"
        anchor = rule.id.replace("/", "-")
        lines.append(
            f"| [`{rule.id}`](../reference/rules.md#{anchor}) | {badge(rule.level)} "
            f"| {rule.category.value} | {rule.party.value} | {rule.statement.replace('|', '/')} "
            f"| {check} |"
        )
    return "\n".join(lines) + "\n\n"


def _example(title: str, texts: Sequence[str]) -> str:
    if not texts:
        return ""
    body = "\n".join(texts)
    return (
        f'??? example "{title}"\n\n    ```json\n'
        + "".join(f"    {line}\n" for line in body.splitlines())
        + "    ```\n\n"
    )


def _command(command: Command, contract: Contract, examples: Mapping[str, Sequence[str]]) -> str:
    lines = [f"### `{command.name}`", "", command.summary, "", _life(command.lifecycle) + ".", ""]
    lines += [
        "**Arguments**",
        "",
        members_table(command.arguments, contract.types, "No arguments."),
    ]
    lines += ["**Returns**", "", members_table(command.returns, contract.types, "An empty object.")]
    errors = ", ".join(f"`{e}`" for e in command.errors) or "none listed"
    lines += [f"**Error classes:** {errors}", ""]
    if command.job is not None:
        ends = ", ".join(
            f"`{e.event}` (job id in `{e.id_member}`)" for e in command.job.terminal_events
        )
        sources = ", ".join(f"`{p}`" for p in command.job.id_from)
        lines += [
            f"**Starts a job:** its id is the first of {sources} in the arguments; it "
            f"ends with exactly one of {ends}.",
            "",
        ]
    lines.append(_example("A real exchange (QEMU 7.2)", examples.get(command.name, ())))
    return "\n".join(lines)


def _event(event: Event, contract: Contract, examples: Mapping[str, Sequence[str]]) -> str:
    lines = [f"### `{event.name}`", "", event.summary, "", _life(event.lifecycle) + ".", ""]
    lines += ["**Data**", "", members_table(event.data, contract.types, "No data.")]
    lines.append(_example("A real event (QEMU 7.2)", examples.get(event.name, ())))
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


def _compatibility(versions: Sequence[Contract], releases: Sequence[Mapping[str, Any]]) -> str:
    if not releases:
        return ""
    lines = [
        "## Compatibility with QEMU releases",
        "",
        "Computed from the real introspection of each release (x86_64); see "
        "[the matrix](../compatibility.md).",
        "",
        "| QEMU | " + " | ".join(str(c.version) for c in versions) + " |",
        "|---|" + "---|" * len(versions),
    ]
    for release in releases:
        cells = [verdict(c, release).symbol for c in versions]
        lines.append(f"| {release['version']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def contract_page(
    contract_id: str,
    contracts: ContractSet,
    examples: Mapping[str, Sequence[str]],
    releases: Sequence[Mapping[str, Any]],
) -> str:
    """The page of one contract: every version, rules, commands, events, compatibility."""
    versions = contracts.versions(contract_id)
    latest = versions[-1]
    context = list(contracts)
    consumers = ", ".join(p.name for p in latest.consumers)
    parts = [
        f"# {latest.title}",
        "",
        f"`{latest.id}` {latest.version}: {latest.summary}",
        "",
        "| | |",
        "|---|---|",
        f"| Status | {latest.status.value} |",
        f"| Producer | {latest.producer.name} |",
        f"| Consumers | {consumers} |",
        f"| Versions | {', '.join(str(c.version) for c in versions)} |",
        "",
        "**Where it was agreed**",
        "",
        _references(latest),
        "",
        _versions(versions, context),
        _rules(latest),
    ]
    if latest.commands:
        parts += ["## Commands", ""]
        parts += [_command(c, latest, examples) for c in latest.commands]
    if latest.events:
        parts += ["## Events", ""]
        parts += [_event(e, latest, examples) for e in latest.events]
    parts.append(_errors(latest.errors))
    parts.append(_compatibility(versions, releases))
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
            f"| {', '.join(str(c.version) for c in versions)} | {latest.status.value} |"
        )
    return "\n".join(lines) + "\n"


def matrix_page(
    contracts: ContractSet, releases: Sequence[Mapping[str, Any]], regenerate: str
) -> str:
    """Contract versions against QEMU releases, with what is missing where."""
    columns = [c for contract_id in contracts.ids() for c in contracts.versions(contract_id)]
    lines = [
        "# Compatibility matrix",
        "",
        "Which QEMU releases satisfy which contract versions, computed by our own code "
        "(`qmpcontract.docsite.matrix`) from each release's real `query-qmp-schema` "
        "reply (libvirt's x86_64 capability probes). A release satisfies a contract "
        "version when every command, event, argument and member the contract says exists "
        "in that release is there; a missing element is missing from that release's "
        "introspection (`qmp_capabilities`, for one, is not listed before 2.8). `n/a`: the "
        "release is outside the contract's producer range.",
        "",
        "The index of releases is `docs/data/qemu-api-index.json`, regenerated with "
        f"`{regenerate}`.",
        "",
        "| QEMU | " + " | ".join(f"{c.id} {c.version}" for c in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    details = []
    for release in releases:
        cells = []
        for contract in columns:
            result = verdict(contract, release)
            cells.append(result.symbol)
            if result.missing:
                details.append(
                    f"- QEMU {release['version']}, {contract.ref}: " + "; ".join(result.missing)
                )
        lines.append(f"| {release['version']} | " + " | ".join(cells) + " |")
    if details:
        lines += ["", "## What is missing where", "", *details]
    return "\n".join(lines) + "\n"
