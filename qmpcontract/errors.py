"""The exception tree: input and usage errors, never findings.

Findings and contract problems are *data* (see :mod:`qmpcontract.findings` and
:mod:`qmpcontract.contract.problems`); exceptions are reserved for input the tool
cannot use at all, for usage errors, and for internal bugs::

    QmpContractError
     ├── UsageError                 bad command line; exit code 2
     └── InputError(ValueError)     unusable input, always with a Location; exit 2
          ├── InputReadError        a file or directory cannot be read
          └── JsonSyntaxError       text is not JSON (located at the offending character)

A contract that parses but breaks the format is not an exception: the loader
collects every :class:`~qmpcontract.contract.problems.Problem` of every file and
raises :class:`~qmpcontract.contract.problems.ContractLoadError` once.
"""

from __future__ import annotations

from qmpcontract.location import Location


class QmpContractError(Exception):
    """Base class of every exception this package raises on purpose."""


class UsageError(QmpContractError):
    """The command line or API call is wrong (exit code 2)."""


class InputError(QmpContractError, ValueError):
    """Input that cannot be used at all, with the place where it went wrong.

    >>> str(InputError("unexpected end of input", Location("a.json", 2, 1)))
    'a.json:2:1: unexpected end of input'
    """

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message, location)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class InputReadError(InputError):
    """A file or directory could not be read (missing, unreadable, not UTF-8)."""


class JsonSyntaxError(InputError):
    """Text that is not well-formed JSON (RFC 8259)."""
