"""Render contract problems (from ``qmpcontract lint``) as text or JSON.

Text is gcc-style, one line per problem, so editors and CI annotate it::

    contracts/block-jobs/1.0.0.json:12:7: error [meta-schema] command 'x': unknown member 'sumary'
        contracts/block-jobs/1.0.0.json:9:7: note: first defined here

The JSON document is described by ``docs/reference/lint-output.md``.
"""

from __future__ import annotations

import json
from typing import Any

from qmpcontract import __version__
from qmpcontract.contract.loader import LintResult
from qmpcontract.contract.problems import Problem
from qmpcontract.location import Location
from qmpcontract.report.common import location_json


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_text(result: LintResult) -> str:
    """Render *result* as gcc-style lines followed by a one-line summary."""
    lines = []
    for problem in result.problems:
        lines.append(f"{problem.location}: error [{problem.code}] {problem.message}")
        lines.extend(f"    {where}: note: {note}" for where, note in problem.related)
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def summary_line(result: LintResult) -> str:
    """The totals: problems, files with problems, files checked."""
    files_with = len({p.location.file for p in result.problems})
    checked = _plural(len(result.files), "contract file")
    if result.problems:
        return (
            f"{_plural(len(result.problems), 'problem')} in {_plural(files_with, 'file')} "
            f"({checked} checked)"
        )
    return f"{checked} checked, no problems"


def _location(location: Location) -> dict[str, Any]:
    found = location_json(location)
    return {k: found[k] for k in ("file", "line", "column", "pointer")}


def _problem(problem: Problem) -> dict[str, Any]:
    return {
        "code": str(problem.code),
        "message": problem.message,
        "location": _location(problem.location),
        "related": [{"location": _location(w), "note": n} for w, n in problem.related],
    }


def render_json(result: LintResult) -> str:
    """Render *result* as a JSON document (``docs/reference/lint-output.md``)."""
    document = {
        "tool": {"name": "qmpcontract", "version": __version__},
        "files": list(result.files),
        "problems": [_problem(p) for p in result.problems],
        "summary": {
            "files": len(result.files),
            "problems": len(result.problems),
            "contracts": sum(len(s) for s in result.sets),
        },
    }
    return json.dumps(document, indent=2) + "\n"
