"""Requests a client meant QEMU to refuse: expected refusals, and QEMU accepting one.

A recording can mark a client's request as meant to be refused (the message
record's ``expect_error``, written by ``qmpcontract fuzz`` for each request it
broke on purpose).  What the checker finds in such a request is what it was
made to have, not a violation: those findings are set aside and counted as
expected.  QEMU answering it with success is the violation, reported once at
the response (``qmpcontract/accepted-invalid``), naming the rules the request
breaks.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from qmpcontract.check.registry import ACCEPTED_INVALID
from qmpcontract.model.findings import Finding
from qmpcontract.model.transcript import Kind, Session

marked: Callable[[object], object] = operator.attrgetter("request.raw.expect_error")


@dataclass(frozen=True)
class Expected:
    """What the marked requests of one session came to."""

    findings: list[Finding]  # the session's findings, those on marked requests set aside
    refused: int  # marked requests QEMU refused


def expected_refusals(
    session: Session, findings: list[Finding], report_accepted: bool = True
) -> Expected:
    """Set aside the *findings* of *session* on requests meant to be refused.

    A marked request QEMU answered with success adds a finding of
    :data:`~qmpcontract.check.registry.ACCEPTED_INVALID` (when *report_accepted*).
    """
    requests = {e.request.index: e for e in session.exchanges if marked(e)}
    if not requests:
        return Expected(findings, 0)
    kept: list[Finding] = []
    aside: dict[int, list[Finding]] = {}
    for finding in findings:
        index = finding.location.message_index
        if index in requests:
            aside.setdefault(index, []).append(finding)
        else:
            kept.append(finding)
    refused = 0
    for index, exchange in requests.items():
        response = exchange.response
        if response is None:
            continue
        if response.kind is Kind.ERROR:
            refused += 1
        elif response.kind is Kind.SUCCESS and report_accepted:
            rules = sorted({f.rule_id for f in aside.get(index, ())})
            breaks = f"; it breaks {', '.join(rules)}" if rules else ""
            where = exchange.request.raw.location
            kept.append(
                Finding(
                    ACCEPTED_INVALID.id,
                    ACCEPTED_INVALID.level,
                    f"QEMU accepted '{exchange.command}', a request meant to be refused "
                    f"({exchange.request.raw.expect_error}){breaks}",
                    response.raw.location,
                    related=((where, "the request, marked as meant to be refused"),),
                    party=ACCEPTED_INVALID.party,
                )
            )
    return Expected(kept, refused)
