"""Render a review checklist as markdown (for a web review) or plain text (for email)."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence

from qmpcontract.model.contract import Level
from qmpcontract.review.checklist import ChecklistItem


def _summary(items: Sequence[ChecklistItem]) -> str:
    levels = Counter(i.change.level for i in items)
    return ", ".join(f"{levels.get(level, 0)} {level.value}" for level in Level)


def _area(item: ChecklistItem) -> str:
    """Where a change is, coarsely: its QAPI module (``migration``), else its element's kind."""
    place = item.change.defined_at
    if place is not None:
        return place.file.rsplit("/", 1)[-1].removesuffix(".json")
    return item.change.element.partition(" ")[0]


def _table(items: Sequence[ChecklistItem]) -> list[str]:
    """Changes by area and level, the first thing a reviewer reads."""
    counts = Counter((_area(i), i.change.level) for i in items)
    areas = sorted({area for area, _ in counts})
    lines = ["| area | " + " | ".join(level.value for level in Level) + " |"]
    lines.append("|---|" + "---:|" * len(Level))
    for area in areas:
        cells = " | ".join(str(counts.get((area, level), 0)) for level in Level)
        lines.append(f"| {area} | {cells} |")
    return lines


def render_markdown(items: Sequence[ChecklistItem], title: str) -> str:
    """A markdown checklist opened by a table of changes by area and level.

    MUST and SHOULD items unticked, and MAY items that ask for something (a removal
    after its deprecation window still moves its docs entry); other MAY items are
    ticked, for the record.
    """
    lines = [
        f"## QMP review: {title}",
        "",
        f"{len(items)} wire-visible change(s): {_summary(items)}.",
        "",
    ]
    if items:
        lines += [*_table(items), ""]
    for item in items:
        change = item.change
        box = "[x]" if change.level is Level.MAY and not item.actions else "[ ]"
        at = f" ({change.defined_at})" if change.defined_at is not None else ""
        lines.append(f"- {box} **{change.level.value}** `{change.rule_id}`: {change.message}{at}")
        lines.extend(f"  - {use}" for use in item.libvirt)  # "libvirt 11.3 sends ..."
        for rule_id, level, statement in item.rules:
            lines.append(f"  - affects `{rule_id}` ({level}): {statement}")
        lines.extend(f"  - {action}" for action in item.actions)
    return "\n".join(lines) + "\n"


def render_email(items: Sequence[ChecklistItem], title: str) -> str:
    """Plain text, wrapped at 72 columns, to paste into a mailing-list reply."""
    lines = [
        f"QMP review of {title}",
        "",
        f"{len(items)} wire-visible change(s): {_summary(items)}.",
    ]
    # Names ('query-migrationthreads') are never broken at their hyphens: they are copied.
    wrap = textwrap.TextWrapper(
        width=72, subsequent_indent="      ", break_on_hyphens=False, break_long_words=False
    )
    for level in Level:
        chosen = [i for i in items if i.change.level is level]
        if not chosen:
            continue
        lines += ["", f"{level.value}:"]
        for item in chosen:
            at = f" ({item.change.defined_at})" if item.change.defined_at is not None else ""
            lines.append(wrap.fill(f"  * [{item.change.rule_id}] {item.change.message}{at}"))
            for use in item.libvirt:
                lines.append(wrap.fill(f"    - {use}"))
            for rule_id, rule_level, _ in item.rules:
                lines.append(wrap.fill(f"    - affects {rule_id} ({rule_level})"))
            for action in item.actions:
                lines.append(wrap.fill(f"    - {action}"))
    return "\n".join(lines) + "\n"
