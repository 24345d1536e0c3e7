"""Render check results as JUnit XML: a test suite per transcript, a test per rule.

A rule with findings at or above the failure level is a failed test whose text
lists them; findings below it are the test's output.  CI systems that show
JUnit results then show one line per agreed rule.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from qmpcontract.model.findings import Finding
from qmpcontract.report.common import obligation
from qmpcontract.report.findings import CheckReport


def _line(finding: Finding) -> str:
    loc = finding.location
    where = f"{loc.file}:{loc.line}" if loc.line is not None else loc.file
    head = f"{where}: {finding.level.value} [{finding.rule_id}]"
    return f"{head} {obligation(finding)}{finding.message}"


def render_junit(report: CheckReport) -> str:
    """Render *report* as a JUnit XML document."""
    root = ET.Element("testsuites", name="qmpcontract check")
    total_tests = total_failures = 0
    for result in report.results:
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for finding in result.findings:
            by_rule[finding.rule_id].append(finding)
        rule_ids = sorted(set(result.rules) | set(by_rule))
        suite = ET.SubElement(root, "testsuite", name=result.info.name)
        failures = 0
        for rule_id in rule_ids:
            info = report.rules.get(rule_id)
            case = ET.SubElement(suite, "testcase", classname=result.info.name, name=rule_id)
            findings = by_rule.get(rule_id, [])
            failing = [f for f in findings if f.level.fails(report.fail_on)]
            if failing:
                failures += 1
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=failing[0].message,
                    type=failing[0].level.value,
                )
                failure.text = "\n".join(_line(f) for f in failing)
            rest = [f for f in findings if f not in failing]
            if rest or info is not None:
                out = ET.SubElement(case, "system-out")
                statement = f"{info.level.value}: {info.statement}" if info else ""
                out.text = "\n".join([statement, *(_line(f) for f in rest)]).strip()
        suite.set("tests", str(len(rule_ids)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_tests += len(rule_ids)
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
