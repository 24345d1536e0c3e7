"""The shipped libvirt usage data: made from the corpus, read once, refused when broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qmpcontract.cli import main
from qmpcontract.libvirt import usage as libvirt_usage
from qmpcontract.libvirt.build import build
from qmpcontract.libvirt.usage import UsageDataError, load_usage, usage_of

REGENERATE = (
    "regenerate: qmpcontract libvirt-usage build --corpus ../shared/corpus "
    "-o qmpcontract/libvirt/libvirt-usage.json"
)


def test_the_shipped_data_is_what_the_build_command_makes(
    shared_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = tmp_path / "libvirt-usage.json"
    assert main(["libvirt-usage", "build", "--corpus", str(shared_corpus), "-o", str(made)]) == 0
    assert "libvirt 9.0.0, 11.3.0" in capsys.readouterr().out
    assert made.read_bytes() == libvirt_usage.DATA_FILE.read_bytes(), REGENERATE


def test_the_data_keeps_every_fact_of_the_corpus(shared_corpus: Path) -> None:
    for usage in load_usage():
        raw = json.loads(
            (
                shared_corpus / "libvirt-usage" / f"libvirt-{usage.version}-qmp-usage.json"
            ).read_text()
        )
        assert [(p.query, p.flag, p.xml_flag) for p in usage.probes] == [
            (q["query"], q["capability"], q["xml_flag"]) for q in raw["schema_queries"]
        ]
        assert [p.name for p in usage.commands_probed] == [
            c["command"] for c in raw["commands_probed"]
        ]
        assert [p.name for p in usage.object_types_probed] == [
            t["type"] for t in raw["object_types_probed"]
        ]
        assert [p.name for p in usage.migration_capabilities_probed] == [
            c["capability_name"] for c in raw["migration_capabilities_probed"]
        ]
        assert usage.commands_sent == set(raw["commands_sent"])
        assert usage.events_handled == set(raw["events_handled"])
        assert usage.error_classes_matched == set(raw["error_classes_matched"])


def test_the_shipped_releases() -> None:
    releases = load_usage()
    assert [u.version for u in releases] == ["9.0.0", "11.3.0"]
    assert load_usage() is releases  # read once per process
    new = usage_of("11.3")
    assert new is usage_of("11.3.0") and new.label == "libvirt 11.3"
    assert len(new.probes) == 35 and len(usage_of("9.0").probes) == 31
    assert new.sends("block-commit") and not new.sends("block_stream")
    assert new.handles("JOB_STATUS_CHANGE") and not new.handles("BLOCK_JOB_COMPLETED")
    assert new.matches("CommandNotFound") and not new.matches("NoSuchClass")
    assert "QEMU_CAPS_NETDEV_STREAM_RECONNECT" in new.probes_command("netdev_add")
    with pytest.raises(KeyError, match=r"no libvirt 1\.0 in the usage data"):
        usage_of("1.0")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the libvirt usage data"),
        (b"{", "the libvirt usage data is not JSON"),
        (b'{"format": "other"}', "not a qmpcontract libvirt usage file"),
        (b'{"format": "qmpcontract-libvirt-usage", "version": 9}', "libvirt usage format 9"),
        (
            b'{"format": "qmpcontract-libvirt-usage", "version": 1, "releases": [{}]}',
            "malformed libvirt usage data",
        ),
    ],
)
def test_a_broken_data_file_is_an_input_error_naming_it(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "libvirt-usage.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageDataError) as caught:
        load_usage(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_the_list_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["libvirt-usage", "list"]) == 0
    out = capsys.readouterr().out
    assert "libvirt 9.0 (9.0.0): 31 schema probes" in out
    assert "libvirt 11.3 (11.3.0): 35 schema probes" in out


def test_build_without_a_corpus_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.json"
    assert main(["libvirt-usage", "build", "--corpus", str(tmp_path), "-o", str(out)]) == 2
    assert "no libvirt-<version>-qmp-usage.json files here" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("{", "not JSON"),
        ('{"libvirt_version": "1.0.0"}', "not a libvirt usage file"),
        ("BAD_QUERY", "probe 'a/$f/b': '$f' must be the last part"),
    ],
)
def test_build_refuses_a_broken_usage_file(
    tmp_path: Path, shared_corpus: Path, change: str, message: str
) -> None:
    source = shared_corpus / "libvirt-usage" / "libvirt-9.0.0-qmp-usage.json"
    text = source.read_text()
    if change == "BAD_QUERY":
        raw = json.loads(text)
        raw["schema_queries"][0]["query"] = "a/$f/b"
        text = json.dumps(raw)
    else:
        text = change
    (tmp_path / "libvirt-usage").mkdir()
    (tmp_path / "libvirt-usage" / source.name).write_text(text)
    with pytest.raises(ValueError, match=message.replace("$", r"\$")):
        build(tmp_path)
