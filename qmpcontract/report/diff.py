"""Render differ results: text, JSON, markdown (a reviewer's checklist), JUnit, SARIF.

The JSON document has the shape of ``check``'s report where it can:
``findings[]`` with ``rule_id``, ``level``, ``message`` and ``location``, plus the
``element`` (command, event, error class), the ``path`` inside it, and the
``old`` and ``new`` values.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qmpcontract import __version__
from qmpcontract.diff.catalogue import CHANGES
from qmpcontract.diff.compare import Change
from qmpcontract.location import Location
from qmpcontract.model.contract import Level
from qmpcontract.model.findings import Finding
from qmpcontract.report.common import location_json
from qmpcontract.report.sarif import SARIF_SCHEMA, sarif_result


@dataclass(frozen=True)
class DiffPair:
    """The changes between one old and one new contract."""

    old: str  # id@version (source)
    new: str
    file: str  # where the new side comes from (for locations)
    changes: Sequence[Change]


@dataclass(frozen=True)
class DiffReport:
    """Every compared pair and the verdict's inputs."""

    pairs: Sequence[DiffPair]
    fail_on: Level = Level.MUST
    baselined: int = 0
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> list[tuple[DiffPair, Change]]:
        """Every change with its pair, in order."""
        return [(p, c) for p in self.pairs for c in p.changes]

    @property
    def failed(self) -> bool:
        """True if a change is at or above the failure level."""
        return any(c.level.fails(self.fail_on) for _, c in self.changes)


def _where(pair: DiffPair, change: Change) -> Location:
    """Where a change is: its element's QAPI definition (file, line), else its pointer."""
    return change.defined_at or Location(pair.file, pointer=change.pointer)


def as_finding(pair: DiffPair, change: Change) -> Finding:
    """A change as a Finding (for renderers shared with ``check``)."""
    return Finding(
        change.rule_id,
        change.level,
        change.message,
        _where(pair, change),
        expected=change.old,
        actual=change.new,
        context=f"{change.element} {change.path}".strip(),
        party=CHANGES[change.rule_id].party if change.rule_id in CHANGES else None,
    )


def _counts(report: DiffReport) -> str:
    levels = Counter(c.level for _, c in report.changes)
    return ", ".join(f"{levels.get(level, 0)} {level.value}" for level in Level)


def summary_line(report: DiffReport) -> str:
    """The totals: changes by level, and the failure level."""
    extra = f", {report.baselined} baselined" if report.baselined else ""
    return (
        f"{len(report.changes)} change(s) ({_counts(report)}{extra}); "
        f"failing on {report.fail_on.value}"
    )


def render_text(report: DiffReport) -> str:
    """One line per change, then the totals."""
    lines = []
    for pair in report.pairs:
        lines.append(f"{pair.old} -> {pair.new}: {len(pair.changes)} change(s)")
        for change in sorted(pair.changes, key=lambda c: (c.level.rank, c.element, c.path)):
            at = f" ({change.defined_at})" if change.defined_at is not None else ""
            lines.append(f"  {change.level.value} [{change.rule_id}] {change.message}{at}")
    lines.append(summary_line(report))
    lines.extend(f"note: {n}" for n in report.notes)
    return "\n".join(lines) + "\n"


def change_json(pair: DiffPair, change: Change) -> dict[str, Any]:
    """A change as the JSON report writes it."""
    return {
        "rule_id": change.rule_id,
        "level": change.level.value,
        "message": change.message,
        "location": location_json(_where(pair, change)),
        "element": change.element,
        "path": change.path,
        "old": change.old,
        "new": change.new,
        "compared": {"old": pair.old, "new": pair.new},
    }


def render_json(report: DiffReport) -> str:
    """The JSON report."""
    levels = Counter(c.level.value for _, c in report.changes)
    document = {
        "tool": {"name": "qmpcontract", "version": __version__},
        "fail_on": report.fail_on.value,
        "failed": report.failed,
        "summary": {
            "pairs": len(report.pairs),
            "changes": len(report.changes),
            "by_level": {level.value: levels.get(level.value, 0) for level in Level},
            "baselined": report.baselined,
        },
        "pairs": [{"old": p.old, "new": p.new, "changes": len(p.changes)} for p in report.pairs],
        "findings": [change_json(p, c) for p, c in report.changes],
        "notes": list(report.notes),
    }
    return json.dumps(document, indent=2) + "\n"


def render_markdown(report: DiffReport) -> str:
    """A checklist, most severe first, to paste into a review."""
    lines: list[str] = []
    for pair in report.pairs:
        lines.append(f"### {pair.old} -> {pair.new}")
        lines.append("")
        if not pair.changes:
            lines.append("No wire-visible change.")
        for change in sorted(pair.changes, key=lambda c: (c.level.rank, c.element, c.path)):
            box = "[ ]" if change.level is not Level.MAY else "[x]"
            lines.append(f"- {box} **{change.level.value}** `{change.rule_id}`: {change.message}")
            lines.append(f"  - {CHANGES[change.rule_id].summary}")
        lines.append("")
    lines.append(f"{len(report.changes)} change(s): {_counts(report)}.")
    return "\n".join(lines) + "\n"


def render_junit(report: DiffReport) -> str:
    """A test suite per compared pair, a test case per change kind seen."""
    root = ET.Element("testsuites", name="qmpcontract diff")
    for pair in report.pairs:
        by_kind: dict[str, list[Change]] = defaultdict(list)
        for change in pair.changes:
            by_kind[change.rule_id].append(change)
        suite = ET.SubElement(root, "testsuite", name=f"{pair.old} -> {pair.new}")
        failures = 0
        for rule_id in sorted(by_kind):
            case = ET.SubElement(suite, "testcase", classname=pair.new, name=rule_id)
            items = by_kind[rule_id]
            if items[0].level.fails(report.fail_on):
                failures += 1
                failure = ET.SubElement(
                    case, "failure", message=items[0].message, type=items[0].level.value
                )
                failure.text = "\n".join(c.message for c in items)
            else:
                ET.SubElement(case, "system-out").text = "\n".join(c.message for c in items)
        suite.set("tests", str(len(by_kind)))
        suite.set("failures", str(failures))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def render_sarif(report: DiffReport) -> str:
    """SARIF 2.1.0, one result per change."""
    used = sorted({c.rule_id for _, c in report.changes})
    rules = [
        {
            "id": rule_id,
            "shortDescription": {"text": CHANGES[rule_id].summary},
            "defaultConfiguration": {
                "level": {"MUST": "error", "SHOULD": "warning", "MAY": "note"}[
                    CHANGES[rule_id].level.value
                ]
            },
        }
        for rule_id in used
    ]
    index = {r: i for i, r in enumerate(used)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "qmpcontract", "version": __version__, "rules": rules}},
                "results": [sarif_result(as_finding(p, c), index) for p, c in report.changes],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "junit": render_junit,
    "sarif": render_sarif,
}
