"""History across the real x86_64 probes: add, deprecate, remove, with versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qmpcontract.cli import main


def test_history_of_real_releases(shared_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted((shared_corpus / "libvirt-replies").glob("*x86_64*.replies"))
    assert main(["history", *map(str, files), "--output", "json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["releases"][0] == "2.5" and document["releases"][-1] == "10.0"
    assert "skipped" in captured.err  # the probes before 2.5 carry no schema
    timeline = {(e["element"], e["path"]): e["steps"] for e in document["elements"]}

    def steps(element: str, path: str = "") -> list[tuple[str, str]]:
        return [(s["what"], s["version"]) for s in timeline[(element, path)]]

    assert steps("command cpu-add") == [("deprecated", "5.0"), ("removed", "5.2")]
    assert steps("command block-job-change") == [("added", "8.2")]
    # Added and removed again inside the range:
    assert steps("event COMMAND_DROPPED") == [("added", "2.11.90"), ("removed", "4.0")]
    assert ("removed", "9.1") in steps("command migrate", "arguments.blk")


def test_architectures_are_kept_apart(
    shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the corpus mixes x86_64 with one probe each of aarch64, ppc64, s390x and riscv64
    directory = shared_corpus / "libvirt-replies"
    assert main(["history", str(directory), "SPICE_INITIALIZED"]) == 0
    captured = capsys.readouterr()
    assert "aarch64: fewer than two sources with a schema, no timeline" in captured.err
    lines = captured.out.splitlines()
    assert lines[0] == "x86_64: History of 2.5 .. 10.0: 2 element(s) changed"
    # no "removed in 7.1; added in 7.1" from interleaved machines: only real changes
    assert all("removed" not in line for line in lines), lines
    assert main(["history", str(directory), "--arch", "s390x"]) == 2
    assert "at least two sources with a schema of s390x" in capsys.readouterr().err


def test_one_element_and_gaps_in_the_data(
    shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = shared_corpus / "libvirt-replies"
    assert main(["history", str(directory), "query-migrationthreads"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == ["command query-migrationthreads: added in 8.0; deprecated in 9.2"]
    # two QAPI trees years apart: what changed between them happened "between" them
    qapi = shared_corpus / "qapi"
    roots = [str(qapi / tag / "qapi-schema.json") for tag in ("v2.12.0", "v4.2.0")]
    assert main(["history", *roots, "announce-self", "--output", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (element,) = document["elements"]
    assert element["element"] == "command announce-self"
    assert [(s["what"], s["after"], s["version"]) for s in element["steps"]] == [
        ("added", "2.12", "4.2")
    ]


def test_introspection_against_qapi_of_one_release_shows_no_integer_widths(
    shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # introspection says 'int' for every integer type: 875 of 889 changes were that once
    replies = shared_corpus / "libvirt-replies" / "caps_7.2.0_x86_64.replies"
    tree = shared_corpus / "qapi" / "v7.2.0" / "qapi-schema.json"
    main(["diff", str(replies), str(tree), "--output", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert len(findings) <= 15, [f["message"] for f in findings]
    assert not [f for f in findings if "integer" in f["message"]], findings
    # what is left is what an x86_64 build leaves out of its schema (other targets' commands)
    assert "command 'query-gic-capabilities' was added" in {f["message"] for f in findings}


def test_integer_types_are_named_as_qapi_names_them(
    shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qmpcontract.diff.shape_text import integer_name
    from qmpcontract.diff.shapes import Scalar

    integer = frozenset({"integer"})
    assert integer_name(Scalar(integer, 0, float(2**64 - 1))) == "uint64"
    assert integer_name(Scalar(integer, -(2**63), 2**63 - 1)) == "int"  # QAPI's int (int64)
    assert integer_name(Scalar(integer, 0, 5)) == "integer 0..5"
