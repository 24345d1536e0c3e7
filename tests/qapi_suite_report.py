"""QEMU's own QAPI schema test suite, run through our front end, case by case.

QEMU's ``tests/qapi-schema/`` holds one schema per case, listed in
``tests.list``; ``<case>.err`` holds QEMU's error output (empty for a schema
QEMU accepts).  For each case this compares what :func:`load_qapi` does:

- accepted or rejected, as QEMU does;
- *line-exact*: our error is at the file and line of the ``.err`` file's first
  ``file:line[:col]: message`` line (the line of the error itself, not of the
  ``In file included from`` lines before it);
- *message-exact*: our error text (``str(error)``: context lines, location and
  message) is the ``.err`` text, character for character.

    python tests/qapi_suite_report.py [SUITE_DIR]

(default: ``qemu-qapi-schema-tests`` of ``$QMPCONTRACT_SHARED_CORPUS``, else
``../shared/corpus``)
prints the counts, the rates and every mismatch.  ``tests/test_qapi_schema.py``
runs the same comparison and keeps the rates from dropping.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qmpcontract.importers.qapi_schema import load_qapi
from qmpcontract.read.qapi_source import QapiError

_CORPUS = os.environ.get(
    "QMPCONTRACT_SHARED_CORPUS", str(Path(__file__).resolve().parents[2] / "shared" / "corpus")
)
DEFAULT_SUITE = Path(_CORPUS) / "qemu-qapi-schema-tests"
_LOCATED = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+)(?::\d+)?: ", re.MULTILINE)


@dataclass(frozen=True)
class CaseResult:
    """One case: what QEMU says (``expected``) and what we say (``actual``, None: accepted)."""

    name: str
    expected: str
    actual: str | None

    @property
    def positive(self) -> bool:
        return self.expected == ""

    @property
    def agrees(self) -> bool:
        """Accepted or rejected as QEMU does."""
        return self.positive == (self.actual is None)

    @property
    def line_exact(self) -> bool:
        return (
            not self.positive
            and self.actual is not None
            and _first_location(self.actual) == _first_location(self.expected)
        )

    @property
    def message_exact(self) -> bool:
        return not self.positive and self.actual == self.expected


@dataclass(frozen=True)
class Summary:
    """Counts and rates over a run of the suite."""

    results: tuple[CaseResult, ...]

    @property
    def positive(self) -> int:
        return sum(r.positive for r in self.results)

    @property
    def negative(self) -> int:
        return len(self.results) - self.positive

    @property
    def accepted(self) -> int:
        return sum(r.positive and r.agrees for r in self.results)

    @property
    def rejected(self) -> int:
        return sum(not r.positive and r.agrees for r in self.results)

    @property
    def line_exact(self) -> int:
        return sum(r.line_exact for r in self.results)

    @property
    def message_exact(self) -> int:
        return sum(r.message_exact for r in self.results)

    def text(self) -> str:
        """The report: counts, rates, then every mismatch with both texts."""
        neg = max(self.negative, 1)
        lines = [
            f"cases: {len(self.results)} ({self.positive} positive, {self.negative} negative)",
            f"accepted: {self.accepted}/{self.positive} positive cases",
            f"rejected: {self.rejected}/{self.negative} negative cases",
            f"line-exact: {self.line_exact}/{self.negative} ({100 * self.line_exact / neg:.1f}%)",
            f"message-exact: {self.message_exact}/{self.negative} "
            f"({100 * self.message_exact / neg:.1f}%)",
        ]
        for result in self.results:
            if result.agrees and (result.positive or result.message_exact):
                continue
            kind = "line ok" if result.line_exact else "MISMATCH"
            lines.append(f"--- {result.name}: {kind}")
            lines.append("  QEMU: " + result.expected.replace("\n", "\n        "))
            ours = "(accepted)" if result.actual is None else result.actual
            lines.append("  ours: " + ours.replace("\n", "\n        "))
        return "\n".join(lines)


def _first_location(text: str) -> tuple[str, int] | None:
    match = _LOCATED.search(text)
    if match is None:
        return None
    return Path(match.group("file")).name, int(match.group("line"))


def run_case(suite: Path, name: str) -> CaseResult:
    """Load one case; errors are rendered with the suite directory left out, as QEMU's are."""
    err = suite / (name.removesuffix(".json") + ".err")
    expected = err.read_text(encoding="utf-8").rstrip("\n") if err.exists() else ""
    try:
        load_qapi(suite / name)
    except QapiError as error:
        return CaseResult(name, expected, str(error).replace(f"{suite}/", ""))
    return CaseResult(name, expected, None)


def run_suite(suite: Path) -> Summary:
    """Every case of ``tests.list``, in order."""
    names = (suite / "tests.list").read_text(encoding="utf-8").split()
    return Summary(tuple(run_case(suite, name) for name in names))


def main(argv: list[str]) -> int:
    suite = Path(argv[1]) if len(argv) > 1 else DEFAULT_SUITE
    if not (suite / "tests.list").is_file():
        print(f"no QAPI schema test suite at {suite}", file=sys.stderr)
        return 2
    print(run_suite(suite).text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
