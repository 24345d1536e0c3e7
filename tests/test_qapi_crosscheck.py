"""QAPI sources against introspection, QEMU 7.2: the same commands and events for x86_64.

The v7.2.0 sources describe every target and configuration; the 7.2 x86_64
probe of libvirt reports one build.  Evaluating each command's and event's
``if`` condition for an x86_64 build with the features that build had must give
exactly the probe's command and event sets.
"""

from __future__ import annotations

from pathlib import Path

from qmpcontract.importers.qapi_conditions import holds
from qmpcontract.importers.qapi_schema import load_qapi
from qmpcontract.importers.sources import load_introspection

# An x86_64 system emulator (TARGET_I386 covers i386 and x86_64) on Linux, with the
# optional features the probed build had.  Only symbols used by command or event
# conditions of v7.2.0 matter here; the others are absent.
X86_64_BUILD = frozenset(
    {
        "TARGET_I386",
        "CONFIG_FDT",
        "CONFIG_REPLICATION",
        "CONFIG_SPICE",
        "CONFIG_TCG",
        "CONFIG_TPM",
        "CONFIG_VNC",
    }
)


def test_v72_commands_and_events_equal_the_x86_64_introspection(shared_corpus: Path) -> None:
    qapi = load_qapi(shared_corpus / "qapi" / "v7.2.0" / "qapi-schema.json")
    probe = load_introspection(shared_corpus / "libvirt-replies" / "caps_7.2.0_x86_64.replies")
    commands = {n for n, c in qapi.commands.items() if holds(c.condition, X86_64_BUILD)}
    events = {n for n, e in qapi.events.items() if holds(e.condition, X86_64_BUILD)}
    assert commands == set(probe.commands)
    assert events == set(probe.events)
    # Residual difference before evaluating conditions: four commands of other targets.
    excluded = {n: c.condition for n, c in qapi.commands.items() if n not in commands}
    assert excluded == {
        "dump-skeys": "TARGET_S390X",
        "query-cpu-model-baseline": "TARGET_S390X",
        "query-cpu-model-comparison": "TARGET_S390X",
        "query-gic-capabilities": "TARGET_ARM",
    }
    assert all(e in probe.events for e in qapi.events)  # no event is target-specific in 7.2


def test_conditions_evaluate() -> None:
    assert holds(None, set())
    assert holds(["CONFIG_A", "CONFIG_B"], {"CONFIG_A", "CONFIG_B"})
    assert not holds(["CONFIG_A", "CONFIG_B"], {"CONFIG_A"})
    assert holds({"all": ["A", {"not": "B"}]}, {"A"})
    assert not holds("defined(TARGET_S390X)", {"TARGET_I386"})
