"""The built docs site in a real headless browser (Debian's chromium, driven over CDP).

Each item of issue 18 is checked on the rendered pages at 1280 px: type tables with
their members, linked from where they are used (across contracts); the history entry
of ``cpu-add``; the rule links of ``BLOCK_JOB_COMPLETED``'s section, both ways; the real
outputs of the guides; the matrix (colours, collapsed rows, no overflow); no rule id
broken inside a word; no resource from another origin; MUST/SHOULD/MAY badges only.
Screenshots of the home page, the block-jobs page, the history page and the matrix are
kept in ``artifacts/`` for CI.
"""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ..cdp import Page, browser, chromium, free_port
from ..conftest import REPO
from ..test_docs import built_site

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(chromium() is None, reason="needs Debian's chromium (.ci/run installs it)"),
]

SHOTS = {
    "": "docs-home.png",
    "contracts/block-jobs/": "docs-block-jobs.png",
    "history/": "docs-history.png",
    "compatibility/": "docs-compatibility.png",
}

# The table after the heading with this id (the first one before the next heading).
TABLE_AFTER = """(id => { let n = document.getElementById(id); let t = null;
  while (n && !t) { n = n.nextElementSibling;
    if (n && /^H[1-3]$/.test(n.tagName)) break;
    t = n && (n.tagName === 'TABLE' ? n : n.querySelector('table')); }
  return t ? Array.from(t.querySelectorAll('tbody tr')).map(r =>
    Array.from(r.cells).map(c => c.textContent.trim())) : null })"""

# Elements of the section that starts at the heading with this id, up to the next heading.
SECTION = """(id => { let n = document.getElementById(id); const out = [];
  while (n && (n = n.nextElementSibling) && !/^H[1-3]$/.test(n.tagName)) out.push(n);
  return out })"""

# Every code element that is a rule id broken between two letters or digits of one word.
BROKEN_IDS = r"""(() => { const broken = [];
  for (const code of document.querySelectorAll('article code')) {
    if (code.closest('pre')) continue;
    const text = code.textContent;
    if (!/^[a-z][a-z0-9-]*\/[a-z0-9-]+$/.test(text)) continue;
    const node = code.firstChild;
    if (!node || node.nodeType !== 3) continue;
    const range = document.createRange();
    let top = null;
    for (let i = 0; i < text.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) break;  // hidden (a closed details)
      if (top !== null && Math.abs(rect.top - top) > 2
          && /[a-z0-9]/.test(text[i - 1]) && /[a-z0-9]/.test(text[i])) {
        broken.push(text.slice(0, i) + '|' + text.slice(i)); break; }
      top = rect.top;
    } }
  return broken })()"""

OVERFLOW = """Array.from(document.querySelectorAll('article .md-typeset__scrollwrap, article pre'))
  .filter(e => e.scrollWidth > e.clientWidth + 1).length
  + (document.documentElement.scrollWidth > document.documentElement.clientWidth ? 1000 : 0)"""

# Where a page may link to: this project, QEMU and libvirt, the archives of their mailing
# lists and patch trackers (where the agreements were made), and the JSON Schema standard.
# Never a font service, a CDN, or a mirror of QEMU (a QEMU commit links to gitlab.com).
ALLOWED = (
    "https://gitlab.com/qmpcontract/qmpcontract",  # repo_url in mkdocs.yml
    "https://gitlab.com/qemu-project/",
    "https://www.qemu.org/",
    "https://wiki.qemu.org/",
    "https://gitlab.com/libvirt/",
    "https://libvirt.org/",
    "https://lists.gnu.org/archive/",
    "https://lists.nongnu.org/archive/",
    "https://listman.redhat.com/archives/",
    "https://lists.libvirt.org/",
    "http://patchwork.ozlabs.org/",
    "https://mail-archive.com/",
    "https://www.mail-archive.com/",
    "https://go.mail-archive.com/",
    "https://json-schema.org/",
)
URLS = """Array.from(document.querySelectorAll('[href], [src]')).map(e => e.href || e.src)
  .concat(performance.getEntriesByType('resource').map(e => e.name))
  .filter(u => /^https?:/.test(u) && !u.startsWith(location.origin))"""

FOREIGN = """performance.getEntriesByType('resource').map(e => e.name)
  .filter(u => !u.startsWith(location.origin))"""


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


@pytest.fixture(scope="module")
def page(served: str) -> Iterator[Page]:
    with browser() as tab:
        tab.call("Emulation.setDeviceMetricsOverride", width=1280, height=1600,
                 deviceScaleFactor=1, mobile=False)  # fmt: skip
        yield tab


def _table(page: Page, anchor: str) -> list[list[str]]:
    rows: list[list[str]] | None = page.evaluate(f"{TABLE_AFTER}({json.dumps(anchor)})")
    assert rows, f"no table after #{anchor}"
    return rows


def _hrefs(page: Page, anchor: str) -> list[str]:
    hrefs: list[str] = page.evaluate(
        f"{SECTION}({json.dumps(anchor)}).flatMap(e =>"
        " Array.from(e.querySelectorAll('a')).map(a => a.getAttribute('href')))"
    )
    return hrefs


def test_screenshots_and_nothing_from_elsewhere(page: Page, served: str) -> None:
    artifacts = REPO / "artifacts"
    artifacts.mkdir(exist_ok=True)
    for path, name in SHOTS.items():
        page.goto(f"{served}/{path}")
        assert page.evaluate(FOREIGN) == [], path
        shot = page.call("Page.captureScreenshot", format="png")
        (artifacts / name).write_bytes(base64.b64decode(shot["data"]))
        assert (artifacts / name).stat().st_size > 10_000, name


def test_no_third_party_url_in_any_page(page: Page, served: str) -> None:
    site = built_site()
    paths = sorted(str(p.parent.relative_to(site)) for p in site.rglob("index.html"))
    assert len(paths) > 20, paths
    for path in paths:
        page.goto(f"{served}/{'' if path == '.' else path + '/'}")
        foreign = [u for u in page.evaluate(URLS) if not u.startswith(ALLOWED)]
        assert foreign == [], path
        assert page.evaluate(FOREIGN) == [], path  # nothing loaded from elsewhere


def test_type_tables_with_their_members_linked_from_their_uses(page: Page, served: str) -> None:
    page.goto(f"{served}/contracts/block-jobs/")
    assert page.evaluate("document.querySelector('h1').textContent").startswith("Block jobs")
    arguments = [row[0] for row in _table(page, "command-block-stream")]
    assert "job-id" in arguments and "device" in arguments, arguments
    info = {row[0]: row for row in _table(page, "type-BlockJobInfo")}
    assert {"type", "device", "len", "offset", "speed", "status"} <= set(info), info
    assert info["error"][2] == "yes" and info["len"][2] == "no"  # the "optional" column
    assert info["busy"][3] == "1.3"  # since
    assert "#type-BlockJobInfo" in _hrefs(page, "command-query-block-jobs")
    assert "../jobs/#type-JobStatus" in _hrefs(page, "type-BlockJobInfo")  # across contracts

    page.goto(f"{served}/contracts/jobs/#type-JobStatus")
    values = [row[0] for row in _table(page, "type-JobStatus")]
    assert "concluded" in values and "pending" in values, values
    job_info = {row[0]: row for row in _table(page, "type-JobInfo")}
    assert {"id", "type", "status", "current-progress"} <= set(job_info)
    assert [r[0] for r in _table(page, "type-JobType")][:2] == ["commit", "stream"]
    assert "#type-JobInfo" in _hrefs(page, "command-query-jobs")

    page.goto(f"{served}/contracts/qmp-core/")
    triple = [row[0] for row in _table(page, "type-VersionTriple")]
    assert triple == ["major", "minor", "micro"], triple


def test_rules_of_block_job_completed_link_both_ways(page: Page, served: str) -> None:
    page.goto(f"{served}/contracts/block-jobs/")
    links = [h for h in _hrefs(page, "event-BLOCK_JOB_COMPLETED") if h.startswith("#block-jobs-")]
    assert "#block-jobs-completion-event-name" in links, links
    assert "#block-jobs-terminal-event" in links, links
    for link in links:  # each names a row of the rules table ...
        row = f"!!document.getElementById({json.dumps(link[1:])})?.closest('tr')"
        assert page.evaluate(row), link
    back = page.evaluate(  # ... and that row links back to the event
        "Array.from(document.getElementById('block-jobs-completion-event-name')"
        ".closest('tr').querySelectorAll('a')).map(a => a.getAttribute('href'))"
    )
    assert "#event-BLOCK_JOB_COMPLETED" in back, back


def test_history_by_release(page: Page, served: str) -> None:
    page.goto(f"{served}/history/")
    rows = page.evaluate(
        "Array.from(document.querySelectorAll('article tr')).map(r =>"
        " Array.from(r.cells).map(c => c.textContent.trim())).filter(r => r[0] === 'cpu-add')"
    )
    assert rows and rows[0][1:] == ["command", "1.5 or earlier", "5.0", "5.2"], rows

    page.evaluate("document.querySelector('input.md-search__input').focus()")
    page.call("Input.insertText", text="cpu-add")
    found = page.wait_for(
        "Array.from(document.querySelectorAll('.md-search-result__item a'))"
        ".map(a => a.getAttribute('href'))"
    )
    assert any("history/" in link for link in found), found

    page.goto(f"{served}/contracts/block-jobs/")
    removed = page.evaluate(f"{TABLE_AFTER}('removed-and-deprecated')")
    pause = [row for row in removed if row[0].startswith("block-job-pause")]
    assert pause and "deprecated between 10.0 and 10.2" in pause[0][2], pause


def test_the_matrix(page: Page, served: str) -> None:
    page.goto(f"{served}/compatibility/")
    assert page.evaluate(OVERFLOW) == 0, "the matrix overflows at 1280 px"
    rows = _table(page, "qmp-core")
    labels = [row[0] for row in rows]
    assert labels[0] == "1.0" and labels[-1].endswith("to 10.2"), labels
    intro = page.evaluate("document.querySelector('article p').textContent")
    assert "(35 releases, 1.0 to 10.2, x86_64)" in intro and "snapshots are left out" in intro
    early = [row for row in rows if row[0] == "1.5 to 2.7"]  # no qmp_capabilities to check
    assert early and set(early[0][1:]) == {"not introspectable"}, rows
    libvirt = _table(page, "libvirt-and-qemu")
    heads = page.evaluate(
        "Array.from(document.getElementById('libvirt-and-qemu').nextElementSibling"
        ".nextElementSibling.querySelectorAll('th')).map(t => t.textContent)"
    )
    assert heads == ["QEMU", "libvirt 9.0.0", "libvirt 11.3.0"], heads
    last = libvirt[-1]
    assert last[0].endswith("to 10.2") and "block-jobs@2.5.0" in last[1], libvirt
    assert all(c.startswith(("yes", "no (", "not introspectable")) for c in last[1:]), last
    colours = page.evaluate(
        "['qmp-yes', 'qmp-no', 'qmp-unknown'].map(c => { const s = document.createElement('span');"
        " s.className = 'qmp-cell ' + c; document.body.append(s);"
        " return getComputedStyle(s).backgroundColor })"
    )
    assert len(set(colours)) == 3, colours


def test_real_outputs_on_the_pages(page: Page, served: str) -> None:
    page.goto(f"{served}/guides/check-a-libvirt-log/")
    assert page.evaluate("document.querySelector('article ol').children.length") == 3
    blocks = page.evaluate(
        "Array.from(document.querySelectorAll('article pre')).map(p => p.textContent)"
    )
    assert any("qemu-7.2-block-jobs.jsonl: 61 messages" in b and "0 findings" in b for b in blocks)
    assert any(
        "MUST [block-jobs/terminal-event]" in b and "stream job 'stream1'" in b for b in blocks
    )
    for path in ("guides/review-a-patch/", "reference/diff/"):
        page.goto(f"{served}/{path}")
        text = page.evaluate("document.querySelector('article').textContent")
        assert "**MUST** `diff/removed-after-deprecation`: command netdev_add" in text, path
    assert "block-jobs@2.2.0 -> block-jobs@2.3.0: 9 change(s)" in text
    page.goto(f"{served}/reference/cli/")
    titles = page.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
    assert {"qmpcontract record", "qmpcontract fuzz", "qmpcontract import qapi"} <= {
        t.rstrip("¶") for t in titles
    }, titles


def test_no_rule_id_broken_and_one_level_vocabulary(page: Page, served: str) -> None:
    contracts = sorted(p.parent.name for p in (built_site() / "contracts").glob("*/index.html"))
    assert len(contracts) >= 3, contracts
    pages = [f"contracts/{c}/" for c in contracts] + [
        "reference/rules/", "reference/check/", "history/", "compatibility/"
    ]  # fmt: skip
    for path in pages:
        page.goto(f"{served}/{path}")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.evaluate("window.innerWidth") == 1280
        assert page.evaluate(BROKEN_IDS) == [], path
        badges = set(page.evaluate(
            "Array.from(document.querySelectorAll('.qmp-badge')).map(b => b.textContent)"
        ))  # fmt: skip
        assert badges <= {"MUST", "SHOULD", "MAY"}, (path, badges)
    page.goto(f"{served}/guides/record/")
    edit = page.evaluate("document.querySelector('a.md-content__button')?.href")
    assert edit and edit.endswith("/-/edit/main/docs/guides/record.md"), edit
