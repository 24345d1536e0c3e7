"""The parts of the docs site's generated pages, without building it (issue 18).

History by QEMU release and the matrix are computed from the shipped release
data; rules and elements are linked both ways; types link across contracts;
real output comes from the tools.  The built site is checked in a browser by
``tests/e2e/test_docs_browser.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from qmpcontract.contract import load_contracts
from qmpcontract.docsite.governs import governed_by
from qmpcontract.docsite.history import lives, series
from qmpcontract.docsite.html import badge, reference_url
from qmpcontract.docsite.matrix import release_apis, rows, verdict
from qmpcontract.docsite.outputs import OutputError, expand
from qmpcontract.docsite.typedocs import members_table, sites_of
from qmpcontract.docsite.versions import rule_changes
from qmpcontract.model.contract import Level, Reference
from qmpcontract.releases import data as release_data

from .conftest import REPO

CONTRACTS = load_contracts(REPO / "contracts")


def _life(name: str) -> str:
    (found,) = [life for life in lives(release_data.load()) if life.name == name]
    return found.text()


def test_cpu_add_by_release() -> None:
    # Present in the 1.5.3 probe, marked 'deprecated' in 5.0's introspection, gone in 5.2's.
    assert _life("cpu-add") == "appeared in 1.5 or earlier, deprecated 5.0, removed 5.2"
    assert _life("query-migrationthreads") == "appeared 8.0, deprecated 9.2"
    # QEMU 1.0's QAPI sources name no event: they never say one was absent.
    assert _life("BLOCK_JOB_COMPLETED") == "appeared in 1.5 or earlier"
    # The data has no 10.1: marked in 10.2, unmarked in 10.0.
    assert _life("block-job-pause").endswith("deprecated between 10.0 and 10.2")


def test_the_series_is_releases_only() -> None:
    versions = [r.version for r in series(release_data.load())]
    assert all(v.micro < 50 for v in versions)  # no 2.11.90, no 3.0.92
    minors = [(v.major, v.minor) for v in versions]
    assert len(minors) == len(set(minors)) == 35
    assert minors[0] == (1, 0) and minors[-1] == (10, 2) and (10, 0) in minors


def test_the_matrix_says_not_introspectable_and_collapses_rows() -> None:
    releases = {r.label: r for r in release_apis(release_data.load())}
    core = CONTRACTS.get("qmp-core", "1.0.1")
    assert core is not None
    early = verdict(core, releases["2.6"])
    assert early.symbol == "not introspectable" and early.unknown == ("command qmp_capabilities",)
    assert verdict(core, releases["2.8"]).symbol == "yes"
    kept = {k: v for k, v in releases["7.2"].commands.items() if k != "query-version"}
    without = replace(releases["7.2"], commands=kept)
    assert verdict(core, without).symbol == "no (1)"
    labels = [row.label for row in rows([core], list(releases.values()))]
    assert labels == ["1.0", "1.5 to 2.7", "2.8 to 10.2"], labels


def test_members_are_judged_by_their_own_lifecycle() -> None:
    releases = {r.label: r for r in release_apis(release_data.load())}
    migration = CONTRACTS.latest("migration")
    hotplug = CONTRACTS.latest("device-hotplug")
    assert migration is not None and hotplug is not None
    # 'blk', 'inc', the old compression parameters: removed in 9.1, not asked of 10.0.
    assert verdict(migration, releases["10.0"]).symbol == "yes"
    # device_add's schema is incomplete ('gen': false): its arguments are not judged.
    assert verdict(hotplug, releases["2.8"]).symbol == "yes"


def test_rules_and_elements_link_both_ways() -> None:
    latest = CONTRACTS.latest("block-jobs")
    assert latest is not None
    rules = [r.id for r in governed_by(latest)[("event", "BLOCK_JOB_COMPLETED")]]
    assert "block-jobs/completion-event-name" in rules
    assert "block-jobs/terminal-event" in rules
    assert "block-jobs/arguments" not in rules  # about commands only


def test_types_link_across_contracts() -> None:
    site = sites_of(CONTRACTS.current())["block-jobs"]
    table = members_table({"$ref": "#/types/BlockJobInfo"}, site, "")
    assert table == "An object [`BlockJobInfo`](#type-BlockJobInfo).\n"
    info = members_table(site.types["block-jobs"]["BlockJobInfo"], site, "")
    assert "| Name | Type | Optional | Since | Status |" in info
    assert "| `status` | [`JobStatus`](jobs.md#type-JobStatus) | no | 2.12 | stable |" in info
    assert (
        "[`query-block-jobs`](block-jobs.md#command-query-block-jobs)"
        in (site.users[("block-jobs", "BlockJobInfo")])
    )


def test_one_level_vocabulary_and_qemu_commits_on_gitlab() -> None:
    assert [badge(level).split(">")[1][:-6] for level in Level] == ["MUST", "SHOULD", "MAY"]
    mirror = (
        "https://git.208concepts.com/motorhead/qemu/commit/de253f14912e88f45dbe66984440d27221a75a60"
    )
    cited = Reference("commit", "t", url=mirror, repo="qemu", commit="de253f14912e")
    assert reference_url(cited) == "https://gitlab.com/qemu-project/qemu/-/commit/de253f14912e"
    libvirt = Reference("commit", "t", url="https://gitlab.com/libvirt/x", repo="libvirt")
    assert reference_url(libvirt) == "https://gitlab.com/libvirt/x"


def test_rule_changes_are_in_the_changelog() -> None:
    old, new = CONTRACTS.get("block-jobs", "2.4.1"), CONTRACTS.get("block-jobs", "2.5.0")
    assert old is not None and new is not None
    changes = rule_changes(old, new)
    assert any(line.startswith("- rule added:") for line in changes), changes
    assert rule_changes(new, new) == []


def test_real_output_markers(tmp_path: Path) -> None:
    page = "Before\n<!-- qmpcontract-run: check examples/qemu-7.2-block-jobs.jsonl -->\nAfter\n"
    text = expand(page, REPO)
    assert "$ qmpcontract check examples/qemu-7.2-block-jobs.jsonl\n" in text
    assert "0 findings (0 MUST, 0 SHOULD, 0 MAY)" in text and 'title="exit status 0"' in text
    (tmp_path / "held.md").write_text("held text\n", encoding="utf-8")
    assert expand("<!-- qmpcontract-include: held.md -->", tmp_path) == "held text"
    with pytest.raises(OutputError):
        expand("<!-- qmpcontract-run: check no/such/file.jsonl -->", REPO)
    with pytest.raises(OutputError):
        expand("<!-- qmpcontract-include: missing.md -->", tmp_path)


def test_one_of_two_arguments_is_judged_per_release() -> None:
    """migrate: 'uri' mandatory until 9.0, then exactly one of 'uri' and 'channels'."""
    releases = {r.label: r for r in release_apis(release_data.load())}
    contracts = {c.ref: c for c in load_contracts(REPO / "contracts")}
    fixed, wrong = contracts["migration@1.0.1"], contracts["migration@1.0.0"]
    for label in ("2.9", "8.2", "9.0", "10.0"):
        assert verdict(fixed, releases[label]).missing == (), label
    assert "migrate: argument uri is mandatory" in verdict(wrong, releases["2.9"]).missing
