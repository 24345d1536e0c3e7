"""The versions of a contract, newest first: each with its QEMU range, references and changelog.

A version's changelog is its own ``changes`` text, then what ``qmpcontract
diff`` finds between it and the version before (wire-visible changes), then
how its rules changed (added, removed, level, whom it obliges, statement, machine check).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from qmpcontract.diff.compare import Differ
from qmpcontract.docsite.html import anchor, badge, reference_line, who
from qmpcontract.model.contract import Contract, Party


def party_range(party: Party) -> str:
    """``QEMU 1.2 and later``, ``QEMU 1.1 until 1.2 (excluded)``, or ``any QEMU``."""
    span = party.versions
    name = {"qemu": "QEMU", "libvirt": "libvirt"}.get(party.name, party.name)
    if span is None or (span.since is None and span.until is None):
        return f"any {name}"
    if span.until is None:
        return f"{name} {span.since} and later"
    since = f"{span.since} " if span.since else ""
    return f"{name} {since}until {span.until} (excluded)"


def rule_changes(old: Contract, new: Contract) -> list[str]:
    """Markdown list items: how the rules changed from *old* to *new*."""
    before = {r.id: r for r in old.rules}
    after = {r.id: r for r in new.rules}
    lines = []
    for rule in new.rules:
        link = f"[`{rule.id}`](#{anchor(rule.id)})"
        was = before.get(rule.id)
        if was is None:
            lines.append(f"- rule added: {badge(rule.level)} {link}")
            continue
        if was.level is not rule.level:
            lines.append(f"- rule {link}: level {badge(was.level)} -> {badge(rule.level)}")
        if was.party is not rule.party:
            lines.append(f"- rule {link}: now obliges {who(rule.party)}")
        if was.statement != rule.statement:
            lines.append(f"- rule {link}: statement reworded")
        if was.check != rule.check:
            kind = f"`{rule.check.kind}`" if rule.check else "none (review only)"
            lines.append(f"- rule {link}: machine check now {kind}")
    for rule in old.rules:
        if rule.id not in after:
            lines.append(f"- rule removed: {badge(rule.level)} `{rule.id}`")
    return lines


def versions_section(versions: Sequence[Contract], context: list[Contract]) -> str:
    """Every version of one contract, newest first."""
    lines = ["## Versions", ""]
    previous = {b.version: a for a, b in itertools.pairwise(versions)}
    for contract in reversed(versions):
        consumers = ", ".join(party_range(p) for p in contract.consumers)
        lines += [
            f"### {contract.version} ({contract.status.value}) {{ #version-{contract.version} }}",
            "",
            f"Producer: {party_range(contract.producer)}. Consumers: {consumers}.",
            "",
        ]
        if contract.changes:
            lines += [contract.changes, ""]
        if contract.agreed:
            lines += ["**Where it was agreed**", ""]
            lines += [reference_line(ref) for ref in contract.agreed] + [""]
        for consumer in contract.consumers:
            if consumer.agreed:
                lines += [f"**Where {party_range(consumer)} relies on it**", ""]
                lines += [reference_line(ref) for ref in consumer.agreed] + [""]
        before = previous.get(contract.version)
        if before is None:
            lines += ["First version.", ""]
            continue
        changes = Differ(context, context).diff(before, contract)
        lines += [f"**Changes from {before.version}**", ""]
        for change in sorted(changes, key=lambda c: (c.level.rank, c.element, c.path)):
            lines.append(f"- {badge(change.level)} `{change.rule_id}` {change.message}")
        if not changes:
            lines.append("- no wire-visible change")
        lines += rule_changes(before, contract) or ["- no rule changed"]
        lines.append("")
    return "\n".join(lines) + "\n"
