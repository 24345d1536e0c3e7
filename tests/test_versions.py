"""QEMU versions, semantic versions and version requirements."""

from __future__ import annotations

import pytest

from qmpcontract.model.versions import QemuRange, QemuVersion, SemVer, VersionRequirement


def test_qemu_versions_order_numerically() -> None:
    texts = ["10.1", "1.1", "2.12.1", "2.7", "9.2.4", "2.12", "1.0.50"]
    ordered = sorted(texts, key=QemuVersion.parse)
    assert ordered == ["1.0.50", "1.1", "2.7", "2.12", "2.12.1", "9.2.4", "10.1"]


@pytest.mark.parametrize("text", ["2", "2.x", "02.1", "1.2.3.4", "v1.2", ""])
def test_bad_qemu_versions(text: str) -> None:
    with pytest.raises(ValueError, match="not a QEMU version"):
        QemuVersion.parse(text)


def test_semver_precedence() -> None:
    chain = ["0.1.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-rc.1", "1.0.0", "1.2.0"]
    parsed = [SemVer.parse(t) for t in chain]
    assert parsed == sorted(parsed)
    assert [str(v) for v in parsed] == chain
    assert SemVer.parse("1.0.0-2") < SemVer.parse("1.0.0-10"), (
        "numeric identifiers compare as numbers"
    )


@pytest.mark.parametrize(
    ("requirement", "version", "ok"),
    [
        ("^1.0.0", "1.0.0", True),
        ("^1.0.0", "1.9.3", True),
        ("^1.2.0", "1.1.0", False),
        ("^1.0.0", "2.0.0", False),
        ("^0.1.0", "0.1.5", True),
        ("^0.1.0", "0.2.0", False),
        ("1.0.0", "1.0.1", False),
        ("1.0.0", "1.0.0", True),
    ],
)
def test_requirements(requirement: str, version: str, ok: bool) -> None:
    assert VersionRequirement.parse(requirement).matches(SemVer.parse(version)) is ok


def test_ranges_are_half_open() -> None:
    span = QemuRange(QemuVersion.parse("1.1"), QemuVersion.parse("1.2"))
    assert QemuVersion.parse("1.1") in span
    assert QemuVersion.parse("1.1.9") in span
    assert QemuVersion.parse("1.2") not in span
    assert QemuVersion.parse("1.0.50") not in span
    assert QemuVersion.parse("99.0") in QemuRange(QemuVersion.parse("1.2"))
