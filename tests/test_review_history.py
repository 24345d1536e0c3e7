"""``review`` of real QEMU commits, from the QAPI history bundle of the shared corpus.

Each commit is found by its subject (the bundle's ids are its own; its messages
are QEMU's) and reviewed as ``review --repo CLONE X~1..X``.  A fixed sample of
the whole history goes through ``bench/sweep_review.py``: none refused.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qmpcontract.cli import main

from .conftest import REPO, SHARED_CORPUS


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of the QAPI history bundle."""
    bundle = SHARED_CORPUS / "qemu-qapi-history.bundle"
    if not bundle.is_file():
        pytest.skip(f"{bundle} not available")
    clone = tmp_path_factory.mktemp("history") / "qapi-history"
    subprocess.run(["git", "clone", "-q", str(bundle), str(clone)], check=True)
    return clone


def _commit(history: Path, subject: str) -> str:
    found = subprocess.run(
        ["git", "-C", str(history), "log", "--format=%H", "--fixed-strings", "--grep", subject],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(found) == 1, (subject, found)
    return found[0]


def _review(history: Path, subject: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    sha = _commit(history, subject)
    code = main(["review", "--repo", str(history), f"{sha}~1..{sha}"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_2012_renamed_speed_argument_is_a_must_rename(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 882ec7ce53, in the root qapi-schema.json of 2012 (QEMU 1.1 development)
    code, out = _review(
        history, "block: change block-job-set-speed argument from 'value' to 'speed'", capsys
    )
    assert code == 0, out
    assert "1 wire-visible change(s): 1 MUST, 0 SHOULD, 0 MAY." in out
    assert (
        "**MUST** `diff/member-renamed`: command block-job-set-speed: "
        "arguments.value was renamed to 'speed' (same type)" in out
    )


def test_2012_block_job_commands_renamed(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # db58f9c060: the underscore names never reached a release; still, each is a rename
    code, out = _review(history, "qmp: make block job command naming consistent", capsys)
    assert code == 0, out
    for old, new in [
        ("block_job_cancel", "block-job-cancel"),
        ("block_job_set_speed", "block-job-set-speed"),
        ("block_stream", "block-stream"),
    ]:
        assert f"`diff/command-renamed`: command '{old}' was renamed to '{new}'" in out
    assert "command-removed" not in out and "command-added" not in out


@pytest.mark.parametrize(
    ("subject", "why"),
    [
        # QEMU 1.0.50: 'gen': 'no', a 'returns' type no generator checked, a trailing comma
        ("qmp: add block_job_set_speed command", "the 2012 dialect"),
        # QEMU 1.4.50: a missing comma, which QEMU's first parser skipped over
        ("New cpu-max field in query-machines QMP command output", "optional commas"),
        # QEMU 2.3.50: an anonymous union ('discriminator': {}), what 2.4 named alternate
        ('block/null: Latency simulation by adding new option "latency-ns"', "anonymous union"),
        # QEMU 5.1 development: the pragma moved to qapi/pragma.json with its old names
        ("qapi: Restrict LostTickPolicy enum to machine code", "old pragma names"),
        # QEMU 9.2 development: a documentation line longer than 70 columns
        ("qapi: add cross-references to job.json", "documentation rules"),
    ],
)
def test_trees_qemus_generator_accepted_are_reviewed(
    history: Path, subject: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _review(history, subject, capsys)
    assert code == 0, (why, out)
    assert "wire-visible change(s)" in out or "no change" not in out, (why, out)


def test_a_sample_of_the_whole_history_is_reviewed(history: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "sweep_review.py"),
            "--repo",
            str(history),
            "--sample",
            "40",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "40 commits reviewed" in done.stdout
    assert "refused 0, tracebacks 0" in done.stdout


def test_a_real_patch_mail_touching_c_files_reviews(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 7686f2c5d7 as 'git format-patch' writes it; every real QAPI patch also changes C
    # files, which the schema tree does not have: only the schema's hunks are applied
    sha = _commit(history, "migration: Drop deprecated QMP command query-migrationthreads")
    subprocess.run(
        ["git", "-C", str(history), "format-patch", "-1", sha, "-o", str(tmp_path / "mail")],
        check=True,
        capture_output=True,
    )
    (mail,) = (tmp_path / "mail").glob("*.patch")
    c_file = (
        "diff --git a/migration/migration.c b/migration/migration.c\n"
        "--- a/migration/migration.c\n+++ b/migration/migration.c\n"
        "@@ -1,3 +1,2 @@\n a\n-b\n c\n"
    )
    text = mail.read_text(encoding="utf-8")
    mail.write_text(text.replace("\ndiff --git", "\n" + c_file + "diff --git", 1), encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(history), "archive", f"{sha}~1"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    code = main(["review", "--tree", str(tree), str(mail)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "query-migrationthreads" in out and "was removed" in out


def test_a_broken_contract_set_is_a_clean_error(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "contracts" / "jobs" / "1.0.0.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"contract": "jobs", ', encoding="utf-8")
    sha = _commit(history, "block: change block-job-set-speed argument from 'value' to 'speed'")
    code = main(["review", "--repo", str(history), "--contracts", str(broken.parents[1]),
                 f"{sha}~1..{sha}"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "the contracts have problems" in err and "1.0.0.json:1:22: [json-syntax]" in err


def test_a_removal_says_when_it_was_deprecated_and_checks_the_policy(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 7686f2c5d7 removed query-migrationthreads, deprecated in 9.2 by 228529d1fe
    code, out = _review(
        history, "migration: Drop deprecated QMP command query-migrationthreads", capsys
    )
    assert code == 0, out
    assert (
        "deprecated command 'query-migrationthreads' was removed in 11.0 (deprecated in 9.2 by "
        '228529d1fe "migration: Deprecate query-migrationthreads command"): 4 releases later: '
        "the policy's two releases held" in out
    )
    assert "check it was deprecated" not in out


def test_a_member_of_a_shared_type_is_one_item(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # b108dcbebc: one optional member of ChardevCommon, which 23 backends of two commands use
    code, out = _review(history, "chardev: add logtimestamp option", capsys)
    assert code == 0, out
    assert "1 wire-visible change(s): 0 MUST, 0 SHOULD, 1 MAY." in out
    assert (
        "member 'logtimestamp' was added; reaches command chardev-add (23 paths), "
        "command chardev-change (23 paths)" in out
    )


def test_changes_say_where_the_element_is_defined(
    history: Path, capsys: pytest.CaptureFixture[str], shared_corpus: Path
) -> None:
    code, out = _review(
        history, "migration: Drop deprecated QMP command query-migrationthreads", capsys
    )
    assert code == 0 and "the policy's two releases held (qapi/migration.json:" in out, out
    # diff of two QAPI trees: JSON and SARIF carry the definition's file and line
    qapi = shared_corpus / "qapi"
    sides = [str(qapi / tag / "qapi-schema.json") for tag in ("v8.2.0", "v9.2.0")]
    main(["diff", *sides, "--output", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert findings and all(f["location"]["line"] for f in findings), findings[:3]
    assert {Path(f["location"]["file"]).parent.name for f in findings} <= {"v8.2.0", "v9.2.0"}
    main(["diff", *sides, "--output", "sarif"])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results)


def test_a_series_is_reviewed_patch_by_patch_and_in_total(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # an mbox of two patches, as 'git format-patch --stdout' (or 'b4 am') writes it
    sha = _commit(history, "chardev: add logtimestamp option")
    mbox = subprocess.run(
        ["git", "-C", str(history), "format-patch", "--stdout", f"{sha}~2..{sha}"],
        check=True,
        capture_output=True,
    ).stdout
    (tmp_path / "series.mbox").write_bytes(mbox)
    tree = tmp_path / "tree"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(history), "archive", f"{sha}~2"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    code = main(["review", str(tmp_path / "series.mbox"), "--tree", str(tree)])
    out = capsys.readouterr().out
    assert code == 0, out
    titles = [line for line in out.splitlines() if line.startswith("## QMP review: ")]
    assert titles == [
        "## QMP review: 1/2 [PATCH 1/2] qapi: Add hexagon to SysEmuTarget",
        "## QMP review: 2/2 [PATCH 2/2] chardev: add logtimestamp option",
        "## QMP review: the whole series (2 patches)",
    ]
    # the total; the enum values are MUST for the review: libvirt sends query-target
    assert "3 wire-visible change(s): 2 MUST, 0 SHOULD, 1 MAY." in out


def test_what_libvirt_loses(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 'reconnect' of netdev_add's stream backend, deprecated for 'reconnect-ms', then removed
    code, out = _review(history, "net/stream: remove deprecated 'reconnect' option", capsys)
    assert code == 0, out
    assert (
        "`diff/libvirt-probe-changed`: libvirt 11.3: probe "
        "`netdev_add/arg-type/+stream/reconnect` (QEMU_CAPS_NETDEV_STREAM_RECONNECT) "
        "turns false" in out
    )
    # a removal QEMU's policy allows (MAY) is MUST for the review: libvirt sends netdev_add
    assert (
        "**MUST** `diff/removed-after-deprecation`: command netdev_add: "
        "arguments(type=stream).reconnect was removed in 10.2 (deprecated in 9.2 by "
        "c40e962d83 \"net/stream: deprecate 'reconnect' in favor of 'reconnect-ms'\"): "
        "3 releases later: the policy's two releases held [MAY for QEMU's rules; MUST for "
        "the review: libvirt uses it]" in out
    )
    assert "  - libvirt 9.0 sends command 'netdev_add'" in out
    assert "  - libvirt 11.3 sends command 'netdev_add'" in out


def test_the_docs_show_what_review_prints(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _review(history, "net/stream: remove deprecated 'reconnect' option", capsys)
    # The review guide and the diff reference include this file (docsite/outputs.py).
    shown = (REPO / "docs" / "snippets" / "review-015051a21cf9.md").read_text(encoding="utf-8")
    body = out.split("\n", 2)[2]  # the title names the bundle's own commit ids
    assert code == 0 and shown == "```markdown\n" + body.rstrip("\n") + "\n```\n"


# The removals issue 16 found unreported, each one item with its exact text.
REMOVALS = [
    # a member of a union branch: the 'block-dirty-bitmap-add' action of 'transaction'
    (
        "dirty-bitmaps: remove deprecated autoload parameter",
        "- [ ] **MUST** `diff/argument-removed`: command transaction: "
        "arguments.actions[](type=block-dirty-bitmap-add).data.autoload was removed "
        "(qapi/transaction.json:162)",
    ),
    # values of an enum: QKeyCode's altgr, which send-key takes
    (
        "ui: drop altgr and altgr_r QKeyCodes",
        "- [ ] **MUST** `diff/input-enum-value-removed`: command send-key: value 'altgr' of "
        "arguments.keys[](type=qcode).data was removed (qapi-schema.json:4935)",
    ),
    # a member of an array return (and of the arguments), its deprecation found and checked
    (
        "trace: Remove deprecated 'vcpu' field from QMP trace events",
        "- [ ] **MAY** `diff/removed-after-deprecation`: member 'vcpu' was removed in 9.1 "
        '(deprecated in 8.1 by 5485e52a33 "qapi: make the vcpu parameters deprecated for '
        "8.1\"): 3 releases later: the policy's two releases held; reaches command "
        "trace-event-get-state (2 paths), command trace-event-set-state (1 path), "
        "e.g. arguments.vcpu (qapi/trace.json:60)",
    ),
    # a member becoming mandatory, in a type two commands take
    (
        "qapi-schema: mark InetSocketAddress as mandatory again",
        "- [ ] **MUST** `diff/argument-became-mandatory`: member 'port' became mandatory; "
        "reaches command chardev-add (3 paths), command nbd-server-start (1 path), "
        "e.g. arguments.backend(type=socket).data.addr(type=inet).data.port "
        "(qapi-schema.json:3142)",
    ),
    # a command removed (49ccefde30)
    (
        "qmp: remove qmp_cpu",
        "- [ ] **MUST** `diff/command-removed`: command 'cpu' was removed (qapi-schema.json:1057)",
    ),
]


@pytest.mark.parametrize(("subject", "item"), REMOVALS, ids=[s for s, _ in REMOVALS])
def test_each_kind_of_removal_is_an_item(
    history: Path, subject: str, item: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _review(history, subject, capsys)
    assert code == 0, out
    assert item in out.splitlines(), out


def test_the_output_member_removed_from_an_array_return_is_reached(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # trace-event-get-state returns [TraceEventInfo]: its 'vcpu' went with the argument
    sha = _commit(history, "trace: Remove deprecated 'vcpu' field from QMP trace events")
    roots = []
    for name, commit in (("old", f"{sha}~1"), ("new", sha)):
        tree = tmp_path / name
        tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(history), "archive", commit], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        roots.append(str(tree / "qapi" / "qapi-schema.json"))
    main(["diff", *roots])
    out = capsys.readouterr().out
    assert "command trace-event-get-state: return[].vcpu was removed" in out, out


def test_history_with_the_repository_names_each_steps_commit_and_release(
    history: Path, shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qapi = shared_corpus / "qapi"
    trees = [str(qapi / tag) for tag in ("v7.2.0", "v8.2.0", "v9.2.0", "v10.2.0")]
    code = main(["history", *trees, "query-migrationthreads", "--repo", str(history)])
    out = capsys.readouterr().out
    assert code == 0, out
    # the sources skip 8.0 to 8.1 and 9.0 to 9.1: the history finds each commit, and its release
    assert (
        'command query-migrationthreads: added in 8.0 by 671326201d "migration: Introduce '
        'interface query-migrationthreads"; deprecated in 9.2 by 228529d1fe '
        '"migration: Deprecate query-migrationthreads command"' in out.splitlines()
    ), out
    assert main(["history", *trees[:3], "trace-event-get-state", "--repo", str(history),
                 "--output", "json"]) == 0  # fmt: skip
    elements = json.loads(capsys.readouterr().out)["elements"]
    steps = {(e["path"], s["what"]): s for e in elements for s in e["steps"]}
    removed = steps[("return[].vcpu", "removed")]
    assert (removed["commit"][:10], removed["release"], removed["after"]) == (
        "7ffc4894a6",
        "9.1",
        "8.2",
    )
    assert removed["title"] == "trace: Remove deprecated 'vcpu' field from QMP trace events"
    assert steps[("arguments.vcpu", "deprecated")]["release"] == "8.1"


def test_history_with_a_repository_needs_a_name(
    history: Path, shared_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qapi = shared_corpus / "qapi"
    trees = [str(qapi / tag) for tag in ("v8.2.0", "v9.2.0")]
    assert main(["history", *trees, "--repo", str(history)]) == 2
    assert "--repo traces the elements asked about: give a NAME" in capsys.readouterr().err


def test_a_single_commit_is_its_own_change(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 'review --repo DIR C' reads as 'git show C' does: C^..C
    sha = _commit(history, "block: change block-job-set-speed argument from 'value' to 'speed'")
    ranged = main(["review", "--repo", str(history), f"{sha}~1..{sha}"]), capsys.readouterr().out
    single = main(["review", "--repo", str(history), sha]), capsys.readouterr().out
    assert single[0] == ranged[0] == 0
    body = ranged[1].split("\n", 1)[1]  # all but the heading, which names the revisions
    assert single[1] == f"## QMP review: {sha}^1 -> {sha}\n{body}"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no-such-commit", "no-such-commit: no such commit"),
        ("--output=/tmp/x", "not a revision or range (expected C, A..B or A...B)"),
        ("HEAD~1..--x", "not a revision or range (expected C, A..B or A...B)"),
        ("ROOT", "a root commit has no parent to compare with; give a range A..B"),
    ],
)
def test_a_revision_that_is_no_commit_to_review_is_a_clean_error(
    history: Path, target: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if target == "ROOT":
        target = subprocess.run(
            ["git", "-C", str(history), "rev-list", "--max-parents=0", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    assert main(["review", "--repo", str(history), "--", target]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
