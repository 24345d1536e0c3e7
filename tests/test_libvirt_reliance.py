"""Every contract version that lists libvirt releases as its consumers is relied on by them.

A contract's consumers say which libvirt releases rely on it (issue 17: versioned
consumers); the libvirt usage data shipped in the package, made from libvirt's
sources, must show each release of the data inside that range using something of the
contract, and the cited sources must name each of those releases.
"""

from __future__ import annotations

from pathlib import Path

from qmpcontract.contract import load_contracts
from qmpcontract.libvirt.reliance import reliance
from qmpcontract.libvirt.usage import load_usage
from qmpcontract.model.versions import QemuVersion

REPO = Path(__file__).resolve().parent.parent


def test_listed_libvirt_releases_rely_on_the_contract() -> None:
    usages = load_usage()
    checked = 0
    for contract in load_contracts(REPO / "contracts"):
        for consumer in contract.consumers:
            if consumer.name != "libvirt" or consumer.versions is None:
                continue
            for usage in usages:
                if QemuVersion.parse(usage.version) not in consumer.versions:
                    continue
                used = reliance(contract, usage)
                assert used, f"{contract.ref}: {used.describe()}"
                cited = " ".join(f"{r.title} {r.url or ''}" for r in consumer.agreed)
                assert f"v{usage.version}" in cited, (contract.ref, usage.version)
                checked += 1
    assert checked >= 6  # block-jobs, jobs and qmp-core, each by libvirt 9.0 and 11.3


def test_what_libvirt_relies_on() -> None:
    contracts = {c.ref: c for c in load_contracts(REPO / "contracts")}
    usage = {u.version: u for u in load_usage()}
    jobs = reliance(contracts["jobs@1.1.2"], usage["11.3.0"])
    assert jobs.handles == ("JOB_STATUS_CHANGE",)
    assert "snapshot-save" in jobs.sends
    assert "snapshot-save" not in reliance(contracts["jobs@1.1.2"], usage["9.0.0"]).sends
    blocks = reliance(contracts["block-jobs@2.5.0"], usage["9.0.0"])
    assert blocks.handles == ()  # libvirt follows block jobs through JOB_STATUS_CHANGE
    assert blocks.describe().startswith("libvirt 9.0 sends block-stream")
