"""The shipped release data: made from the corpus, looked up by version, used by check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.importers.qapi_schema import load_qapi_snapshot
from qmpcontract.importers.sources import load_introspection
from qmpcontract.model.api_codec import decode, encode, stable_names
from qmpcontract.model.versions import QemuVersion
from qmpcontract.releases import data as release_data
from qmpcontract.releases.tolerant import tolerant

from .conftest import REPO

EXAMPLE = REPO / "examples" / "qemu-7.2-block-jobs.jsonl"
V = QemuVersion.parse


def test_the_shipped_data_is_what_the_build_command_makes(
    shared_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = tmp_path / "qemu-releases.json"
    assert main(["release-data", "build", "--corpus", str(shared_corpus), "-o", str(made)]) == 0
    assert "42 releases" in capsys.readouterr().out
    assert made.read_bytes() == release_data.DATA_FILE.read_bytes(), (
        "regenerate: qmpcontract release-data build --corpus ../shared/corpus "
        "-o qmpcontract/releases/qemu-releases.json"
    )


def test_the_data_covers_every_x86_64_probe_and_qapi_tree() -> None:
    data = release_data.load()
    probes = {str(r.version) for r in data.releases if r.source != "qapi"}
    trees = {str(r.version) for r in data.releases if r.source == "qapi"}
    assert trees == {"1.0", "2.12", "4.2", "6.2", "7.2", "8.2", "9.2", "10.2"}
    assert {"1.5.3", "2.5", "2.11.90", "3.0.92", "10.0"} <= probes and len(probes) == 34
    assert release_data.DATA_FILE.stat().st_size < 3 * 2**20  # the budget: about 3 MB


@pytest.mark.parametrize(
    ("version", "release", "source", "exact", "after"),
    [
        ("7.2.22", "7.2", "qapi", True, None),  # a stable release: its own data, QAPI first
        ("10.0.13", "10.0", "introspection", True, None),
        ("2.11.90", "2.11.90", "introspection", True, None),  # an rc the data has itself
        ("10.1.50", "10.0", "introspection", False, "10.2"),  # development: between two
        ("3.1.0", "3.0.92", "introspection", False, "4.0"),
        ("11.1", "10.2", "qapi", False, None),  # newer than the data: the newest below
        ("1.1", "1.0", "qapi", False, "1.5.3"),
    ],
)
def test_lookup(version: str, release: str, source: str, exact: bool, after: str | None) -> None:
    match = release_data.load().lookup(V(version))
    assert match.release is not None
    assert (str(match.release.version), match.release.source, match.exact) == (
        release,
        source,
        exact,
    )
    assert (str(match.after.version) if match.after else None) == after
    assert ("the nearest release below" in match.note()) is not exact


def test_a_version_below_all_data_has_none() -> None:
    match = release_data.load().lookup(V("0.15"))
    assert match.release is None
    assert release_data.load().error_classes(V("0.15")) is None
    assert match.note() == "no release data for QEMU 0.15: it is older than every release known"


@pytest.mark.parametrize(
    ("version", "has", "lacks"),
    [
        ("1.0", {"Unsupported", "DeviceNotFound"}, {"NotSupported", "GenericError"}),
        ("1.1", {"NotSupported", "Unsupported", "BaseNotFound"}, {"GenericError"}),
        ("1.5.3", {"GenericError", "DeviceEncrypted"}, {"MigrationExpected", "NotSupported"}),
        ("2.9", {"DeviceEncrypted", "KVMMissingCap"}, {"MigrationExpected"}),
        ("2.10", {"GenericError", "CommandNotFound"}, {"DeviceEncrypted", "Unsupported"}),
        ("1.2.50", {"MigrationExpected", "GenericError"}, {"NotSupported"}),  # 1.3 removes it
        ("10.1.50", {"GenericError"}, {"DeviceEncrypted"}),
    ],
)
def test_error_classes_by_release(version: str, has: set[str], lacks: set[str]) -> None:
    classes = release_data.load().error_classes(V(version))
    assert classes is not None
    assert has <= classes
    assert not lacks & classes


def test_error_class_history_names_its_commits() -> None:
    history = release_data.load().history
    assert history["MigrationExpected"].describe() == (
        "QEMU had it from 1.0 (or earlier) until its removal in 1.3 (1e9981465f)"
    )
    assert history["DeviceEncrypted"].removed == V("2.10")
    assert history["NotSupported"].describe() == (
        "QEMU had it from 1.1 until its removal in 1.2 (dcafd32348)"
    )
    assert history["NotSupported"].added_by == "12bd451fe0be83474910bb63b5874458141d4230"
    assert history["GenericError"].describe() == "QEMU has had it since 1.2"


def test_entities_round_trip_and_stable_names_are_stable(shared_corpus: Path) -> None:
    tree = shared_corpus / "qapi" / "v7.2.0" / "qapi-schema.json"
    snapshot, _ = load_qapi_snapshot(tree)
    assert decode(encode(snapshot)).commands == snapshot.commands
    assert decode(encode(snapshot)).types == snapshot.types
    replies = shared_corpus / "libvirt-replies"
    old = stable_names(load_introspection(replies / "caps_7.1.0_x86_64.replies"))
    new = stable_names(load_introspection(replies / "caps_7.2.0_x86_64.replies"))
    assert old.types["@query-block-jobs/returns"] == new.types["@query-block-jobs/returns"]
    assert all(t.startswith("@") or t in new.types for t in new.types)


def test_a_build_between_releases_may_have_what_the_release_above_has() -> None:
    data = release_data.load()
    match = data.lookup(V("10.1.50"))
    assert match.release is not None and match.after is not None
    below, above = data.snapshot(match.release), data.snapshot(match.after)
    merged = tolerant(below, above)
    assert "qom-list-get" not in below.commands and "qom-list-get" in merged.commands
    assert set(below.commands) | set(above.commands) == set(merged.commands)


def _with_data(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(release_data, "DATA_FILE", path)
    release_data._load.cache_clear()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot read the release data"),
        (b"{not json", "the release data is not JSON"),
        (b'{"format": "something else"}', "not a qmpcontract release data file"),
        (b'{"format": "qmpcontract-release-data", "version": 1}', "malformed release data"),
    ],
)
def test_broken_release_data_is_a_clear_error_naming_the_file(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    says: str,
) -> None:
    path = tmp_path / "qemu-releases.json"
    if content is not None:
        path.write_bytes(content)
    _with_data(monkeypatch, path)
    try:
        assert main(["check", str(EXAMPLE)]) == 2
        err = capsys.readouterr().err
        assert f"{path}: {says}" in err and "Traceback" not in err
        assert main(["check", str(EXAMPLE), "--no-release-data"]) == 0
    finally:
        release_data._load.cache_clear()


def test_versions_the_data_does_not_cover(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for version, says in [
        ("0.15", "no release data for QEMU 0.15: it is older than every release known"),
        ("11.1", "release data of QEMU 10.2 (QAPI sources, qapi/v10.2.0), the nearest release"),
    ]:
        assert main(["check", str(EXAMPLE), "--qemu-version", version, "--output", "json"]) in (
            0,
            1,
        )
        report = json.loads(capsys.readouterr().out)
        assert report["transcripts"][0]["notes"][-1].startswith(says)


def test_check_against_a_snapshot_written_by_import(
    shared_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = shared_corpus / "libvirt-replies" / "caps_7.2.0_x86_64.replies"
    snapshot = tmp_path / "qemu-7.2.json"
    assert main(["import", "introspection", str(probe), "-o", str(snapshot)]) == 0
    assert main(["check", str(EXAMPLE), "--schema", str(snapshot), "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "qemu-introspection@7.2.0" in report["transcripts"][0]["contracts"]
    tree = tmp_path / "qapi"
    shutil.copytree(shared_corpus / "qapi" / "v7.2.0", tree / "v7.2.0")
    written = tmp_path / "qapi-7.2.json"
    assert (
        main(["import", "qapi", str(tree / "v7.2.0" / "qapi-schema.json"), "-o", str(written)]) == 0
    )
    assert main(["check", str(EXAMPLE), "--schema", str(written), "--fail-on", "may"]) == 0
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"contract": "x", "commands": {}}))
    assert main(["check", str(EXAMPLE), "--schema", str(broken)]) == 2
    assert "not a usable snapshot contract" in capsys.readouterr().err


def test_release_data_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["release-data", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 42
    assert lines[0].startswith("1.0 (QAPI sources, qapi/v1.0): ")
    assert "names not all its commands and events" in lines[0]
    assert main(["release-data", "list", "10.1.50"]) == 0
    assert "the nearest release below 10.1.50" in capsys.readouterr().out


def test_closing_a_schema_refuses_exactly_what_no_part_declares() -> None:
    from jsonschema import Draft202012Validator

    from qmpcontract.check.validators import close_objects

    union: dict[str, object] = {
        "type": "object",
        "properties": {"kind": {"enum": ["a", "b"]}, "base": {"type": "string"}},
        "required": ["kind"],
        "allOf": [
            {"if": {"properties": {"kind": {"const": "a"}}}, "then": {"properties": {"x": {}}}},
            {"if": {"properties": {"kind": {"const": "b"}}}, "then": {"properties": {"y": {}}}},
        ],
    }
    plain: dict[str, object] = {"type": "object", "properties": {"n": {"type": "integer"}}}
    other: dict[str, object] = {
        "type": "object",
        "properties": {"z": {}},
        "anyOf": [{"required": ["z"]}],
    }
    document: dict[str, object] = {"types": {"u": union, "p": plain, "o": other}}
    close_objects(document)
    assert union["additionalProperties"] is False and "unevaluatedProperties" not in union
    assert plain["additionalProperties"] is False
    assert other["unevaluatedProperties"] is False  # members may come from elsewhere

    def valid(schema: dict[str, object], value: object) -> bool:
        return bool(Draft202012Validator(schema).is_valid(value))

    assert valid(union, {"kind": "a", "base": "s", "x": 1})
    assert not valid(union, {"kind": "a", "offest": 1})  # no part declares it
    assert valid(union, {"kind": "a", "y": 1})  # another branch's member: left to that branch
    assert valid(plain, {"n": 1}) and not valid(plain, {"n": 1, "m": 2})
