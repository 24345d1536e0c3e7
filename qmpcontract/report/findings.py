"""Render check results as text or JSON.

Text is one gcc-style line per finding, ``file:line: LEVEL [rule-id] message``,
then one line per transcript accounting for every message it held, then the
totals.  The JSON document follows ``docs/reference/check-report.schema.json``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qmpcontract import __version__
from qmpcontract.check.engine import CheckResult
from qmpcontract.check.registry import RuleInfo
from qmpcontract.location import Location
from qmpcontract.model.contract import Level
from qmpcontract.model.findings import Finding
from qmpcontract.report.common import location_json, obligation


@dataclass(frozen=True)
class CheckReport:
    """Everything a renderer needs: results, rule metadata, and the verdict's inputs."""

    results: Sequence[CheckResult]
    rules: Mapping[str, RuleInfo]
    fail_on: Level = Level.MUST
    baselined: int = 0
    notes: tuple[str, ...] = field(default=())  # e.g. expired baseline entries

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every transcript, in order."""
        return [f for r in self.results for f in r.findings]

    @property
    def failed(self) -> bool:
        """True if a finding is at or above the failure level."""
        return any(f.level.fails(self.fail_on) for f in self.findings)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _where(location: Location) -> str:
    text = location.file
    if location.line is not None:
        text += f":{location.line}"
    return text


def summary_line(report: CheckReport) -> str:
    """The totals: findings by level, baselined ones, and the failure level."""
    levels = Counter(f.level for f in report.findings)
    counts = ", ".join(f"{levels.get(level, 0)} {level.value}" for level in Level)
    total = _plural(len(report.findings), "finding")
    extra = f", {report.baselined} baselined" if report.baselined else ""
    return f"{total} ({counts}{extra}); failing on {report.fail_on.value}"


def render_text(report: CheckReport) -> str:
    """Render *report* for a terminal or a CI log."""
    lines: list[str] = []
    for finding in report.findings:
        pointer = f" (at {finding.location.pointer})" if finding.location.pointer else ""
        lines.append(
            f"{_where(finding.location)}: {finding.level.value} [{finding.rule_id}] "
            f"{obligation(finding)}{finding.message}{pointer}"
        )
        lines.extend(f"    {_where(where)}: note: {note}" for where, note in finding.related)
    for result in report.results:
        summary = result.summary
        kinds = ", ".join(f"{n} {k}" for k, n in summary.by_kind.items())
        version = f"QEMU {result.qemu_version}" if result.qemu_version else "QEMU version unknown"
        contracts = ", ".join(result.contracts) or "no contract applies"
        notes = "".join(f"; {note}" for note in result.notes)
        if summary.expected_refusals:
            notes += (
                f"; {summary.expected_refusals} expected refusal(s) (requests marked as meant "
                "to be refused, refused by QEMU: what they break is not reported)"
            )
        lines.append(
            f"{result.info.name}: {_plural(summary.messages, 'message')} ({kinds or 'none'}) in "
            f"{_plural(summary.sessions, 'session')}; {version}; {contracts}{notes}"
        )
    lines.append(summary_line(report))
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines) + "\n"


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as the JSON report writes it."""
    ref = finding.contract_ref
    return {
        "rule_id": finding.rule_id,
        "level": finding.level.value,
        "message": finding.message,
        "party": finding.party.value if finding.party else None,
        "location": location_json(finding.location),
        "contract": None
        if ref is None
        else {"id": ref.contract, "version": ref.version, "pointer": ref.pointer, "file": ref.file},
        "expected": finding.expected,
        "actual": finding.actual,
        "related": [{"location": location_json(w), "note": n} for w, n in finding.related],
    }


def _summary_json(result: CheckResult) -> dict[str, Any]:
    s = result.summary
    return {
        "messages": s.messages,
        "by_kind": dict(s.by_kind),
        "by_direction": dict(s.by_direction),
        "sessions": s.sessions,
        "truncated_sessions": s.truncated_sessions,
        "exchanges": s.exchanges,
        "unanswered": s.unanswered,
        "expected_refusals": s.expected_refusals,
    }


def report_json(report: CheckReport) -> dict[str, Any]:
    """The JSON report as a Python value."""
    kinds: Counter[str] = Counter()
    directions: Counter[str] = Counter()
    for result in report.results:
        kinds.update(result.summary.by_kind)
        directions.update(result.summary.by_direction)
    levels = Counter(f.level.value for f in report.findings)
    return {
        "tool": {"name": "qmpcontract", "version": __version__},
        "fail_on": report.fail_on.value,
        "failed": report.failed,
        "summary": {
            "transcripts": len(report.results),
            "messages": sum(r.summary.messages for r in report.results),
            "by_kind": dict(sorted(kinds.items())),
            "by_direction": dict(sorted(directions.items())),
            "sessions": sum(r.summary.sessions for r in report.results),
            "findings": len(report.findings),
            "by_level": {level.value: levels.get(level.value, 0) for level in Level},
            "baselined": report.baselined,
        },
        "transcripts": [
            {
                "file": r.info.name,
                "format": r.info.format,
                "qemu_version": str(r.qemu_version) if r.qemu_version else None,
                "contracts": list(r.contracts),
                "rules": list(r.rules),
                "notes": list(r.notes),
                "summary": _summary_json(r),
            }
            for r in report.results
        ],
        "findings": [finding_json(f) for f in report.findings],
        "notes": list(report.notes),
    }


def render_json(report: CheckReport) -> str:
    """Render *report* as the documented JSON document."""
    return json.dumps(report_json(report), indent=2) + "\n"
