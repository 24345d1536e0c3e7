"""Small HTML and markdown helpers shared by the generated pages.

Tables that need ids on rows or classes on cells (the rules of a contract, the
matrix, the history) are written as HTML, which markdown passes through
untouched; everything else is markdown.
"""

from __future__ import annotations

import html
import re

from qmpcontract.model.contract import Level, Obliged, Reference

QEMU_COMMIT = "https://gitlab.com/qemu-project/qemu/-/commit/"
_COMMIT_URL = re.compile(r"/commit/([0-9a-f]{12,40})\b")


def esc(text: str) -> str:
    """*text* escaped for HTML."""
    return html.escape(text, quote=True)


def anchor(rule_id: str) -> str:
    """The anchor of a rule's section: ``a/b`` -> ``a-b``."""
    return rule_id.replace("/", "-")


def badge(level: Level) -> str:
    """An inline badge for a requirement level: MUST, SHOULD or MAY (styled in extra.css).

    >>> badge(Level.MAY)
    '<span class="qmp-badge qmp-may">MAY</span>'
    """
    return f'<span class="qmp-badge qmp-{level.value.lower()}">{level.value}</span>'


def who(party: Obliged) -> str:
    """Whom a rule obliges, as the pages say it: QEMU, the client, or both sides."""
    return {"producer": "QEMU", "consumer": "the client"}.get(party.value, "both sides")


def reference_url(ref: Reference) -> str | None:
    """Where a reference links to: a QEMU commit always to QEMU's own repository.

    A contract may cite a commit through a mirror; the site links it to
    gitlab.com/qemu-project/qemu, where QEMU publishes its history.

    >>> reference_url(Reference("commit", "t", url="https://example.org/m/qemu/commit/de253f14912e",
    ...                         repo="qemu"))
    'https://gitlab.com/qemu-project/qemu/-/commit/de253f14912e'
    """
    commit = ref.commit
    if commit is None and ref.url is not None and ref.repo == "qemu":
        found = _COMMIT_URL.search(ref.url)
        commit = found.group(1) if found else None
    if commit is not None and ref.repo == "qemu":
        return QEMU_COMMIT + commit
    return ref.url


def reference_line(ref: Reference) -> str:
    """One markdown line for a reference: kind, linked title, date and commit."""
    url = reference_url(ref)
    title = f"[{ref.title}]({url})" if url else ref.title
    extra = ", ".join(x for x in (ref.date, ref.commit and f"commit `{ref.commit[:12]}`") if x)
    return f"- {ref.kind}: {title}" + (f" ({extra})" if extra else "")
