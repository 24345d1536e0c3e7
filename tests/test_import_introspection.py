"""The introspection importer on the 30 real query-qmp-schema replies of the corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.contract import lint_paths
from qmpcontract.importers.sources import load_introspection
from qmpcontract.importers.to_contract import snapshot_contract
from qmpcontract.model.qemu_api import ObjectType
from qmpcontract.model.versions import QemuVersion

from .realdata import replies_messages


def _with_schema(corpus: Path) -> list[Path]:
    return [
        p
        for p in sorted((corpus / "libvirt-replies").glob("*.replies"))
        if '"query-qmp-schema"' in p.read_text(encoding="utf-8")
    ]


def test_every_real_reply_imports(shared_corpus: Path) -> None:
    files = _with_schema(shared_corpus)
    assert len(files) == 33  # every x86_64 probe from QEMU 2.5 on, and the other architectures
    for path in files:
        snapshot = load_introspection(path)
        assert snapshot.version is not None, path.name
        assert len(snapshot.commands) > 100 and len(snapshot.events) > 20, path.name
        document = snapshot_contract(
            snapshot,
            contract_id="qemu-introspection",
            origin="test",
            version=snapshot.version,
            masked_names=True,
        )
        for name in document["types"]:
            assert not name.split(".", 1)[1][:1].isdigit(), f"{path.name}: masked name {name}"


def test_the_72_snapshot(shared_corpus: Path) -> None:
    snapshot = load_introspection(shared_corpus / "libvirt-replies" / "caps_7.2.0_x86_64.replies")
    assert snapshot.version == QemuVersion(7, 2)
    assert (len(snapshot.commands), len(snapshot.events)) == (216, 52)
    stream = snapshot.commands["block-stream"]
    arguments = snapshot.type(stream.arguments or "")
    assert isinstance(arguments, ObjectType)
    members = {m.name: m for m in arguments.members}
    assert members["job-id"].optional and not members["device"].optional
    assert snapshot.commands["device_add"].features == ("json-cli", "json-cli-hotplug")


def test_import_is_deterministic_and_lints_clean(shared_corpus: Path, tmp_path: Path) -> None:
    source = shared_corpus / "libvirt-replies" / "caps_9.2.0_x86_64.replies"
    target = tmp_path / "set" / "qemu-introspection" / "9.2.0.json"
    target.parent.mkdir(parents=True)
    assert main(["import", "introspection", str(source), "-o", str(target)]) == 0
    first = target.read_text()
    assert main(["import", "introspection", str(source), "-o", str(target)]) == 0
    assert target.read_text() == first
    shutil.copy(Path(__file__).parent.parent / "contracts" / "contract.schema.json", tmp_path)
    assert lint_paths([tmp_path / "set"]).problems == ()


def test_raw_reply_needs_a_version(
    shared_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = replies_messages(shared_corpus / "libvirt-replies" / "caps_8.2.0_x86_64.replies")
    reply = next(
        messages[i + 1] for i, m in enumerate(messages) if m.get("execute") == "query-qmp-schema"
    )
    raw = tmp_path / "schema.json"
    raw.write_text(json.dumps(reply))
    assert main(["import", "introspection", str(raw)]) == 2
    assert "give --qemu-version" in capsys.readouterr().err
    assert main(["import", "introspection", str(raw), "--qemu-version", "8.2.0"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == "8.2.0"
    assert "block-job-change" in document["commands"]


def test_file_without_a_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).parent.parent / "examples" / "qemu-7.2-block-jobs.jsonl"
    assert main(["import", "introspection", str(example)]) == 2
    assert "no query-qmp-schema reply" in capsys.readouterr().err


def _replies_with(corpus: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (corpus / "libvirt-replies" / "caps_7.2.0_x86_64.replies").read_text()
    assert old in text
    path = tmp_path / "mutated.replies"
    path.write_text(text.replace(old, new, 1))
    return path


def test_embedded_schema_catches_real_deviations(
    shared_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _replies_with(shared_corpus, tmp_path, '"arch": "x86_64"', '"arch": 64')
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "MUST [qemu-introspection/returns] QEMU must: the return value of 'query-target'" in out
    # Without the transcript's own schema, the release data of QEMU 7.2 catches it too.
    assert main(["check", str(path), "--no-embedded-schema"]) == 1
    assert "MUST [qemu-release/returns] QEMU must: the return value of 'query-target'" in (
        capsys.readouterr().out
    )
    assert main(["check", str(path), "--no-embedded-schema", "--no-release-data"]) == 0
    capsys.readouterr()


def test_device_add_arguments_are_open(
    shared_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """device_add is 'gen': false: its schema lists driver, bus and id only."""
    request = '"execute": "query-target",'
    open_ = '"execute": "device_add", "arguments": {"driver": "virtio-blk-pci", "drive": "d0"},'
    path = _replies_with(shared_corpus, tmp_path, request, open_)
    main(["check", str(path), "--select", "qemu-introspection/arguments"])
    assert "0 findings" in capsys.readouterr().out
    missing = '"execute": "device_add", "arguments": {"drive": "d0"},'
    path = _replies_with(shared_corpus, tmp_path, request, missing)
    main(["check", str(path), "--select", "qemu-introspection/arguments"])
    assert "missing member 'driver'" in capsys.readouterr().out
