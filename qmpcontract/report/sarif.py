"""Render check results as SARIF 2.1.0, for code-scanning dashboards.

MUST findings are SARIF ``error``, SHOULD ``warning``, MAY ``note``.  Each
result keeps the message index and the JSON pointer inside the message in its
``properties``, next to the contract element it concerns.
"""

from __future__ import annotations

import json
from typing import Any

from qmpcontract import __version__
from qmpcontract.model.contract import Level
from qmpcontract.model.findings import Finding
from qmpcontract.report.common import obligation
from qmpcontract.report.findings import CheckReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Level.MUST: "error", Level.SHOULD: "warning", Level.MAY: "note"}


def _location(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    physical: dict[str, Any] = {"artifactLocation": {"uri": loc.file}}
    if loc.line is not None:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column is not None:
            region["startColumn"] = loc.column
        physical["region"] = region
    return {"physicalLocation": physical}


def sarif_result(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    """One SARIF result for *finding*; *rule_index* maps rule ids to driver rules."""
    properties: dict[str, Any] = {}
    if finding.location.message_index is not None:
        properties["messageIndex"] = finding.location.message_index
    if finding.location.pointer:
        properties["jsonPointer"] = finding.location.pointer
    if finding.contract_ref is not None:
        properties["contract"] = str(finding.contract_ref)
    if finding.party is not None:
        properties["party"] = finding.party.value
    if finding.expected is not None:
        properties["expected"] = finding.expected
    if finding.actual is not None:
        properties["actual"] = finding.actual
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": _LEVELS[finding.level],
        "message": {"text": obligation(finding) + finding.message},
        "locations": [_location(finding)],
    }
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "message": {"text": note},
                "physicalLocation": _location(Finding("", finding.level, "", where))[
                    "physicalLocation"
                ],
            }
            for i, (where, note) in enumerate(finding.related)
        ]
    if properties:
        result["properties"] = properties
    return result


def render_sarif(report: CheckReport) -> str:
    """Render *report* as a SARIF 2.1.0 log."""
    used = sorted(
        {f.rule_id for f in report.findings} | {r for x in report.results for r in x.rules}
    )
    rules = []
    for rule_id in used:
        info = report.rules.get(rule_id)
        entry: dict[str, Any] = {"id": rule_id}
        if info is not None:
            entry["shortDescription"] = {"text": info.statement}
            entry["defaultConfiguration"] = {"level": _LEVELS[info.level]}
            entry["properties"] = {
                "requirementLevel": info.level.value,
                "origin": info.origin,
                "party": info.party.value,
            }
        rules.append(entry)
    index = {r["id"]: i for i, r in enumerate(rules)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "qmpcontract",
                        "version": __version__,
                        "informationUri": "https://www.qemu.org/docs/master/interop/qmp-spec.html",
                        "rules": rules,
                    }
                },
                "artifacts": [{"location": {"uri": r.info.name}} for r in report.results],
                "results": [sarif_result(f, index) for f in report.findings],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
