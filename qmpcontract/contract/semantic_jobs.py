"""Semantic checks of a command's job declaration: every name it uses resolves.

The job id sources are arguments of the command; every event it names (its
terminal events, the event that says it is ready, the one that says it is
aborting) is an event of the contract or of one it requires, with the data
member that carries the job id; the command that cancels it exists; what a job
ends with after a cancel or an abort is one of its terminal events.
"""

from __future__ import annotations

from collections.abc import Mapping

from qmpcontract.contract.index import as_list, as_map, as_str
from qmpcontract.contract.problems import ProblemCode
from qmpcontract.contract.schemas import object_members
from qmpcontract.contract.visible import Reporter, Visible
from qmpcontract.location import join_pointer, split_pointer
from qmpcontract.model.contract import ElementKind


def _event(raw: object, pointer: str, visible: Visible, report: Reporter) -> None:
    """Check one job event (``{"event", "id_member", "when"}``) at *pointer*."""
    entry = as_map(raw)
    event, member = as_str(entry.get("event")), as_str(entry.get("id_member"))
    if event is None:
        return
    if not visible.has(ElementKind.EVENT, event):
        report(ProblemCode.ELEMENT_REF, pointer + "/event", f"unknown event '{event}'")
        return
    data, where = visible.schema_of(ElementKind.EVENT, event, "data")
    members = object_members(data, where)
    if members is None:
        return
    for name, at in [(member, "/id_member"), *((k, "/when") for k in as_map(entry.get("when")))]:
        if name is not None and name not in members:
            report(
                ProblemCode.ELEMENT_REF,
                pointer + at,
                f"event '{event}' has no data member '{name}'",
            )


def job_problems(
    base: str, command: Mapping[str, object], visible: Visible, report: Reporter
) -> None:
    """Report what the job declaration of the command at *base* names that does not exist."""
    job = as_map(command.get("job"))
    arguments = object_members(command.get("arguments"), visible.own)
    for i, source in enumerate(as_list(job.get("id_from"))):
        named = isinstance(source, str) and source.startswith("/")
        if named and arguments is not None and split_pointer(str(source))[0] not in arguments:
            report(
                ProblemCode.ELEMENT_REF,
                join_pointer(base, "job", "id_from", i),
                f"job id source '{source}' names no argument of the command",
            )
    ends = as_list(job.get("terminal_events"))
    for i, end in enumerate(ends):
        _event(end, join_pointer(base, "job", "terminal_events", i), visible, report)
    names = {as_str(as_map(end).get("event")) for end in ends}
    cancel = as_map(job.get("cancel_after_ready"))
    if cancel:
        pointer = join_pointer(base, "job", "cancel_after_ready")
        _event(cancel.get("ready"), pointer + "/ready", visible, report)
        name = as_str(cancel.get("command"))
        if name is not None and not visible.has(ElementKind.COMMAND, name):
            report(ProblemCode.ELEMENT_REF, pointer + "/command", f"unknown command '{name}'")
        if cancel.get("ends_with") not in names:
            report(
                ProblemCode.ELEMENT_REF,
                pointer + "/ends_with",
                f"'{cancel.get('ends_with')}' is not one of the job's terminal events",
            )
    aborting = as_map(job.get("aborting"))
    if aborting:
        pointer = join_pointer(base, "job", "aborting")
        _event(aborting.get("signal"), pointer + "/signal", visible, report)
        for i, ending in enumerate(as_list(aborting.get("ends_with"))):
            if as_map(ending).get("event") not in names:
                report(
                    ProblemCode.ELEMENT_REF,
                    join_pointer(pointer, "ends_with", i, "event"),
                    f"'{as_map(ending).get('event')}' is not one of the job's terminal events",
                )
