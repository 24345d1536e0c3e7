"""libvirt's schema probes: each construct of the language, and libvirt's own caps oracle.

The oracle: libvirt's test data pairs each ``caps_<qemu>_x86_64.replies`` (what
that QEMU answered) with the ``caps_<qemu>_x86_64.xml`` libvirt computes from
it.  A schema probe is true on the ``.replies`` file's ``query-qmp-schema``
exactly when the ``.xml`` lists the probe's flag (no flag of these probes is
also set or cleared by another probe or a version check, corpus README).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from qmpcontract.importers.qapi_conditions import holds
from qmpcontract.importers.qapi_schema import load_qapi_snapshot
from qmpcontract.importers.sources import load_introspection
from qmpcontract.libvirt.probes import (
    KINDS,
    ProbeSyntaxError,
    evaluate,
    flags,
    flipped,
    parse_query,
)
from qmpcontract.libvirt.usage import LibvirtUsage, SchemaProbe, load_usage, usage_of
from qmpcontract.model.qemu_api import (
    AlternateType,
    ApiSnapshot,
    ApiType,
    ArrayType,
    BuiltinType,
    Command,
    Condition,
    EnumType,
    EnumValue,
    Event,
    Member,
    ObjectType,
    Variants,
)

from .conftest import SHARED_CORPUS

M = Member


def _types(*types: ApiType) -> dict[str, ApiType]:
    return {t.id: t for t in types}


BUILTINS = (
    BuiltinType("str", "string"),
    BuiltinType("int", "integer"),
    BuiltinType("number", "number"),
    BuiltinType("bool", "boolean"),
    BuiltinType("null", "null"),
    BuiltinType("any", "value"),
)
API = ApiSnapshot(
    commands={
        "blockdev-add": Command("blockdev-add", "BlockdevOptions", None, ("fdset",)),
        "stop": Command("stop", None, None),
        "query-things": Command("query-things", None, "ThingList"),
        "set-target": Command("set-target", "set-target-arg", "Target"),
        "s390-only": Command("s390-only", None, None, condition="TARGET_S390X"),
    },
    events={"EV": Event("EV", "EvData", ("unstable",))},
    types=_types(
        *BUILTINS,
        EnumType(
            "Driver",
            (EnumValue("file"), EnumValue("nbd"), EnumValue("zoned", condition="CONFIG_ZONED")),
        ),
        EnumType("Aio", (EnumValue("threads"), EnumValue("io_uring", ("x-exp",))), ("enum-f",)),
        ObjectType(
            "BlockdevOptions",
            (M("driver", "Driver"), M("node-name", "str", optional=True)),
            Variants("driver", {"file": "File", "nbd": "Nbd", "zoned": "File"}),
        ),
        ObjectType(
            "File",
            (
                M("filename", "str"),
                M("aio", "Aio", optional=True),
                M("1st", "int", optional=True),
                M("s390-opt", "bool", optional=True, condition="TARGET_S390X"),
            ),
            features=("dynamic-auto-read-only",),
        ),
        ObjectType("Nbd", (M("server", "str"),)),
        ArrayType("ThingList", "Thing"),
        ObjectType("Thing", (M("name", "str"), M("props", "Props"))),
        ObjectType("Props", (M("die-id", "int", optional=True), M("any", "any"))),
        ObjectType("set-target-arg", (M("target", "Target"), M("level", "null"))),
        AlternateType("Target", (M("path", "str"), M("spec", "TargetSpec"))),
        ObjectType("TargetSpec", (M("path", "str"), M("ratio", "number"))),
        ObjectType("EvData", (M("reason", "Aio"),)),
        ArrayType("Loop", "Loop"),  # broken on purpose: an array of itself
        ObjectType("uses-loop", (M("loop", "Loop"),)),
    ),
)


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        # the first part: a command or an event
        ("stop", True),
        ("EV", True),
        ("no-such-command", False),
        # arg-type / ret-type; no arguments or return: the empty object
        ("stop/arg-type", True),
        ("stop/ret-type", True),
        ("stop/arg-type/now", False),
        ("EV/arg-type/reason", True),
        ("EV/ret-type", False),  # events have no return
        ("stop/name", False),  # only arg-type and ret-type lead into a type
        ("stop/+arg-type", False),
        # members
        ("blockdev-add/arg-type/driver", True),
        ("blockdev-add/arg-type/filename", False),  # a branch member, not the base's
        ("blockdev-add/arg-type/*node-name", True),
        ("blockdev-add/arg-type/*driver", False),  # mandatory
        ("blockdev-add/arg-type/*no-such", False),
        # union variants
        ("blockdev-add/arg-type/+file", True),
        ("blockdev-add/arg-type/+file/filename", True),
        ("blockdev-add/arg-type/+nbd/filename", False),
        ("blockdev-add/arg-type/+vxhs", False),
        ("blockdev-add/arg-type/+file/+nbd", False),  # not a union
        # enum values, and a value's feature
        ("blockdev-add/arg-type/+file/aio/^io_uring", True),
        ("blockdev-add/arg-type/+file/*aio/^native", False),
        ("blockdev-add/arg-type/+file/aio/^io_uring/$x-exp", True),
        ("blockdev-add/arg-type/+file/aio/^threads/$x-exp", False),
        ("blockdev-add/arg-type/driver/^nbd", True),
        ("blockdev-add/arg-type/+file/aio/$enum-f", False),  # as libvirt: no enum features
        ("blockdev-add/arg-type/+file/aio/threads", False),
        ("blockdev-add/arg-type/+file/^file", False),  # ^ on an object
        # features: of the command, the event, the object type reached
        ("blockdev-add/$fdset", True),
        ("blockdev-add/$deprecated", False),
        ("EV/$unstable", True),
        ("blockdev-add/arg-type/+file/$dynamic-auto-read-only", True),
        ("blockdev-add/arg-type/+nbd/$dynamic-auto-read-only", False),
        ("blockdev-add/arg-type/+file/filename/$dynamic-auto-read-only", False),  # a builtin
        # arrays are walked through
        ("query-things/ret-type/name", True),
        ("query-things/ret-type/props/die-id", True),
        ("query-things/ret-type/props/*die-id", True),
        ("query-things/ret-type/props/cluster-id", False),
        # alternates: branch by branch
        ("set-target/arg-type/target", True),
        ("set-target/arg-type/target/ratio", True),
        ("set-target/arg-type/target/!string", True),
        ("set-target/arg-type/target/!int", False),
        ("set-target/ret-type/ratio/!number", True),
        # JSON kinds of builtins
        ("set-target/arg-type/level/!null", True),
        ("set-target/arg-type/level/!string", False),
        ("query-things/ret-type/props/die-id/!int", True),
        ("query-things/ret-type/props/die-id/!number", False),
        ("query-things/ret-type/props/any/!value", True),
        ("blockdev-add/arg-type/+file/filename/!string", True),
        ("blockdev-add/arg-type/+file/filename/^x", False),
        ("blockdev-add/arg-type/!string", False),  # ! on an object
        # a part starting with a non-letter loses that character
        ("blockdev-add/arg-type/+file/ 1st", True),
        ("blockdev-add/arg-type/+file/1st", False),  # looks for 'st'
        ("blockdev-add/arg-type/ driver", True),
        ("stop/ arg-type", True),
    ],
)
def test_language(query: str, answer: bool) -> None:
    assert evaluate(query, API) is answer


def test_every_kind_a_builtin_can_have() -> None:
    for builtin, kind in zip(
        BUILTINS, ("string", "int", "number", "boolean", "null", "value"), strict=True
    ):
        types = _types(builtin, ObjectType("a", (M("m", builtin.id),)))
        api = ApiSnapshot({"c": Command("c", "a", None)}, {}, types)
        answers = {k: evaluate(f"c/arg-type/m/!{k}", api) for k in KINDS}
        assert answers == {k: k == kind for k in KINDS}, builtin


def test_a_type_that_contains_itself_ends() -> None:
    api = ApiSnapshot({"c": Command("c", "uses-loop", None)}, {}, API.types)
    assert evaluate("c/arg-type/loop/anything", api) is False


@pytest.mark.parametrize("query", ["a//b", "a/", "a/$f/b", "a/!int/b", "a/^v/b", "a/^v/$f/x"])
def test_malformed_queries_are_refused(query: str) -> None:
    with pytest.raises(ProbeSyntaxError, match="probe"):
        evaluate(query, API)
    assert issubclass(ProbeSyntaxError, ValueError)


def test_parse_query() -> None:
    assert parse_query("a/arg-type/^v/$f") == ("a", "arg-type", "^v", "$f")


def _x86_64(condition: Condition) -> bool:
    """Present in an x86_64 build with every configuration option."""
    symbols = set(re.findall(r"[A-Z][A-Z0-9_]+", repr(condition)))
    return holds(condition, {s for s in symbols if not s.startswith("TARGET_")} | {"TARGET_I386"})


@pytest.mark.parametrize(
    ("query", "everything", "x86_64"),
    [
        ("s390-only", True, False),  # a command's condition
        ("blockdev-add/arg-type/+file/s390-opt", True, False),  # a member's
        ("blockdev-add/arg-type/driver/^zoned", True, True),  # a CONFIG_ value's
        ("blockdev-add/arg-type/+zoned", True, True),  # a branch: its tag value's
    ],
)
def test_conditions_are_judged_by_present(query: str, everything: bool, x86_64: bool) -> None:
    assert evaluate(query, API) is everything
    assert evaluate(query, API, present=_x86_64) is x86_64
    assert evaluate(query, API, present=lambda c: c is None) is False


USAGE = LibvirtUsage(
    "11.3.0",
    "test",
    (
        SchemaProbe("blockdev-add/arg-type/+file/aio/^io_uring", "QEMU_CAPS_AIO_IO_URING", "aio"),
        SchemaProbe("blockdev-add/arg-type/+vxhs", "QEMU_CAPS_VXHS", "vxhs"),
        SchemaProbe("blockdev-add/arg-type/+nbd", "QEMU_CAPS_TWICE", "twice"),
        SchemaProbe("blockdev-add/arg-type/+nvme", "QEMU_CAPS_TWICE", "twice"),
    ),
)


def test_flags_of_a_release() -> None:
    assert flags(USAGE, API) == {
        "QEMU_CAPS_AIO_IO_URING": True,
        "QEMU_CAPS_VXHS": False,
        "QEMU_CAPS_TWICE": True,  # set when any of its probes is true
    }


def test_flipped_names_the_probe_its_flag_and_its_effect() -> None:
    file_type = API.types["File"]
    assert isinstance(file_type, ObjectType)
    no_aio = ObjectType("File", tuple(m for m in file_type.members if m.name != "aio"))
    new = ApiSnapshot(API.commands, API.events, {**API.types, "File": no_aio})
    (flip,) = flipped(USAGE, API, new)
    assert (flip.query, flip.flag, flip.old, flip.new) == (
        "blockdev-add/arg-type/+file/aio/^io_uring",
        "QEMU_CAPS_AIO_IO_URING",
        True,
        False,
    )
    assert flip.describe() == (
        "libvirt 11.3: probe `blockdev-add/arg-type/+file/aio/^io_uring` "
        "(QEMU_CAPS_AIO_IO_URING) turns false"
    )
    assert [f.new for f in flipped(USAGE, new, API)] == [True]
    assert flipped(USAGE, API, API) == []


# The oracle: libvirt's own caps data.

CAPS = SHARED_CORPUS / "libvirt-caps"
_FLAG = re.compile(r"<flag name='([^']+)'/>")


def _caps_files(usage: LibvirtUsage) -> Iterator[Path]:
    yield from sorted((CAPS / f"libvirt-{usage.version}").glob("caps_*.replies"))


def _oracle(usage: LibvirtUsage) -> tuple[int, int, list[str]]:
    agree, total, disagreements = 0, 0, []
    for replies in _caps_files(usage):
        try:
            api = load_introspection(replies)
        except ValueError:  # no query-qmp-schema in this file: nothing to compare
            continue
        listed = set(_FLAG.findall(replies.with_suffix(".xml").read_text(encoding="utf-8")))
        for probe in usage.probes:
            total += 1
            answer = evaluate(probe.query, api)
            if answer == (probe.xml_flag in listed):
                agree += 1
            else:
                disagreements.append(f"{replies.name}: {probe.query} is {answer}")
    return agree, total, disagreements


@pytest.mark.parametrize("version", ["9.0.0", "11.3.0"])
def test_every_probe_agrees_with_libvirts_caps_oracle(shared_corpus: Path, version: str) -> None:
    usage = usage_of(version)
    agree, total, disagreements = _oracle(usage)
    files = len(list(_caps_files(usage)))
    print(f"\n{usage.label}: {agree}/{total} (file, probe) pairs agree, {files} caps files")
    assert total == files * len(usage.probes) > 0
    assert disagreements == []


def test_the_oracle_covers_the_831_pairs(shared_corpus: Path) -> None:
    assert sum(_oracle(usage)[1] for usage in load_usage()) == 831


# QAPI sources against the introspection of a build of the same release.

QAPI = SHARED_CORPUS / "qapi"


def _pairs() -> Iterator[tuple[str, str, str]]:
    """(libvirt version, QAPI tag, caps file) for every caps file of a release with a tree."""
    for usage_dir in sorted(CAPS.glob("libvirt-*")):
        for replies in sorted(usage_dir.glob("caps_*.replies")):
            release = re.match(r"caps_(\d+\.\d+\.\d+)", replies.name)
            if release and (QAPI / f"v{release.group(1)}" / "qapi-schema.json").is_file():
                yield usage_dir.name.removeprefix("libvirt-"), f"v{release.group(1)}", replies.name


PAIRS = list(_pairs()) if CAPS.is_dir() else []


def _answers(usage: LibvirtUsage, api: ApiSnapshot, *, x86_64: bool = False) -> dict[str, bool]:
    present = _x86_64 if x86_64 else None
    return {p.query: evaluate(p.query, api, present=present) for p in usage.probes}


def test_qapi_7_2_and_its_introspection_answer_libvirt_9_0_alike(shared_corpus: Path) -> None:
    usage = usage_of("9.0")
    tree, _ = load_qapi_snapshot(shared_corpus / "qapi" / "v7.2.0" / "qapi-schema.json")
    build = load_introspection(CAPS / "libvirt-9.0.0" / "caps_7.2.0.x86_64.replies")
    assert _answers(usage, tree) == _answers(usage, build)


@pytest.mark.parametrize(("version", "tag", "caps"), PAIRS, ids=[f"{v}-{c}" for v, _, c in PAIRS])
def test_qapi_trees_and_introspections_answer_alike_for_x86_64(
    shared_corpus: Path, version: str, tag: str, caps: str
) -> None:
    """Alike once the tree's target conditions are judged for x86_64.

    Without that, one probe differs: libvirt 11.3's
    ``query-cpu-model-expansion/ret-type/deprecated-props`` is true on the 9.2.0
    tree and false on its x86_64 builds, because QEMU 9.2 declares that member
    ``'if': 'TARGET_S390X'``.
    """
    usage = usage_of(version)
    tree, _ = load_qapi_snapshot(shared_corpus / "qapi" / tag / "qapi-schema.json")
    build = load_introspection(CAPS / f"libvirt-{version}" / caps)
    assert _answers(usage, tree, x86_64=True) == _answers(usage, build)
    differ = [q for q, a in _answers(usage, tree).items() if a != _answers(usage, build)[q]]
    expected = ["query-cpu-model-expansion/ret-type/deprecated-props"] if tag == "v9.2.0" else []
    assert differ == expected
