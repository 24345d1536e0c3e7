"""The built docs site in a real headless browser (Debian's chromium, driven over CDP).

Loads the block-jobs contract page, checks that the rules table and a command
table render, searches for BLOCK_JOB_COMPLETED and expects the page among the
results.  A screenshot of the page is kept in ``artifacts/`` for CI.
"""

from __future__ import annotations

import base64
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..cdp import browser, chromium, free_port
from ..conftest import REPO
from ..test_docs import built_site

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(chromium() is None, reason="needs Debian's chromium (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    site = built_site()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_contract_page_renders_and_search_finds_it(served: str) -> None:
    with browser() as page:
        page.goto(f"{served}/contracts/block-jobs/")
        assert page.evaluate("document.querySelector('h1').textContent").startswith("Block jobs")
        rules = page.evaluate(
            "Array.from(document.querySelectorAll('table')).filter(t =>"
            " t.textContent.includes('block-jobs/terminal-event')).length"
        )
        assert rules >= 1, "the rules table renders"
        arguments = page.evaluate(
            "(() => { let n = document.getElementById('block-stream'); let t = null;"
            " while (n && !t) { n = n.nextElementSibling;"
            "   t = n && (n.tagName === 'TABLE' ? n : n.querySelector('table')); }"
            " return t ? Array.from(t.querySelectorAll('td code')).map(c => c.textContent) : []"
            " })()"
        )
        assert "job-id" in arguments and "device" in arguments, arguments
        shot = page.call("Page.captureScreenshot", format="png")
        artifacts = REPO / "artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / "docs-block-jobs.png").write_bytes(base64.b64decode(shot["data"]))

        page.goto(f"{served}/")
        page.evaluate("document.querySelector('input.md-search__input').focus()")
        page.call("Input.insertText", text="BLOCK_JOB_COMPLETED")
        links = page.wait_for(
            "Array.from(document.querySelectorAll('.md-search-result__item a'))"
            ".map(a => a.getAttribute('href'))"
        )
        assert any("/contracts/block-jobs/" in link for link in links), links
    assert Path(REPO / "artifacts" / "docs-block-jobs.png").stat().st_size > 10_000
