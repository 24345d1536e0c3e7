"""The pytest plugin, run the way users run it (pytester: a pytest inside the test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import REPO

pytest_plugins = ["pytester"]

CLEAN = REPO / "examples" / "qemu-7.2-block-jobs.jsonl"
GOLDEN = REPO / "tests" / "corpus" / "transcripts" / "golden"
FOREIGN_ID = GOLDEN / "qmp-core" / "id-echo--foreign-id.jsonl"
TRUNCATED_ONLY = GOLDEN / "qmpcontract" / "truncated--recording-cut-before-quit-returns.jsonl"


def test_each_transcript_is_an_item(pytester: pytest.Pytester, tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    shutil.copy(CLEAN, recordings / "clean.jsonl")
    shutil.copy(FOREIGN_ID, recordings / "foreign-id.jsonl")
    (recordings / "README.txt").write_text("notes, not a transcript\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--qmp-transcripts", str(recordings))
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    # The failure text is the rendered findings, not a traceback.
    assert "MUST [qmp-core/id-echo] QEMU must: the response to 'query-block-jobs'" in out
    assert "foreign-id.jsonl:" in out and "Traceback" not in out


def test_fail_on_level(pytester: pytest.Pytester) -> None:
    assert TRUNCATED_ONLY.exists()
    passed = pytester.runpytest("-p", "no:cacheprovider", "--qmp-transcripts", str(TRUNCATED_ONLY))
    passed.assert_outcomes(passed=1)
    failed = pytester.runpytest(
        "-p", "no:cacheprovider", "--qmp-transcripts", str(TRUNCATED_ONLY), "--qmp-fail-on", "may"
    )
    failed.assert_outcomes(failed=1)
    assert "MAY [qmpcontract/truncated]" in failed.stdout.str()


def test_unreadable_transcript_fails_with_a_located_error(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01 not qmp at all")
    missing = tmp_path / "missing.jsonl"
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--qmp-transcripts",
        str(garbage),
        "--qmp-transcripts",
        str(missing),
    )
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "garbage.bin: cannot tell the transcript format" in out
    assert "missing.jsonl" in out and "Traceback" not in out


def test_items_can_be_selected_with_k(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--qmp-transcripts",
        str(CLEAN),
        "--qmp-transcripts",
        str(FOREIGN_ID),
        "-k",
        "qemu-7",
    )
    result.assert_outcomes(passed=1, deselected=1)


def test_fixtures_for_users_own_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        def test_clean(assert_qmp_clean):
            assert_qmp_clean({str(CLEAN)!r})

        def test_not_clean(assert_qmp_clean):
            with pytest.raises(AssertionError, match=r"qmp-core/id-echo"):
                assert_qmp_clean({str(FOREIGN_ID)!r})

        def test_result(qmp_check, qmp_contracts):
            result = qmp_check({str(CLEAN)!r})
            assert result.findings == ()
            assert qmp_contracts.latest("block-jobs") is not None
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_bad_contracts_are_a_usage_error(pytester: pytest.Pytester, tmp_path: Path) -> None:
    broken = tmp_path / "contracts" / "broken"
    broken.mkdir(parents=True)
    (broken / "1.0.0.json").write_text("{ not json")
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--qmp-transcripts",
        str(CLEAN),
        "--qmp-contracts",
        str(tmp_path / "contracts"),
    )
    assert result.ret != 0
    assert (
        "--qmp-contracts: the contracts have problems" in result.stdout.str() + result.stderr.str()
    )
