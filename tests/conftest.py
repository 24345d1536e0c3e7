"""Shared fixtures: where the repository, the shipped contracts and the corpus are."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: a short run by default (CI), a long one on request
# (pytest -m property --hypothesis-profile=long).
settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
CONTRACTS = REPO / "contracts"
TEST_CORPUS = Path(__file__).resolve().parent / "corpus"


def _shared_corpus() -> Path:
    """The shared corpus: ``$QMPCONTRACT_SHARED_CORPUS``, else ``../shared/corpus``.

    The default is relative to the repository; a clone elsewhere (CI's ``.ci/run``
    sets the variable) names it.  No machine path is built in.
    """
    if os.environ.get("QMPCONTRACT_SHARED_CORPUS"):
        return Path(os.environ["QMPCONTRACT_SHARED_CORPUS"])
    return REPO.parent / "shared" / "corpus"


SHARED_CORPUS = _shared_corpus()
REGENERATE = os.environ.get("QMPCONTRACT_REGENERATE") == "1"


def git(repo: Path, *args: str) -> str:
    """Run ``git ARGS`` in *repo* under a fixed identity; its standard output."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update",
        action="store_true",
        default=False,
        help="rewrite golden expected files instead of comparing (review the diff!)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be rewritten (--update or QMPCONTRACT_REGENERATE=1)."""
    return bool(request.config.getoption("--update")) or REGENERATE


@pytest.fixture
def shared_corpus() -> Path:
    """The shared corpus of real recordings and schemas; skips when absent."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"shared corpus not available at {SHARED_CORPUS}")
    return SHARED_CORPUS
